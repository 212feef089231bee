import { compareParsed, parseSemver, type SemVer } from "./semver.js";
import { InvalidVersionError, type ParsedVersions, type VersionScheme } from "./types.js";

/**
 * Go module versions and Go toolchain versions in one scheme, as the OSV Go database uses them:
 * module versions are SemVer with an optional "v" ("+incompatible" is build metadata, pseudo-
 * versions are prereleases), and the "stdlib"/"toolchain" packages carry Go releases that are
 * written "1.21", "1.21.0", "1.21rc2" or "go1.19.8".
 */
function toSemver(input: string): SemVer | undefined {
  let s = input.trim();
  if (s.startsWith("go")) s = s.slice(2);
  const direct = parseSemver(s.startsWith("v") ? s : `v${s}`);
  if (direct) return direct;
  // Go release names: 1.21 (== 1.21.0), 1.21rc2 / 1.21beta1 (prereleases of 1.21.0), 1.9.
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta|alpha)(\d+))?$/.exec(s);
  if (!m) return undefined;
  const pre = m[4] ? [m[4], m[5]!] : [];
  return { major: m[1]!, minor: m[2]!, patch: m[3] ?? "0", prerelease: pre, build: [] };
}

export function normalizeGoVersion(v: string): string | undefined {
  const p = toSemver(v);
  if (!p) return undefined;
  const pre = p.prerelease.length > 0 ? `-${p.prerelease.join(".")}` : "";
  return `${p.major}.${p.minor}.${p.patch}${pre}`;
}

function mustParse(v: string): SemVer {
  const p = toSemver(v);
  if (!p) throw new InvalidVersionError("go", v);
  return p;
}

const parsed: ParsedVersions<SemVer> = { parse: mustParse, compare: compareParsed };

export const goVersion: VersionScheme = {
  name: "go",
  isValid: (v) => toSemver(v) !== undefined,
  compare: (a, b) => compareParsed(mustParse(a), mustParse(b)),
  parsed,
};
