import type {
  AggregationResponse,
  AggregationType,
  AwsEcrContainerAggregationResponse,
  CodeRepositoryAggregationResponse,
  ContainerImageAggregationResponse,
  Ec2InstanceAggregationResponse,
  ImageLayerAggregationResponse,
  LambdaFunctionAggregationResponse,
  Provider,
  ServerlessFunctionAggregationResponse,
  SeverityCounts,
  TitleAggregationResponse,
  VmInstanceAggregationResponse,
} from "@aws-sdk/client-inspector2";
import type { Finding } from "../findings/finding.js";
import { type MapFilter, mapMatches, type StringFilter, stringMatches } from "./criteria.js";
import { validation } from "./errors.js";

/**
 * inspector2 ListFindingAggregations over findings held in memory. The caller has already narrowed
 * the findings to the requested accounts and to the statuses that count (active ones): every
 * finding given is counted.
 *
 * Each aggregation type groups by its natural key (plus the account, which every response names),
 * applies the request's filters (string filters: EQUALS/PREFIX OR together, NOT_EQUALS all must
 * hold; fields AND together; map filters OR together), and sorts by `sortBy` (default CRITICAL)
 * in `sortOrder` (default DESC), then by the remaining ones of CRITICAL, HIGH, ALL in the same
 * order, then by the group key ascending.
 *
 * Request dates (DateFilter) may be Date objects, ISO strings or epoch milliseconds; response
 * dates are Date objects, as the SDK types them.
 */
export interface AggregationInput {
  findings: Iterable<Finding>;
}

/** The values of the inspector2 `AggregationType` enum. */
export const AGGREGATION_TYPES = [
  "ACCOUNT",
  "AMI",
  "AWS_EC2_INSTANCE",
  "AWS_ECR_CONTAINER",
  "AWS_LAMBDA_FUNCTION",
  "CODE_REPOSITORY",
  "CONTAINER_IMAGE",
  "FINDING_TYPE",
  "IMAGE_LAYER",
  "LAMBDA_LAYER",
  "PACKAGE",
  "REPOSITORY",
  "SERVERLESS_FUNCTION",
  "TITLE",
  "VM_INSTANCE",
] as const satisfies readonly AggregationType[];

const FINDING_TYPES = ["CODE_VULNERABILITY", "NETWORK_REACHABILITY", "PACKAGE_VULNERABILITY"] as const;
const RESOURCE_TYPES = [
  "AWS_EC2_INSTANCE",
  "AWS_ECR_CONTAINER_IMAGE",
  "AWS_LAMBDA_FUNCTION",
  "CODE_REPOSITORY",
  "Microsoft.Compute/virtualMachines",
  "Microsoft.ContainerRegistry/registry/containerImage",
  "Microsoft.Web/sites",
] as const;
const SEVERITY_SORTS = ["ALL", "CRITICAL", "HIGH"] as const;
/** Tie-breakers after `sortBy`, in this order. */
const DEFAULT_CHAIN = ["CRITICAL", "HIGH", "ALL"] as const;

/** One finding's contribution to a group; `sub` is the package / layer it is counted under. */
interface Entry {
  f: Finding;
  sub: string | undefined;
}
interface Group {
  key: string[];
  findings: Finding[];
  first: Entry;
}
interface Built {
  out: AggregationResponse;
  counts: SeverityCounts;
  /** Extra sort keys (AFFECTED_INSTANCES, AFFECTED_IMAGES, NETWORK_FINDINGS). */
  metrics?: Record<string, number>;
}

type Getter<T> = (e: Entry) => T;
interface Spec {
  /** The AggregationRequest / AggregationResponse union member. */
  member: string;
  sortBy: readonly string[];
  strings?: Record<string, Getter<string[]>>;
  maps?: Record<string, Getter<Record<string, string> | undefined>>;
  numbers?: Record<string, Getter<number | undefined>>;
  dates?: Record<string, Getter<number | undefined>>;
  /** Single-valued enum fields (findingType, resourceType): the finding must equal the value. */
  enums?: Record<string, { values: readonly string[]; of: Getter<string | undefined> }>;
  /** What this finding contributes; none when it is not of this aggregation's kind. */
  entries(f: Finding): Entry[];
  key(e: Entry): string[];
  build(g: Group): Built;
}

// ---- reading findings ----

type Details = Record<string, unknown>;
const details = (f: Finding, kind: string): Details => (f.resources[0]?.details?.[kind] ?? {}) as Details;
const ecr = (f: Finding) => details(f, "awsEcrContainerImage");
const ec2 = (f: Finding) => details(f, "awsEc2Instance");
const lambda = (f: Finding) => details(f, "awsLambdaFunction");
const code = (f: Finding) => details(f, "codeRepository");

const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
const strs = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map(str).filter((x) => x !== undefined)
    : v === undefined || v === null
      ? []
      : list(str(v));
const list = (v: string | undefined): string[] => (v === undefined ? [] : [v]);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const timeMs = (v: unknown): number | undefined => {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
};
const date = (v: unknown): Date | undefined => {
  const t = timeMs(v);
  return t === undefined ? undefined : new Date(t);
};

const resourceType = (f: Finding): string | undefined => f.resources[0]?.type;
const resourceId = (f: Finding): string => f.resources[0]?.id ?? "";
const ofType = (type: string) => (f: Finding) => (resourceType(f) === type ? [{ f, sub: undefined }] : []);
/** The distinct values of a package field among the finding's vulnerable packages. */
const packageValues = (f: Finding, field: "name" | "sourceLayerHash" | "sourceLambdaLayerArn"): string[] => {
  const out = new Set<string>();
  for (const p of f.packageVulnerabilityDetails?.vulnerablePackages ?? []) {
    const v = str((p as unknown as Record<string, unknown>)[field]);
    if (v) out.add(v);
  }
  return [...out].sort();
};

const exploitable = (f: Finding) => f.exploitAvailable === "YES";
/** PARTIAL counts: a fix exists for part of the affected packages. */
const fixable = (f: Finding) => f.fixAvailable === "YES" || f.fixAvailable === "PARTIAL";
const countOf = (fs: readonly Finding[], p: (f: Finding) => boolean) =>
  fs.reduce((n, f) => n + (p(f) ? 1 : 0), 0);
const distinctResources = (fs: readonly Finding[]) => new Set(fs.map(resourceId)).size;
const networkFindings = (fs: readonly Finding[]) =>
  countOf(fs, (f) => (f.type as string) === "NETWORK_REACHABILITY");

function severityCounts(fs: readonly Finding[]): SeverityCounts {
  const c = { all: 0, medium: 0, high: 0, critical: 0 };
  for (const f of fs) {
    c.all++;
    if (f.severity === "CRITICAL") c.critical++;
    else if (f.severity === "HIGH") c.high++;
    else if (f.severity === "MEDIUM") c.medium++;
  }
  return c;
}

/** Copies the defined values only, so absent fields stay absent rather than `undefined`. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const cloud = (f: Finding) => ({
  cloudProvider: "AWS" as Provider,
  cloudAccountId: f.awsAccountId,
  cloudPartition: f.resources[0]?.partition,
  cloudRegion: f.resources[0]?.region,
});

// ---- shared filter extractors ----

const byResourceId: Getter<string[]> = (e) => list(e.f.resources[0]?.id);
const CLOUD_FILTERS: Record<string, Getter<string[]>> = {
  cloudProviders: () => ["AWS"],
  cloudPartitions: (e) => list(e.f.resources[0]?.partition),
  cloudRegions: (e) => list(e.f.resources[0]?.region),
  cloudOrgIds: () => [],
  cloudAccountIds: (e) => [e.f.awsAccountId],
};
const TYPE_ENUMS = {
  findingType: { values: FINDING_TYPES, of: (e: Entry) => e.f.type },
  resourceType: { values: RESOURCE_TYPES, of: (e: Entry) => resourceType(e.f) },
};
const tags = (e: Entry) => e.f.resources[0]?.tags;

// ---- the aggregations ----

function accountTotals(member: "accountAggregation" | "findingTypeAggregation"): Spec {
  return {
    member,
    sortBy: SEVERITY_SORTS,
    enums: TYPE_ENUMS,
    entries: (f) => [{ f, sub: undefined }],
    key: (e) => [e.f.awsAccountId],
    build: ({ key, findings }) => {
      const counts = severityCounts(findings);
      const body = {
        accountId: key[0]!,
        severityCounts: counts,
        exploitAvailableCount: countOf(findings, exploitable),
        fixAvailableCount: countOf(findings, fixable),
      };
      return {
        out:
          member === "accountAggregation" ? { accountAggregation: body } : { findingTypeAggregation: body },
        counts,
      };
    },
  };
}

const ecrImage: Pick<Spec, "entries" | "key"> = {
  entries: ofType("AWS_ECR_CONTAINER_IMAGE"),
  key: (e) => [resourceId(e.f), e.f.awsAccountId],
};
const ecrFields = (f: Finding) => {
  const d = ecr(f);
  return {
    imageSha: str(d["imageHash"]),
    repository: str(d["repositoryName"]),
    architecture: str(d["architecture"]),
    imageTags: Array.isArray(d["imageTags"]) ? strs(d["imageTags"]) : undefined,
  };
};
const ECR_IMAGE_FILTERS = {
  resourceIds: byResourceId,
  repositories: (e: Entry) => list(str(ecr(e.f)["repositoryName"])),
  architectures: (e: Entry) => list(str(ecr(e.f)["architecture"])),
  imageTags: (e: Entry) => strs(ecr(e.f)["imageTags"]),
};
const ECR_IN_USE = {
  numbers: { inUseCount: (e: Entry) => num(ecr(e.f)["inUseCount"]) },
  dates: { lastInUseAt: (e: Entry) => timeMs(ecr(e.f)["lastInUseAt"]) },
};

const lambdaFn: Pick<Spec, "entries" | "key"> = {
  entries: ofType("AWS_LAMBDA_FUNCTION"),
  key: (e) => [resourceId(e.f), e.f.awsAccountId],
};
const LAMBDA_FILTERS = {
  resourceIds: byResourceId,
  functionNames: (e: Entry) => list(str(lambda(e.f)["functionName"])),
  runtimes: (e: Entry) => list(str(lambda(e.f)["runtime"])),
};

const ec2Instance: Pick<Spec, "entries" | "key"> = {
  entries: ofType("AWS_EC2_INSTANCE"),
  key: (e) => [resourceId(e.f), e.f.awsAccountId],
};
const ec2Os = (e: Entry) => list(str(ec2(e.f)["platform"]));
const ec2Ami = (e: Entry) => list(str(ec2(e.f)["imageId"]));

const SPECS: Record<AggregationType, Spec> = {
  ACCOUNT: accountTotals("accountAggregation"),

  FINDING_TYPE: accountTotals("findingTypeAggregation"),

  AMI: {
    member: "amiAggregation",
    sortBy: [...SEVERITY_SORTS, "AFFECTED_INSTANCES"],
    strings: { amis: ec2Ami },
    entries: (f) =>
      resourceType(f) === "AWS_EC2_INSTANCE" && str(ec2(f)["imageId"]) ? [{ f, sub: undefined }] : [],
    key: (e) => [str(ec2(e.f)["imageId"])!, e.f.awsAccountId],
    build: ({ key, findings }) => {
      const counts = severityCounts(findings);
      const affectedInstances = distinctResources(findings);
      return {
        out: {
          amiAggregation: { ami: key[0]!, accountId: key[1]!, severityCounts: counts, affectedInstances },
        },
        counts,
        metrics: { AFFECTED_INSTANCES: affectedInstances },
      };
    },
  },

  AWS_EC2_INSTANCE: {
    member: "ec2InstanceAggregation",
    sortBy: [...SEVERITY_SORTS, "NETWORK_FINDINGS"],
    strings: { amis: ec2Ami, operatingSystems: ec2Os, instanceIds: byResourceId },
    maps: { instanceTags: tags },
    ...ec2Instance,
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const network = networkFindings(findings);
      const d = ec2(first.f);
      return {
        out: {
          ec2InstanceAggregation: defined<Ec2InstanceAggregationResponse>({
            instanceId: key[0]!,
            ami: str(d["imageId"]),
            operatingSystem: str(d["platform"]),
            instanceTags: first.f.resources[0]?.tags,
            accountId: key[1]!,
            severityCounts: counts,
            networkFindings: network,
          }),
        },
        counts,
        metrics: { NETWORK_FINDINGS: network },
      };
    },
  },

  VM_INSTANCE: {
    member: "vmInstanceAggregation",
    sortBy: [...SEVERITY_SORTS, "NETWORK_FINDINGS"],
    strings: {
      resourceIds: byResourceId,
      operatingSystems: ec2Os,
      vmImageReferences: ec2Ami,
      ...CLOUD_FILTERS,
    },
    maps: { instanceTags: tags },
    ...ec2Instance,
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const network = networkFindings(findings);
      const d = ec2(first.f);
      return {
        out: {
          vmInstanceAggregation: defined<VmInstanceAggregationResponse>({
            resourceId: key[0]!,
            ...cloud(first.f),
            vmImageReference: str(d["imageId"]),
            operatingSystem: str(d["platform"]),
            tags: first.f.resources[0]?.tags,
            accountId: key[1]!,
            severityCounts: counts,
            networkFindings: network,
            exploitAvailableActiveFindingsCount: countOf(findings, exploitable),
            fixAvailableActiveFindingsCount: countOf(findings, fixable),
          }),
        },
        counts,
        metrics: { NETWORK_FINDINGS: network },
      };
    },
  },

  AWS_ECR_CONTAINER: {
    member: "awsEcrContainerAggregation",
    sortBy: SEVERITY_SORTS,
    strings: { ...ECR_IMAGE_FILTERS, imageShas: (e) => list(str(ecr(e.f)["imageHash"])) },
    ...ECR_IN_USE,
    ...ecrImage,
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const d = ecr(first.f);
      return {
        out: {
          awsEcrContainerAggregation: defined<AwsEcrContainerAggregationResponse>({
            resourceId: key[0]!,
            ...ecrFields(first.f),
            accountId: key[1]!,
            severityCounts: counts,
            lastInUseAt: date(d["lastInUseAt"]),
            inUseCount: num(d["inUseCount"]),
          }),
        },
        counts,
      };
    },
  },

  CONTAINER_IMAGE: {
    member: "containerImageAggregation",
    sortBy: SEVERITY_SORTS,
    strings: {
      ...ECR_IMAGE_FILTERS,
      imageDigests: (e) => list(str(ecr(e.f)["imageHash"])),
      registries: (e) => list(str(ecr(e.f)["registry"])),
      ...CLOUD_FILTERS,
    },
    ...ECR_IN_USE,
    ...ecrImage,
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const d = ecr(first.f);
      const { imageSha, ...rest } = ecrFields(first.f);
      return {
        out: {
          containerImageAggregation: defined<ContainerImageAggregationResponse>({
            resourceId: key[0]!,
            ...cloud(first.f),
            imageDigest: imageSha,
            repository: rest.repository,
            registry: str(d["registry"]),
            architecture: rest.architecture,
            imageTags: rest.imageTags,
            accountId: key[1]!,
            severityCounts: counts,
            lastInUseAt: date(d["lastInUseAt"]),
            inUseCount: num(d["inUseCount"]),
            exploitAvailableActiveFindingsCount: countOf(findings, exploitable),
            fixAvailableActiveFindingsCount: countOf(findings, fixable),
          }),
        },
        counts,
      };
    },
  },

  REPOSITORY: {
    member: "repositoryAggregation",
    sortBy: [...SEVERITY_SORTS, "AFFECTED_IMAGES"],
    strings: { repositories: ECR_IMAGE_FILTERS.repositories },
    entries: (f) =>
      resourceType(f) === "AWS_ECR_CONTAINER_IMAGE" && str(ecr(f)["repositoryName"])
        ? [{ f, sub: undefined }]
        : [],
    key: (e) => [str(ecr(e.f)["repositoryName"])!, e.f.awsAccountId],
    build: ({ key, findings }) => {
      const counts = severityCounts(findings);
      const affectedImages = distinctResources(findings);
      return {
        out: {
          repositoryAggregation: {
            repository: key[0]!,
            accountId: key[1]!,
            severityCounts: counts,
            affectedImages,
          },
        },
        counts,
        metrics: { AFFECTED_IMAGES: affectedImages },
      };
    },
  },

  IMAGE_LAYER: {
    member: "imageLayerAggregation",
    sortBy: SEVERITY_SORTS,
    strings: {
      repositories: ECR_IMAGE_FILTERS.repositories,
      resourceIds: byResourceId,
      layerHashes: (e) => list(e.sub),
      ...CLOUD_FILTERS,
    },
    entries: (f) =>
      resourceType(f) === "AWS_ECR_CONTAINER_IMAGE"
        ? packageValues(f, "sourceLayerHash").map((sub) => ({ f, sub }))
        : [],
    key: (e) => [resourceId(e.f), e.sub!, e.f.awsAccountId],
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      return {
        out: {
          imageLayerAggregation: defined<ImageLayerAggregationResponse>({
            repository: str(ecr(first.f)["repositoryName"]) ?? "",
            resourceId: key[0]!,
            layerHash: key[1]!,
            accountId: key[2]!,
            ...cloud(first.f),
            severityCounts: counts,
          }),
        },
        counts,
      };
    },
  },

  AWS_LAMBDA_FUNCTION: {
    member: "lambdaFunctionAggregation",
    sortBy: SEVERITY_SORTS,
    strings: LAMBDA_FILTERS,
    maps: { functionTags: tags },
    ...lambdaFn,
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const d = lambda(first.f);
      return {
        out: {
          lambdaFunctionAggregation: defined<LambdaFunctionAggregationResponse>({
            resourceId: key[0]!,
            functionName: str(d["functionName"]),
            runtime: str(d["runtime"]),
            lambdaTags: first.f.resources[0]?.tags,
            accountId: key[1]!,
            severityCounts: counts,
            lastModifiedAt: date(d["lastModifiedAt"]),
          }),
        },
        counts,
      };
    },
  },

  SERVERLESS_FUNCTION: {
    member: "serverlessFunctionAggregation",
    sortBy: SEVERITY_SORTS,
    strings: { ...LAMBDA_FILTERS, ...CLOUD_FILTERS },
    maps: { functionTags: tags },
    ...lambdaFn,
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const d = lambda(first.f);
      return {
        out: {
          serverlessFunctionAggregation: defined<ServerlessFunctionAggregationResponse>({
            resourceId: key[0]!,
            ...cloud(first.f),
            functionName: str(d["functionName"]),
            runtime: str(d["runtime"]),
            tags: first.f.resources[0]?.tags,
            accountId: key[1]!,
            severityCounts: counts,
            lastModifiedAt: date(d["lastModifiedAt"]),
            exploitAvailableActiveFindingsCount: countOf(findings, exploitable),
            fixAvailableActiveFindingsCount: countOf(findings, fixable),
          }),
        },
        counts,
      };
    },
  },

  LAMBDA_LAYER: {
    member: "lambdaLayerAggregation",
    sortBy: SEVERITY_SORTS,
    strings: {
      functionNames: LAMBDA_FILTERS.functionNames,
      resourceIds: byResourceId,
      layerArns: (e) => list(e.sub),
    },
    entries: (f) =>
      resourceType(f) === "AWS_LAMBDA_FUNCTION"
        ? packageValues(f, "sourceLambdaLayerArn").map((sub) => ({ f, sub }))
        : [],
    key: (e) => [resourceId(e.f), e.sub!, e.f.awsAccountId],
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      return {
        out: {
          lambdaLayerAggregation: {
            functionName: str(lambda(first.f)["functionName"]) ?? "",
            resourceId: key[0]!,
            layerArn: key[1]!,
            accountId: key[2]!,
            severityCounts: counts,
          },
        },
        counts,
      };
    },
  },

  PACKAGE: {
    member: "packageAggregation",
    sortBy: SEVERITY_SORTS,
    strings: { packageNames: (e) => list(e.sub) },
    entries: (f) => packageValues(f, "name").map((sub) => ({ f, sub })),
    key: (e) => [e.sub!, e.f.awsAccountId],
    build: ({ key, findings }) => {
      const counts = severityCounts(findings);
      return {
        out: { packageAggregation: { packageName: key[0]!, accountId: key[1]!, severityCounts: counts } },
        counts,
      };
    },
  },

  TITLE: {
    member: "titleAggregation",
    sortBy: SEVERITY_SORTS,
    strings: {
      titles: (e) => [e.f.title],
      vulnerabilityIds: (e) => list(e.f.packageVulnerabilityDetails?.vulnerabilityId),
    },
    enums: TYPE_ENUMS,
    entries: (f) => [{ f, sub: undefined }],
    key: (e) => [e.f.title, e.f.awsAccountId],
    build: ({ key, findings }) => {
      const counts = severityCounts(findings);
      // Titles name their vulnerability; should two ids share a title, the least one is reported.
      const ids = findings
        .map((f) => f.packageVulnerabilityDetails?.vulnerabilityId)
        .filter((v) => v !== undefined);
      const vulnerabilityId = ids.sort()[0];
      return {
        out: {
          titleAggregation: defined<TitleAggregationResponse>({
            title: key[0]!,
            vulnerabilityId,
            accountId: key[1]!,
            severityCounts: counts,
          }),
        },
        counts,
      };
    },
  },

  CODE_REPOSITORY: {
    member: "codeRepositoryAggregation",
    sortBy: SEVERITY_SORTS,
    strings: {
      projectNames: (e) => list(str(code(e.f)["projectName"])),
      providerTypes: (e) => list(str(code(e.f)["providerType"])),
      resourceIds: byResourceId,
    },
    entries: (f) => ((resourceType(f) as string) === "CODE_REPOSITORY" ? [{ f, sub: undefined }] : []),
    key: (e) => [resourceId(e.f), e.f.awsAccountId],
    build: ({ key, findings, first }) => {
      const counts = severityCounts(findings);
      const d = code(first.f);
      return {
        out: {
          codeRepositoryAggregation: defined<CodeRepositoryAggregationResponse>({
            projectNames: str(d["projectName"]) ?? "",
            providerType: str(d["providerType"]),
            severityCounts: counts,
            exploitAvailableActiveFindingsCount: countOf(findings, exploitable),
            fixAvailableActiveFindingsCount: countOf(findings, fixable),
            accountId: key[1]!,
            resourceId: key[0]!,
          }),
        },
        counts,
      };
    },
  },
};

const MEMBERS = new Set(Object.values(SPECS).map((s) => s.member));

// ---- request parsing ----

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function bad(field: string, message: string): never {
  throw validation(`aggregationRequest.${field}: ${message}`, [
    { name: `aggregationRequest.${field}`, message },
  ]);
}

function arrayOf(req: Record<string, unknown>, field: string): unknown[] | undefined {
  const v = req[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) bad(field, "must be a list");
  return v.length === 0 ? undefined : v;
}

function stringFilters(req: Record<string, unknown>, field: string): StringFilter[] | undefined {
  return arrayOf(req, field)?.map((x, i) => {
    if (!isObject(x) || typeof x["value"] !== "string")
      bad(`${field}[${i}]`, "must be a StringFilter with a value");
    const c = x["comparison"];
    if (c !== "EQUALS" && c !== "PREFIX" && c !== "NOT_EQUALS")
      bad(`${field}[${i}].comparison`, "must be EQUALS, PREFIX or NOT_EQUALS");
    return { comparison: c, value: x["value"] as string };
  });
}

function mapFilters(req: Record<string, unknown>, field: string): MapFilter[] | undefined {
  return arrayOf(req, field)?.map((x, i) => {
    if (!isObject(x) || typeof x["key"] !== "string") bad(`${field}[${i}]`, "must be a MapFilter with a key");
    if (x["comparison"] !== "EQUALS") bad(`${field}[${i}].comparison`, "must be EQUALS");
    const value = x["value"];
    if (value !== undefined && value !== null && typeof value !== "string")
      bad(`${field}[${i}].value`, "must be a string");
    return { comparison: "EQUALS", key: x["key"] as string, ...(typeof value === "string" ? { value } : {}) };
  });
}

type Range = { lo: number | undefined; hi: number | undefined };

function ranges(
  req: Record<string, unknown>,
  field: string,
  lo: string,
  hi: string,
  dates: boolean,
): Range[] | undefined {
  const bound = (x: Record<string, unknown>, name: string, at: string): number | undefined => {
    const v = x[name];
    if (v === undefined || v === null) return undefined;
    const n = dates ? timeMs(v) : num(v);
    if (n === undefined) bad(`${at}.${name}`, dates ? "must be a timestamp" : "must be a number");
    return n;
  };
  return arrayOf(req, field)?.map((x, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(x)) bad(at, dates ? "must be a DateFilter" : "must be a NumberFilter");
    return { lo: bound(x, lo, at), hi: bound(x, hi, at) };
  });
}

const inRanges = (v: number | undefined, rs: readonly Range[]) =>
  v !== undefined && rs.some((r) => (r.lo === undefined || v >= r.lo) && (r.hi === undefined || v <= r.hi));

/** The request's filters as one predicate over entries. */
function compileFilters(spec: Spec, req: Record<string, unknown>): (e: Entry) => boolean {
  const tests: ((e: Entry) => boolean)[] = [];
  for (const [field, of] of Object.entries(spec.strings ?? {})) {
    const fs = stringFilters(req, field);
    if (fs) tests.push((e) => stringMatches(of(e), fs));
  }
  for (const [field, of] of Object.entries(spec.maps ?? {})) {
    const fs = mapFilters(req, field);
    if (fs) tests.push((e) => mapMatches(of(e), fs));
  }
  for (const [field, of] of Object.entries(spec.numbers ?? {})) {
    const rs = ranges(req, field, "lowerInclusive", "upperInclusive", false);
    if (rs) tests.push((e) => inRanges(of(e), rs));
  }
  for (const [field, of] of Object.entries(spec.dates ?? {})) {
    const rs = ranges(req, field, "startInclusive", "endInclusive", true);
    if (rs) tests.push((e) => inRanges(of(e), rs));
  }
  for (const [field, { values, of }] of Object.entries(spec.enums ?? {})) {
    const v = req[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" || !values.includes(v)) bad(field, `must be one of ${values.join(", ")}`);
    tests.push((e) => of(e) === v);
  }
  return (e) => tests.every((t) => t(e));
}

/** Accepts the per-type request (`{ sortBy, … }`) or the AggregationRequest union around it. */
function unwrap(
  spec: Spec,
  type: string,
  request: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (request === undefined || request === null) return {};
  if (!isObject(request)) throw validation("aggregationRequest must be an object");
  const members = Object.keys(request).filter((k) => MEMBERS.has(k));
  if (members.length === 0) return request;
  if (members.length > 1 || members[0] !== spec.member) {
    throw validation(`aggregationRequest.${members.join(", ")} does not match aggregationType ${type}`);
  }
  const inner = request[spec.member];
  if (inner === undefined || inner === null) return {};
  if (!isObject(inner)) throw validation(`aggregationRequest.${spec.member} must be an object`);
  return inner;
}

// ---- aggregation ----

const compareKeys = (a: readonly string[], b: readonly string[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

function metric(b: Built, name: string): number {
  switch (name) {
    case "ALL":
      return b.counts.all ?? 0;
    case "CRITICAL":
      return b.counts.critical ?? 0;
    case "HIGH":
      return b.counts.high ?? 0;
    default:
      return b.metrics?.[name] ?? 0;
  }
}

/**
 * The ListFindingAggregations `responses` for `aggregationType`, over every finding given.
 * `request` is the type's request member (e.g. an AmiAggregation) or the AggregationRequest union
 * holding it. Throws a ValidationException (an Error) for an unknown type or a malformed request.
 */
export function aggregate(
  aggregationType: string,
  request: Record<string, unknown> | undefined,
  findings: Iterable<Finding>,
): AggregationResponse[] {
  const spec = Object.hasOwn(SPECS, aggregationType) ? SPECS[aggregationType as AggregationType] : undefined;
  if (!spec) {
    throw validation(
      `unknown aggregationType: ${aggregationType}; expected one of ${AGGREGATION_TYPES.join(", ")}`,
      [{ name: "aggregationType", message: `unknown value ${aggregationType}` }],
    );
  }
  const req = unwrap(spec, aggregationType, request);
  const sortBy = req["sortBy"] ?? "CRITICAL";
  if (typeof sortBy !== "string" || !spec.sortBy.includes(sortBy)) {
    bad("sortBy", `must be one of ${spec.sortBy.join(", ")} for ${aggregationType}`);
  }
  const sortOrder = req["sortOrder"] ?? "DESC";
  if (sortOrder !== "ASC" && sortOrder !== "DESC") bad("sortOrder", "must be ASC or DESC");
  const keep = compileFilters(spec, req);

  const groups = new Map<string, Group>();
  for (const f of findings) {
    for (const e of spec.entries(f)) {
      if (!keep(e)) continue;
      const key = spec.key(e);
      const id = key.join("\0");
      const g = groups.get(id);
      if (g) g.findings.push(f);
      else groups.set(id, { key, findings: [f], first: e });
    }
  }

  const built = [...groups.values()].map((g) => ({ key: g.key, b: spec.build(g) }));
  const chain = [sortBy, ...DEFAULT_CHAIN.filter((m) => m !== sortBy)];
  const dir = sortOrder === "ASC" ? 1 : -1;
  built.sort((x, y) => {
    for (const m of chain) {
      const d = metric(x.b, m) - metric(y.b, m);
      if (d !== 0) return d * dir;
    }
    return compareKeys(x.key, y.key);
  });
  return built.map((x) => x.b.out);
}
