import { z } from "zod";

/**
 * zod schemas for the JSON request bodies of the inspector2 operations the server speaks (plus
 * inspector-scan's ScanSbom). Field names, enums, required members, lengths and ranges follow the
 * service model: the constraints come from botocore's inspector2 2020-06-08 model, and members or
 * enum values newer than that model come from @aws-sdk/client-inspector2's types (with the limits
 * of their siblings). Enum values keep the model's order, newer values after.
 *
 * Every object is strict: an unknown member is a ValidationException, as it is on AWS. Dates
 * (DateFilter and CoverageDateFilter bounds) arrive as epoch seconds, possibly fractional (how the
 * SDKs serialize timestamps over rest-json), and parse to epoch milliseconds.
 *
 * Members of path or query (TagResource's resourceArn; UntagResource and ListTagsForResource) are
 * not in the body and have no schema here.
 */

// ---- scalars ----

/**
 * An enum whose message says so when a required member is missing altogether (zod's default
 * would list the options as if a wrong value had been given).
 */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? `required field missing (expected one of ${values.map((v) => JSON.stringify(v)).join("|")})`
        : undefined,
  });
/** An integer (the model's Integer and Long). */
const integer = () => z.number().int("expected an integer");
/** Bounds of a filter list (StringFilterList, DateFilterList, CoverageStringFilterList, ...). */
const filterList = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(10);
/** A 12-digit account id (the model's AccountId: length 12, pattern \d{12}). */
export const AccountId = z
  .string()
  .length(12)
  .regex(/^\d{12}$/, "expected a 12-digit account id");
const AccountIdSet = z.array(AccountId).min(0).max(100);
export const NextToken = z.string().min(0).max(1000000);
export const maxResults = (max: number) => integer().min(1).max(max);
/** The model's ReportId pattern (unanchored, as Smithy patterns are): a UUID somewhere in it. */
const ReportId = z
  .string()
  .regex(
    /\b[a-f0-9]{8}\b-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-\b[a-f0-9]{12}\b/,
    "expected a report id (a UUID)",
  );
const FilterArn = z.string().min(1).max(128);
const MapKey = z.string().min(1).max(128);
const MapValue = z.string().min(0).max(256);
const TagMap = z.record(MapKey, MapValue);
/** Epoch seconds on the wire, epoch milliseconds once parsed. */
const EpochSeconds = z.number().transform((seconds) => Math.round(seconds * 1000));

// ---- enums ----

export const StringComparison = oneOf(["EQUALS", "PREFIX", "NOT_EQUALS"]);
export const MapComparison = oneOf(["EQUALS"]);
export const CoverageStringComparison = oneOf(["EQUALS", "NOT_EQUALS"]);
export const CoverageMapComparison = oneOf(["EQUALS"]);
export const ResourceStringComparison = oneOf(["EQUALS", "NOT_EQUALS"]);
export const ResourceMapComparison = oneOf(["EQUALS"]);
export const ResourceScanType = oneOf(["EC2", "ECR", "LAMBDA", "LAMBDA_CODE", "CODE_REPOSITORY"]);
export const SortOrder = oneOf(["ASC", "DESC"]);
export const SortField = oneOf([
  "AWS_ACCOUNT_ID",
  "FINDING_TYPE",
  "SEVERITY",
  "FIRST_OBSERVED_AT",
  "LAST_OBSERVED_AT",
  "FINDING_STATUS",
  "RESOURCE_TYPE",
  "ECR_IMAGE_PUSHED_AT",
  "ECR_IMAGE_REPOSITORY_NAME",
  "ECR_IMAGE_REGISTRY",
  "NETWORK_PROTOCOL",
  "COMPONENT_TYPE",
  "VULNERABILITY_ID",
  "VULNERABILITY_SOURCE",
  "INSPECTOR_SCORE",
  "VENDOR_SEVERITY",
  "EPSS_SCORE",
]);
export const AggregationType = oneOf([
  "FINDING_TYPE",
  "PACKAGE",
  "TITLE",
  "REPOSITORY",
  "AMI",
  "AWS_EC2_INSTANCE",
  "AWS_ECR_CONTAINER",
  "IMAGE_LAYER",
  "ACCOUNT",
  "AWS_LAMBDA_FUNCTION",
  "LAMBDA_LAYER",
  "CODE_REPOSITORY",
  "CONTAINER_IMAGE",
  "SERVERLESS_FUNCTION",
  "VM_INSTANCE",
]);
export const AggregationFindingType = oneOf([
  "NETWORK_REACHABILITY",
  "PACKAGE_VULNERABILITY",
  "CODE_VULNERABILITY",
]);
export const AggregationResourceType = oneOf([
  "AWS_EC2_INSTANCE",
  "AWS_ECR_CONTAINER_IMAGE",
  "AWS_LAMBDA_FUNCTION",
  "CODE_REPOSITORY",
  "Microsoft.Compute/virtualMachines",
  "Microsoft.ContainerRegistry/registry/containerImage",
  "Microsoft.Web/sites",
]);
/** CRITICAL | HIGH | ALL: the sortBy of most aggregation types. */
const SeveritySortBy = oneOf(["CRITICAL", "HIGH", "ALL"]);
export const GroupKey = oneOf([
  "SCAN_STATUS_CODE",
  "SCAN_STATUS_REASON",
  "ACCOUNT_ID",
  "RESOURCE_TYPE",
  "ECR_REPOSITORY_NAME",
  "PROVIDER",
  "PROVIDER_ACCOUNT_ID",
  "PROVIDER_ORG_ID",
  "PROVIDER_REGION",
]);
export const FilterAction = oneOf(["NONE", "SUPPRESS"]);
export const ReportFormat = oneOf(["CSV", "JSON"]);
export const SbomReportFormat = oneOf(["CYCLONEDX_1_4", "SPDX_2_3"]);
export const EcrRescanDuration = oneOf([
  "LIFETIME",
  "DAYS_30",
  "DAYS_180",
  "DAYS_14",
  "DAYS_60",
  "DAYS_90",
  "DAYS_3",
  "DAYS_7",
]);
export const EcrPullDateRescanDuration = oneOf([
  "DAYS_14",
  "DAYS_30",
  "DAYS_60",
  "DAYS_90",
  "DAYS_180",
  "DAYS_3",
  "DAYS_7",
]);
export const EcrPullDateRescanMode = oneOf(["LAST_PULL_DATE", "LAST_IN_USE_AT"]);
export const Ec2ScanMode = oneOf(["EC2_SSM_AGENT_BASED", "EC2_HYBRID"]);
export const InheritanceMode = oneOf(["INHERIT_FROM_ADMIN"]);

// ---- filters ----

export const StringFilter = z.strictObject({
  comparison: StringComparison,
  value: z.string().min(1).max(1024),
});
export type StringFilter = z.infer<typeof StringFilter>;

export const NumberFilter = z.strictObject({
  upperInclusive: z.number().optional(),
  lowerInclusive: z.number().optional(),
});
export type NumberFilter = z.infer<typeof NumberFilter>;

/** Bounds in epoch seconds on the wire; parsed to epoch milliseconds. */
export const DateFilter = z.strictObject({
  startInclusive: EpochSeconds.optional(),
  endInclusive: EpochSeconds.optional(),
});
export type DateFilter = z.infer<typeof DateFilter>;

export const MapFilter = z.strictObject({
  comparison: MapComparison,
  key: MapKey,
  value: MapValue.optional(),
});
export type MapFilter = z.infer<typeof MapFilter>;

export const PortRangeFilter = z.strictObject({
  beginInclusive: integer().min(0).max(65535).optional(),
  endInclusive: integer().min(0).max(65535).optional(),
});
export type PortRangeFilter = z.infer<typeof PortRangeFilter>;

export const PackageFilter = z.strictObject({
  name: StringFilter.optional(),
  version: StringFilter.optional(),
  epoch: NumberFilter.optional(),
  release: StringFilter.optional(),
  architecture: StringFilter.optional(),
  sourceLayerHash: StringFilter.optional(),
  sourceLambdaLayerArn: StringFilter.optional(),
  filePath: StringFilter.optional(),
});
export type PackageFilter = z.infer<typeof PackageFilter>;

export type FilterFieldKind = "string" | "number" | "date" | "map" | "port" | "package";

/** Every FilterCriteria member (in the SDK's order) and the kind of filter its list holds. */
export const FILTER_CRITERIA_FIELDS = {
  findingArn: "string",
  awsAccountId: "string",
  findingType: "string",
  severity: "string",
  firstObservedAt: "date",
  lastObservedAt: "date",
  updatedAt: "date",
  findingStatus: "string",
  title: "string",
  inspectorScore: "number",
  resourceType: "string",
  resourceId: "string",
  resourceTags: "map",
  ec2InstanceImageId: "string",
  ec2InstanceVpcId: "string",
  ec2InstanceSubnetId: "string",
  ecrImagePushedAt: "date",
  ecrImageArchitecture: "string",
  ecrImageRegistry: "string",
  ecrImageRepositoryName: "string",
  ecrImageTags: "string",
  ecrImageHash: "string",
  ecrImageLastInUseAt: "date",
  ecrImageInUseCount: "number",
  portRange: "port",
  networkProtocol: "string",
  componentId: "string",
  componentType: "string",
  vulnerabilityId: "string",
  vulnerabilitySource: "string",
  vendorSeverity: "string",
  vulnerablePackages: "package",
  relatedVulnerabilities: "string",
  fixAvailable: "string",
  lambdaFunctionName: "string",
  lambdaFunctionLayers: "string",
  lambdaFunctionRuntime: "string",
  lambdaFunctionLastModifiedAt: "date",
  lambdaFunctionExecutionRoleArn: "string",
  exploitAvailable: "string",
  codeVulnerabilityDetectorName: "string",
  codeVulnerabilityDetectorTags: "string",
  codeVulnerabilityFilePath: "string",
  epssScore: "number",
  codeRepositoryProjectName: "string",
  codeRepositoryProviderType: "string",
  cloudProvider: "string",
  cloudProviderRegion: "string",
  cloudProviderAccountId: "string",
  cloudProviderOrgId: "string",
  cloudVmImageReference: "string",
  cloudVmNetworkId: "string",
  cloudVmSubnetIds: "string",
  cloudImageRepositoryName: "string",
  cloudImageRegistry: "string",
  cloudImageDigest: "string",
  cloudImageTags: "string",
  cloudImagePushedAt: "date",
  cloudImageArchitecture: "string",
  cloudImageLastInUseAt: "date",
  cloudImageInUseCount: "number",
  cloudServerlessFunctionName: "string",
  cloudServerlessFunctionRuntime: "string",
  cloudServerlessFunctionLastModifiedAt: "date",
  cloudServerlessFunctionExecutionRole: "string",
} as const satisfies Record<string, FilterFieldKind>;
export type FilterCriteriaField = keyof typeof FILTER_CRITERIA_FIELDS;

const FILTER_LISTS = {
  string: filterList(StringFilter),
  number: filterList(NumberFilter),
  date: filterList(DateFilter),
  map: filterList(MapFilter),
  port: filterList(PortRangeFilter),
  package: filterList(PackageFilter),
} as const satisfies Record<FilterFieldKind, z.ZodType>;

type FilterCriteriaShape = {
  [K in FilterCriteriaField]: z.ZodOptional<(typeof FILTER_LISTS)[(typeof FILTER_CRITERIA_FIELDS)[K]]>;
};

export const FilterCriteria = z.strictObject(
  Object.fromEntries(
    Object.entries(FILTER_CRITERIA_FIELDS).map(([field, kind]) => [field, FILTER_LISTS[kind].optional()]),
  ) as FilterCriteriaShape,
);
export type FilterCriteria = z.infer<typeof FilterCriteria>;

export const SortCriteria = z.strictObject({
  field: SortField,
  sortOrder: SortOrder,
});
export type SortCriteria = z.infer<typeof SortCriteria>;

export const CoverageStringFilter = z.strictObject({
  comparison: CoverageStringComparison,
  value: z.string().min(1).max(1024),
});
export type CoverageStringFilter = z.infer<typeof CoverageStringFilter>;

export const CoverageMapFilter = z.strictObject({
  comparison: CoverageMapComparison,
  key: z.string().min(1),
  value: z.string().min(1).optional(),
});
export type CoverageMapFilter = z.infer<typeof CoverageMapFilter>;

/** Bounds in epoch seconds on the wire; parsed to epoch milliseconds. */
export const CoverageDateFilter = DateFilter;
export type CoverageDateFilter = z.infer<typeof CoverageDateFilter>;

/** The model types these bounds as Long. */
export const CoverageNumberFilter = z.strictObject({
  upperInclusive: integer().optional(),
  lowerInclusive: integer().optional(),
});
export type CoverageNumberFilter = z.infer<typeof CoverageNumberFilter>;

export const CoverageFilterCriteria = z.strictObject({
  scanStatusCode: filterList(CoverageStringFilter).optional(),
  scanStatusReason: filterList(CoverageStringFilter).optional(),
  accountId: filterList(CoverageStringFilter).optional(),
  resourceId: filterList(CoverageStringFilter).optional(),
  resourceType: filterList(CoverageStringFilter).optional(),
  scanType: filterList(CoverageStringFilter).optional(),
  ecrRepositoryName: filterList(CoverageStringFilter).optional(),
  ecrImageTags: filterList(CoverageStringFilter).optional(),
  ec2InstanceTags: filterList(CoverageMapFilter).optional(),
  lambdaFunctionName: filterList(CoverageStringFilter).optional(),
  lambdaFunctionTags: filterList(CoverageMapFilter).optional(),
  lambdaFunctionRuntime: filterList(CoverageStringFilter).optional(),
  lastScannedAt: filterList(CoverageDateFilter).optional(),
  scanMode: filterList(CoverageStringFilter).optional(),
  imagePulledAt: filterList(CoverageDateFilter).optional(),
  ecrImageLastInUseAt: filterList(CoverageDateFilter).optional(),
  ecrImageInUseCount: filterList(CoverageNumberFilter).optional(),
  codeRepositoryProjectName: filterList(CoverageStringFilter).optional(),
  codeRepositoryProviderType: filterList(CoverageStringFilter).optional(),
  codeRepositoryProviderTypeVisibility: filterList(CoverageStringFilter).optional(),
  lastScannedCommitId: filterList(CoverageStringFilter).optional(),
  cloudProvider: filterList(CoverageStringFilter).optional(),
  cloudProviderAccountId: filterList(CoverageStringFilter).optional(),
  cloudProviderRegion: filterList(CoverageStringFilter).optional(),
  cloudVmInstanceTags: filterList(CoverageMapFilter).optional(),
  cloudContainerImageTags: filterList(CoverageStringFilter).optional(),
  cloudContainerRepositoryName: filterList(CoverageStringFilter).optional(),
  cloudContainerRegistryName: filterList(CoverageStringFilter).optional(),
  cloudServerlessFunctionName: filterList(CoverageStringFilter).optional(),
  cloudServerlessFunctionRuntime: filterList(CoverageStringFilter).optional(),
  cloudServerlessFunctionTags: filterList(CoverageMapFilter).optional(),
  cloudProviderOrgId: filterList(CoverageStringFilter).optional(),
});
export type CoverageFilterCriteria = z.infer<typeof CoverageFilterCriteria>;

export const ResourceStringFilter = z.strictObject({
  comparison: ResourceStringComparison,
  value: z.string().min(1).max(1024),
});
export type ResourceStringFilter = z.infer<typeof ResourceStringFilter>;

export const ResourceMapFilter = z.strictObject({
  comparison: ResourceMapComparison,
  key: z.string().min(1),
  value: z.string().min(1).optional(),
});
export type ResourceMapFilter = z.infer<typeof ResourceMapFilter>;

export const ResourceFilterCriteria = z.strictObject({
  accountId: filterList(ResourceStringFilter).optional(),
  resourceId: filterList(ResourceStringFilter).optional(),
  resourceType: filterList(ResourceStringFilter).optional(),
  ecrRepositoryName: filterList(ResourceStringFilter).optional(),
  lambdaFunctionName: filterList(ResourceStringFilter).optional(),
  ecrImageTags: filterList(ResourceStringFilter).optional(),
  ec2InstanceTags: filterList(ResourceMapFilter).optional(),
  lambdaFunctionTags: filterList(ResourceMapFilter).optional(),
});
export type ResourceFilterCriteria = z.infer<typeof ResourceFilterCriteria>;

// ---- aggregation requests ----

const stringFilters = filterList(StringFilter).optional();
const mapFilters = filterList(MapFilter).optional();

export const AccountAggregation = z.strictObject({
  findingType: AggregationFindingType.optional(),
  resourceType: AggregationResourceType.optional(),
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const AmiAggregation = z.strictObject({
  amis: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: oneOf(["CRITICAL", "HIGH", "ALL", "AFFECTED_INSTANCES"]).optional(),
});
export const AwsEcrContainerAggregation = z.strictObject({
  resourceIds: stringFilters,
  imageShas: stringFilters,
  repositories: stringFilters,
  architectures: stringFilters,
  imageTags: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
  lastInUseAt: filterList(DateFilter).optional(),
  inUseCount: filterList(NumberFilter).optional(),
});
export const Ec2InstanceAggregation = z.strictObject({
  amis: stringFilters,
  operatingSystems: stringFilters,
  instanceIds: stringFilters,
  instanceTags: mapFilters,
  sortOrder: SortOrder.optional(),
  sortBy: oneOf(["NETWORK_FINDINGS", "CRITICAL", "HIGH", "ALL"]).optional(),
});
export const FindingTypeAggregation = z.strictObject({
  findingType: AggregationFindingType.optional(),
  resourceType: AggregationResourceType.optional(),
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const ImageLayerAggregation = z.strictObject({
  repositories: stringFilters,
  resourceIds: stringFilters,
  layerHashes: stringFilters,
  cloudProviders: stringFilters,
  cloudAccountIds: stringFilters,
  cloudOrgIds: stringFilters,
  cloudRegions: stringFilters,
  cloudPartitions: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const PackageAggregation = z.strictObject({
  packageNames: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const RepositoryAggregation = z.strictObject({
  repositories: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: oneOf(["CRITICAL", "HIGH", "ALL", "AFFECTED_IMAGES"]).optional(),
});
export const TitleAggregation = z.strictObject({
  titles: stringFilters,
  vulnerabilityIds: stringFilters,
  resourceType: AggregationResourceType.optional(),
  findingType: AggregationFindingType.optional(),
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const LambdaLayerAggregation = z.strictObject({
  functionNames: stringFilters,
  resourceIds: stringFilters,
  layerArns: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const LambdaFunctionAggregation = z.strictObject({
  resourceIds: stringFilters,
  functionNames: stringFilters,
  runtimes: stringFilters,
  functionTags: mapFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const CodeRepositoryAggregation = z.strictObject({
  projectNames: stringFilters,
  providerTypes: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
  resourceIds: stringFilters,
});
export const VmInstanceAggregation = z.strictObject({
  resourceIds: stringFilters,
  operatingSystems: stringFilters,
  instanceTags: mapFilters,
  vmImageReferences: stringFilters,
  cloudProviders: stringFilters,
  cloudPartitions: stringFilters,
  cloudRegions: stringFilters,
  cloudOrgIds: stringFilters,
  cloudAccountIds: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: oneOf(["NETWORK_FINDINGS", "CRITICAL", "HIGH", "ALL"]).optional(),
});
export const ContainerImageAggregation = z.strictObject({
  resourceIds: stringFilters,
  imageDigests: stringFilters,
  repositories: stringFilters,
  registries: stringFilters,
  architectures: stringFilters,
  imageTags: stringFilters,
  cloudProviders: stringFilters,
  cloudPartitions: stringFilters,
  cloudRegions: stringFilters,
  cloudOrgIds: stringFilters,
  cloudAccountIds: stringFilters,
  lastInUseAt: filterList(DateFilter).optional(),
  inUseCount: filterList(NumberFilter).optional(),
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});
export const ServerlessFunctionAggregation = z.strictObject({
  resourceIds: stringFilters,
  functionNames: stringFilters,
  runtimes: stringFilters,
  functionTags: mapFilters,
  cloudProviders: stringFilters,
  cloudPartitions: stringFilters,
  cloudRegions: stringFilters,
  cloudOrgIds: stringFilters,
  cloudAccountIds: stringFilters,
  sortOrder: SortOrder.optional(),
  sortBy: SeveritySortBy.optional(),
});

/** The AggregationRequest member that goes with each aggregationType. */
export const AGGREGATION_REQUEST_MEMBERS = {
  ACCOUNT: "accountAggregation",
  AMI: "amiAggregation",
  AWS_EC2_INSTANCE: "ec2InstanceAggregation",
  AWS_ECR_CONTAINER: "awsEcrContainerAggregation",
  AWS_LAMBDA_FUNCTION: "lambdaFunctionAggregation",
  CODE_REPOSITORY: "codeRepositoryAggregation",
  CONTAINER_IMAGE: "containerImageAggregation",
  FINDING_TYPE: "findingTypeAggregation",
  IMAGE_LAYER: "imageLayerAggregation",
  LAMBDA_LAYER: "lambdaLayerAggregation",
  PACKAGE: "packageAggregation",
  REPOSITORY: "repositoryAggregation",
  SERVERLESS_FUNCTION: "serverlessFunctionAggregation",
  TITLE: "titleAggregation",
  VM_INSTANCE: "vmInstanceAggregation",
} as const satisfies Record<z.infer<typeof AggregationType>, string>;

/** The members of a union object that are set. */
const setMembers = (v: object): string[] =>
  Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .map(([k]) => k);

/** A union on the wire: an object with exactly one of its members set. */
export const AggregationRequest = z
  .strictObject({
    accountAggregation: AccountAggregation.optional(),
    amiAggregation: AmiAggregation.optional(),
    awsEcrContainerAggregation: AwsEcrContainerAggregation.optional(),
    ec2InstanceAggregation: Ec2InstanceAggregation.optional(),
    findingTypeAggregation: FindingTypeAggregation.optional(),
    imageLayerAggregation: ImageLayerAggregation.optional(),
    packageAggregation: PackageAggregation.optional(),
    repositoryAggregation: RepositoryAggregation.optional(),
    titleAggregation: TitleAggregation.optional(),
    lambdaLayerAggregation: LambdaLayerAggregation.optional(),
    lambdaFunctionAggregation: LambdaFunctionAggregation.optional(),
    codeRepositoryAggregation: CodeRepositoryAggregation.optional(),
    vmInstanceAggregation: VmInstanceAggregation.optional(),
    containerImageAggregation: ContainerImageAggregation.optional(),
    serverlessFunctionAggregation: ServerlessFunctionAggregation.optional(),
  })
  .refine((v) => setMembers(v).length === 1, {
    message: "exactly one member must be set (the request is a union)",
  });
export type AggregationRequest = z.infer<typeof AggregationRequest>;

// ---- operations ----

export const EnableRequest = z.strictObject({
  accountIds: AccountIdSet.optional(),
  resourceTypes: z.array(ResourceScanType).min(1).max(5),
  clientToken: z.string().min(1).max(64).optional(),
});
export type EnableRequest = z.infer<typeof EnableRequest>;

export const DisableRequest = z.strictObject({
  accountIds: AccountIdSet.optional(),
  resourceTypes: z.array(ResourceScanType).min(0).max(5).optional(),
});
export type DisableRequest = z.infer<typeof DisableRequest>;

export const BatchGetAccountStatusRequest = z.strictObject({
  accountIds: AccountIdSet.optional(),
});
export type BatchGetAccountStatusRequest = z.infer<typeof BatchGetAccountStatusRequest>;

/** Older clients send no body at all (the operation had no input members): that reads as `{}`. */
export const GetConfigurationRequest = z.preprocess(
  (body) => (body === undefined || body === null || body === "" ? {} : body),
  z.strictObject({
    accountId: AccountId.optional(),
  }),
);
export type GetConfigurationRequest = z.infer<typeof GetConfigurationRequest>;

export const EcrConfiguration = z.strictObject({
  rescanDuration: EcrRescanDuration,
  pullDateRescanDuration: EcrPullDateRescanDuration.optional(),
  pullDateRescanMode: EcrPullDateRescanMode.optional(),
});
export const Ec2Configuration = z.strictObject({
  scanMode: Ec2ScanMode,
  activateVMScanner: z.boolean().optional(),
});
export const UpdateConfigurationInheritance = z.strictObject({
  ec2Configuration: InheritanceMode.optional(),
  ecrConfiguration: InheritanceMode.optional(),
});

export const UpdateConfigurationRequest = z.strictObject({
  accountId: AccountId.optional(),
  ecrConfiguration: EcrConfiguration.optional(),
  ec2Configuration: Ec2Configuration.optional(),
  updateConfigurationInheritance: UpdateConfigurationInheritance.optional(),
});
export type UpdateConfigurationRequest = z.infer<typeof UpdateConfigurationRequest>;

export const ListFindingsRequest = z.strictObject({
  maxResults: maxResults(100).optional(),
  nextToken: NextToken.optional(),
  filterCriteria: FilterCriteria.optional(),
  sortCriteria: SortCriteria.optional(),
});
export type ListFindingsRequest = z.infer<typeof ListFindingsRequest>;

export const BatchGetFindingDetailsRequest = z.strictObject({
  findingArns: z.array(z.string().min(1).max(100)).min(1).max(10),
});
export type BatchGetFindingDetailsRequest = z.infer<typeof BatchGetFindingDetailsRequest>;

export const ListFindingAggregationsRequest = z
  .strictObject({
    aggregationType: AggregationType,
    nextToken: NextToken.optional(),
    maxResults: maxResults(100).optional(),
    accountIds: filterList(StringFilter).optional(),
    aggregationRequest: AggregationRequest.optional(),
  })
  .superRefine((req, ctx) => {
    const union: unknown = req.aggregationRequest;
    // Also runs when other members failed: check only what parsed far enough to compare.
    if (
      typeof union !== "object" ||
      union === null ||
      !Object.hasOwn(AGGREGATION_REQUEST_MEMBERS, req.aggregationType)
    ) {
      return;
    }
    const expected = AGGREGATION_REQUEST_MEMBERS[req.aggregationType];
    const given = setMembers(union);
    if (given.length === 1 && given[0] !== expected) {
      ctx.addIssue({
        code: "custom",
        path: ["aggregationRequest", given[0]!],
        message: `does not match aggregationType ${req.aggregationType} (expected ${expected})`,
      });
    }
  });
export type ListFindingAggregationsRequest = z.infer<typeof ListFindingAggregationsRequest>;

export const ListCoverageRequest = z.strictObject({
  maxResults: maxResults(200).optional(),
  nextToken: NextToken.optional(),
  filterCriteria: CoverageFilterCriteria.optional(),
});
export type ListCoverageRequest = z.infer<typeof ListCoverageRequest>;

export const ListCoverageStatisticsRequest = z.strictObject({
  filterCriteria: CoverageFilterCriteria.optional(),
  groupBy: GroupKey.optional(),
  nextToken: NextToken.optional(),
});
export type ListCoverageStatisticsRequest = z.infer<typeof ListCoverageStatisticsRequest>;

export const ListUsageTotalsRequest = z.strictObject({
  accountIds: z
    .array(z.string().regex(/^\d{12}$/, "a 12-digit account id"))
    .min(1)
    .max(7000)
    .optional(),
  maxResults: maxResults(500).optional(),
  nextToken: NextToken.optional(),
});

export const CreateFilterRequest = z.strictObject({
  action: FilterAction,
  description: z.string().min(1).max(512).optional(),
  filterCriteria: FilterCriteria,
  name: z.string().min(1).max(128),
  tags: TagMap.optional(),
  reason: z.string().min(1).max(512).optional(),
});
export type CreateFilterRequest = z.infer<typeof CreateFilterRequest>;

export const UpdateFilterRequest = z.strictObject({
  action: FilterAction.optional(),
  description: z.string().min(1).max(512).optional(),
  filterCriteria: FilterCriteria.optional(),
  name: z.string().min(1).max(128).optional(),
  filterArn: FilterArn,
  reason: z.string().min(1).max(512).optional(),
});
export type UpdateFilterRequest = z.infer<typeof UpdateFilterRequest>;

export const DeleteFilterRequest = z.strictObject({
  arn: FilterArn,
});
export type DeleteFilterRequest = z.infer<typeof DeleteFilterRequest>;

export const ListFiltersRequest = z.strictObject({
  arns: z.array(FilterArn).optional(),
  action: FilterAction.optional(),
  nextToken: NextToken.optional(),
  maxResults: maxResults(100).optional(),
});
export type ListFiltersRequest = z.infer<typeof ListFiltersRequest>;

export const Destination = z.strictObject({
  bucketName: z.string(),
  keyPrefix: z.string().optional(),
  kmsKeyArn: z.string(),
});
export type Destination = z.infer<typeof Destination>;

export const CreateFindingsReportRequest = z.strictObject({
  filterCriteria: FilterCriteria.optional(),
  reportFormat: ReportFormat,
  s3Destination: Destination,
});
export type CreateFindingsReportRequest = z.infer<typeof CreateFindingsReportRequest>;

export const GetFindingsReportStatusRequest = z.strictObject({
  reportId: ReportId.optional(),
});
export type GetFindingsReportStatusRequest = z.infer<typeof GetFindingsReportStatusRequest>;

export const CancelFindingsReportRequest = z.strictObject({
  reportId: ReportId,
});
export type CancelFindingsReportRequest = z.infer<typeof CancelFindingsReportRequest>;

export const CreateSbomExportRequest = z.strictObject({
  resourceFilterCriteria: ResourceFilterCriteria.optional(),
  reportFormat: SbomReportFormat,
  s3Destination: Destination,
});
export type CreateSbomExportRequest = z.infer<typeof CreateSbomExportRequest>;

export const GetSbomExportRequest = z.strictObject({
  reportId: ReportId,
});
export type GetSbomExportRequest = z.infer<typeof GetSbomExportRequest>;

export const SearchVulnerabilitiesFilterCriteria = z.strictObject({
  vulnerabilityIds: z
    .array(z.string().regex(/CVE-[12][0-9]{3}-[0-9]{1,10}/, "expected a CVE id"))
    .min(1)
    .max(1),
});
export const SearchVulnerabilitiesRequest = z.strictObject({
  filterCriteria: SearchVulnerabilitiesFilterCriteria,
  nextToken: NextToken.optional(),
});
export type SearchVulnerabilitiesRequest = z.infer<typeof SearchVulnerabilitiesRequest>;

/** The body of TagResource; resourceArn is in the path. */
export const TagResourceRequest = z.strictObject({
  tags: TagMap,
});
export type TagResourceRequest = z.infer<typeof TagResourceRequest>;

/** inspector-scan ScanSbom: `sbom` is a document (any JSON object; CycloneDX 1.5 is checked later). */
export const ScanSbomRequest = z.strictObject({
  sbom: z.record(z.string(), z.unknown(), {
    error: (issue) =>
      issue.input === undefined ? "required field missing" : "expected a JSON object (the SBOM)",
  }),
  outputFormat: oneOf(["CYCLONE_DX_1_5", "INSPECTOR"]).optional(),
});
export type ScanSbomRequest = z.infer<typeof ScanSbomRequest>;

// ---- errors ----

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `filterCriteria.severity[0].comparison`; keys that are not identifiers are quoted: `tags["aws:x"]`. */
function pathName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else {
      const name = String(key);
      out += IDENTIFIER.test(name) ? (out ? `.${name}` : name) : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

function issueFields(
  issue: z.core.$ZodIssue,
  base: readonly PropertyKey[],
): { name: string; message: string }[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ name: pathName([...path, key]), message: "unknown field" }));
    case "invalid_key":
      return issue.issues.map((inner) => ({
        name: pathName(path),
        message: `invalid key: ${inner.message}`,
      }));
    case "invalid_element":
      return issue.issues.flatMap((inner) => issueFields(inner, path));
    case "invalid_type":
      if (issue.message.endsWith("received undefined")) {
        return [{ name: pathName(path), message: `required field missing (expected ${issue.expected})` }];
      }
      return [{ name: pathName(path), message: issue.message }];
    default:
      return [{ name: pathName(path), message: issue.message }];
  }
}

/**
 * A readable account of a failed parse: one entry per bad field, named by its JSON path
 * (`filterCriteria.severity[0].comparison`), and a message joining them, as a ValidationException
 * reports them (`message`, and `fields` of `{ name, message }`).
 */
export function describeZodIssue(error: z.ZodError): {
  message: string;
  fields: { name: string; message: string }[];
} {
  const fields = error.issues.flatMap((issue) => issueFields(issue, []));
  const message = fields.map((f) => (f.name ? `${f.name}: ${f.message}` : f.message)).join("; ");
  return { message: message || "invalid request", fields };
}
