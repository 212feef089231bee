import { InvalidVersionError, type ParsedVersions, type VersionScheme } from "./types.js";

interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/** Splits "[epoch:]upstream[-revision]" the way dpkg's parseversion does. */
function parse(v: string): DpkgVersion {
  const s = v.trim();
  if (s === "") throw new InvalidVersionError("dpkg", v, "empty");
  if (/\s/.test(s)) throw new InvalidVersionError("dpkg", v, "embedded whitespace");
  let epoch = "0";
  let rest = s;
  const colon = s.indexOf(":");
  if (colon !== -1) {
    epoch = s.slice(0, colon);
    if (!/^\d+$/.test(epoch)) throw new InvalidVersionError("dpkg", v, "epoch is not a number");
    rest = s.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  const upstream = dash === -1 ? rest : rest.slice(0, dash);
  const revision = dash === -1 ? "" : rest.slice(dash + 1);
  if (upstream === "") throw new InvalidVersionError("dpkg", v, "empty upstream version");
  if (dash !== -1 && revision === "") throw new InvalidVersionError("dpkg", v, "empty revision");
  return { epoch, upstream, revision };
}

/** dpkg's character order: '~' before everything (even the end), letters before other symbols. */
function order(c: number): number {
  if (c >= 48 && c <= 57) return 0; // digits are handled by the caller
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  if (c === 126) return -1; // '~'
  if (c === 0) return 0; // end of string
  return c + 256;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Compares digit strings of any length without converting to Number (they may exceed 2^53). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = i < a.length ? order(a.charCodeAt(i)) : 0;
      const bc = j < b.length ? order(b.charCodeAt(j)) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    const si = i;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    const sj = j;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    firstDiff = compareDigits(a.slice(si, i), b.slice(sj, j));
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function compareParsed(x: DpkgVersion, y: DpkgVersion): number {
  const e = compareDigits(x.epoch, y.epoch);
  if (e !== 0) return e;
  const u = verrevcmp(x.upstream, y.upstream);
  if (u !== 0) return u;
  return verrevcmp(x.revision, y.revision);
}

const parsed: ParsedVersions<DpkgVersion> = { parse, compare: compareParsed };

export const dpkg: VersionScheme = {
  parsed,
  name: "dpkg",
  isValid(v: string): boolean {
    try {
      parse(v);
      return true;
    } catch {
      return false;
    }
  },
  compare(a: string, b: string): number {
    return compareParsed(parse(a), parse(b));
  },
};
