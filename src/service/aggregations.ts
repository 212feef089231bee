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
import { type Expression, type Kysely, type SqlBool, sql } from "kysely";
import type { ServiceTables } from "../db/service/schema.js";
import type { Finding } from "../findings/finding.js";
import {
  criteriaWhere,
  type Eb,
  type FilterCriteria,
  type MapFilter,
  mapMatches,
  type StringColumn,
  type StringFilter,
  stringColumnWhere,
  stringMatches,
} from "./criteria.js";
import { validation } from "./errors.js";
import { rowToFinding } from "./findings-store.js";
import { accountScope } from "./organizations.js";

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

/** What a group counts: the same numbers whether tallied here or by the database. */
export interface Stats {
  all: number;
  critical: number;
  high: number;
  medium: number;
  exploitable: number;
  fixable: number;
  network: number;
  /** Distinct resources (AFFECTED_INSTANCES, AFFECTED_IMAGES). */
  resources: number;
  /** The least vulnerability id in the group (a title's). */
  vulnerabilityId: string | undefined;
}

interface Group {
  key: string[];
  stats: Stats;
  /** The group's first finding: resource-level fields (details, tags, region) are read from it. */
  first: Entry;
}

type Column = StringColumn;

/**
 * How the database computes a type's groups. `key` lists the columns of the group key in the
 * response's key order; `columns` names the request filters a column answers exactly (pushed
 * into the query); every other filter reads resource-level fields, so it is tested on the group's
 * first finding. `rollup` groups per resource in the database, then by `Spec.key` here (AMI).
 */
interface SqlPlan {
  key: Column[];
  resourceType?: string;
  nonEmpty?: Column[];
  columns?: Record<string, Column>;
  /** Whether `build` or a filter reads the first finding (loaded per resource). */
  needsFirst?: boolean;
  distinctResources?: boolean;
  rollup?: boolean;
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
  build(g: Group): AggregationResponse;
  sql: SqlPlan;
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

/** The stats of findings held in memory. */
function statsOf(fs: readonly Finding[]): Stats {
  const s: Stats = {
    all: 0,
    critical: 0,
    high: 0,
    medium: 0,
    exploitable: 0,
    fixable: 0,
    network: 0,
    resources: new Set(fs.map(resourceId)).size,
    vulnerabilityId: undefined,
  };
  for (const f of fs) {
    s.all++;
    if (f.severity === "CRITICAL") s.critical++;
    else if (f.severity === "HIGH") s.high++;
    else if (f.severity === "MEDIUM") s.medium++;
    if (exploitable(f)) s.exploitable++;
    if (fixable(f)) s.fixable++;
    if ((f.type as string) === "NETWORK_REACHABILITY") s.network++;
    const v = f.packageVulnerabilityDetails?.vulnerabilityId;
    if (v && (s.vulnerabilityId === undefined || v < s.vulnerabilityId)) s.vulnerabilityId = v;
  }
  return s;
}

const severityCounts = (s: Stats): SeverityCounts => ({
  all: s.all,
  medium: s.medium,
  high: s.high,
  critical: s.critical,
});

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
const TYPE_COLUMNS: Record<string, Column> = { findingType: "type", resourceType: "resource_type" };
const tags = (e: Entry) => e.f.resources[0]?.tags;

/** A per-resource aggregation's plan: grouped by resource, filters on its id pushed down. */
const perResource = (resourceType: string, idFilter: string): SqlPlan => ({
  key: ["resource_id", "account_id"],
  resourceType,
  columns: { [idFilter]: "resource_id" },
  needsFirst: true,
});

// ---- the aggregations ----

function accountTotals(member: "accountAggregation" | "findingTypeAggregation"): Spec {
  return {
    member,
    sortBy: SEVERITY_SORTS,
    enums: TYPE_ENUMS,
    entries: (f) => [{ f, sub: undefined }],
    key: (e) => [e.f.awsAccountId],
    build: ({ key, stats }) => {
      const body = {
        accountId: key[0]!,
        severityCounts: severityCounts(stats),
        exploitAvailableCount: stats.exploitable,
        fixAvailableCount: stats.fixable,
      };
      return member === "accountAggregation"
        ? { accountAggregation: body }
        : { findingTypeAggregation: body };
    },
    sql: { key: ["account_id"], columns: TYPE_COLUMNS },
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
const ECR_PLAN: SqlPlan = {
  ...perResource("AWS_ECR_CONTAINER_IMAGE", "resourceIds"),
  columns: { resourceIds: "resource_id", repositories: "ecr_repository" },
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
    build: ({ key, stats }) => ({
      amiAggregation: {
        ami: key[0]!,
        accountId: key[1]!,
        severityCounts: severityCounts(stats),
        affectedInstances: stats.resources,
      },
    }),
    sql: { ...perResource("AWS_EC2_INSTANCE", "instanceIds"), columns: {}, rollup: true },
  },

  AWS_EC2_INSTANCE: {
    member: "ec2InstanceAggregation",
    sortBy: [...SEVERITY_SORTS, "NETWORK_FINDINGS"],
    strings: { amis: ec2Ami, operatingSystems: ec2Os, instanceIds: byResourceId },
    maps: { instanceTags: tags },
    ...ec2Instance,
    build: ({ key, stats, first }) => {
      const d = ec2(first.f);
      return {
        ec2InstanceAggregation: defined<Ec2InstanceAggregationResponse>({
          instanceId: key[0]!,
          ami: str(d["imageId"]),
          operatingSystem: str(d["platform"]),
          instanceTags: first.f.resources[0]?.tags,
          accountId: key[1]!,
          severityCounts: severityCounts(stats),
          networkFindings: stats.network,
        }),
      };
    },
    sql: perResource("AWS_EC2_INSTANCE", "instanceIds"),
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
    build: ({ key, stats, first }) => {
      const d = ec2(first.f);
      return {
        vmInstanceAggregation: defined<VmInstanceAggregationResponse>({
          resourceId: key[0]!,
          ...cloud(first.f),
          vmImageReference: str(d["imageId"]),
          operatingSystem: str(d["platform"]),
          tags: first.f.resources[0]?.tags,
          accountId: key[1]!,
          severityCounts: severityCounts(stats),
          networkFindings: stats.network,
          exploitAvailableActiveFindingsCount: stats.exploitable,
          fixAvailableActiveFindingsCount: stats.fixable,
        }),
      };
    },
    sql: perResource("AWS_EC2_INSTANCE", "resourceIds"),
  },

  AWS_ECR_CONTAINER: {
    member: "awsEcrContainerAggregation",
    sortBy: SEVERITY_SORTS,
    strings: { ...ECR_IMAGE_FILTERS, imageShas: (e) => list(str(ecr(e.f)["imageHash"])) },
    ...ECR_IN_USE,
    ...ecrImage,
    build: ({ key, stats, first }) => {
      const d = ecr(first.f);
      return {
        awsEcrContainerAggregation: defined<AwsEcrContainerAggregationResponse>({
          resourceId: key[0]!,
          ...ecrFields(first.f),
          accountId: key[1]!,
          severityCounts: severityCounts(stats),
          lastInUseAt: date(d["lastInUseAt"]),
          inUseCount: num(d["inUseCount"]),
        }),
      };
    },
    sql: ECR_PLAN,
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
    build: ({ key, stats, first }) => {
      const d = ecr(first.f);
      const { imageSha, ...rest } = ecrFields(first.f);
      return {
        containerImageAggregation: defined<ContainerImageAggregationResponse>({
          resourceId: key[0]!,
          ...cloud(first.f),
          imageDigest: imageSha,
          repository: rest.repository,
          registry: str(d["registry"]),
          architecture: rest.architecture,
          imageTags: rest.imageTags,
          accountId: key[1]!,
          severityCounts: severityCounts(stats),
          lastInUseAt: date(d["lastInUseAt"]),
          inUseCount: num(d["inUseCount"]),
          exploitAvailableActiveFindingsCount: stats.exploitable,
          fixAvailableActiveFindingsCount: stats.fixable,
        }),
      };
    },
    sql: ECR_PLAN,
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
    build: ({ key, stats }) => ({
      repositoryAggregation: {
        repository: key[0]!,
        accountId: key[1]!,
        severityCounts: severityCounts(stats),
        affectedImages: stats.resources,
      },
    }),
    sql: {
      key: ["ecr_repository", "account_id"],
      resourceType: "AWS_ECR_CONTAINER_IMAGE",
      nonEmpty: ["ecr_repository"],
      columns: { repositories: "ecr_repository" },
      distinctResources: true,
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
    build: ({ key, stats, first }) => ({
      imageLayerAggregation: defined<ImageLayerAggregationResponse>({
        repository: str(ecr(first.f)["repositoryName"]) ?? "",
        resourceId: key[0]!,
        layerHash: key[1]!,
        accountId: key[2]!,
        ...cloud(first.f),
        severityCounts: severityCounts(stats),
      }),
    }),
    sql: {
      key: ["resource_id", "source_layer", "account_id"],
      resourceType: "AWS_ECR_CONTAINER_IMAGE",
      nonEmpty: ["source_layer"],
      columns: { repositories: "ecr_repository", resourceIds: "resource_id", layerHashes: "source_layer" },
      needsFirst: true,
    },
  },

  AWS_LAMBDA_FUNCTION: {
    member: "lambdaFunctionAggregation",
    sortBy: SEVERITY_SORTS,
    strings: LAMBDA_FILTERS,
    maps: { functionTags: tags },
    ...lambdaFn,
    build: ({ key, stats, first }) => {
      const d = lambda(first.f);
      return {
        lambdaFunctionAggregation: defined<LambdaFunctionAggregationResponse>({
          resourceId: key[0]!,
          functionName: str(d["functionName"]),
          runtime: str(d["runtime"]),
          lambdaTags: first.f.resources[0]?.tags,
          accountId: key[1]!,
          severityCounts: severityCounts(stats),
          lastModifiedAt: date(d["lastModifiedAt"]),
        }),
      };
    },
    sql: perResource("AWS_LAMBDA_FUNCTION", "resourceIds"),
  },

  SERVERLESS_FUNCTION: {
    member: "serverlessFunctionAggregation",
    sortBy: SEVERITY_SORTS,
    strings: { ...LAMBDA_FILTERS, ...CLOUD_FILTERS },
    maps: { functionTags: tags },
    ...lambdaFn,
    build: ({ key, stats, first }) => {
      const d = lambda(first.f);
      return {
        serverlessFunctionAggregation: defined<ServerlessFunctionAggregationResponse>({
          resourceId: key[0]!,
          ...cloud(first.f),
          functionName: str(d["functionName"]),
          runtime: str(d["runtime"]),
          tags: first.f.resources[0]?.tags,
          accountId: key[1]!,
          severityCounts: severityCounts(stats),
          lastModifiedAt: date(d["lastModifiedAt"]),
          exploitAvailableActiveFindingsCount: stats.exploitable,
          fixAvailableActiveFindingsCount: stats.fixable,
        }),
      };
    },
    sql: perResource("AWS_LAMBDA_FUNCTION", "resourceIds"),
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
    build: ({ key, stats, first }) => ({
      lambdaLayerAggregation: {
        functionName: str(lambda(first.f)["functionName"]) ?? "",
        resourceId: key[0]!,
        layerArn: key[1]!,
        accountId: key[2]!,
        severityCounts: severityCounts(stats),
      },
    }),
    sql: {
      key: ["resource_id", "source_layer", "account_id"],
      resourceType: "AWS_LAMBDA_FUNCTION",
      nonEmpty: ["source_layer"],
      columns: { resourceIds: "resource_id", layerArns: "source_layer" },
      needsFirst: true,
    },
  },

  PACKAGE: {
    member: "packageAggregation",
    sortBy: SEVERITY_SORTS,
    strings: { packageNames: (e) => list(e.sub) },
    entries: (f) => packageValues(f, "name").map((sub) => ({ f, sub })),
    key: (e) => [e.sub!, e.f.awsAccountId],
    build: ({ key, stats }) => ({
      packageAggregation: { packageName: key[0]!, accountId: key[1]!, severityCounts: severityCounts(stats) },
    }),
    sql: {
      key: ["package_name", "account_id"],
      nonEmpty: ["package_name"],
      columns: { packageNames: "package_name" },
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
    // Titles name their vulnerability; should two ids share a title, the least one is reported.
    build: ({ key, stats }) => ({
      titleAggregation: defined<TitleAggregationResponse>({
        title: key[0]!,
        vulnerabilityId: stats.vulnerabilityId,
        accountId: key[1]!,
        severityCounts: severityCounts(stats),
      }),
    }),
    sql: {
      key: ["title", "account_id"],
      columns: { titles: "title", vulnerabilityIds: "vulnerability_id", ...TYPE_COLUMNS },
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
    build: ({ key, stats, first }) => {
      const d = code(first.f);
      return {
        codeRepositoryAggregation: defined<CodeRepositoryAggregationResponse>({
          projectNames: str(d["projectName"]) ?? "",
          providerType: str(d["providerType"]),
          severityCounts: severityCounts(stats),
          exploitAvailableActiveFindingsCount: stats.exploitable,
          fixAvailableActiveFindingsCount: stats.fixable,
          accountId: key[1]!,
          resourceId: key[0]!,
        }),
      };
    },
    sql: perResource("CODE_REPOSITORY", "resourceIds"),
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

interface Compiled {
  /** The filters left to test on entries (all of them when nothing is pushed down). */
  keep: (e: Entry) => boolean;
  /** Whether any filter is left to test. */
  residual: boolean;
  /** Filters the database answers: string filters per column, enum values per column. */
  strings: { column: Column; filters: StringFilter[] }[];
  equals: { column: Column; value: string }[];
}

/**
 * The request's filters, validated. With `pushed` (the plan's columns), filters a column answers
 * are returned for the query instead of being tested on entries.
 */
function compileFilters(
  spec: Spec,
  req: Record<string, unknown>,
  pushed: Record<string, Column> = {},
): Compiled {
  const tests: ((e: Entry) => boolean)[] = [];
  const out: Compiled = { keep: () => true, residual: false, strings: [], equals: [] };
  for (const [field, of] of Object.entries(spec.strings ?? {})) {
    const fs = stringFilters(req, field);
    if (!fs) continue;
    const column = pushed[field];
    if (column) out.strings.push({ column, filters: fs });
    else tests.push((e) => stringMatches(of(e), fs));
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
    const column = pushed[field];
    if (column) out.equals.push({ column, value: v });
    else tests.push((e) => of(e) === v);
  }
  out.residual = tests.length > 0;
  out.keep = (e) => tests.every((t) => t(e));
  return out;
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

function metric(s: Stats, name: string): number {
  switch (name) {
    case "ALL":
      return s.all;
    case "CRITICAL":
      return s.critical;
    case "HIGH":
      return s.high;
    case "NETWORK_FINDINGS":
      return s.network;
    default:
      // AFFECTED_INSTANCES, AFFECTED_IMAGES
      return s.resources;
  }
}

interface Parsed {
  spec: Spec;
  req: Record<string, unknown>;
  chain: string[];
  dir: number;
}

function parse(aggregationType: string, request: Record<string, unknown> | undefined): Parsed {
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
  return {
    spec,
    req,
    chain: [sortBy, ...DEFAULT_CHAIN.filter((m) => m !== sortBy)],
    dir: sortOrder === "ASC" ? 1 : -1,
  };
}

/** `sortBy` in `sortOrder`, then the other severity sorts, then the key ascending. */
function sortGroups<G extends { key: string[]; stats: Stats }>(groups: G[], p: Parsed): G[] {
  return groups.sort((x, y) => {
    for (const m of p.chain) {
      const d = metric(x.stats, m) - metric(y.stats, m);
      if (d !== 0) return d * p.dir;
    }
    return compareKeys(x.key, y.key);
  });
}

/**
 * The ListFindingAggregations `responses` for `aggregationType`, over every finding given (held
 * in memory: the reference the database path is tested against).
 * `request` is the type's request member (e.g. an AmiAggregation) or the AggregationRequest union
 * holding it. Throws a ValidationException (an Error) for an unknown type or a malformed request.
 */
export function aggregate(
  aggregationType: string,
  request: Record<string, unknown> | undefined,
  findings: Iterable<Finding>,
): AggregationResponse[] {
  const p = parse(aggregationType, request);
  const { keep } = compileFilters(p.spec, p.req);
  const groups = new Map<string, { key: string[]; findings: Finding[]; first: Entry }>();
  for (const f of findings) {
    for (const e of p.spec.entries(f)) {
      if (!keep(e)) continue;
      const key = p.spec.key(e);
      const id = key.join("\0");
      const g = groups.get(id);
      if (g) g.findings.push(f);
      else groups.set(id, { key, findings: [f], first: e });
    }
  }
  const built = [...groups.values()].map((g) => ({ key: g.key, stats: statsOf(g.findings), first: g.first }));
  return sortGroups(built, p).map((g) => p.spec.build(g));
}

// ---- in the database ----

/** One group as the database counted it; `first` is loaded when the group is shown or tested. */
export interface DatabaseGroup {
  key: string[];
  stats: Stats;
  /** The account and resource the group's first finding is read from (resource-level fields). */
  account: string;
  resource: string | undefined;
  sub: string | undefined;
  first?: Entry;
}

export interface DatabaseAggregation {
  /** Every group, sorted as the response orders them. */
  groups: DatabaseGroup[];
  /** The responses for a slice of `groups` (loads the first findings it needs). */
  responses(slice: readonly DatabaseGroup[]): Promise<AggregationResponse[]>;
}

const add = (a: Stats, b: Stats): Stats => ({
  all: a.all + b.all,
  critical: a.critical + b.critical,
  high: a.high + b.high,
  medium: a.medium + b.medium,
  exploitable: a.exploitable + b.exploitable,
  fixable: a.fixable + b.fixable,
  network: a.network + b.network,
  resources: a.resources + b.resources,
  vulnerabilityId:
    a.vulnerabilityId === undefined ||
    (b.vulnerabilityId !== undefined && b.vulnerabilityId < a.vulnerabilityId)
      ? b.vulnerabilityId
      : a.vulnerabilityId,
});

const FIRST_BATCH = 500;

/**
 * ListFindingAggregations computed by the database: one GROUP BY over the findings matching
 * `criteria` (the caller's accounts, active status) read from the findings_summary index. Only
 * the groups' first findings are loaded — for the page shown, or for every group when a filter
 * reads resource-level fields (tags, AMI, architecture…) or the type groups by one (AMI).
 * Counts equal `aggregate` over the same findings, for findings with one vulnerable package (as
 * Vigil makes them).
 */
export async function aggregateInDatabase(
  db: Kysely<ServiceTables>,
  accounts: string | readonly string[],
  criteria: FilterCriteria,
  aggregationType: string,
  request: Record<string, unknown> | undefined,
): Promise<DatabaseAggregation> {
  const p = parse(aggregationType, request);
  const plan = p.spec.sql;
  const filters = compileFilters(p.spec, p.req, plan.columns);
  const perResource = plan.key.includes("resource_id");
  const subColumn = plan.key.find((c) => c !== "resource_id" && c !== "account_id" && plan.key.length === 3);
  const subPosition = subColumn ? plan.key.indexOf(subColumn) : -1;

  const where = (eb: Eb) => {
    const conds: Expression<SqlBool>[] = [accountScope(accounts), ...criteriaWhere(eb, criteria)];
    if (plan.resourceType) conds.push(eb("resource_type", "=", plan.resourceType));
    for (const c of plan.nonEmpty ?? []) conds.push(eb(c, "!=", ""));
    for (const s of filters.strings) conds.push(...stringColumnWhere(eb, s.column, s.filters));
    for (const e of filters.equals) conds.push(eb(e.column, "=", e.value));
    return eb.and(conds);
  };
  const n = (v: unknown) => Number(v ?? 0);
  const rows = await db
    .selectFrom("findings")
    .select((eb) => {
      const count = (cond: Expression<SqlBool>) =>
        eb.fn.sum<number>(eb.case().when(cond).then(1).else(0).end());
      return [
        ...plan.key.map((c) => eb.ref(c).as(c)),
        eb.fn.countAll<number>().as("all"),
        count(eb("severity", "=", "CRITICAL")).as("critical"),
        count(eb("severity", "=", "HIGH")).as("high"),
        count(eb("severity", "=", "MEDIUM")).as("medium"),
        count(eb("exploit_available", "=", "YES")).as("exploitable"),
        count(eb("fix_available", "in", ["YES", "PARTIAL"])).as("fixable"),
        count(eb("type", "=", "NETWORK_REACHABILITY")).as("network"),
        sql<number>`${
          plan.distinctResources
            ? eb.fn.count<number>("resource_id").distinct()
            : perResource
              ? eb.lit(1)
              : eb.lit(0)
        }`.as("resources"),
        eb.fn
          .min<string>(eb.fn("nullif", [eb.ref("vulnerability_id"), eb.val("")]))
          .as("vulnerability_id_min"),
      ];
    })
    .where(where)
    .groupBy(plan.key)
    .execute();

  let groups: DatabaseGroup[] = rows.map((r) => {
    const row = r as unknown as Record<string, unknown>;
    const key = plan.key.map((c) => String(row[c] ?? ""));
    const min = row["vulnerability_id_min"];
    return {
      key,
      stats: {
        all: n(row["all"]),
        critical: n(row["critical"]),
        high: n(row["high"]),
        medium: n(row["medium"]),
        exploitable: n(row["exploitable"]),
        fixable: n(row["fixable"]),
        network: n(row["network"]),
        resources: n(row["resources"]),
        vulnerabilityId: typeof min === "string" && min !== "" ? min : undefined,
      },
      account: String(row["account_id"]),
      resource: perResource ? String(row["resource_id"]) : undefined,
      sub: subPosition >= 0 ? key[subPosition] : undefined,
    };
  });

  /** Loads each group's first finding: the least ARN among the resource's counted findings. */
  const loadFirst = async (gs: readonly DatabaseGroup[]) => {
    const wanted = gs.filter((g) => g.resource !== undefined && g.first === undefined);
    const byAccount = new Map<string, Set<string>>();
    for (const g of wanted) {
      const set = byAccount.get(g.account) ?? new Set();
      set.add(g.resource!);
      byAccount.set(g.account, set);
    }
    const found = new Map<string, Finding>();
    for (const [account, resources] of byAccount) {
      const ids = [...resources];
      for (let i = 0; i < ids.length; i += FIRST_BATCH) {
        const part = ids.slice(i, i + FIRST_BATCH);
        const firsts = await db
          .selectFrom("findings")
          .select((eb) => ["resource_id", eb.fn.min<string>("finding_arn").as("arn")])
          .where((eb) => eb.and([where(eb), eb("account_id", "=", account), eb("resource_id", "in", part)]))
          .groupBy("resource_id")
          .execute();
        const arns = firsts.map((f) => f.arn);
        if (arns.length === 0) continue;
        const bodies = await db.selectFrom("findings").selectAll().where("finding_arn", "in", arns).execute();
        for (const b of bodies) found.set(`${account}\0${b.resource_id}`, rowToFinding(b));
      }
    }
    for (const g of wanted) {
      const f = found.get(`${g.account}\0${g.resource}`);
      if (f) g.first = { f, sub: g.sub };
    }
  };

  if (plan.rollup || filters.residual) {
    await loadFirst(groups);
    groups = groups.filter((g) => g.first && p.spec.entries(g.first.f).length > 0 && filters.keep(g.first));
  }
  if (plan.rollup) {
    const merged = new Map<string, DatabaseGroup>();
    for (const g of groups) {
      const key = p.spec.key(g.first!);
      const id = key.join("\0");
      const m = merged.get(id);
      if (m) m.stats = add(m.stats, g.stats);
      else merged.set(id, { ...g, key });
    }
    groups = [...merged.values()];
  }
  sortGroups(groups, p);
  return {
    groups,
    async responses(slice) {
      if (plan.needsFirst) await loadFirst(slice);
      const empty: Finding = { awsAccountId: "", resources: [] } as unknown as Finding;
      return slice.map((g) =>
        p.spec.build({ key: g.key, stats: g.stats, first: g.first ?? { f: empty, sub: g.sub } }),
      );
    },
  };
}
