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
 *
 * Matching evaluates the same entries against many installed versions, so the work that does not
 * depend on the installed version (reading event versions, dropping unreadable ones, sorting) is
 * done once per `affected` object and kept while the object lives: `affected` must not be
 * mutated after it has been evaluated (the advisory store's entries never are). Versions are read
 * through a bounded per-scheme cache when the scheme can parse them ahead of comparing.
 */
export function evaluate(scheme: VersionScheme, installed: string, affected: AffectedVersions): RangeVerdict {
  const reader = readerFor(scheme);
  const prepared = prepare(reader, affected);
  const inst = reader.read(installed);
  for (const range of prepared.ranges) {
    const verdict = evaluateRange(reader, inst, range);
    if (verdict.affected) return verdict;
  }
  // Listed but outside every range (or no ranges): affected, and the ranges name no fix for it.
  if (prepared.listed.length > 0 && isListed(reader, inst, prepared)) return { affected: true };
  return { affected: false };
}

// ---------------------------------------------------------------------------------------------
// Reading versions once.

/** Marks a version the scheme cannot read (its compare throws for it). */
const INVALID: unique symbol = Symbol("invalid version");

/** A version string and its parsed form under one scheme (the string itself without a parser). */
interface Version {
  readonly raw: string;
  readonly parsed: unknown;
  /** The scheme's equality key, computed on first use. */
  key?: string;
}

interface Reader {
  read(v: string): Version;
  /** Compares parsed forms; may throw (a scheme without a parser compares the strings). */
  compare(a: unknown, b: unknown): number;
  key?: (parsed: unknown) => string;
}

/** Versions remembered per scheme; longer strings are read every time. */
const CACHE_SIZE = 20_000;
const CACHE_MAX_LENGTH = 256;

const readers = new WeakMap<VersionScheme, Reader>();

function readerFor(scheme: VersionScheme): Reader {
  let reader = readers.get(scheme);
  if (!reader) {
    reader = makeReader(scheme);
    readers.set(scheme, reader);
  }
  return reader;
}

function makeReader(scheme: VersionScheme): Reader {
  const p = scheme.parsed;
  const parse: (v: string) => Version = p
    ? (raw) => {
        try {
          return { raw, parsed: p.parse(raw) };
        } catch {
          return { raw, parsed: INVALID };
        }
      }
    : (raw) => ({ raw, parsed: raw });
  const cache = new Map<string, Version>();
  const reader: Reader = {
    read(raw) {
      let v = cache.get(raw);
      if (v === undefined) {
        v = parse(raw);
        if (raw.length <= CACHE_MAX_LENGTH) {
          // Oldest first out: cheap, and matching's working set is far below the bound.
          if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
          cache.set(raw, v);
        }
      }
      return v;
    },
    compare: p ? (a, b) => p.compare(a, b) : (a, b) => scheme.compare(a as string, b as string),
  };
  if (p?.key) {
    const key = p.key;
    reader.key = (parsed) => key.call(p, parsed);
  }
  return reader;
}

/** The scheme's order, or the strings' when the scheme cannot compare them. */
function compareSafe(reader: Reader, a: Version, b: Version): number {
  if (a.parsed !== INVALID && b.parsed !== INVALID) {
    try {
      return reader.compare(a.parsed, b.parsed);
    } catch {
      // An installed version the scheme cannot read is compared as text so we still decide.
    }
  }
  return a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0;
}

function isComparable(reader: Reader, v: Version): boolean {
  if (v.parsed === INVALID) return false;
  try {
    reader.compare(v.parsed, v.parsed);
    return true;
  } catch {
    return false;
  }
}

function keyOf(reader: Reader, v: Version): string {
  if (v.key === undefined) v.key = reader.key!(v.parsed);
  return v.key;
}

// ---------------------------------------------------------------------------------------------
// Preparing an entry once.

type Key = "introduced" | "fixed" | "last_affected" | "limit";

interface PreparedEvent {
  kind: Key;
  version: Version;
  zero: boolean;
}

interface PreparedRange {
  /** Limits other than "*", in event order. */
  limits: Version[];
  /** Events other than limits whose versions the scheme reads, sorted as the OSV algorithm says. */
  events: PreparedEvent[];
}

interface Prepared {
  reader: Reader;
  /** What was prepared, to notice an object given new arrays. */
  source: AffectedVersions["ranges"];
  sourceLength: number;
  versions: AffectedVersions["versions"];
  versionsLength: number;
  ranges: PreparedRange[];
  /** Listed versions, less those the scheme's parser refuses (they never equal anything). */
  listed: Version[];
  /** Equality keys of `listed`, when the scheme has them. */
  keys?: Set<string>;
}

const preparedEntries = new WeakMap<AffectedVersions, Prepared>();

function prepare(reader: Reader, affected: AffectedVersions): Prepared {
  const hit = preparedEntries.get(affected);
  if (
    hit &&
    hit.reader === reader &&
    hit.source === affected.ranges &&
    hit.sourceLength === (affected.ranges?.length ?? 0) &&
    hit.versions === affected.versions &&
    hit.versionsLength === (affected.versions?.length ?? 0)
  )
    return hit;
  const ranges: PreparedRange[] = [];
  for (const range of affected.ranges ?? []) {
    if (range.type === "GIT") continue;
    ranges.push(prepareRange(reader, range.events));
  }
  const listed: Version[] = [];
  for (const raw of affected.versions ?? []) {
    const v = reader.read(raw);
    if (v.parsed !== INVALID) listed.push(v);
  }
  const prepared: Prepared = {
    reader,
    source: affected.ranges,
    sourceLength: affected.ranges?.length ?? 0,
    versions: affected.versions,
    versionsLength: affected.versions?.length ?? 0,
    ranges,
    listed,
  };
  if (reader.key && listed.length > 0) prepared.keys = new Set(listed.map((v) => keyOf(reader, v)));
  preparedEntries.set(affected, prepared);
  return prepared;
}

function eventKey(e: OsvEvent): [Key, string] | undefined {
  if (e.introduced !== undefined) return ["introduced", e.introduced];
  if (e.fixed !== undefined) return ["fixed", e.fixed];
  if (e.last_affected !== undefined) return ["last_affected", e.last_affected];
  if (e.limit !== undefined) return ["limit", e.limit];
  return undefined;
}

const RANK: Record<Key, number> = { fixed: 0, last_affected: 1, introduced: 2, limit: 3 };

function prepareRange(reader: Reader, events: OsvEvent[]): PreparedRange {
  const limits: Version[] = [];
  const sorted: PreparedEvent[] = [];
  for (const e of events) {
    const k = eventKey(e);
    if (!k) continue;
    const [kind, raw] = k;
    // Limits bound the whole range: at or above any limit, nothing in this range applies.
    if (kind === "limit") {
      if (raw !== "*") limits.push(reader.read(raw));
      continue;
    }
    // Unparsable versions are dropped from the range rather than failing the whole advisory.
    const version = reader.read(raw);
    if (isZero(raw) || isComparable(reader, version)) sorted.push({ kind, version, zero: isZero(raw) });
  }
  sorted.sort((a, b) => {
    const c = a.zero ? (b.zero ? 0 : -1) : b.zero ? 1 : reader.compare(a.version.parsed, b.version.parsed);
    // At equal versions a close sorts before a reopen.
    return c !== 0 ? c : RANK[a.kind] - RANK[b.kind];
  });
  return { limits, events: sorted };
}

// ---------------------------------------------------------------------------------------------
// Evaluating one installed version.

/** Where the installed version sits against each sorted event: reused, evaluation is synchronous. */
let position = new Float64Array(16);

function evaluateRange(reader: Reader, installed: Version, range: PreparedRange): RangeVerdict {
  for (const limit of range.limits) {
    if (compareSafe(reader, installed, limit) >= 0) return { affected: false };
  }
  const events = range.events;
  const n = events.length;
  if (position.length < n) position = new Float64Array(Math.max(n, position.length * 2));
  let affected = false;
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const c = e.zero ? 1 : compareSafe(reader, installed, e.version);
    position[i] = c;
    if (e.kind === "introduced") {
      if (c >= 0) affected = true;
    } else if (e.kind === "fixed") {
      if (c >= 0) affected = false;
    } else if (e.kind === "last_affected" && c > 0) affected = false;
  }
  if (!affected) return { affected: false };
  // The interval we sit in ends at the first closing event above us.
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    if (position[i]! < 0 && e.kind === "fixed") return { affected: true, fixedVersion: e.version.raw };
    if (position[i]! <= 0 && e.kind === "last_affected") return { affected: true };
  }
  return { affected: true };
}

/** Whether the installed version equals a listed one under the scheme. */
function isListed(reader: Reader, installed: Version, prepared: Prepared): boolean {
  if (installed.parsed === INVALID) return false;
  if (prepared.keys) return prepared.keys.has(keyOf(reader, installed));
  for (const v of prepared.listed) {
    try {
      if (reader.compare(installed.parsed, v.parsed) === 0) return true;
    } catch {
      // Not comparable: not equal.
    }
  }
  return false;
}
