import type { Advisory, AdvisoryReader, AffectedEntry } from "../advisories/types.js";
import type { Package } from "../extractors/types.js";
import { schemeFor } from "../versions/index.js";
import { evaluate } from "../versions/ranges.js";
import type { VersionScheme } from "../versions/types.js";

/** One advisory that says the package is affected. */
export interface MatchEvidence {
  advisory: Advisory;
  entry: AffectedEntry;
  /** Fix this advisory names for the package; undefined when it names none (unfixed). */
  fixedVersion?: string;
  /** Whether the package matched through its source package rather than its own name. */
  viaSource: boolean;
}

/** One vulnerability in one package: the unit a finding is made of. */
export interface Match {
  /** CVE id when the advisories name exactly one for this finding, else the advisory's own id. */
  vulnerabilityId: string;
  /** Every other id the evidence knows this vulnerability by (DSA-…, GHSA-…, GO-…). */
  related: string[];
  package: Package;
  evidence: MatchEvidence[];
  /** The version that fixes every piece of evidence; undefined when no advisory names a fix. */
  fixedVersion?: string;
  /** Whether some evidence names a fix while other evidence names none. */
  partialFix: boolean;
}

export interface MatchStats {
  packages: number;
  /** Packages skipped because no version scheme is known for their ecosystem (or none is set). */
  unmatchable: number;
  /** Affected entries evaluated. */
  evaluated: number;
}

const isCve = (id: string) => id.startsWith("CVE-");

/** The CVE ids an advisory stands for: its own id if it is one, and its CVE aliases. */
function cvesOf(a: Advisory): string[] {
  const out = new Set<string>();
  if (isCve(a.id)) out.add(a.id);
  for (const alias of a.aliases) if (isCve(alias)) out.add(alias);
  return [...out];
}

/**
 * Matches an inventory against the advisory store: one Match per (vulnerability, package).
 * OS packages are also looked up by their source package, because distro feeds name sources.
 * An advisory covering several CVEs (a DSA, say) yields one match per CVE; advisories without a
 * CVE merge when they share an alias (GO-… and GHSA-… for the same flaw).
 */
export function matchInventory(
  packages: readonly Package[],
  store: AdvisoryReader,
): { matches: Match[]; stats: MatchStats } {
  const stats: MatchStats = { packages: packages.length, unmatchable: 0, evaluated: 0 };
  const matches: Match[] = [];
  const schemes = new Map<string, VersionScheme | undefined>();
  for (const pkg of packages) {
    const ecosystem = pkg.ecosystem;
    if (!ecosystem) {
      stats.unmatchable++;
      continue;
    }
    if (!schemes.has(ecosystem)) schemes.set(ecosystem, schemeFor(ecosystem));
    const scheme = schemes.get(ecosystem);
    if (!scheme) {
      stats.unmatchable++;
      continue;
    }
    const evidence = evidenceFor(pkg, ecosystem, scheme, store, stats);
    if (evidence.length > 0) matches.push(...groupEvidence(pkg, evidence, scheme));
  }
  return { matches, stats };
}

function evidenceFor(
  pkg: Package,
  ecosystem: string,
  scheme: VersionScheme,
  store: AdvisoryReader,
  stats: MatchStats,
): MatchEvidence[] {
  const lookups: { name: string; version: string; viaSource: boolean }[] = [
    { name: pkg.name, version: pkg.version, viaSource: false },
  ];
  if (pkg.source && pkg.source.name !== pkg.name) {
    lookups.push({ name: pkg.source.name, version: pkg.source.version ?? pkg.version, viaSource: true });
  } else if (pkg.source?.version && pkg.source.version !== pkg.version) {
    // Same name, different source version (a binNMU "+b1"): feeds speak of the source version.
    lookups[0]!.version = pkg.source.version;
  }
  const seen = new Set<string>();
  const out: MatchEvidence[] = [];
  for (const { name, version, viaSource } of lookups) {
    for (const entry of store.affected(ecosystem, name)) {
      if (seen.has(entry.advisoryId)) continue;
      stats.evaluated++;
      const verdict = evaluate(scheme, version, entry);
      if (!verdict.affected) continue;
      const advisory = store.advisory(entry.advisoryId);
      if (!advisory || advisory.withdrawn) continue;
      seen.add(entry.advisoryId);
      const ev: MatchEvidence = { advisory, entry, viaSource };
      if (verdict.fixedVersion !== undefined) ev.fixedVersion = verdict.fixedVersion;
      out.push(ev);
    }
  }
  return out;
}

/** Splits evidence into vulnerabilities: per CVE, or per alias-connected group without a CVE. */
function groupEvidence(pkg: Package, evidence: MatchEvidence[], scheme: VersionScheme): Match[] {
  const byId = new Map<string, MatchEvidence[]>();
  const withoutCve: MatchEvidence[] = [];
  for (const ev of evidence) {
    const cves = cvesOf(ev.advisory);
    if (cves.length === 0) withoutCve.push(ev);
    for (const cve of cves) {
      const list = byId.get(cve) ?? [];
      list.push(ev);
      byId.set(cve, list);
    }
  }
  // Union-find over advisory ids and aliases for advisories that name no CVE.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const ev of withoutCve) {
    union(ev.advisory.id, ev.advisory.id);
    for (const alias of ev.advisory.aliases) union(ev.advisory.id, alias);
  }
  const groups = new Map<string, MatchEvidence[]>();
  for (const ev of withoutCve) {
    const root = find(ev.advisory.id);
    const list = groups.get(root) ?? [];
    list.push(ev);
    groups.set(root, list);
  }
  for (const list of groups.values()) {
    // Name the group after its most recognisable id: GHSA for language ecosystems, else the first.
    const ids = [...new Set(list.map((e) => e.advisory.id))].sort();
    const chosen = ids.find((i) => i.startsWith("GHSA-")) ?? ids[0]!;
    byId.set(chosen, list);
  }

  const out: Match[] = [];
  for (const [vulnerabilityId, list] of byId) {
    const related = new Set<string>();
    for (const ev of list) {
      related.add(ev.advisory.id);
      for (const a of ev.advisory.aliases) if (!isCve(a) || cvesOf(ev.advisory).length === 0) related.add(a);
    }
    related.delete(vulnerabilityId);
    const fixes = list.map((e) => e.fixedVersion).filter((v): v is string => v !== undefined);
    let fixedVersion: string | undefined;
    for (const f of fixes) {
      // Every piece of evidence must be fixed: the highest named fix covers them all.
      if (fixedVersion === undefined || safeCompare(scheme, f, fixedVersion) > 0) fixedVersion = f;
    }
    const match: Match = {
      vulnerabilityId,
      related: [...related].sort(),
      package: pkg,
      evidence: list,
      partialFix: fixes.length > 0 && fixes.length < list.length,
    };
    if (fixedVersion !== undefined) match.fixedVersion = fixedVersion;
    out.push(match);
  }
  return out.sort((a, b) => a.vulnerabilityId.localeCompare(b.vulnerabilityId));
}

function safeCompare(scheme: VersionScheme, a: string, b: string): number {
  try {
    return scheme.compare(a, b);
  } catch {
    return a.localeCompare(b);
  }
}
