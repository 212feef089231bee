import type { Package } from "../extractors/types.js";
import type { Finding } from "../findings/finding.js";

/** The package a finding is about, found again in the inventory (same file, name and version). */
export function packageOfFinding(f: Finding, packages: readonly Package[]): Package | undefined {
  // Code and network findings have no package details.
  const vp = (f.packageVulnerabilityDetails as Finding["packageVulnerabilityDetails"] | undefined)
    ?.vulnerablePackages[0];
  if (!vp) return undefined;
  return packages.find(
    (p) => p.location === vp.filePath && p.name === vp.name && versionMatches(p.version, vp),
  );
}

function versionMatches(version: string, vp: { version: string; epoch?: number; release?: string }): boolean {
  const full = `${vp.epoch ? `${vp.epoch}:` : ""}${vp.version}${vp.release !== undefined ? `-${vp.release}` : ""}`;
  return version === full || version === vp.version;
}

/** A stable reference for a package inside one document. */
export function refOf(p: Package, index: number): string {
  return p.purl ? `${p.purl}#${index}` : `pkg-${index}`;
}

export const VIGIL_VERSION = "0.1.0";
