import { InvalidVersionError, type VersionScheme } from "./types.js";

/**
 * Composer (Packagist) versions: Composer normalizes a version ("v1.2" → "1.2.0.0",
 * "1.0-b2" → "1.0.0.0-beta2") and then orders with PHP's version_compare. Both are implemented
 * here; version_compare is checked against PHP itself in the tests.
 */

const SPECIAL: [string, number][] = [
  ["dev", 0],
  ["alpha", 1],
  ["a", 1],
  ["beta", 2],
  ["b", 2],
  ["RC", 3],
  ["rc", 3],
  ["#", 4],
  ["pl", 5],
  ["p", 5],
];

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const isSpecialVer = (c: string) => c === "-" || c === "_" || c === "+";
const isDig = (c: string) => isDigit(c);
const isNdig = (c: string) => !isDigit(c) && c !== ".";

/**
 * php_canonicalize_version: "-", "_", "+" and any other non-alphanumeric become "." (never two
 * in a row), and a "." goes between a digit and a non-digit. The first character is kept as is.
 */
function canonicalize(v: string): string {
  if (v === "") return "";
  let out = v[0]!;
  let lp = v[0]!;
  for (let i = 1; i < v.length; i++) {
    const c = v[i]!;
    const lq = out[out.length - 1]!;
    if (isSpecialVer(c)) {
      if (lq !== ".") out += ".";
    } else if ((isNdig(lp) && isDig(c)) || (isDig(lp) && isNdig(c))) {
      if (lq !== ".") out += ".";
      out += c;
    } else if (!isAlnum(c)) {
      if (lq !== ".") out += ".";
    } else out += c;
    lp = c;
  }
  return out;
}

function specialOrder(form: string): number {
  for (const [name, order] of SPECIAL) if (form.startsWith(name)) return order;
  return -1;
}

const LONG_MAX = 9223372036854775807n;
/** strtol: leading digits, saturating at LONG_MAX. */
function strtol(s: string): bigint {
  const digits = /^\d+/.exec(s)?.[0] ?? "0";
  const v = BigInt(digits);
  return v > LONG_MAX ? LONG_MAX : v;
}

/** PHP's version_compare(a, b): -1, 0 or 1. */
export function phpVersionCompare(a: string, b: string): number {
  if (a === "" || b === "") return a === b ? 0 : a !== "" ? 1 : -1;
  const v1 = a.startsWith("#") ? a : canonicalize(a);
  const v2 = b.startsWith("#") ? b : canonicalize(b);
  // Walk both strings component by component as the C code does with strchr('.').
  let p1 = 0;
  let p2 = 0;
  let n1: number | null = 0;
  let n2: number | null = 0;
  let compare = 0;
  while (p1 < v1.length && p2 < v2.length && n1 !== null && n2 !== null) {
    const d1 = v1.indexOf(".", p1);
    const d2 = v2.indexOf(".", p2);
    n1 = d1 === -1 ? null : d1;
    n2 = d2 === -1 ? null : d2;
    const e1 = v1.slice(p1, n1 ?? v1.length);
    const e2 = v2.slice(p2, n2 ?? v2.length);
    if (isDigit(e1[0]) && isDigit(e2[0])) {
      const x = strtol(e1);
      const y = strtol(e2);
      compare = x < y ? -1 : x > y ? 1 : 0;
    } else if (!isDigit(e1[0]) && !isDigit(e2[0])) {
      compare = Math.sign(specialOrder(e1) - specialOrder(e2));
    } else if (isDigit(e1[0])) {
      compare = Math.sign(specialOrder("#N#") - specialOrder(e2));
    } else {
      compare = Math.sign(specialOrder(e1) - specialOrder("#N#"));
    }
    if (compare !== 0) break;
    if (n1 !== null) p1 = n1 + 1;
    if (n2 !== null) p2 = n2 + 1;
  }
  if (compare === 0) {
    if (n1 !== null) compare = isDigit(v1[p1]) ? 1 : phpVersionCompare(v1.slice(p1), "#N#");
    else if (n2 !== null) compare = isDigit(v2[p2]) ? -1 : phpVersionCompare("#N#", v2.slice(p2));
  }
  return compare;
}

const STABILITY: Record<string, string> = {
  a: "alpha",
  alpha: "alpha",
  b: "beta",
  beta: "beta",
  rc: "RC",
  c: "RC",
  p: "patch",
  pl: "patch",
  patch: "patch",
  stable: "",
  dev: "dev",
};

/** Composer's VersionParser::normalize for release versions ("v1.2-beta.2" → "1.2.0.0-beta2"). */
export function normalizeComposer(input: string): string | undefined {
  const v = input.trim().replace(/^v/i, "").replace(/#.*$/, "").replace(/@\w+$/, "");
  const m =
    /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:[._-]?(stable|beta|b|RC|alpha|a|patch|pl|p|c)(?:[.-]?(\d+))?)?([.-]?dev)?$/i.exec(
      v,
    );
  if (!m) return undefined;
  const release = [m[1], m[2] ?? "0", m[3] ?? "0", m[4] ?? "0"]
    .map((n) => n!.replace(/^0+(?=\d)/, ""))
    .join(".");
  let suffix = "";
  if (m[5]) {
    const s = STABILITY[m[5].toLowerCase()] ?? m[5];
    if (s) suffix += `-${s}${m[6] ?? ""}`;
  }
  if (m[7]) suffix += "-dev";
  return release + suffix;
}

export const composer: VersionScheme = {
  name: "composer",
  isValid: (v) => normalizeComposer(v) !== undefined,
  compare(a: string, b: string): number {
    const x = normalizeComposer(a);
    const y = normalizeComposer(b);
    if (x === undefined) throw new InvalidVersionError("composer", a);
    if (y === undefined) throw new InvalidVersionError("composer", b);
    return phpVersionCompare(x, y);
  },
};
