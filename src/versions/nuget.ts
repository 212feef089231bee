import { compareDigits } from "./semver.js";
import { InvalidVersionError, type VersionScheme } from "./types.js";

interface NuGetVersion {
  parts: string[];
  release: string[];
}

// NuGetVersion.TryParse: 1 to 4 numeric parts (leading zeros allowed in legacy versions),
// an optional dotted release label and optional metadata.
const NUGET_RE = /^\s*v?(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$/;

function parse(v: string): NuGetVersion {
  const m = NUGET_RE.exec(v);
  if (!m) throw new InvalidVersionError("nuget", v);
  return { parts: m[1]!.split("."), release: m[2] ? m[2].split(".") : [] };
}

const isNum = (s: string) => /^\d+$/.test(s);

/** VersionComparer.Default: numeric parts (missing = 0), then release labels; metadata ignored. */
function compareNuGet(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const c = compareDigits(a.parts[i] ?? "0", b.parts[i] ?? "0");
    if (c !== 0) return c;
  }
  if (a.release.length === 0 || b.release.length === 0) {
    return a.release.length === b.release.length ? 0 : a.release.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const x = a.release[i];
    const y = b.release[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = isNum(x);
    const yn = isNum(y);
    if (xn && yn) {
      const c = compareDigits(x, y);
      if (c !== 0) return c;
    } else if (xn !== yn) {
      return xn ? -1 : 1;
    } else {
      // Labels compare case-insensitively (ordinal on the upper-cased text).
      const xu = x.toUpperCase();
      const yu = y.toUpperCase();
      if (xu !== yu) return xu < yu ? -1 : 1;
    }
  }
  return 0;
}

export const nuget: VersionScheme = {
  name: "nuget",
  isValid: (v) => NUGET_RE.test(v),
  compare: (a, b) => compareNuGet(parse(a), parse(b)),
};
