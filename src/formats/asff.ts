import type { Finding, FindingResource, VulnerablePackage } from "../findings/finding.js";

/**
 * AWS Security Finding Format (ASFF, schema 2018-10-08): findings as Amazon Inspector sends them
 * to Security Hub (BatchImportFindings). Only the members Vigil fills are typed here.
 */

export type AsffSeverityLabel = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

export interface AsffSoftwarePackage {
  Name?: string;
  Version?: string;
  Epoch?: string;
  Release?: string;
  Architecture?: string;
  PackageManager?: string;
  FilePath?: string;
  FixedInVersion?: string;
  Remediation?: string;
  SourceLayerHash?: string;
}

export interface AsffCvss {
  Version?: string;
  BaseScore?: number;
  BaseVector?: string;
  Source?: string;
  Adjustments?: { Metric?: string; Reason?: string }[];
}

export interface AsffVulnerability {
  Id: string;
  VulnerablePackages?: AsffSoftwarePackage[];
  Cvss?: AsffCvss[];
  RelatedVulnerabilities?: string[];
  Vendor?: {
    Name: string;
    Url?: string;
    VendorSeverity?: string;
    VendorCreatedAt?: string;
    VendorUpdatedAt?: string;
  };
  ReferenceUrls?: string[];
  FixAvailable?: "YES" | "NO" | "PARTIAL";
  ExploitAvailable?: "YES" | "NO";
  EpssScore?: number;
  LastKnownExploitAt?: string;
  /** Code findings (Lambda code scanning): the weakness and where it is. */
  CodeVulnerabilities?: AsffCodeVulnerability[];
}

export interface AsffCodeVulnerability {
  Cwes?: string[];
  FilePath?: { FilePath?: string; FileName?: string; StartLine?: number; EndLine?: number };
  /** The Lambda layer the code came from. */
  SourceArn?: string;
}

export interface AsffResourceDetails {
  AwsEc2Instance?: {
    Type?: string;
    ImageId?: string;
    IpV4Addresses?: string[];
    IpV6Addresses?: string[];
    KeyName?: string;
    IamInstanceProfileArn?: string;
    VpcId?: string;
    SubnetId?: string;
    LaunchedAt?: string;
  };
  AwsEcrContainerImage?: {
    RegistryId?: string;
    RepositoryName?: string;
    Architecture?: string;
    ImageDigest?: string;
    ImageTags?: string[];
    ImagePublishedAt?: string;
  };
  AwsLambdaFunction?: {
    FunctionName?: string;
    Runtime?: string;
    Version?: string;
    CodeSha256?: string;
    Role?: string;
    LastModified?: string;
    Architectures?: string[];
    PackageType?: string;
  };
  AwsEcrRepository?: { RepositoryName?: string; Arn?: string };
  /** What the type-specific object has no member for (platform, Vigil's registry host, layers). */
  Other?: Record<string, string>;
}

export interface AsffResource {
  Type: string;
  Id: string;
  Partition?: "aws" | "aws-cn" | "aws-us-gov";
  Region?: string;
  Tags?: Record<string, string>;
  Details?: AsffResourceDetails;
}

export interface AsffPortRange {
  Begin: number;
  End: number;
}

export interface AsffFinding {
  SchemaVersion: "2018-10-08";
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  Region: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  FirstObservedAt: string;
  LastObservedAt: string;
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel; Normalized: number; Original: string };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  RecordState: "ACTIVE" | "ARCHIVED";
  Workflow: { Status: "NEW" | "NOTIFIED" | "RESOLVED" | "SUPPRESSED" };
  FindingProviderFields: { Severity: { Label: AsffSeverityLabel; Original: string }; Types: string[] };
  Vulnerabilities?: AsffVulnerability[];
  Network?: { Direction: "IN" | "OUT"; Protocol: string; OpenPortRange: AsffPortRange };
  NetworkPath?: {
    ComponentId?: string;
    ComponentType?: string;
    Ingress?: { Protocol?: string; Destination?: { PortRanges?: AsffPortRange[] } };
  }[];
}

export interface AsffOptions {
  /** Region the findings are imported in (Security Hub's region; also the default ProductArn's). */
  region: string;
  /** Default: Inspector's product ARN in `region`. */
  productArn?: string;
  /** Default: "AWSInspector", as Inspector sends. */
  generatorId?: string;
}

/** Limits from the ASFF syntax and the Security Hub API reference. */
export const ASFF_LIMITS = {
  id: 512,
  generatorId: 512,
  title: 256,
  description: 1024,
  recommendationText: 512,
  resources: 32,
  vulnerablePackages: 1024,
  productFields: 50,
  productFieldKey: 128,
  productFieldValue: 2048,
  /** Resource.Details.Other: up to 50 pairs, keys under 128 characters, values under 1,024. */
  otherEntries: 50,
  otherKey: 127,
  otherValue: 1023,
  /** Resource.Tags follow AWS tag limits: 50 tags, keys up to 128, values up to 256. */
  tags: 50,
  tagKey: 128,
  tagValue: 256,
  /** BatchImportFindings takes 1 to 100 findings per request. */
  batch: 100,
} as const;

const SCHEMA_VERSION = "2018-10-08";

const PACKAGE_TYPE = "Software and Configuration Checks/Vulnerabilities/CVE";
const NETWORK_TYPE = "Software and Configuration Checks/AWS Security Best Practices/Network Reachability";
/** Code findings are weaknesses (CWEs) in the function's own code, not CVEs of a package. */
const CODE_TYPE = "Software and Configuration Checks/Vulnerabilities/CWE";

/** Inspector's labels and normalized scores; UNTRIAGED has no ASFF label and goes out as INFORMATIONAL. */
const SEVERITY: Record<Finding["severity"], { label: AsffSeverityLabel; normalized: number }> = {
  CRITICAL: { label: "CRITICAL", normalized: 90 },
  HIGH: { label: "HIGH", normalized: 70 },
  MEDIUM: { label: "MEDIUM", normalized: 40 },
  LOW: { label: "LOW", normalized: 1 },
  INFORMATIONAL: { label: "INFORMATIONAL", normalized: 0 },
  UNTRIAGED: { label: "INFORMATIONAL", normalized: 0 },
};

const WORKFLOW: Record<Finding["status"], AsffFinding["Workflow"]["Status"]> = {
  ACTIVE: "NEW",
  SUPPRESSED: "SUPPRESSED",
  CLOSED: "RESOLVED",
};

const RESOURCE_TYPES: Record<FindingResource["type"], string> = {
  AWS_EC2_INSTANCE: "AwsEc2Instance",
  AWS_ECR_CONTAINER_IMAGE: "AwsEcrContainerImage",
  AWS_ECR_REPOSITORY: "AwsEcrRepository",
  AWS_LAMBDA_FUNCTION: "AwsLambdaFunction",
};

/** Where a resource's platform sits in inspector2 details, and its ASFF ProductFields name. */
const PLATFORM_FIELDS: Partial<Record<FindingResource["type"], [string, string]>> = {
  AWS_EC2_INSTANCE: ["awsEc2Instance", "awsEc2InstanceDetails"],
  AWS_ECR_CONTAINER_IMAGE: ["awsEcrContainerImage", "awsEcrContainerImageDetails"],
};

const PARTITIONS = new Set(["aws", "aws-cn", "aws-us-gov"]);

/** The partition a region belongs to, for the default product ARN. */
function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Inspector's product ARN in Security Hub for a region. */
export function inspectorProductArn(region: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}::product/aws/inspector`;
}

/**
 * Cuts `text` to at most `max` UTF-16 units (so also at most `max` characters), ending in an
 * ellipsis when cut, never splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut).trimEnd()}…`;
}

/** ASFF strings must hold a non-whitespace character: blank values are left out. */
function str(v: unknown, max?: number): string | undefined {
  if (typeof v !== "string" || !/\S/.test(v)) return undefined;
  return max === undefined ? v : truncate(v, max);
}

function strs(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = v.filter((x): x is string => typeof x === "string" && /\S/.test(x));
  return out.length > 0 ? out : undefined;
}

/**
 * An ISO 8601 UTC timestamp (`toISOString`) from a string or epoch number (seconds on the wire,
 * milliseconds in memory). Dates before 1970 are feed placeholders (Go's zero time), not facts.
 */
function iso(v: unknown): string | undefined {
  let ms: number;
  if (typeof v === "number" && Number.isFinite(v)) ms = v < 1e11 ? v * 1000 : v;
  else if (typeof v === "string" && /\S/.test(v)) ms = Date.parse(v);
  else return undefined;
  if (Number.isNaN(ms) || ms < 0) return undefined;
  return new Date(ms).toISOString();
}

function requiredIso(v: unknown, what: string, finding: Finding): string {
  const t = iso(v);
  if (!t) throw new RangeError(`${finding.findingArn}: ${what} ${JSON.stringify(v)} is not a timestamp`);
  return t;
}

/** Drops undefined members so the output holds only what is known. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** A string map within ASFF limits: blank entries dropped, over-long keys dropped, values cut. */
function fieldMap(
  entries: Iterable<[string, string | undefined]>,
  limits: { entries: number; key: number; value: number },
): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of entries) {
    if (n >= limits.entries) break;
    const value = str(v, limits.value);
    if (!/\S/.test(k) || k.length > limits.key || value === undefined || k in out) continue;
    out[k] = value;
    n++;
  }
  return out;
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Resource details: the inspector2 members ASFF has a place for, the rest under Other. */
function resourceDetails(r: FindingResource, accountId: string): AsffResourceDetails | undefined {
  const details = record(r.details);
  const other: [string, string | undefined][] = [];
  const out: AsffResourceDetails = {};
  if (r.type === "AWS_ECR_CONTAINER_IMAGE") {
    const e = record(details["awsEcrContainerImage"]);
    const registry = str(e["registry"]);
    out.AwsEcrContainerImage = compact({
      // ECR names the registry by account id; a Vigil registry is a host, kept under Other.
      RegistryId: registry && /^\d{12}$/.test(registry) ? registry : accountId,
      RepositoryName: str(e["repositoryName"]),
      Architecture: str(e["architecture"]),
      ImageDigest: str(e["imageHash"]),
      ImageTags: strs(e["imageTags"]),
      ImagePublishedAt: iso(e["pushedAt"]),
    });
    if (registry && !/^\d{12}$/.test(registry)) other.push(["registry", registry]);
    other.push(["platform", str(e["platform"])], ["author", str(e["author"])]);
  } else if (r.type === "AWS_EC2_INSTANCE") {
    const e = record(details["awsEc2Instance"]);
    out.AwsEc2Instance = compact({
      Type: str(e["type"]),
      ImageId: str(e["imageId"]),
      IpV4Addresses: strs(e["ipV4Addresses"]),
      IpV6Addresses: strs(e["ipV6Addresses"]),
      KeyName: str(e["keyName"]),
      IamInstanceProfileArn: str(e["iamInstanceProfileArn"]),
      VpcId: str(e["vpcId"]),
      SubnetId: str(e["subnetId"]),
      LaunchedAt: iso(e["launchedAt"]),
    });
    other.push(["platform", str(e["platform"])]);
  } else if (r.type === "AWS_LAMBDA_FUNCTION") {
    const e = record(details["awsLambdaFunction"]);
    const role = str(e["executionRoleArn"]);
    out.AwsLambdaFunction = compact({
      FunctionName: str(e["functionName"]),
      Runtime: str(e["runtime"]),
      Version: str(e["version"]),
      CodeSha256: str(e["codeSha256"]),
      Role: role?.startsWith("arn:") ? role : undefined,
      LastModified: iso(e["lastModifiedAt"]),
      Architectures: strs(e["architectures"]),
      PackageType: str(e["packageType"]),
    });
    // ASFF layers are ARNs with sizes; Vigil knows the layer files by name.
    const layers = strs(e["layers"]);
    if (layers) other.push(["layers", layers.join(", ")]);
  } else if (r.type === "AWS_ECR_REPOSITORY") {
    const e = record(details["awsEcrRepository"]);
    out.AwsEcrRepository = compact({ RepositoryName: str(e["name"]) ?? str(e["repositoryName"]) });
  }
  const others = fieldMap(other, {
    entries: ASFF_LIMITS.otherEntries,
    key: ASFF_LIMITS.otherKey,
    value: ASFF_LIMITS.otherValue,
  });
  if (Object.keys(others).length > 0) out.Other = others;
  for (const k of Object.keys(out) as (keyof AsffResourceDetails)[]) {
    if (Object.keys(out[k] ?? {}).length === 0) delete out[k];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function resource(r: FindingResource, accountId: string): AsffResource {
  const tags = fieldMap(Object.entries(r.tags ?? {}), {
    entries: ASFF_LIMITS.tags,
    key: ASFF_LIMITS.tagKey,
    value: ASFF_LIMITS.tagValue,
  });
  const details = resourceDetails(r, accountId);
  return compact({
    Type: RESOURCE_TYPES[r.type] ?? "Other",
    Id: r.id,
    // Vigil's own partition ("vigil") is not an AWS one; ASFF allows only aws, aws-cn, aws-us-gov.
    Partition: PARTITIONS.has(r.partition) ? (r.partition as AsffResource["Partition"]) : undefined,
    Region: str(r.region),
    Tags: Object.keys(tags).length > 0 ? tags : undefined,
    Details: details,
  });
}

function softwarePackage(p: VulnerablePackage): AsffSoftwarePackage {
  return compact({
    Name: str(p.name),
    Version: str(p.version),
    Epoch: p.epoch !== undefined ? String(p.epoch) : undefined,
    Release: str(p.release),
    Architecture: str(p.arch),
    PackageManager: str(p.packageManager),
    FilePath: str(p.filePath),
    FixedInVersion: str(p.fixedInVersion),
    Remediation: str(p.remediation),
    SourceLayerHash: str(p.sourceLayerHash),
  });
}

function vulnerability(f: Finding): AsffVulnerability | undefined {
  const d = f.packageVulnerabilityDetails as Finding["packageVulnerabilityDetails"] | undefined;
  const id = str(d?.vulnerabilityId);
  if (!d || !id) return undefined;
  const cvss: AsffCvss[] = (d.cvss ?? []).map((c) =>
    compact({
      Version: str(c.version),
      BaseScore: c.baseScore,
      BaseVector: str(c.scoringVector),
      Source: str(c.source),
    }),
  );
  // The score this finding carries: the vector adjusted for the resource, with the reasons why.
  const adjusted = f.inspectorScoreDetails?.adjustedCvss;
  if (
    adjusted &&
    !cvss.some((c) => c.BaseVector === adjusted.scoringVector && c.BaseScore === adjusted.score)
  ) {
    const adjustments = adjusted.adjustments
      .map((a) => compact({ Metric: str(a.metric), Reason: str(a.reason) }))
      .filter((a) => a.Metric || a.Reason);
    cvss.push(
      compact({
        Version: str(adjusted.version),
        BaseScore: adjusted.score,
        BaseVector: str(adjusted.scoringVector),
        Source: str(adjusted.scoreSource),
        Adjustments: adjustments.length > 0 ? adjustments : undefined,
      }),
    );
  }
  const packages = (d.vulnerablePackages ?? []).slice(0, ASFF_LIMITS.vulnerablePackages).map(softwarePackage);
  const vendorName = str(d.source);
  return compact({
    Id: id,
    VulnerablePackages: packages.length > 0 ? packages : undefined,
    Cvss: cvss.length > 0 ? cvss : undefined,
    RelatedVulnerabilities: strs(d.relatedVulnerabilities),
    Vendor: vendorName
      ? compact({
          Name: vendorName,
          Url: str(d.sourceUrl),
          VendorSeverity: str(d.vendorSeverity),
          VendorCreatedAt: iso(d.vendorCreatedAt),
          VendorUpdatedAt: iso(d.vendorUpdatedAt),
        })
      : undefined,
    ReferenceUrls: strs(d.referenceUrls),
    FixAvailable: f.fixAvailable,
    ExploitAvailable: f.exploitAvailable,
    EpssScore: f.epss?.score,
    LastKnownExploitAt: iso(f.exploitabilityDetails?.lastKnownExploitAt),
  });
}

/**
 * A code finding's vulnerability: the detector as its id, the CWEs and the file and lines under
 * CodeVulnerabilities. The code itself stays out: snippets can hold the very credentials a
 * detector flags, and Security Hub is not the place to copy them to (BatchGetCodeSnippet is).
 */
function codeVulnerability(f: Finding): AsffVulnerability | undefined {
  const d = f.codeVulnerabilityDetails;
  const id = str(d?.detectorId);
  if (!d || !id) return undefined;
  const path = d.filePath;
  const location = compact({
    FilePath: str(path?.filePath),
    FileName: str(path?.fileName),
    StartLine: Number.isInteger(path?.startLine) ? path!.startLine : undefined,
    EndLine: Number.isInteger(path?.endLine) ? path!.endLine : undefined,
  });
  const code = compact({
    Cwes: strs(d.cwes),
    FilePath: Object.keys(location).length > 0 ? location : undefined,
    SourceArn: str(d.sourceLambdaLayerArn),
  });
  return compact({
    Id: id,
    CodeVulnerabilities: Object.keys(code).length > 0 ? [code] : undefined,
    ReferenceUrls: strs(d.referenceUrls),
    FixAvailable: f.fixAvailable,
    ExploitAvailable: f.exploitAvailable,
  });
}

const portText = (r: { begin: number; end: number }) =>
  r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`;

/** One inspector2 finding as the ASFF finding Inspector would import into Security Hub. */
export function toAsff(finding: Finding, options: AsffOptions): AsffFinding {
  const region = str(options.region);
  if (!region) throw new RangeError("toAsff: a region is required");
  if (!/^\d{12}$/.test(finding.awsAccountId))
    throw new RangeError(
      `${finding.findingArn}: AwsAccountId must be 12 digits, not ${finding.awsAccountId}`,
    );
  if (finding.findingArn.length > ASFF_LIMITS.id || !/\S/.test(finding.findingArn))
    throw new RangeError(`finding id must be 1 to ${ASFF_LIMITS.id} characters: ${finding.findingArn}`);
  if (finding.resources.length === 0)
    throw new RangeError(`${finding.findingArn}: a finding needs a resource`);

  const severity = SEVERITY[finding.severity] ?? SEVERITY.UNTRIAGED;
  const network = finding.type === "NETWORK_REACHABILITY" ? finding.networkReachabilityDetails : undefined;
  const types = [
    finding.type === "NETWORK_REACHABILITY"
      ? NETWORK_TYPE
      : finding.type === "CODE_VULNERABILITY"
        ? CODE_TYPE
        : PACKAGE_TYPE,
  ];
  const resources = finding.resources
    .slice(0, ASFF_LIMITS.resources)
    .map((r) => resource(r, finding.awsAccountId));
  const title = truncate(str(finding.title) ?? finding.findingArn, ASFF_LIMITS.title);
  const description = truncate(str(finding.description) ?? title, ASFF_LIMITS.description);
  const recommendation = finding.remediation?.recommendation;

  const productFields: [string, string | undefined][] = [
    ["aws/inspector/ProductVersion", "2"],
    ["aws/inspector/FindingStatus", finding.status],
    ["aws/inspector/inspectorScore", finding.inspectorScore?.toString()],
  ];
  if (network) {
    const path = network.networkPath.steps.map((s) => s.componentId).join(" → ");
    productFields.push(
      ["vigil/networkReachability/protocol", network.protocol],
      ["vigil/networkReachability/openPortRange", portText(network.openPortRange)],
      ["vigil/networkReachability/networkPath", path],
    );
  }
  const code = finding.type === "CODE_VULNERABILITY" ? finding.codeVulnerabilityDetails : undefined;
  if (code) {
    const path = code.filePath;
    productFields.push(
      ["vigil/codeVulnerability/detectorId", code.detectorId],
      ["vigil/codeVulnerability/detectorName", code.detectorName],
      ["vigil/codeVulnerability/ruleId", code.ruleId],
      ["vigil/codeVulnerability/detectorTags", code.detectorTags?.join(", ")],
      [
        "vigil/codeVulnerability/location",
        path?.filePath
          ? `${path.filePath}:${path.startLine}${path.endLine !== path.startLine ? `-${path.endLine}` : ""}`
          : undefined,
      ],
    );
  }
  // Inspector flattens each resource's platform into ProductFields (1-based resource index).
  finding.resources.slice(0, ASFF_LIMITS.resources).forEach((r, i) => {
    const where = PLATFORM_FIELDS[r.type];
    const platform = where ? str(record(record(r.details)[where[0]])["platform"]) : undefined;
    if (where && platform)
      productFields.push([`aws/inspector/resources/${i + 1}/resourceDetails/${where[1]}/platform`, platform]);
  });

  const out: AsffFinding = {
    SchemaVersion: SCHEMA_VERSION,
    Id: finding.findingArn,
    ProductArn: str(options.productArn) ?? inspectorProductArn(region),
    // Vigil emits these on Inspector's behalf, so Security Hub integrations that key on the
    // product (filters, automation rules, EventBridge patterns) treat the findings as Inspector's.
    ProductName: "Inspector",
    CompanyName: "Amazon",
    Region: region,
    GeneratorId: truncate(str(options.generatorId) ?? "AWSInspector", ASFF_LIMITS.generatorId),
    AwsAccountId: finding.awsAccountId,
    Types: types,
    FirstObservedAt: requiredIso(finding.firstObservedAt, "firstObservedAt", finding),
    LastObservedAt: requiredIso(finding.lastObservedAt, "lastObservedAt", finding),
    CreatedAt: requiredIso(finding.firstObservedAt, "firstObservedAt", finding),
    UpdatedAt: requiredIso(finding.updatedAt, "updatedAt", finding),
    Severity: { Label: severity.label, Normalized: severity.normalized, Original: finding.severity },
    Title: title,
    Description: description,
    Remediation: {
      Recommendation: compact({
        Text: truncate(str(recommendation?.text) ?? "None provided", ASFF_LIMITS.recommendationText),
        Url: str(recommendation?.Url),
      }),
    },
    ProductFields: fieldMap(productFields, {
      entries: ASFF_LIMITS.productFields,
      key: ASFF_LIMITS.productFieldKey,
      value: ASFF_LIMITS.productFieldValue,
    }),
    Resources: resources,
    RecordState: finding.status === "CLOSED" ? "ARCHIVED" : "ACTIVE",
    Workflow: { Status: WORKFLOW[finding.status] ?? "NEW" },
    FindingProviderFields: {
      Severity: { Label: severity.label, Original: finding.severity },
      Types: [...types],
    },
  };
  if (network) {
    const range = { Begin: network.openPortRange.begin, End: network.openPortRange.end };
    out.Network = { Direction: "IN", Protocol: network.protocol, OpenPortRange: range };
    out.NetworkPath = network.networkPath.steps.map((s) =>
      compact({
        ComponentId: str(s.componentId),
        ComponentType: str(s.componentType),
        Ingress: { Protocol: network.protocol, Destination: { PortRanges: [{ ...range }] } },
      }),
    );
  } else if (finding.type === "PACKAGE_VULNERABILITY") {
    const v = vulnerability(finding);
    if (v) out.Vulnerabilities = [v];
  } else if (code) {
    const v = codeVulnerability(finding);
    if (v) out.Vulnerabilities = [v];
  }
  return out;
}

/**
 * A BatchImportFindings request body. The API takes 1 to 100 findings a request: more throw
 * (use {@link toAsffBatches} to split).
 */
export function toAsffBatch(findings: Finding[], options: AsffOptions): { Findings: AsffFinding[] } {
  if (findings.length > ASFF_LIMITS.batch)
    throw new RangeError(
      `BatchImportFindings takes at most ${ASFF_LIMITS.batch} findings; got ${findings.length} (use toAsffBatches)`,
    );
  return { Findings: findings.map((f) => toAsff(f, options)) };
}

/** BatchImportFindings request bodies of at most 100 findings each (none for no findings). */
export function toAsffBatches(findings: Finding[], options: AsffOptions): { Findings: AsffFinding[] }[] {
  const out: { Findings: AsffFinding[] }[] = [];
  for (let i = 0; i < findings.length; i += ASFF_LIMITS.batch)
    out.push(toAsffBatch(findings.slice(i, i + ASFF_LIMITS.batch), options));
  return out;
}
