import { InvalidVersionError, type ParsedVersions, type VersionScheme } from "./types.js";

/** A parsed SemVer 2.0.0 version. Numeric parts stay strings: they may exceed 2^53. */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
  build: string[];
}

const NUM = "0|[1-9]\\d*";
const PRE_ID = `(?:${NUM}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER_RE = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$`,
);

/** Parses a strict SemVer string (a leading "v" or "=" is tolerated, as npm does). */
export function parseSemver(input: string): SemVer | undefined {
  const s = input.trim().replace(/^=+/, "").trim();
  const m = SEMVER_RE.exec(s);
  if (!m) return undefined;
  return {
    major: m[1]!,
    minor: m[2]!,
    patch: m[3]!,
    prerelease: m[4] ? m[4].split(".") : [],
    build: m[5] ? m[5].split(".") : [],
  };
}

const isNumeric = (s: string) => /^\d+$/.test(s);

export function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareIdentifiers(a: string, b: string): number {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return compareDigits(a, b);
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer 2.0.0 precedence; build metadata is ignored. */
export function compareParsed(a: SemVer, b: SemVer): number {
  const core =
    compareDigits(a.major, b.major) || compareDigits(a.minor, b.minor) || compareDigits(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

function mustParse(v: string): SemVer {
  const p = parseSemver(v);
  if (!p) throw new InvalidVersionError("semver", v);
  return p;
}

const parsed: ParsedVersions<SemVer> = { parse: mustParse, compare: compareParsed };

export const semver: VersionScheme = {
  name: "semver",
  isValid: (v) => parseSemver(v) !== undefined,
  compare: (a, b) => compareParsed(mustParse(a), mustParse(b)),
  parsed,
};

// ---------------------------------------------------------------------------------------------
// npm ranges (node-semver's grammar): "||" alternatives of space-separated comparators, with
// hyphen ranges, x-ranges, tilde and caret desugared into >= / < pairs. Prereleases match only
// when a comparator with the same [major, minor, patch] carries a prerelease, as npm does.

type Op = "<" | "<=" | ">" | ">=" | "=";
interface Comparator {
  op: Op;
  version: SemVer;
}

interface Partial {
  major?: string;
  minor?: string;
  patch?: string;
  prerelease: string[];
}

const X = (s: string | undefined) => s === undefined || s === "" || s === "x" || s === "X" || s === "*";

function parsePartial(s: string): Partial | undefined {
  const m =
    /^v?(\d+|[xX*])(?:\.(\d+|[xX*])(?:\.(\d+|[xX*])(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?)?)?$/.exec(s);
  if (!m) return undefined;
  const p: Partial = { prerelease: m[4] ? m[4].split(".") : [] };
  if (!X(m[1])) p.major = m[1]!;
  if (p.major !== undefined && !X(m[2])) p.minor = m[2]!;
  if (p.minor !== undefined && !X(m[3])) p.patch = m[3]!;
  return p;
}

const inc = (n: string) => (BigInt(n) + 1n).toString();
const sv = (major: string, minor: string, patch: string, prerelease: string[] = []): SemVer => ({
  major,
  minor,
  patch,
  prerelease,
  build: [],
});
/** The lowest version of a bump (npm uses "-0" so prereleases of the bound are excluded). */
const floor = (major: string, minor: string, patch: string) => sv(major, minor, patch, ["0"]);

function desugar(token: string, op: string): Comparator[] | undefined {
  const p = parsePartial(token);
  if (!p) return undefined;
  const { major, minor, patch, prerelease } = p;
  if (op === "~" || op === "~>") {
    if (major === undefined) return [];
    if (minor === undefined)
      return [
        { op: ">=", version: sv(major, "0", "0") },
        { op: "<", version: floor(inc(major), "0", "0") },
      ];
    return [
      { op: ">=", version: sv(major, minor, patch ?? "0", prerelease) },
      { op: "<", version: floor(major, inc(minor), "0") },
    ];
  }
  if (op === "^") {
    if (major === undefined) return [];
    if (minor === undefined)
      return [
        { op: ">=", version: sv(major, "0", "0") },
        { op: "<", version: floor(inc(major), "0", "0") },
      ];
    if (patch === undefined) {
      const upper = major !== "0" ? floor(inc(major), "0", "0") : floor("0", inc(minor), "0");
      return [
        { op: ">=", version: sv(major, minor, "0") },
        { op: "<", version: upper },
      ];
    }
    const lower = sv(major, minor, patch, prerelease);
    let upper: SemVer;
    if (major !== "0") upper = floor(inc(major), "0", "0");
    else if (minor !== "0") upper = floor("0", inc(minor), "0");
    else upper = floor("0", "0", inc(patch));
    return [
      { op: ">=", version: lower },
      { op: "<", version: upper },
    ];
  }
  // Plain comparator or bare x-range.
  const o = (op === "" ? "=" : op) as Op;
  if (major === undefined) return o === "<" || o === ">" ? [{ op: "<", version: floor("0", "0", "0") }] : [];
  if (minor === undefined || patch === undefined) {
    // Partial versions: "=1.2" means >=1.2.0 <1.3.0-0, ">1.2" means >=1.3.0, "<=1.2" means <1.3.0-0.
    const lo = sv(major, minor ?? "0", "0");
    const hi = minor === undefined ? floor(inc(major), "0", "0") : floor(major, inc(minor), "0");
    switch (o) {
      case "=":
        return [
          { op: ">=", version: lo },
          { op: "<", version: hi },
        ];
      case ">":
        return [
          { op: ">=", version: minor === undefined ? sv(inc(major), "0", "0") : sv(major, inc(minor), "0") },
        ];
      case ">=":
        return [{ op: ">=", version: lo }];
      case "<":
        return [{ op: "<", version: floor(major, minor ?? "0", "0") }];
      case "<=":
        return [{ op: "<", version: hi }];
    }
  }
  return [{ op: o, version: sv(major, minor, patch, prerelease) }];
}

/** Parses one "||" alternative into comparators; undefined when it is not a valid range. */
function parseAlternative(text: string): Comparator[] | undefined {
  const s = text.trim();
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(s);
  if (hyphen) {
    const from = parsePartial(hyphen[1]!);
    const to = parsePartial(hyphen[2]!);
    if (!from || !to) return undefined;
    const out: Comparator[] = [];
    if (from.major !== undefined)
      out.push({ op: ">=", version: sv(from.major, from.minor ?? "0", from.patch ?? "0", from.prerelease) });
    if (to.major !== undefined) {
      if (to.minor === undefined) out.push({ op: "<", version: floor(inc(to.major), "0", "0") });
      else if (to.patch === undefined) out.push({ op: "<", version: floor(to.major, inc(to.minor), "0") });
      else out.push({ op: "<=", version: sv(to.major, to.minor, to.patch, to.prerelease) });
    }
    return out;
  }
  // Join operators to their versions ("> = 1.2" → ">=1.2", ">= 1.2" → ">=1.2").
  const tokens = s
    .replace(/(<=|>=|<|>|=|~>|~|\^)\s+/g, "$1")
    .split(/\s+/)
    .filter((t) => t !== "");
  const out: Comparator[] = [];
  for (const t of tokens) {
    const m = /^(<=|>=|<|>|=|~>|~|\^)?(.*)$/.exec(t)!;
    const cs = desugar(m[2]!, m[1] ?? "");
    if (!cs) return undefined;
    out.push(...cs);
  }
  return out;
}

function test(c: Comparator, v: SemVer): boolean {
  const r = compareParsed(v, c.version);
  switch (c.op) {
    case "<":
      return r < 0;
    case "<=":
      return r <= 0;
    case ">":
      return r > 0;
    case ">=":
      return r >= 0;
    case "=":
      return r === 0;
  }
}

function sameTuple(a: SemVer, b: SemVer): boolean {
  return a.major === b.major && a.minor === b.minor && a.patch === b.patch;
}

/** Whether `version` satisfies the npm range `range` (node-semver semantics, without loose mode). */
export function satisfiesNpmRange(version: string, range: string): boolean {
  const v = parseSemver(version);
  if (!v) return false;
  for (const alt of range.split("||")) {
    const comparators = parseAlternative(alt);
    if (!comparators) continue;
    if (!comparators.every((c) => test(c, v))) continue;
    if (v.prerelease.length > 0) {
      // A prerelease only satisfies a range that names a prerelease on the same tuple.
      const allowed = comparators.some((c) => c.version.prerelease.length > 0 && sameTuple(c.version, v));
      if (!allowed) continue;
    }
    return true;
  }
  return false;
}

/** Whether `range` parses as an npm range. */
export function isValidNpmRange(range: string): boolean {
  return range.split("||").every((alt) => parseAlternative(alt) !== undefined);
}
