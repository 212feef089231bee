import { InvalidVersionError, type ParsedVersions, type VersionScheme } from "./types.js";

/**
 * NuGet.Versioning's NuGetVersion (NuGetVersion.TryParse + VersionComparer.Default):
 * - "<version>[-<label>[.<label>]…][+<metadata>]", split at the first "-" or "+" and then at the
 *   first "+"; the whole string is trimmed first;
 * - the version is one to four numbers (System.Version: each 0 … 2^31-1, leading zeros allowed,
 *   blanks around a number tolerated); missing parts are 0, so 1.0 == 1.0.0 == 1.0.0.0;
 * - release labels are non-empty [0-9A-Za-z-] parts, a purely numeric label may not have a
 *   leading zero; metadata parts are the same but leading zeros are allowed;
 * - order: Major, Minor, Patch, Revision, then a version without labels above one with labels,
 *   then label by label (a label that parses as an Int32 sorts numerically and below any other
 *   label; other labels compare ordinal case-insensitively; fewer labels sort first). Metadata
 *   never affects the order.
 */

interface NuGetVersion {
  /** Major, Minor, Patch, Revision as integers. */
  numbers: [number, number, number, number];
  /** Undefined for a release version (no "-" part). */
  labels?: string[];
}

const INT32_MAX = 2147483647;

/** .NET's char.IsWhiteSpace, which String.Trim() uses (JavaScript's trim() differs: U+FEFF, U+0085). */
const DOTNET_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

/** String.Trim(), by hand: a regex trim backtracks quadratically on long blank runs. */
function dotnetTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && DOTNET_SPACE.test(s[start]!)) start++;
  while (end > start && DOTNET_SPACE.test(s[end - 1]!)) end--;
  return s.slice(start, end);
}

// int.TryParse(NumberStyles.Integer) allows blanks (tab to CR and space) around ASCII digits.
// A sign could also pass there, but "-" and "+" never reach this part: they split the string.
const VERSION_NUMBER = /^[\t\n\v\f\r ]*([0-9]+)[\t\n\v\f\r ]*$/;

const PART = /^[0-9A-Za-z-]+$/;

function isValidPart(part: string, allowLeadingZeros: boolean): boolean {
  if (!PART.test(part)) return false;
  return allowLeadingZeros || !/^0[0-9]+$/.test(part);
}

function parse(input: string): NuGetVersion {
  const fail = (reason: string) => new InvalidVersionError("nuget", input, reason);
  const value = dotnetTrim(input);
  const split = value.search(/[-+]/);
  const core = split === -1 ? value : value.slice(0, split);
  let labels: string[] | undefined;
  let metadata: string | undefined;
  if (split !== -1) {
    const rest = value.slice(split + 1);
    if (value[split] === "+") metadata = rest;
    else {
      const plus = rest.indexOf("+");
      labels = (plus === -1 ? rest : rest.slice(0, plus)).split(".");
      if (plus !== -1) metadata = rest.slice(plus + 1);
    }
  }
  if (core === "") throw fail("no version number");
  const parts = core.split(".");
  if (parts.length > 4) throw fail("more than four version numbers");
  const numbers: [number, number, number, number] = [0, 0, 0, 0];
  parts.forEach((part, i) => {
    const digits = VERSION_NUMBER.exec(part)?.[1]?.replace(/^0+(?=.)/, "");
    if (digits === undefined) throw fail(`version number ${JSON.stringify(part)} is not a number`);
    if (digits.length > 10 || Number(digits) > INT32_MAX) throw fail(`version number ${part} is too large`);
    numbers[i] = Number(digits);
  });
  if (labels && !labels.every((l) => isValidPart(l, false))) throw fail("bad release label");
  if (metadata !== undefined && !metadata.split(".").every((m) => isValidPart(m, true)))
    throw fail("bad metadata");
  return labels ? { numbers, labels } : { numbers };
}

/** Int32.TryParse on a label: an optional "-" (labels may contain dashes) and digits in range. */
function labelNumber(label: string): number | undefined {
  if (!/^-?[0-9]+$/.test(label)) return undefined;
  const n = Number(label);
  return n >= -INT32_MAX - 1 && n <= INT32_MAX ? n : undefined;
}

/** StringComparer.OrdinalIgnoreCase on our ASCII alphabet: compare upper-cased code units. */
function compareIgnoreCase(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareLabel(a: string, b: string): number {
  const x = labelNumber(a);
  const y = labelNumber(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  return compareIgnoreCase(a, b);
}

function compareParsed(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const d = a.numbers[i]! - b.numbers[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (!a.labels || !b.labels) return a.labels ? -1 : b.labels ? 1 : 0;
  const n = Math.max(a.labels.length, b.labels.length);
  for (let i = 0; i < n; i++) {
    const x = a.labels[i];
    const y = b.labels[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareLabel(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** The normalized form NuGet prints (ToNormalizedString): Revision only when non-zero. */
export function normalizeNuGet(version: string): string {
  const v = parse(version);
  const [major, minor, patch, revision] = v.numbers;
  const core = `${major}.${minor}.${patch}${revision ? `.${revision}` : ""}`;
  return v.labels ? `${core}-${v.labels.join(".")}` : core;
}

const parsed: ParsedVersions<NuGetVersion> = { parse, compare: compareParsed };

export const nuget: VersionScheme = {
  name: "nuget",
  compare: (a, b) => compareParsed(parse(a), parse(b)),
  parsed,
  isValid(v) {
    try {
      parse(v);
      return true;
    } catch {
      return false;
    }
  },
};
