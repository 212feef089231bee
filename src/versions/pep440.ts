import { InvalidVersionError, type ParsedVersions, type VersionScheme } from "./types.js";

/** A parsed PEP 440 version; numbers are kept as BigInt since they may exceed 2^53. */
interface Pep440 {
  epoch: bigint;
  release: bigint[];
  pre?: [string, bigint];
  post?: bigint;
  dev?: bigint;
  local?: (bigint | string)[];
}

// The canonical permissive grammar from PEP 440's appendix, anchored and case-insensitive.
const PEP440_RE =
  /^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d+)?))?(?:[-_.]?(dev)[-_.]?(\d+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

function parse(v: string): Pep440 {
  const m = PEP440_RE.exec(v);
  if (!m) throw new InvalidVersionError("pep440", v);
  const out: Pep440 = {
    epoch: m[1] ? BigInt(m[1]) : 0n,
    release: m[2]!.split(".").map((x) => BigInt(x)),
  };
  if (m[3]) {
    const l = m[3].toLowerCase();
    const letter =
      l === "alpha" ? "a" : l === "beta" ? "b" : l === "c" || l === "pre" || l === "preview" ? "rc" : l;
    out.pre = [letter, m[4] ? BigInt(m[4]) : 0n];
  }
  if (m[5]) out.post = BigInt(m[5]);
  else if (m[6]) out.post = m[7] ? BigInt(m[7]) : 0n;
  if (m[8]) out.dev = m[9] ? BigInt(m[9]) : 0n;
  if (m[10]) {
    out.local = m[10]
      .toLowerCase()
      .split(/[-_.]/)
      .map((p) => (/^\d+$/.test(p) ? BigInt(p) : p));
  }
  return out;
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Sort keys per packaging.version._cmpkey: the infinities are encoded as explicit ranks. */
function comparePre(a: Pep440, b: Pep440): number {
  // No pre but a dev release (1.0.dev1) sorts before any pre-release of the same release.
  const rank = (v: Pep440): [number, string, bigint] => {
    if (!v.pre && v.post === undefined && v.dev !== undefined) return [-1, "", 0n];
    if (!v.pre) return [1, "", 0n];
    return [0, v.pre[0], v.pre[1]];
  };
  const [ra, la, na] = rank(a);
  const [rb, lb, nb] = rank(b);
  if (ra !== rb) return ra - rb;
  if (la !== lb) return la < lb ? -1 : 1;
  return cmpBig(na, nb);
}

function compareLocal(a: Pep440["local"], b: Pep440["local"]): number {
  if (!a && !b) return 0;
  if (!a) return -1;
  if (!b) return 1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = typeof x === "bigint";
    const yn = typeof y === "bigint";
    // Numeric segments sort above alphanumeric ones.
    if (xn && yn) {
      const c = cmpBig(x, y);
      if (c !== 0) return c;
    } else if (xn !== yn) {
      return xn ? 1 : -1;
    } else if (x !== y) {
      return (x as string) < (y as string) ? -1 : 1;
    }
  }
  return 0;
}

function compareVersions(a: Pep440, b: Pep440): number {
  const e = cmpBig(a.epoch, b.epoch);
  if (e !== 0) return e;
  // Trailing zeros of the release are insignificant.
  const len = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < len; i++) {
    const c = cmpBig(a.release[i] ?? 0n, b.release[i] ?? 0n);
    if (c !== 0) return c;
  }
  const p = comparePre(a, b);
  if (p !== 0) return p;
  // No post sorts before any post.
  if (a.post !== b.post) {
    if (a.post === undefined) return -1;
    if (b.post === undefined) return 1;
    const c = cmpBig(a.post, b.post);
    if (c !== 0) return c;
  }
  // No dev sorts after any dev.
  if (a.dev !== b.dev) {
    if (a.dev === undefined) return 1;
    if (b.dev === undefined) return -1;
    const c = cmpBig(a.dev, b.dev);
    if (c !== 0) return c;
  }
  return compareLocal(a.local, b.local);
}

/**
 * Equal exactly when compareVersions says 0: epoch, the release without trailing zeros, pre, post,
 * dev and local segments (numbers as numbers, which sort apart from letters) all the same.
 */
function equalityKey(v: Pep440): string {
  let n = v.release.length;
  while (n > 0 && v.release[n - 1] === 0n) n--;
  const pre = v.pre ? `${v.pre[0]}${v.pre[1]}` : "-";
  const local = v.local ? v.local.map((x) => (typeof x === "bigint" ? `#${x}` : x)).join(".") : "-";
  return `${v.epoch}!${v.release.slice(0, n).join(".")}|${pre}|${v.post ?? "-"}|${v.dev ?? "-"}|${local}`;
}

const parsed: ParsedVersions<Pep440> = { parse, compare: compareVersions, key: equalityKey };

export const pep440: VersionScheme = {
  name: "pep440",
  isValid: (v) => PEP440_RE.test(v),
  compare: (a, b) => compareVersions(parse(a), parse(b)),
  parsed,
};
