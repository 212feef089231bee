/**
 * The Findings page's view as URL query parameters (so a view is a link to share), and its
 * translation to inspector2 FilterCriteria / SortCriteria / aggregation requests.
 *
 * Parameters: severity, status, type, resourceType (comma-separated lists); text fields
 * (resourceId, vulnerabilityId, package, layer, title, account, repository, ami, lambdaLayer) match
 * by prefix, or exactly when the value is wrapped in double quotes; fix, exploit (YES/NO/PARTIAL);
 * epssMin/epssMax (percent), scoreMin/scoreMax (0–10); sort, order; group (an aggregation type).
 * A missing `status` means ACTIVE; an empty one means every status.
 */
import type {
  AggregationResponse,
  AggregationType,
  FilterCriteria,
  NumberFilter,
  PackageFilter,
  SeverityCounts,
  SortField,
  StringFilter,
} from "../types";

export type Params = Record<string, string>;

export const TEXT_FIELDS = [
  { key: "title", label: "Title starts with", criteria: "title" },
  { key: "vulnerabilityId", label: "Vulnerability ID", criteria: "vulnerabilityId" },
  { key: "package", label: "Package name", criteria: "vulnerablePackages.name" },
  { key: "resourceId", label: "Resource ID", criteria: "resourceId" },
  { key: "account", label: "Account", criteria: "awsAccountId" },
  { key: "repository", label: "Image repository", criteria: "ecrImageRepositoryName" },
  { key: "layer", label: "Image layer", criteria: "vulnerablePackages.sourceLayerHash" },
  { key: "ami", label: "Host image (AMI)", criteria: "ec2InstanceImageId" },
  { key: "lambdaLayer", label: "Function layer", criteria: "lambdaFunctionLayers" },
] as const;

export const LIST_FIELDS = {
  severity: "severity",
  status: "findingStatus",
  type: "findingType",
  resourceType: "resourceType",
} as const;

export const SORT_FIELDS: { value: SortField; label: string }[] = [
  { value: "SEVERITY", label: "Severity" },
  { value: "INSPECTOR_SCORE", label: "Score" },
  { value: "EPSS_SCORE", label: "EPSS" },
  { value: "LAST_OBSERVED_AT", label: "Last observed" },
  { value: "FIRST_OBSERVED_AT", label: "First observed" },
  { value: "VULNERABILITY_ID", label: "Vulnerability ID" },
  { value: "RESOURCE_TYPE", label: "Resource type" },
  { value: "FINDING_STATUS", label: "Status" },
  { value: "AWS_ACCOUNT_ID", label: "Account" },
  { value: "ECR_IMAGE_PUSHED_AT", label: "Image pushed" },
  { value: "COMPONENT_TYPE", label: "Package manager" },
];

/** Every parameter the Findings page understands (others are dropped when saving a view). */
export const QUERY_KEYS = [
  ...Object.keys(LIST_FIELDS),
  ...TEXT_FIELDS.map((f) => f.key),
  "fix",
  "exploit",
  "epssMin",
  "epssMax",
  "scoreMin",
  "scoreMax",
  "sort",
  "order",
  "group",
];

export function paramsOf(search: URLSearchParams): Params {
  const out: Params = {};
  for (const key of QUERY_KEYS) {
    const v = search.get(key);
    if (v !== null) out[key] = v;
  }
  return out;
}

export function listParam(p: Params, key: string): string[] {
  const v = p[key];
  if (v === undefined) return key === "status" ? ["ACTIVE"] : [];
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A text field's filter: prefix, or EQUALS for a "quoted" value. */
export function textFilter(value: string): StringFilter | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const quoted = /^"(.*)"$/.exec(v);
  if (quoted) return quoted[1] ? { comparison: "EQUALS", value: quoted[1] } : undefined;
  return { comparison: "PREFIX", value: v };
}

/** A text field value that matches exactly. */
export const exact = (v: string) => `"${v}"`;

function numberFilter(min: string | undefined, max: string | undefined, scale = 1): NumberFilter | undefined {
  const lo = min !== undefined && min.trim() !== "" ? Number(min) : undefined;
  const hi = max !== undefined && max.trim() !== "" ? Number(max) : undefined;
  const f: NumberFilter = {};
  if (lo !== undefined && Number.isFinite(lo)) f.lowerInclusive = lo * scale;
  if (hi !== undefined && Number.isFinite(hi)) f.upperInclusive = hi * scale;
  return f.lowerInclusive === undefined && f.upperInclusive === undefined ? undefined : f;
}

/** The FilterCriteria of a view. */
export function toCriteria(p: Params): FilterCriteria {
  const c: FilterCriteria = {};
  for (const [key, field] of Object.entries(LIST_FIELDS)) {
    const values = listParam(p, key);
    if (values.length) c[field] = values.slice(0, 10).map((value) => ({ comparison: "EQUALS", value }));
  }
  const pkg: PackageFilter = {};
  for (const f of TEXT_FIELDS) {
    const filter = textFilter(p[f.key] ?? "");
    if (!filter) continue;
    if (f.criteria === "vulnerablePackages.name") pkg.name = filter;
    else if (f.criteria === "vulnerablePackages.sourceLayerHash") pkg.sourceLayerHash = filter;
    else c[f.criteria] = [filter];
  }
  if (pkg.name || pkg.sourceLayerHash) c["vulnerablePackages"] = [pkg];
  for (const [key, field] of [
    ["fix", "fixAvailable"],
    ["exploit", "exploitAvailable"],
  ] as const) {
    const v = p[key];
    if (v) c[field] = [{ comparison: "EQUALS", value: v }];
  }
  const epss = numberFilter(p["epssMin"], p["epssMax"], 0.01);
  if (epss) c["epssScore"] = [epss];
  const score = numberFilter(p["scoreMin"], p["scoreMax"]);
  if (score) c["inspectorScore"] = [score];
  return c;
}

export function sortOf(p: Params): { field: SortField; sortOrder: "ASC" | "DESC" } {
  const field = SORT_FIELDS.some((s) => s.value === p["sort"]) ? (p["sort"] as SortField) : "SEVERITY";
  return { field, sortOrder: p["order"] === "ASC" ? "ASC" : "DESC" };
}

/** The view's parameters as a search string ("?severity=CRITICAL&..."), in a stable order. */
export function searchOf(p: Params): string {
  const s = new URLSearchParams();
  for (const key of QUERY_KEYS) {
    const v = p[key];
    if (v !== undefined && (v !== "" || key === "status")) s.set(key, v);
  }
  const str = s.toString();
  return str ? `?${str}` : "";
}

/** How many filters a view applies (for "Clear filters (3)"). */
export function activeFilterCount(p: Params): number {
  return QUERY_KEYS.filter((k) => !["sort", "order", "group"].includes(k) && p[k] !== undefined).length;
}

// ---- describing criteria (suppression rules) ----

const CRITERIA_LABELS: Record<string, string> = {
  findingArn: "Finding",
  awsAccountId: "Account",
  findingType: "Type",
  severity: "Severity",
  findingStatus: "Status",
  title: "Title",
  resourceType: "Resource type",
  resourceId: "Resource",
  vulnerabilityId: "Vulnerability",
  vulnerablePackages: "Package",
  fixAvailable: "Fix available",
  exploitAvailable: "Exploit available",
  epssScore: "EPSS",
  inspectorScore: "Score",
  ecrImageRepositoryName: "Image repository",
  ecrImageTags: "Image tag",
  ec2InstanceImageId: "AMI",
  lambdaFunctionLayers: "Function layer",
  lambdaFunctionName: "Function",
  resourceTags: "Resource tag",
};

function describeOne(f: unknown): string {
  if (!f || typeof f !== "object") return String(f);
  const o = f as Record<string, unknown>;
  if (typeof o["comparison"] === "string" && "value" in o && !("key" in o)) {
    const op = o["comparison"] === "PREFIX" ? "starts with " : o["comparison"] === "NOT_EQUALS" ? "≠ " : "";
    return `${op}${String(o["value"])}`;
  }
  if ("key" in o) return `${String(o["key"])}=${String(o["value"] ?? "*")}`;
  if ("lowerInclusive" in o || "upperInclusive" in o)
    return `${o["lowerInclusive"] ?? "…"}–${o["upperInclusive"] ?? "…"}`;
  if ("startInclusive" in o || "endInclusive" in o) {
    const d = (v: unknown) => (typeof v === "number" ? new Date(v * 1000).toISOString().slice(0, 10) : "…");
    return `${d(o["startInclusive"])}–${d(o["endInclusive"])}`;
  }
  return Object.entries(o)
    .map(([k, v]) => `${k} ${describeOne(v)}`)
    .join(", ");
}

/** A short human reading of FilterCriteria: ["Severity: CRITICAL, HIGH", "Finding: 3 findings"]. */
export function describeCriteria(c: FilterCriteria): string[] {
  const out: string[] = [];
  for (const [field, filters] of Object.entries(c)) {
    if (!filters?.length) continue;
    const label = CRITERIA_LABELS[field] ?? field;
    if (field === "findingArn" && filters.length > 2) out.push(`${label}: ${filters.length} findings`);
    else out.push(`${label}: ${filters.map(describeOne).join(" or ")}`);
  }
  return out;
}

// ---- aggregations (the Findings page's "group by") ----

export interface GroupRow {
  key: string;
  label: string;
  detail?: string;
  counts: SeverityCounts;
  /** Parameters that narrow the Findings page to this group. */
  filter: Params;
}

interface AggregationSpec {
  type: AggregationType;
  label: string;
  member: string;
  /** The parts of the view the aggregation request can express. */
  request: (p: Params) => Record<string, unknown>;
  row: (r: Record<string, unknown>) => Omit<GroupRow, "counts" | "key">;
}

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const filterList = (p: Params, key: string): StringFilter[] | undefined => {
  const f = textFilter(p[key] ?? "");
  return f ? [f] : undefined;
};
const one = (p: Params, key: string, allowed: string[]): string | undefined => {
  const v = listParam(p, key);
  return v.length === 1 && allowed.includes(v[0]!) ? v[0] : undefined;
};
const typeFilters = (p: Params) => ({
  findingType: one(p, "type", ["PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY", "CODE_VULNERABILITY"]),
  resourceType: one(p, "resourceType", [
    "AWS_EC2_INSTANCE",
    "AWS_ECR_CONTAINER_IMAGE",
    "AWS_LAMBDA_FUNCTION",
  ]),
});

export const AGGREGATIONS: AggregationSpec[] = [
  {
    type: "PACKAGE",
    label: "Package",
    member: "packageAggregation",
    request: (p) => ({ packageNames: filterList(p, "package") }),
    row: (r) => ({ label: str(r["packageName"]), filter: { package: exact(str(r["packageName"])) } }),
  },
  {
    type: "TITLE",
    label: "Vulnerability",
    member: "titleAggregation",
    request: (p) => ({
      titles: filterList(p, "title"),
      vulnerabilityIds: filterList(p, "vulnerabilityId"),
      ...typeFilters(p),
    }),
    row: (r) => ({
      label: str(r["vulnerabilityId"]) || str(r["title"]),
      detail: str(r["title"]),
      filter: (r["vulnerabilityId"]
        ? { vulnerabilityId: exact(str(r["vulnerabilityId"])) }
        : { title: exact(str(r["title"])) }) as Params,
    }),
  },
  {
    type: "AWS_ECR_CONTAINER",
    label: "Container image",
    member: "awsEcrContainerAggregation",
    request: (p) => ({ resourceIds: filterList(p, "resourceId"), repositories: filterList(p, "repository") }),
    row: (r) => ({
      label: str(r["repository"]) || str(r["resourceId"]),
      detail: [
        Array.isArray(r["imageTags"]) ? (r["imageTags"] as string[]).join(", ") : "",
        str(r["imageSha"]).slice(0, 19),
      ]
        .filter(Boolean)
        .join(" · "),
      filter: { resourceId: exact(str(r["resourceId"])) },
    }),
  },
  {
    type: "REPOSITORY",
    label: "Image repository",
    member: "repositoryAggregation",
    request: (p) => ({ repositories: filterList(p, "repository") }),
    row: (r) => ({
      label: str(r["repository"]),
      detail: r["affectedImages"] !== undefined ? `${str(r["affectedImages"])} images affected` : "",
      filter: { repository: exact(str(r["repository"])) },
    }),
  },
  {
    type: "IMAGE_LAYER",
    label: "Image layer",
    member: "imageLayerAggregation",
    request: (p) => ({
      resourceIds: filterList(p, "resourceId"),
      repositories: filterList(p, "repository"),
      layerHashes: filterList(p, "layer"),
    }),
    row: (r) => ({
      label: str(r["layerHash"]),
      detail: str(r["repository"]) || str(r["resourceId"]),
      filter: { layer: exact(str(r["layerHash"])), resourceId: exact(str(r["resourceId"])) },
    }),
  },
  {
    type: "AWS_EC2_INSTANCE",
    label: "Host",
    member: "ec2InstanceAggregation",
    request: (p) => ({ instanceIds: filterList(p, "resourceId"), amis: filterList(p, "ami") }),
    row: (r) => ({
      label: str(r["instanceId"]),
      detail: [str(r["operatingSystem"]), str(r["ami"])].filter(Boolean).join(" · "),
      filter: { resourceId: exact(str(r["instanceId"])) },
    }),
  },
  {
    type: "AMI",
    label: "Host image (AMI)",
    member: "amiAggregation",
    request: (p) => ({ amis: filterList(p, "ami") }),
    row: (r) => ({
      label: str(r["ami"]),
      detail: r["affectedInstances"] !== undefined ? `${str(r["affectedInstances"])} hosts affected` : "",
      filter: { ami: exact(str(r["ami"])) },
    }),
  },
  {
    type: "AWS_LAMBDA_FUNCTION",
    label: "Function",
    member: "lambdaFunctionAggregation",
    request: (p) => ({ resourceIds: filterList(p, "resourceId") }),
    row: (r) => ({
      label: str(r["functionName"]) || str(r["resourceId"]),
      detail: str(r["runtime"]),
      filter: { resourceId: exact(str(r["resourceId"])) },
    }),
  },
  {
    type: "LAMBDA_LAYER",
    label: "Function layer",
    member: "lambdaLayerAggregation",
    request: (p) => ({ resourceIds: filterList(p, "resourceId"), layerArns: filterList(p, "lambdaLayer") }),
    row: (r) => ({
      label: str(r["layerArn"]),
      detail: str(r["functionName"]),
      filter: { lambdaLayer: exact(str(r["layerArn"])), resourceId: exact(str(r["resourceId"])) },
    }),
  },
  {
    type: "ACCOUNT",
    label: "Account",
    member: "accountAggregation",
    request: (p) => typeFilters(p),
    row: (r) => ({ label: str(r["accountId"]), filter: { account: exact(str(r["accountId"])) } }),
  },
];

/** Drops undefined members (the API refuses nothing, but keeps requests readable). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function aggregationSpec(type: string | undefined): AggregationSpec | undefined {
  return AGGREGATIONS.find((a) => a.type === type);
}

/** The ListFindingAggregations input for grouping the view by `spec`. */
export function aggregationInput(
  spec: AggregationSpec,
  p: Params,
  sortBy: "CRITICAL" | "HIGH" | "ALL",
): {
  aggregationType: AggregationType;
  aggregationRequest: Record<string, Record<string, unknown>>;
  accountIds?: StringFilter[];
} {
  const accounts = filterList(p, "account");
  return {
    aggregationType: spec.type,
    aggregationRequest: { [spec.member]: compact({ ...spec.request(p), sortBy, sortOrder: "DESC" }) },
    ...(accounts ? { accountIds: accounts } : {}),
  };
}

export function groupRow(spec: AggregationSpec, response: AggregationResponse, index: number): GroupRow {
  const r = response[spec.member] ?? Object.values(response)[0] ?? {};
  const row = spec.row(r);
  return {
    ...row,
    key: `${index}:${row.label}:${row.detail ?? ""}:${str(r["accountId"])}`,
    counts: r.severityCounts ?? {},
  };
}
