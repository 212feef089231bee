import type { AffectedVersions } from "../versions/ranges.js";

/** A severity statement as OSV carries it: a CVSS vector or a named scale. */
export interface SeverityEntry {
  /** "CVSS_V2" | "CVSS_V3" | "CVSS_V4" | "Debian" (urgency) | "Ubuntu" | … */
  type: string;
  /** A CVSS vector string, or the named level for non-CVSS types. */
  score: string;
}

export interface Reference {
  type: string;
  url: string;
}

/** One advisory, normalized from whichever feed it came in. */
export interface Advisory {
  /** Feed-native id: "GO-2023-1571", "DSA-5380-1", "CVE-2023-1234" (Debian tracker), "PYSEC-…". */
  id: string;
  aliases: string[];
  related: string[];
  summary?: string;
  details?: string;
  /** ISO 8601 timestamps. */
  published?: string;
  modified: string;
  withdrawn?: string;
  severity: SeverityEntry[];
  references: Reference[];
  /** Feed name: "osv:Go", "osv:Debian", "debian-tracker", "alpine-secdb", … */
  source: string;
  cwes?: string[];
}

/** What one advisory says about one package in one ecosystem. */
export interface AffectedEntry extends AffectedVersions {
  advisoryId: string;
  /** OSV ecosystem, with release where the feed is per release ("Debian:12", "Alpine:v3.18"). */
  ecosystem: string;
  /** Package name as the feed spells it. */
  packageName: string;
  /** Feed-level severity for this package, when the feed grades per package (Debian urgency). */
  severity?: string;
}

export interface KevEntry {
  cveId: string;
  vendorProject?: string;
  product?: string;
  vulnerabilityName?: string;
  dateAdded: string;
  dueDate?: string;
  knownRansomwareCampaignUse?: string;
  requiredAction?: string;
}

export interface EpssEntry {
  cveId: string;
  score: number;
  percentile: number;
  date?: string;
}

/** CVSS facts for a CVE from NVD. */
export interface CvssEntry {
  cveId: string;
  /** Best available v3.x (else v2) base score and vector. */
  baseScore?: number;
  vector?: string;
  version?: string;
  /** Every metric NVD lists: source, version, vector, score. */
  metrics: { source: string; version: string; vector: string; baseScore: number; baseSeverity?: string }[];
  published?: string;
  lastModified?: string;
  description?: string;
}

/** Read side of the advisory store: everything matching and scoring need. */
export interface AdvisoryReader {
  /** Affected entries for a package; `name` is normalized by the store for the ecosystem. */
  affected(ecosystem: string, name: string): AffectedEntry[];
  advisory(id: string): Advisory | undefined;
  kev(cveId: string): KevEntry | undefined;
  epss(cveId: string): EpssEntry | undefined;
  cvss(cveId: string): CvssEntry | undefined;
}
