import type { VersionScheme } from "./types.js";

/** One OSV range event; exactly one key is set. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: "ECOSYSTEM" | "SEMVER" | "GIT" | string;
  events: OsvEvent[];
}

export interface AffectedVersions {
  ranges?: OsvRange[];
  /** Explicit list of affected versions (OSV `versions`). */
  versions?: string[];
}

export interface RangeVerdict {
  affected: boolean;
  /** The smallest `fixed` event above the installed version within the matching range, if any. */
  fixedVersion?: string;
}

/** "0" is OSV's way of saying "since the beginning of time". */
const isZero = (v: string) => v === "0";

/**
 * Evaluates OSV `affected` data for one installed version, following the OSV schema's algorithm:
 * events sorted by version, walking them toggles "affected" on introduced and off on fixed /
 * after last_affected; limit caps the range. GIT ranges are ignored (we have no commit for an
 * installed package). An explicit `versions` list matches by scheme equality; ranges are asked
 * first so that a listed version still gets the fix its range names.
 */
export function evaluate(scheme: VersionScheme, installed: string, affected: AffectedVersions): RangeVerdict {
  const cmp = (a: string, b: string) => scheme.compare(a, b);
  for (const range of affected.ranges ?? []) {
    if (range.type === "GIT") continue;
    const verdict = evaluateRange(cmp, installed, range.events);
    if (verdict.affected) return verdict;
  }
  // Listed but outside every range (or no ranges): affected, and the ranges name no fix for it.
  for (const v of affected.versions ?? []) {
    if (safeEqual(cmp, installed, v)) return { affected: true };
  }
  return { affected: false };
}

function safeEqual(cmp: (a: string, b: string) => number, a: string, b: string): boolean {
  try {
    return cmp(a, b) === 0;
  } catch {
    return false;
  }
}

type Key = "introduced" | "fixed" | "last_affected" | "limit";

function eventKey(e: OsvEvent): [Key, string] | undefined {
  if (e.introduced !== undefined) return ["introduced", e.introduced];
  if (e.fixed !== undefined) return ["fixed", e.fixed];
  if (e.last_affected !== undefined) return ["last_affected", e.last_affected];
  if (e.limit !== undefined) return ["limit", e.limit];
  return undefined;
}

function evaluateRange(
  cmp: (a: string, b: string) => number,
  installed: string,
  events: OsvEvent[],
): RangeVerdict {
  const parsed: [Key, string][] = [];
  for (const e of events) {
    const k = eventKey(e);
    if (k) parsed.push(k);
  }
  // Limits bound the whole range: at or above any limit, nothing in this range applies.
  for (const [k, v] of parsed) {
    if (k === "limit" && v !== "*" && compareSafe(cmp, installed, v) >= 0) return { affected: false };
  }
  // Unparsable versions are dropped from the range rather than failing the whole advisory.
  const sorted = parsed.filter(([k, v]) => k !== "limit" && (isZero(v) || isComparable(cmp, v)));
  const rank: Record<Key, number> = { fixed: 0, last_affected: 1, introduced: 2, limit: 3 };
  sorted.sort(([ka, a], [kb, b]) => {
    const c = isZero(a) ? (isZero(b) ? 0 : -1) : isZero(b) ? 1 : cmp(a, b);
    // At equal versions a close sorts before a reopen.
    return c !== 0 ? c : rank[ka] - rank[kb];
  });
  const position = sorted.map(([, v]) => (isZero(v) ? 1 : compareSafe(cmp, installed, v)));
  let affected = false;
  sorted.forEach(([k], i) => {
    const c = position[i]!;
    if (k === "introduced" && c >= 0) affected = true;
    else if (k === "fixed" && c >= 0) affected = false;
    else if (k === "last_affected" && c > 0) affected = false;
  });
  if (!affected) return { affected: false };
  // The interval we sit in ends at the first closing event above us.
  for (let i = 0; i < sorted.length; i++) {
    const [k, v] = sorted[i]!;
    if (position[i]! < 0 && k === "fixed") return { affected: true, fixedVersion: v };
    if (position[i]! <= 0 && k === "last_affected") return { affected: true };
  }
  return { affected: true };
}

function isComparable(cmp: (a: string, b: string) => number, v: string): boolean {
  try {
    cmp(v, v);
    return true;
  } catch {
    return false;
  }
}

function compareSafe(cmp: (a: string, b: string) => number, a: string, b: string): number {
  try {
    return cmp(a, b);
  } catch {
    // An installed version the scheme cannot read is compared as text so we still decide.
    return a < b ? -1 : a > b ? 1 : 0;
  }
}
