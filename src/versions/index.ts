import { apk } from "./apk.js";
import { dpkg } from "./dpkg.js";
import { gem } from "./gem.js";
import { goVersion } from "./go.js";
import { maven } from "./maven.js";
import { nuget } from "./nuget.js";
import { pep440 } from "./pep440.js";
import { rpm } from "./rpm.js";
import { semver } from "./semver.js";
import type { VersionScheme } from "./types.js";

const EXACT: Record<string, VersionScheme> = {
  npm: semver,
  "crates.io": semver,
  Go: goVersion,
  PyPI: pep440,
  Maven: maven,
  RubyGems: gem,
  NuGet: nuget,
};

/** Distro ecosystems carry a release after a colon ("Debian:12"); the prefix picks the scheme. */
const BY_PREFIX: [string, VersionScheme][] = [
  ["Debian", dpkg],
  ["Ubuntu", dpkg],
  ["Alpine", apk],
  ["Wolfi", apk],
  ["Chainguard", apk],
  ["Red Hat", rpm],
  ["AlmaLinux", rpm],
  ["Rocky Linux", rpm],
  ["Amazon Linux", rpm],
  ["openSUSE", rpm],
  ["SUSE", rpm],
  ["Oracle Linux", rpm],
  ["Mageia", rpm],
];

/** The version scheme of an OSV ecosystem, or undefined when Vigil does not know it. */
export function schemeFor(ecosystem: string): VersionScheme | undefined {
  const exact = EXACT[ecosystem];
  if (exact) return exact;
  const base = ecosystem.split(":")[0]!;
  return BY_PREFIX.find(([prefix]) => base === prefix)?.[1];
}
