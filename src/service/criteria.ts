import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import type { FindingsTable, ServiceTables } from "../db/service/schema.js";
import type { Finding } from "../findings/finding.js";
import { severityRank } from "../scoring/cvss.js";

/**
 * inspector2 FilterCriteria: evaluated in two places. `criteriaWhere` pushes what maps to indexed
 * columns into SQL (a pre-filter); `findingMatches` evaluates every field on the assembled finding
 * (the truth). Semantics: fields AND together; within a field, EQUALS/PREFIX filters (and number,
 * date, map, package filters) OR together while NOT_EQUALS filters all must hold.
 */
export interface StringFilter {
  comparison: "EQUALS" | "PREFIX" | "NOT_EQUALS";
  value: string;
}
export interface NumberFilter {
  lowerInclusive?: number | undefined;
  upperInclusive?: number | undefined;
}
/** Epoch milliseconds (the wire's seconds converted at the edge). */
export interface DateFilter {
  startInclusive?: number | undefined;
  endInclusive?: number | undefined;
}
export interface MapFilter {
  comparison: "EQUALS";
  key: string;
  value?: string | undefined;
}
export interface PortRangeFilter {
  beginInclusive?: number | undefined;
  endInclusive?: number | undefined;
}
export interface PackageFilter {
  name?: StringFilter | undefined;
  version?: StringFilter | undefined;
  epoch?: NumberFilter | undefined;
  release?: StringFilter | undefined;
  architecture?: StringFilter | undefined;
  sourceLayerHash?: StringFilter | undefined;
  sourceLambdaLayerArn?: StringFilter | undefined;
  filePath?: StringFilter | undefined;
}
export type FilterCriteria = Record<string, unknown[] | undefined>;

type Scalar = string | number | undefined;

const details = (f: Finding, key: string) =>
  (f.resources[0]?.details?.[key] ?? {}) as Record<string, unknown> & Record<string, Scalar>;
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];
const ms = (v: unknown): number | undefined =>
  v === undefined || v === null ? undefined : typeof v === "number" ? v : Date.parse(String(v));
const ecr = (f: Finding) => details(f, "awsEcrContainerImage");
const ec2 = (f: Finding) => details(f, "awsEc2Instance");
const lambda = (f: Finding) => details(f, "awsLambdaFunction");
const code = (f: Finding) =>
  ((f as unknown as { codeVulnerabilityDetails?: Record<string, unknown> }).codeVulnerabilityDetails ??
    {}) as Record<string, unknown>;
const network = (f: Finding) =>
  ((f as unknown as { networkReachabilityDetails?: Record<string, unknown> }).networkReachabilityDetails ??
    {}) as {
    protocol?: string;
    openPortRange?: { begin: number; end: number };
  };

/** Values of each string field on a finding (several for list-valued fields). */
const STRING_FIELDS: Record<string, (f: Finding) => string[]> = {
  findingArn: (f) => [f.findingArn],
  awsAccountId: (f) => [f.awsAccountId],
  findingType: (f) => [f.type],
  severity: (f) => [f.severity],
  findingStatus: (f) => [f.status],
  title: (f) => [f.title],
  resourceType: (f) => list(f.resources[0]?.type),
  resourceId: (f) => list(f.resources[0]?.id),
  ec2InstanceImageId: (f) => list(ec2(f)["imageId"]),
  ec2InstanceVpcId: (f) => list(ec2(f)["vpcId"]),
  ec2InstanceSubnetId: (f) => list(ec2(f)["subnetId"]),
  ecrImageArchitecture: (f) => list(ecr(f)["architecture"]),
  ecrImageRegistry: (f) => list(ecr(f)["registry"]),
  ecrImageRepositoryName: (f) => list(ecr(f)["repositoryName"]),
  ecrImageTags: (f) => list(ecr(f)["imageTags"]),
  ecrImageHash: (f) => list(ecr(f)["imageHash"]),
  networkProtocol: (f) => list(network(f).protocol),
  componentId: (f) => list(f.resources[0]?.id),
  componentType: (f) => list(f.packageVulnerabilityDetails?.vulnerablePackages[0]?.packageManager),
  vulnerabilityId: (f) => list(f.packageVulnerabilityDetails?.vulnerabilityId),
  vulnerabilitySource: (f) => list(f.packageVulnerabilityDetails?.source),
  vendorSeverity: (f) => list(f.packageVulnerabilityDetails?.vendorSeverity),
  relatedVulnerabilities: (f) => list(f.packageVulnerabilityDetails?.relatedVulnerabilities),
  fixAvailable: (f) => [f.fixAvailable],
  lambdaFunctionName: (f) => list(lambda(f)["functionName"]),
  lambdaFunctionLayers: (f) => list(lambda(f)["layers"]),
  lambdaFunctionRuntime: (f) => list(lambda(f)["runtime"]),
  lambdaFunctionExecutionRoleArn: (f) => list(lambda(f)["executionRoleArn"]),
  exploitAvailable: (f) => [f.exploitAvailable],
  codeVulnerabilityDetectorName: (f) => list(code(f)["detectorName"]),
  codeVulnerabilityDetectorTags: (f) => list(code(f)["detectorTags"]),
  codeVulnerabilityFilePath: (f) =>
    list((code(f)["filePath"] as { filePath?: string } | undefined)?.filePath),
  codeRepositoryProjectName: () => [],
  codeRepositoryProviderType: () => [],
  // The cloud* fields generalise the AWS-specific ones; a self-hosted resource answers them
  // from the same details.
  cloudProvider: (f) => list(f.resources[0]?.partition),
  cloudProviderRegion: (f) => list(f.resources[0]?.region),
  cloudProviderAccountId: (f) => [f.awsAccountId],
  cloudProviderOrgId: () => [],
  cloudVmImageReference: (f) => list(ec2(f)["imageId"]),
  cloudVmNetworkId: (f) => list(ec2(f)["vpcId"]),
  cloudVmSubnetIds: (f) => list(ec2(f)["subnetId"]),
  cloudImageRepositoryName: (f) => list(ecr(f)["repositoryName"]),
  cloudImageRegistry: (f) => list(ecr(f)["registry"]),
  cloudImageDigest: (f) => list(ecr(f)["imageHash"]),
  cloudImageTags: (f) => list(ecr(f)["imageTags"]),
  cloudImageArchitecture: (f) => list(ecr(f)["architecture"]),
  cloudServerlessFunctionName: (f) => list(lambda(f)["functionName"]),
  cloudServerlessFunctionRuntime: (f) => list(lambda(f)["runtime"]),
  cloudServerlessFunctionExecutionRole: (f) => list(lambda(f)["executionRoleArn"]),
};

const DATE_FIELDS: Record<string, (f: Finding) => number | undefined> = {
  firstObservedAt: (f) => ms(f.firstObservedAt),
  lastObservedAt: (f) => ms(f.lastObservedAt),
  updatedAt: (f) => ms(f.updatedAt),
  ecrImagePushedAt: (f) => ms(ecr(f)["pushedAt"]),
  ecrImageLastInUseAt: (f) => ms(ecr(f)["lastInUseAt"]),
  lambdaFunctionLastModifiedAt: (f) => ms(lambda(f)["lastModifiedAt"]),
  cloudImagePushedAt: (f) => ms(ecr(f)["pushedAt"]),
  cloudImageLastInUseAt: (f) => ms(ecr(f)["lastInUseAt"]),
  cloudServerlessFunctionLastModifiedAt: (f) => ms(lambda(f)["lastModifiedAt"]),
};

const NUMBER_FIELDS: Record<string, (f: Finding) => number | undefined> = {
  inspectorScore: (f) => f.inspectorScore,
  ecrImageInUseCount: (f) => ecr(f)["inUseCount"] as number | undefined,
  epssScore: (f) => f.epss?.score,
  cloudImageInUseCount: (f) => ecr(f)["inUseCount"] as number | undefined,
};

export function stringMatches(values: readonly string[], filters: readonly StringFilter[]): boolean {
  const positive = filters.filter((x) => x.comparison !== "NOT_EQUALS");
  for (const nf of filters) if (nf.comparison === "NOT_EQUALS" && values.includes(nf.value)) return false;
  if (positive.length === 0) return true;
  return positive.some((p) =>
    p.comparison === "EQUALS" ? values.includes(p.value) : values.some((v) => v.startsWith(p.value)),
  );
}

export function numberMatches(v: number | undefined, filters: readonly NumberFilter[]): boolean {
  if (v === undefined) return false;
  return filters.some(
    (r) =>
      (r.lowerInclusive === undefined || v >= r.lowerInclusive) &&
      (r.upperInclusive === undefined || v <= r.upperInclusive),
  );
}

function dateMatches(v: number | undefined, filters: readonly DateFilter[]): boolean {
  if (v === undefined || Number.isNaN(v)) return false;
  return filters.some(
    (r) =>
      (r.startInclusive === undefined || v >= r.startInclusive) &&
      (r.endInclusive === undefined || v <= r.endInclusive),
  );
}

export function mapMatches(tags: Record<string, string> | undefined, filters: readonly MapFilter[]): boolean {
  const t = tags ?? {};
  return filters.some((m) => Object.hasOwn(t, m.key) && (m.value === undefined || t[m.key] === m.value));
}

function packageMatches(f: Finding, filters: readonly PackageFilter[]): boolean {
  const pkgs = f.packageVulnerabilityDetails?.vulnerablePackages ?? [];
  const one = (s: StringFilter | undefined, v: unknown) => s === undefined || stringMatches(list(v), [s]);
  return filters.some((pf) =>
    pkgs.some(
      (p) =>
        one(pf.name, p.name) &&
        one(pf.version, p.version) &&
        one(pf.release, p.release) &&
        one(pf.architecture, p.arch) &&
        one(pf.sourceLayerHash, p.sourceLayerHash) &&
        one(pf.sourceLambdaLayerArn, (p as { sourceLambdaLayerArn?: string }).sourceLambdaLayerArn) &&
        one(pf.filePath, p.filePath) &&
        (pf.epoch === undefined || numberMatches(p.epoch ?? 0, [pf.epoch])),
    ),
  );
}

function portMatches(f: Finding, filters: readonly PortRangeFilter[]): boolean {
  const range = network(f).openPortRange;
  if (!range) return false;
  return filters.some(
    (p) =>
      (p.beginInclusive === undefined || range.begin >= p.beginInclusive) &&
      (p.endInclusive === undefined || range.end <= p.endInclusive),
  );
}

/** Whether a finding satisfies every field of the criteria. */
export function findingMatches(f: Finding, criteria: FilterCriteria): boolean {
  for (const [field, filters] of Object.entries(criteria)) {
    if (!filters || filters.length === 0) continue;
    const s = STRING_FIELDS[field];
    if (s) {
      if (!stringMatches(s(f), filters as StringFilter[])) return false;
      continue;
    }
    const d = DATE_FIELDS[field];
    if (d) {
      if (!dateMatches(d(f), filters as DateFilter[])) return false;
      continue;
    }
    const n = NUMBER_FIELDS[field];
    if (n) {
      if (!numberMatches(n(f), filters as NumberFilter[])) return false;
      continue;
    }
    if (field === "resourceTags") {
      if (!mapMatches(f.resources[0]?.tags, filters as MapFilter[])) return false;
    } else if (field === "vulnerablePackages") {
      if (!packageMatches(f, filters as PackageFilter[])) return false;
    } else if (field === "portRange") {
      if (!portMatches(f, filters as PortRangeFilter[])) return false;
    } else {
      throw new Error(`filterCriteria.${field}: unknown field`);
    }
  }
  return true;
}

export type StringColumn = keyof FindingsTable & string;

/** String fields whose whole value is a findings column. */
const STRING_COLUMNS: Record<string, StringColumn> = {
  findingArn: "finding_arn",
  awsAccountId: "account_id",
  findingType: "type",
  findingStatus: "status",
  title: "title",
  resourceType: "resource_type",
  resourceId: "resource_id",
  vulnerabilityId: "vulnerability_id",
  vulnerabilitySource: "vulnerability_source",
  vendorSeverity: "vendor_severity",
  fixAvailable: "fix_available",
  exploitAvailable: "exploit_available",
  ecrImageRepositoryName: "ecr_repository",
  ecrImageRegistry: "ecr_registry",
  networkProtocol: "network_protocol",
  componentType: "component_type",
};
const NUMBER_COLUMNS: Record<string, StringColumn> = {
  inspectorScore: "inspector_score",
  epssScore: "epss_score",
};
const DATE_COLUMNS: Record<string, StringColumn> = {
  firstObservedAt: "first_observed_at",
  lastObservedAt: "last_observed_at",
  updatedAt: "updated_at",
  ecrImagePushedAt: "ecr_pushed_at",
};

export type Eb = ExpressionBuilder<ServiceTables, "findings">;

/**
 * SQL conditions for the column-backed fields of the criteria. Rows it keeps are a superset of
 * the matches; `findingMatches` decides. Empty string columns stand for "absent", as in JS.
 */
export function criteriaWhere(eb: Eb, criteria: FilterCriteria): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  for (const [field, raw] of Object.entries(criteria)) {
    if (!raw || raw.length === 0) continue;
    if (field === "severity") {
      const filters = raw as StringFilter[];
      // Severity compares by rank so the (account, resource, severity_rank) index serves it.
      const ranks = (v: string) => severityRank(v as never);
      const eq = filters.filter((x) => x.comparison === "EQUALS").map((x) => ranks(x.value));
      const ne = filters.filter((x) => x.comparison === "NOT_EQUALS").map((x) => ranks(x.value));
      const pre = filters.filter((x) => x.comparison === "PREFIX");
      if (pre.length === 0 && eq.length > 0) out.push(eb("severity_rank", "in", eq));
      if (ne.length > 0) out.push(eb("severity_rank", "not in", ne));
      continue;
    }
    const col = STRING_COLUMNS[field];
    if (col) {
      out.push(...stringColumnWhere(eb, col, raw as StringFilter[]));
      continue;
    }
    const range = NUMBER_COLUMNS[field] ?? DATE_COLUMNS[field];
    if (range) {
      const isDate = DATE_COLUMNS[field] !== undefined;
      const parts = (raw as (NumberFilter & DateFilter)[]).map((r) => {
        const lo = isDate ? r.startInclusive : r.lowerInclusive;
        const hi = isDate ? r.endInclusive : r.upperInclusive;
        const conds: Expression<SqlBool>[] = [];
        if (lo !== undefined) conds.push(eb(range, ">=", lo));
        if (hi !== undefined) conds.push(eb(range, "<=", hi));
        return conds.length ? eb.and(conds) : eb.lit(true);
      });
      out.push(eb.or(parts as Expression<SqlBool>[]));
    }
  }
  return out;
}

/**
 * StringFilters on one column, as `stringMatches` reads them: NOT_EQUALS must all hold, EQUALS
 * and PREFIX OR together.
 */
export function stringColumnWhere(
  eb: Eb,
  col: StringColumn,
  filters: readonly StringFilter[],
): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  const pos = filters.filter((x) => x.comparison !== "NOT_EQUALS");
  for (const nf of filters) if (nf.comparison === "NOT_EQUALS") out.push(eb(col, "!=", nf.value));
  if (pos.length > 0) {
    out.push(
      eb.or(
        pos.map((p) =>
          p.comparison === "EQUALS"
            ? eb(col, "=", p.value)
            : eb(eb.fn<string>("substr", [eb.ref(col), eb.lit(1), eb.lit(p.value.length)]), "=", p.value),
        ),
      ),
    );
  }
  return out;
}

export const SORT_COLUMNS: Record<string, StringColumn> = {
  AWS_ACCOUNT_ID: "account_id",
  FINDING_TYPE: "type",
  SEVERITY: "severity_rank",
  FIRST_OBSERVED_AT: "first_observed_at",
  LAST_OBSERVED_AT: "last_observed_at",
  FINDING_STATUS: "status",
  RESOURCE_TYPE: "resource_type",
  ECR_IMAGE_PUSHED_AT: "ecr_pushed_at",
  ECR_IMAGE_REPOSITORY_NAME: "ecr_repository",
  ECR_IMAGE_REGISTRY: "ecr_registry",
  NETWORK_PROTOCOL: "network_protocol",
  COMPONENT_TYPE: "component_type",
  VULNERABILITY_ID: "vulnerability_id",
  VULNERABILITY_SOURCE: "vulnerability_source",
  INSPECTOR_SCORE: "inspector_score",
  VENDOR_SEVERITY: "vendor_severity",
  EPSS_SCORE: "epss_score",
};
