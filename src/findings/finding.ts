import { createHash } from "node:crypto";
import type { AdvisoryReader, CvssEntry } from "../advisories/types.js";
import type { CodeFinding } from "../code/scan.js";
import type { OsInfo, Package } from "../extractors/types.js";
import type { Match, MatchEvidence } from "../matching/match.js";
import { adjustCvss, type ResourceContext } from "../scoring/context.js";
import { cvssBaseScore, type Severity, severityOfScore } from "../scoring/cvss.js";

/** The inspector2 `Finding` shape (service model 2020-06-08): package, network and code findings. */
export interface Finding {
  awsAccountId: string;
  findingArn: string;
  type: "PACKAGE_VULNERABILITY" | "NETWORK_REACHABILITY" | "CODE_VULNERABILITY";
  title: string;
  description: string;
  severity: Severity;
  status: "ACTIVE" | "SUPPRESSED" | "CLOSED";
  firstObservedAt: string;
  lastObservedAt: string;
  updatedAt: string;
  inspectorScore?: number;
  inspectorScoreDetails?: {
    adjustedCvss: {
      score: number;
      scoreSource: string;
      scoringVector: string;
      version: string;
      cvssSource?: string;
      adjustments: { metric: string; reason: string }[];
    };
  };
  fixAvailable: "YES" | "NO" | "PARTIAL";
  exploitAvailable: "YES" | "NO";
  exploitabilityDetails?: { lastKnownExploitAt: string };
  epss?: { score: number };
  remediation: { recommendation: { text: string; Url?: string } };
  resources: FindingResource[];
  networkReachabilityDetails?: {
    openPortRange: { begin: number; end: number };
    protocol: "TCP" | "UDP";
    networkPath: { steps: { componentId: string; componentType: string; componentArn?: string }[] };
  };
  /** Present on CODE_VULNERABILITY findings (see toCodeFinding). */
  codeVulnerabilityDetails?: CodeVulnerabilityDetails;
  /**
   * Present on PACKAGE_VULNERABILITY findings (network and code findings have none; see network.ts
   * and toCodeFinding).
   */
  packageVulnerabilityDetails: {
    vulnerabilityId: string;
    source: string;
    sourceUrl?: string;
    vendorSeverity?: string;
    vendorCreatedAt?: string;
    vendorUpdatedAt?: string;
    cvss: { baseScore: number; scoringVector: string; source: string; version: string }[];
    relatedVulnerabilities: string[];
    referenceUrls: string[];
    vulnerablePackages: VulnerablePackage[];
  };
}

/** inspector2 CodeVulnerabilityDetails. */
export interface CodeVulnerabilityDetails {
  cwes: string[];
  detectorId: string;
  detectorName: string;
  detectorTags?: string[];
  filePath: { fileName: string; filePath: string; startLine: number; endLine: number };
  referenceUrls?: string[];
  ruleId?: string;
  sourceLambdaLayerArn?: string;
}

export interface VulnerablePackage {
  name: string;
  version: string;
  epoch?: number;
  release?: string;
  arch?: string;
  packageManager?: string;
  filePath?: string;
  fixedInVersion: string;
  remediation?: string;
  sourceLayerHash?: string;
  sourceLambdaLayerArn?: string;
}

export interface FindingResource {
  type: "AWS_EC2_INSTANCE" | "AWS_ECR_CONTAINER_IMAGE" | "AWS_ECR_REPOSITORY" | "AWS_LAMBDA_FUNCTION";
  id: string;
  partition: string;
  region: string;
  tags?: Record<string, string>;
  details?: Record<string, unknown>;
}

export interface FindingContext {
  accountId: string;
  region: string;
  resource: FindingResource;
  os?: OsInfo;
  /** ISO timestamp used for observed/updated times. */
  now: string;
  /** What the server knows about the resource (network exposure, running processes) for the Vigil score. */
  scoring?: ResourceContext;
}

/** Feed names → the `source` label Inspector-style consumers see. */
const SOURCE_LABELS: Record<string, string> = {
  "debian-tracker": "DEBIAN_CVE",
  "osv:Debian": "DEBIAN_SECURITY_ADVISORY",
  "osv:Go": "GO_VULNDB",
  "osv:PyPI": "PYPA",
  "osv:crates.io": "RUSTSEC",
  "alpine-secdb": "ALPINE_SECDB",
  "amazon-linux": "AMAZON_LINUX_ALAS",
  "redhat-csaf": "REDHAT_CSAF",
  "osv:AlmaLinux": "ALMALINUX_ERRATA",
  "osv:Rocky Linux": "ROCKY_LINUX_ERRATA",
};

/** Where the better evidence comes from, best first: distro trackers, then other feeds. */
const SOURCE_PREFERENCE = ["debian-tracker", "alpine-secdb", "amazon-linux", "redhat-csaf", "osv:Debian"];

const PACKAGE_MANAGERS: Record<string, string> = {
  dpkg: "OS",
  "dpkg-status": "OS",
  apk: "OS",
  rpm: "OS",
  "package-lock": "NPM",
  "yarn-lock": "YARN",
  "pnpm-lock": "NPM",
  "node-modules": "NODEPKG",
  "python-metadata": "PYTHONPKG",
  "poetry-lock": "POETRY",
  "pipfile-lock": "PIPENV",
  requirements: "PIP",
  "go-binary": "GOBINARY",
  "go-mod": "GOMOD",
  "cargo-lock": "CARGO",
  "cargo-auditable": "CARGO",
  "java-archive": "JAR",
  "gemfile-lock": "BUNDLER",
  gemspec: "GEMSPEC",
  "dotnet-deps": "DOTNET_CORE",
  "nuget-lock": "NUGET",
  "composer-lock": "COMPOSER",
  "composer-installed": "COMPOSER",
};

function packageManagerOf(pkg: Package): string | undefined {
  if (pkg.type === "deb" || pkg.type === "rpm" || pkg.type === "apk") return "OS";
  return PACKAGE_MANAGERS[pkg.extractor];
}

function primaryEvidence(match: Match): MatchEvidence {
  const ranked = [...match.evidence].sort((a, b) => rank(a.advisory.source) - rank(b.advisory.source));
  return ranked[0]!;
}

function rank(source: string): number {
  const i = SOURCE_PREFERENCE.indexOf(source);
  return i === -1 ? SOURCE_PREFERENCE.length : i;
}

/** Splits an OS package version into Inspector's epoch / version / release parts. */
function splitOsVersion(pkg: Package): { epoch?: number; version: string; release?: string } {
  if (pkg.type !== "deb" && pkg.type !== "rpm") return { version: pkg.version };
  let rest = pkg.version;
  let epoch = 0;
  const colon = rest.indexOf(":");
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  if (dash > 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest };
}

/** Debian tracker urgencies → severity, used only when no CVSS score is known. */
const URGENCY: Record<string, Severity> = {
  high: "HIGH",
  medium: "MEDIUM",
  low: "LOW",
  unimportant: "LOW",
  critical: "CRITICAL",
  moderate: "MEDIUM",
  important: "HIGH",
};

interface ScoreChoice {
  severity: Severity;
  score?: number;
  vector?: string;
  version?: string;
  source?: string;
  vendorSeverity?: string;
}

function chooseScore(match: Match, nvd: CvssEntry | undefined): ScoreChoice {
  const vendorSeverity = match.evidence
    .map((e) => e.entry.severity)
    .find((s) => s && s !== "not yet assigned");
  const base: Pick<ScoreChoice, "vendorSeverity"> = vendorSeverity ? { vendorSeverity } : {};
  if (nvd?.baseScore !== undefined && nvd.vector) {
    return {
      ...base,
      severity: severityOfScore(nvd.baseScore),
      score: nvd.baseScore,
      vector: nvd.vector,
      version: nvd.version ?? "3.1",
      source: "NVD",
    };
  }
  for (const ev of match.evidence) {
    for (const s of ev.advisory.severity) {
      const scored = s.type.startsWith("CVSS") ? cvssBaseScore(s.score) : undefined;
      if (scored) {
        return {
          ...base,
          severity: severityOfScore(scored.baseScore),
          score: scored.baseScore,
          vector: scored.vector,
          version: scored.version,
          source: ev.advisory.id,
        };
      }
    }
  }
  const named = vendorSeverity ? URGENCY[vendorSeverity.toLowerCase()] : undefined;
  return { ...base, severity: named ?? "UNTRIAGED" };
}

/** Turns one match into an inspector2 Finding for the given resource. */
export function toFinding(match: Match, store: AdvisoryReader, ctx: FindingContext): Finding {
  const pkg = match.package;
  const id = match.vulnerabilityId;
  const primary = primaryEvidence(match);
  const cve = id.startsWith("CVE-") ? id : undefined;
  const nvd = cve ? store.cvss(cve) : undefined;
  const kev = cve ? store.kev(cve) : undefined;
  const epss = cve ? store.epss(cve) : undefined;
  const score = chooseScore(match, nvd);

  const cvss: Finding["packageVulnerabilityDetails"]["cvss"] = [];
  for (const m of nvd?.metrics ?? []) {
    cvss.push({ baseScore: m.baseScore, scoringVector: m.vector, source: "NVD", version: m.version });
  }
  for (const ev of match.evidence) {
    for (const s of ev.advisory.severity) {
      const scored = s.type.startsWith("CVSS") ? cvssBaseScore(s.score) : undefined;
      if (scored && !cvss.some((c) => c.scoringVector === scored.vector)) {
        cvss.push({
          baseScore: scored.baseScore,
          scoringVector: scored.vector,
          source: ev.advisory.id,
          version: scored.version,
        });
      }
    }
  }

  const refs = new Set<string>();
  for (const ev of match.evidence) for (const r of ev.advisory.references) refs.add(r.url);
  const parts = splitOsVersion(pkg);
  const fixed = match.fixedVersion;
  const vulnerable: VulnerablePackage = {
    name: pkg.name,
    version: parts.version,
    fixedInVersion: fixed ?? "NotAvailable",
    ...(parts.epoch !== undefined ? { epoch: parts.epoch } : {}),
    ...(parts.release !== undefined ? { release: parts.release } : {}),
    ...(pkg.arch ? { arch: pkg.arch } : {}),
    ...(packageManagerOf(pkg) ? { packageManager: packageManagerOf(pkg)! } : {}),
    filePath: pkg.location,
    ...(fixed ? { remediation: `Upgrade ${pkg.name} to ${fixed} or later` } : {}),
    ...(pkg.layerDigest ? { sourceLayerHash: pkg.layerDigest } : {}),
  };

  const description =
    primary.advisory.details?.trim() ||
    nvd?.description?.trim() ||
    primary.advisory.summary?.trim() ||
    `${id} affects ${pkg.name} ${pkg.version}.`;
  const sourceUrl = cve
    ? `https://nvd.nist.gov/vuln/detail/${cve}`
    : (primary.advisory.references.find((r) => r.type === "ADVISORY") ?? primary.advisory.references[0])?.url;

  const finding: Finding = {
    awsAccountId: ctx.accountId,
    findingArn: `arn:aws:inspector2:${ctx.region}:${ctx.accountId}:finding/${findingKey(ctx.resource.id, id, pkg)}`,
    type: "PACKAGE_VULNERABILITY",
    title: `${id} - ${pkg.name}`,
    description,
    severity: score.severity,
    status: "ACTIVE",
    firstObservedAt: ctx.now,
    lastObservedAt: ctx.now,
    updatedAt: ctx.now,
    fixAvailable: fixed === undefined ? "NO" : match.partialFix ? "PARTIAL" : "YES",
    exploitAvailable: kev ? "YES" : "NO",
    remediation: {
      recommendation: {
        text: fixed ? `Upgrade ${pkg.name} to version ${fixed} or later.` : "None provided",
        ...(sourceUrl ? { Url: sourceUrl } : {}),
      },
    },
    resources: [ctx.resource],
    packageVulnerabilityDetails: {
      vulnerabilityId: id,
      source: SOURCE_LABELS[primary.advisory.source] ?? primary.advisory.source.toUpperCase(),
      ...(sourceUrl ? { sourceUrl } : {}),
      ...(score.vendorSeverity ? { vendorSeverity: score.vendorSeverity } : {}),
      ...(primary.advisory.published ? { vendorCreatedAt: primary.advisory.published } : {}),
      vendorUpdatedAt: primary.advisory.modified,
      cvss,
      relatedVulnerabilities: match.related,
      referenceUrls: [...refs].slice(0, 25),
      vulnerablePackages: [vulnerable],
    },
  };
  if (score.score !== undefined && score.vector && score.version) {
    // The Vigil score: the vector adjusted for what we know of this resource, reasons recorded.
    const names = [pkg.name, ...(pkg.source?.name && pkg.source.name !== pkg.name ? [pkg.source.name] : [])];
    const adjusted = adjustCvss(
      score.vector,
      names,
      {
        ...(kev ? { kevAddedAt: new Date(kev.dateAdded).toISOString() } : {}),
        ...(epss ? { epss: epss.score } : {}),
      },
      ctx.scoring ?? {},
    );
    finding.inspectorScore = adjusted?.score ?? score.score;
    if (adjusted) finding.severity = severityOfScore(adjusted.score);
    finding.inspectorScoreDetails = {
      adjustedCvss: {
        score: adjusted?.score ?? score.score,
        scoreSource: score.source ?? "NVD",
        scoringVector: adjusted?.vector ?? score.vector,
        version: score.version,
        ...(score.source ? { cvssSource: score.source } : {}),
        adjustments: adjusted?.adjustments ?? [],
      },
    };
  }
  if (kev) finding.exploitabilityDetails = { lastKnownExploitAt: new Date(kev.dateAdded).toISOString() };
  if (epss) finding.epss = { score: epss.score };
  return finding;
}

/** Stable id of a finding: same resource, vulnerability and package → same ARN across scans. */
export function findingKey(resourceId: string, vulnerabilityId: string, pkg: Package): string {
  return createHash("sha256")
    .update([resourceId, vulnerabilityId, pkg.type, pkg.name, pkg.location].join("\0"))
    .digest("hex")
    .slice(0, 32);
}

/**
 * A CODE_VULNERABILITY finding for one code scanning result. The ARN is derived from the resource
 * and the finding's fingerprint (detector, file, whitespace-normalised flagged code, occurrence),
 * not from line numbers: moving code around does not open and close findings.
 */
export function toCodeFinding(
  cf: CodeFinding,
  ctx: FindingContext & { sourceLambdaLayerArn?: string },
): Finding {
  const key = createHash("sha256")
    .update([ctx.resource.id, "CODE_VULNERABILITY", cf.fingerprint].join("\0"))
    .digest("hex")
    .slice(0, 32);
  const slash = cf.filePath.lastIndexOf("/");
  const finding = {
    awsAccountId: ctx.accountId,
    findingArn: `arn:aws:inspector2:${ctx.region}:${ctx.accountId}:finding/${key}`,
    type: "CODE_VULNERABILITY",
    title: cf.title,
    description: cf.description,
    severity: cf.severity,
    status: "ACTIVE",
    firstObservedAt: ctx.now,
    lastObservedAt: ctx.now,
    updatedAt: ctx.now,
    fixAvailable: "NO",
    exploitAvailable: "NO",
    remediation: {
      recommendation: { text: cf.remediation, ...(cf.referenceUrls[0] ? { Url: cf.referenceUrls[0] } : {}) },
    },
    resources: [ctx.resource],
    codeVulnerabilityDetails: {
      cwes: cf.cwes.slice(0, 10),
      detectorId: cf.detectorId,
      detectorName: cf.detectorName,
      ...(cf.detectorTags.length > 0 ? { detectorTags: cf.detectorTags.slice(0, 10) } : {}),
      filePath: {
        fileName: cf.filePath.slice(slash + 1),
        filePath: cf.filePath,
        startLine: cf.startLine,
        endLine: cf.endLine,
      },
      ...(cf.referenceUrls.length > 0 ? { referenceUrls: cf.referenceUrls.slice(0, 10) } : {}),
      ruleId: cf.ruleId,
      ...(ctx.sourceLambdaLayerArn ? { sourceLambdaLayerArn: ctx.sourceLambdaLayerArn } : {}),
    },
  };
  // Code findings have no package details; the storage and API read them optionally.
  return finding as unknown as Finding;
}
