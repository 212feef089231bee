import { InvalidVersionError, type VersionScheme } from "./types.js";

// Gem::Version::ANCHORED_VERSION_PATTERN
const GEM_RE = /^\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;

/**
 * Gem::Version#<=> : "-" means ".pre.", segments split at dots and digit/letter boundaries,
 * trailing zero segments (and zeros before the first letter segment) are dropped, and a string
 * segment sorts below any number.
 */
function canonicalSegments(input: string): (bigint | string)[] {
  const m = GEM_RE.exec(input);
  if (!m) throw new InvalidVersionError("gem", input);
  const v = (m[1] ?? "0").replace(/-/g, ".pre.");
  const segments: (bigint | string)[] = [];
  for (const part of v.matchAll(/[0-9]+|[a-z]+/gi)) {
    const s = part[0];
    segments.push(/^\d/.test(s) ? BigInt(s) : s);
  }
  // Gem::Version#canonical_segments: drop trailing zeros of the release and pre-release parts.
  const firstString = segments.findIndex((s) => typeof s === "string");
  const release = firstString === -1 ? segments : segments.slice(0, firstString);
  const pre = firstString === -1 ? [] : segments.slice(firstString);
  while (release.length > 0 && release[release.length - 1] === 0n) release.pop();
  while (pre.length > 0 && pre[pre.length - 1] === 0n) pre.pop();
  return [...release, ...pre];
}

function compareGem(a: string, b: string): number {
  if (a === b) return 0;
  const x = canonicalSegments(a);
  const y = canonicalSegments(b);
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const l = x[i] ?? 0n;
    const r = y[i] ?? 0n;
    if (l === r) continue;
    if (typeof l === "string" && typeof r === "bigint") return -1;
    if (typeof l === "bigint" && typeof r === "string") return 1;
    return l < r ? -1 : 1;
  }
  return 0;
}

export const gem: VersionScheme = {
  name: "gem",
  isValid: (v) => GEM_RE.test(v),
  compare: compareGem,
};
