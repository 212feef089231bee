import type { Insertable, Selectable } from "kysely";
import type { FindingsTable } from "../db/service/schema.js";
import type { Finding, FindingResource } from "../findings/finding.js";
import { severityRank } from "../scoring/cvss.js";

/** Conversions between the inspector2 Finding and its row: status and times live in columns. */
export type FindingRow = Selectable<FindingsTable>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The finding's content without status and times: what "changed" is judged on. */
export function findingBody(f: Finding): string {
  const { status: _s, firstObservedAt: _f, lastObservedAt: _l, updatedAt: _u, ...rest } = f;
  return JSON.stringify(rest);
}

export function rowToFinding(row: FindingRow): Finding {
  const f = JSON.parse(row.body) as Finding;
  f.status = row.status as Finding["status"];
  f.firstObservedAt = iso(row.first_observed_at);
  f.lastObservedAt = iso(row.last_observed_at);
  f.updatedAt = iso(row.updated_at);
  return f;
}

function detail(resource: FindingResource | undefined, kind: string, key: string): unknown {
  return (resource?.details?.[kind] as Record<string, unknown> | undefined)?.[key];
}

/** The indexed columns of a finding. */
export function findingColumns(
  f: Finding,
): Omit<
  Insertable<FindingsTable>,
  "status" | "first_observed_at" | "last_observed_at" | "updated_at" | "suppressed_by" | "open" | "body"
> {
  const r = f.resources[0];
  const pushed = detail(r, "awsEcrContainerImage", "pushedAt");
  const pkg = f.packageVulnerabilityDetails?.vulnerablePackages[0];
  const net = (f as unknown as { networkReachabilityDetails?: { protocol?: string } })
    .networkReachabilityDetails;
  return {
    finding_arn: f.findingArn,
    account_id: f.awsAccountId,
    resource_id: r?.id ?? "",
    resource_type: r?.type ?? "",
    severity: f.severity,
    severity_rank: severityRank(f.severity),
    inspector_score: f.inspectorScore ?? 0,
    type: f.type,
    title: f.title,
    vulnerability_id: f.packageVulnerabilityDetails?.vulnerabilityId ?? "",
    vulnerability_source: f.packageVulnerabilityDetails?.source ?? "",
    vendor_severity: f.packageVulnerabilityDetails?.vendorSeverity ?? "",
    package_name: pkg?.name ?? "",
    source_layer: pkg?.sourceLayerHash ?? pkg?.sourceLambdaLayerArn ?? "",
    fix_available: f.fixAvailable,
    exploit_available: f.exploitAvailable,
    epss_score: f.epss?.score ?? 0,
    ecr_repository: String(detail(r, "awsEcrContainerImage", "repositoryName") ?? ""),
    ecr_registry: String(detail(r, "awsEcrContainerImage", "registry") ?? ""),
    ecr_pushed_at: pushed ? Date.parse(String(pushed)) || 0 : 0,
    network_protocol: net?.protocol ?? "",
    component_type: pkg?.packageManager ?? "",
  };
}

export function findingRow(
  f: Finding,
  state: {
    status: string;
    first: number;
    last: number;
    updated: number;
    suppressedBy: string | null;
    open: boolean;
  },
): Insertable<FindingsTable> {
  return {
    ...findingColumns(f),
    status: state.status,
    first_observed_at: state.first,
    last_observed_at: state.last,
    updated_at: state.updated,
    suppressed_by: state.suppressedBy,
    open: state.open ? 1 : 0,
    body: findingBody(f),
  };
}
