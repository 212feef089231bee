import { InvalidVersionError, type VersionScheme } from "./types.js";

/**
 * RubyGems' Gem::Version (rubygems 3.3):
 * - valid strings match ANCHORED_VERSION_PATTERN: digits, then dot-separated alphanumeric parts,
 *   then an optional "-" pre-release tail; blank strings are valid and mean "0";
 * - "-" is read as ".pre.", and segments are the runs of digits or of letters;
 * - canonical segments drop trailing zeros from the numeric head and from the tail that starts at
 *   the first letter segment ("1.0.a" == "1.a", "1.a.0" == "1.a");
 * - segments compare in order with missing ones as 0; a letter segment sorts below any number
 *   ("1.a" < "1" < "1.0.1"), letter segments compare as bytes (case-sensitive).
 */

// ANCHORED_VERSION_PATTERN is /\A\s*(VERSION)?\s*\z/. VERSION neither starts nor ends with a
// blank, so we trim Ruby's \s ([ \t\n\v\f\r]) by hand and match VERSION alone: the same language,
// without the quadratic backtracking a regex gets from "\s*" on both sides of an optional group.
const VERSION = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const isRubySpace = (c: string | undefined) =>
  c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";

function rubyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isRubySpace(s[start])) start++;
  while (end > start && isRubySpace(s[end - 1])) end--;
  return s.slice(start, end);
}

/** Gem::Version.correct? */
function isCorrect(version: string): boolean {
  const body = rubyStrip(version);
  return body === "" || VERSION.test(body);
}

/** A numeric segment is kept as its digits without leading zeros ("" is zero). */
type Segment = { numeric: true; digits: string } | { numeric: false; text: string };

function canonicalSegments(version: string): Segment[] {
  if (!isCorrect(version)) throw new InvalidVersionError("gem", version, "not a Gem::Version");
  // A blank version is "0"; "-" reads as ".pre.".
  const body = (rubyStrip(version) || "0").replace(/-/g, ".pre.");
  const segments: Segment[] = [];
  for (const [run] of body.matchAll(/[0-9]+|[a-z]+/gi)) {
    segments.push(
      /^[0-9]/.test(run) ? { numeric: true, digits: run.replace(/^0+/, "") } : { numeric: false, text: run },
    );
  }
  const firstText = segments.findIndex((s) => !s.numeric);
  const head = firstText === -1 ? segments : segments.slice(0, firstText);
  const tail = firstText === -1 ? [] : segments.slice(firstText);
  return [...dropTrailingZeros(head), ...dropTrailingZeros(tail)];
}

const isZero = (s: Segment) => s.numeric && s.digits === "";

function dropTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1]!)) end--;
  return segments.slice(0, end);
}

const ZERO: Segment = { numeric: true, digits: "" };

function compareSegment(a: Segment, b: Segment): number {
  if (a.numeric && b.numeric) {
    if (a.digits.length !== b.digits.length) return a.digits.length < b.digits.length ? -1 : 1;
    return a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0;
  }
  if (!a.numeric && !b.numeric) return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  return a.numeric ? 1 : -1;
}

function compareGem(a: string, b: string): number {
  const left = canonicalSegments(a);
  const right = canonicalSegments(b);
  const n = Math.max(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const c = compareSegment(left[i] ?? ZERO, right[i] ?? ZERO);
    if (c !== 0) return c;
  }
  return 0;
}

export const gem: VersionScheme = {
  name: "gem",
  compare: compareGem,
  // Gem::Version.correct?
  isValid: isCorrect,
};
