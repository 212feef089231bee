/**
 * IPv4/IPv6 addresses and CIDR blocks as bigint intervals, and port-range sets.
 *
 * A range set is a sorted list of closed, non-overlapping, non-adjacent intervals; every operation
 * takes and returns normalized sets, so set arithmetic over 65 536 ports (or 2^128 addresses) costs
 * a handful of comparisons, never a loop over the members.
 */

export type Family = 4 | 6;

/** A closed interval [lo, hi] of ports (0–65535). */
export type PortRange = readonly [number, number];
/** Normalized: sorted, non-overlapping, non-adjacent. */
export type PortSet = readonly PortRange[];

export const ALL_PORTS: PortSet = [[0, 65535]];
export const NO_PORTS: PortSet = [];
/** The ports a client picks as its source port; the return traffic of a connection goes to them. */
export const EPHEMERAL_PORTS: PortSet = [[1024, 65535]];

/** Sorts and merges overlapping or adjacent ranges. */
export function portSet(ranges: Iterable<readonly [number, number]>): PortSet {
  const sorted = [...ranges].filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function portUnion(a: PortSet, b: PortSet): PortSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return portSet([...a, ...b]);
}

export function portIntersect(a: PortSet, b: PortSet): PortSet {
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [a0, a1] = a[i]!;
    const [b0, b1] = b[j]!;
    const lo = Math.max(a0, b0);
    const hi = Math.min(a1, b1);
    if (lo <= hi) out.push([lo, hi]);
    if (a1 < b1) i++;
    else j++;
  }
  return out;
}

export function portSubtract(a: PortSet, b: PortSet): PortSet {
  const out: [number, number][] = [];
  let j = 0;
  for (const [a0, a1] of a) {
    let lo = a0;
    while (j < b.length && b[j]![1] < lo) j++;
    let k = j;
    while (lo <= a1 && k < b.length && b[k]![0] <= a1) {
      const [b0, b1] = b[k]!;
      if (b0 > lo) out.push([lo, b0 - 1]);
      lo = Math.max(lo, b1 + 1);
      k++;
    }
    if (lo <= a1) out.push([lo, a1]);
  }
  return out;
}

export function portsOverlap(a: PortSet, b: PortSet): boolean {
  return portIntersect(a, b).length > 0;
}

export function portsEqual(a: PortSet, b: PortSet): boolean {
  return a.length === b.length && a.every(([x, y], i) => x === b[i]![0] && y === b[i]![1]);
}

// ---------------------------------------------------------------------------------------------
// Addresses

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

export function familyMax(family: Family): bigint {
  return family === 4 ? V4_MAX : V6_MAX;
}

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let s = text;
  // An embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1) becomes two hex groups.
  if (s.includes(".")) {
    const lastColon = s.lastIndexOf(":");
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (h: string): bigint[] | null => {
    if (h === "") return [];
    const groups = h.split(":");
    const out: bigint[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  if (head === null) return null;
  let groups: bigint[];
  if (halves.length === 2) {
    const rest = parseGroups(halves[1]!);
    if (rest === null) return null;
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<bigint>(missing).fill(0n), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export interface Address {
  family: Family;
  value: bigint;
}

/** Parses an IPv4 (dotted quad) or IPv6 address; null when it is neither. */
export function parseAddress(text: string): Address | null {
  if (text.includes(":")) {
    const value = parseV6(text);
    return value === null ? null : { family: 6, value };
  }
  const value = parseV4(text);
  return value === null ? null : { family: 4, value };
}

export function isAddress(text: string): boolean {
  return parseAddress(text) !== null;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

export function canonicalAddress(text: string): string {
  const a = parseAddress(text);
  if (!a) throw new Error(`not an IP address: ${JSON.stringify(text)}`);
  return formatAddress(a.family, a.value);
}

export interface Cidr {
  family: Family;
  prefix: number;
  /** First and last address of the block. */
  start: bigint;
  end: bigint;
}

/**
 * Parses "a.b.c.d/n" or "x::/n"; a bare address is its /32 (/128). Host bits are ignored
 * ("10.1.2.3/16" is 10.1.0.0/16). Null when the text is not a CIDR block.
 */
export function tryParseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return null;
  const bits = addr.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    prefix = Number(p);
    if (prefix > bits) return null;
  }
  const hostBits = BigInt(bits - prefix);
  const start = (addr.value >> hostBits) << hostBits;
  return { family: addr.family, prefix, start, end: start + (1n << hostBits) - 1n };
}

export function parseCidr(text: string): Cidr {
  const c = tryParseCidr(text);
  if (!c) throw new Error(`not a CIDR block: ${JSON.stringify(text)}`);
  return c;
}

export function isCidr(text: string): boolean {
  return tryParseCidr(text) !== null;
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.family, c.start)}/${c.prefix}`;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

export function cidrContainsValue(c: Cidr, family: Family, value: bigint): boolean {
  return c.family === family && c.start <= value && value <= c.end;
}

// ---------------------------------------------------------------------------------------------
// Address ranges (bigint intervals) and the public internet

export type AddressRange = readonly [bigint, bigint];

function addressSet(ranges: Iterable<AddressRange>): AddressRange[] {
  const sorted = [...ranges].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1n) last[1] = last[1] > b ? last[1] : b;
    else out.push([a, b]);
  }
  return out;
}

function addressSubtract(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  for (const [a0, a1] of a) {
    let lo = a0;
    for (const [b0, b1] of b) {
      if (b1 < lo || b0 > a1) continue;
      if (b0 > lo) out.push([lo, b0 - 1n]);
      if (b1 + 1n > lo) lo = b1 + 1n;
      if (lo > a1) break;
    }
    if (lo <= a1) out.push([lo, a1]);
  }
  return out;
}

/**
 * Addresses that are not the internet: "this network", private-use, shared (CGNAT), loopback,
 * link-local, multicast and reserved. Everything else counts as a public address (documentation
 * ranges included, so that examples behave like real addresses).
 */
const NOT_PUBLIC_V4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

const PUBLIC_V4: AddressRange[] = addressSubtract(
  [[0n, V4_MAX]],
  addressSet(NOT_PUBLIC_V4.map((t) => parseCidr(t)).map((c) => [c.start, c.end] as const)),
);
/** IPv6: the global unicast space 2000::/3. */
const PUBLIC_V6: AddressRange[] = (() => {
  const c = parseCidr("2000::/3");
  return [[c.start, c.end]];
})();

/** The public address space of a family as sorted ranges. */
export function publicRanges(family: Family): readonly AddressRange[] {
  return family === 4 ? PUBLIC_V4 : PUBLIC_V6;
}

export function isPublicAddress(text: string): boolean {
  const a = parseAddress(text);
  if (!a) return false;
  return publicRanges(a.family).some(([lo, hi]) => lo <= a.value && a.value <= hi);
}

/**
 * The public ranges minus `exclude`, cut into atoms at every boundary of `blocks`: within one atom
 * every block either contains all addresses or none, so one representative decides for the atom.
 */
export function publicAtoms(
  family: Family,
  blocks: Iterable<Cidr>,
  exclude: Iterable<Cidr> = [],
): AddressRange[] {
  const space = addressSubtract(
    publicRanges(family),
    addressSet([...exclude].filter((c) => c.family === family).map((c) => [c.start, c.end] as const)),
  );
  const cuts = new Set<bigint>();
  for (const c of blocks) {
    if (c.family !== family) continue;
    cuts.add(c.start);
    cuts.add(c.end + 1n);
  }
  const sortedCuts = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: AddressRange[] = [];
  let k = 0;
  for (const [lo, hi] of space) {
    while (k < sortedCuts.length && sortedCuts[k]! <= lo) k++;
    let start = lo;
    let m = k;
    while (m < sortedCuts.length && sortedCuts[m]! <= hi) {
      out.push([start, sortedCuts[m]! - 1n]);
      start = sortedCuts[m]!;
      m++;
    }
    out.push([start, hi]);
  }
  return out;
}
