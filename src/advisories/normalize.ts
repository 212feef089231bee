/**
 * Package-name and ecosystem normalization shared by the writer and the reader, so a lookup finds
 * what a feed stored however either side spelled it.
 */

/** PEP 503: names compare case-insensitively with runs of "-", "_" and "." as one "-". */
export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The base ecosystem of a release-qualified one: "Debian:12" → "Debian". */
export function baseEcosystem(ecosystem: string): string {
  const colon = ecosystem.indexOf(":");
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

/**
 * Ecosystem as stored and looked up. OSV names Ubuntu releases "Ubuntu:22.04:LTS" while
 * os-release gives "Ubuntu:22.04"; the ":LTS" marker says nothing about the packages, so it goes.
 * Everything else is kept as the feed spells it ("Debian:11", "Alpine:v3.18", "crates.io").
 */
export function normalizeEcosystem(ecosystem: string): string {
  const e = ecosystem.trim();
  if (e.startsWith("Ubuntu:") && e.endsWith(":LTS") && !e.startsWith("Ubuntu:Pro:")) return e.slice(0, -4);
  return e;
}

/**
 * Package name as stored and looked up in an ecosystem. PyPI follows PEP 503; every other
 * ecosystem (npm, Go, crates.io, Maven and the OS distributions) compares names exactly.
 */
export function normalizePackageName(ecosystem: string, name: string): string {
  return baseEcosystem(ecosystem) === "PyPI" ? pep503(name) : name;
}
