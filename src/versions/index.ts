import { apk } from "./apk.js";
import { composer } from "./composer.js";
import { dpkg } from "./dpkg.js";
import { gem } from "./gem.js";
import { goVersion } from "./go.js";
import { maven } from "./maven.js";
import { nuget } from "./nuget.js";
import { pep440 } from "./pep440.js";
import { rpm } from "./rpm.js";
import { semver } from "./semver.js";
import type { VersionScheme } from "./types.js";

/**
 * OSV ecosystem name (the part before the first ":") → version scheme. What follows the colon is
 * a release ("Debian:12", "Alpine:v3.18", "Ubuntu:Pro:22.04:LTS") or a repository
 * ("Maven:https://maven.google.com"); neither changes how versions are ordered.
 */
const SCHEMES = new Map<string, VersionScheme>([
  ["Debian", dpkg],
  ["Ubuntu", dpkg],
  ["Alpine", apk],
  ["Wolfi", apk],
  ["Chainguard", apk],
  ["MinimOS", apk],
  ["Red Hat", rpm],
  ["AlmaLinux", rpm],
  ["Rocky Linux", rpm],
  ["Amazon Linux", rpm],
  ["Oracle Linux", rpm],
  ["openSUSE", rpm],
  ["SUSE", rpm],
  ["Mageia", rpm],
  ["openEuler", rpm],
  ["Photon OS", rpm],
  ["npm", semver],
  ["crates.io", semver],
  ["Go", goVersion],
  ["PyPI", pep440],
  ["Maven", maven],
  ["RubyGems", gem],
  ["NuGet", nuget],
  ["Packagist", composer],
]);

/** The version scheme of an OSV ecosystem, or undefined when Vigil does not know it. */
export function schemeFor(ecosystem: string): VersionScheme | undefined {
  const colon = ecosystem.indexOf(":");
  return SCHEMES.get((colon === -1 ? ecosystem : ecosystem.slice(0, colon)).trim());
}
