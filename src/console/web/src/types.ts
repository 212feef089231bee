/**
 * The JSON the console reads and sends: inspector2 shapes (service model 2020-06-08, timestamps as
 * epoch seconds) and Vigil's own operations. Only the members the console uses are typed; the
 * server may send more.
 */

export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "INFORMATIONAL" | "UNTRIAGED";
export const SEVERITIES: Severity[] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"];
export type FindingStatus = "ACTIVE" | "SUPPRESSED" | "CLOSED";
export type ResourceType =
  | "AWS_EC2_INSTANCE"
  | "AWS_ECR_CONTAINER_IMAGE"
  | "AWS_ECR_REPOSITORY"
  | "AWS_LAMBDA_FUNCTION";

export interface StringFilter {
  comparison: "EQUALS" | "PREFIX" | "NOT_EQUALS";
  value: string;
}
export interface NumberFilter {
  lowerInclusive?: number;
  upperInclusive?: number;
}
export interface DateFilter {
  startInclusive?: number;
  endInclusive?: number;
}
export interface MapFilter {
  comparison: "EQUALS";
  key: string;
  value?: string;
}
export interface PackageFilter {
  name?: StringFilter;
  version?: StringFilter;
  sourceLayerHash?: StringFilter;
  filePath?: StringFilter;
}
/** inspector2 FilterCriteria: every member is a list; members AND together. */
export type FilterCriteria = Partial<
  Record<string, (StringFilter | NumberFilter | DateFilter | MapFilter | PackageFilter)[]>
>;

export interface VulnerablePackage {
  name: string;
  version: string;
  epoch?: number;
  release?: string;
  arch?: string;
  packageManager?: string;
  filePath?: string;
  fixedInVersion?: string;
  remediation?: string;
  sourceLayerHash?: string;
  sourceLambdaLayerArn?: string;
}

export interface FindingResource {
  type: ResourceType | string;
  id: string;
  partition?: string;
  region?: string;
  tags?: Record<string, string>;
  details?: {
    awsEc2Instance?: Record<string, unknown>;
    awsEcrContainerImage?: Record<string, unknown>;
    awsLambdaFunction?: Record<string, unknown>;
  };
}

export interface Cvss {
  baseScore: number;
  scoringVector: string;
  source: string;
  version: string;
}

export interface Finding {
  awsAccountId: string;
  findingArn: string;
  type: "PACKAGE_VULNERABILITY" | "NETWORK_REACHABILITY" | "CODE_VULNERABILITY";
  title: string;
  description: string;
  severity: Severity;
  status: FindingStatus;
  firstObservedAt: number;
  lastObservedAt: number;
  updatedAt?: number;
  inspectorScore?: number;
  inspectorScoreDetails?: {
    adjustedCvss?: {
      score: number;
      scoreSource: string;
      scoringVector: string;
      version: string;
      cvssSource?: string;
      adjustments?: { metric: string; reason: string }[];
    };
  };
  fixAvailable?: "YES" | "NO" | "PARTIAL";
  exploitAvailable?: "YES" | "NO";
  exploitabilityDetails?: { lastKnownExploitAt?: number };
  epss?: { score: number };
  remediation?: { recommendation?: { text?: string; Url?: string } };
  resources: FindingResource[];
  networkReachabilityDetails?: {
    openPortRange: { begin: number; end: number };
    protocol: string;
    networkPath: { steps: { componentId: string; componentType: string; componentArn?: string }[] };
  };
  packageVulnerabilityDetails?: {
    vulnerabilityId: string;
    source: string;
    sourceUrl?: string;
    vendorSeverity?: string;
    vendorCreatedAt?: number;
    vendorUpdatedAt?: number;
    cvss?: Cvss[];
    relatedVulnerabilities?: string[];
    referenceUrls?: string[];
    vulnerablePackages: VulnerablePackage[];
  };
  codeVulnerabilityDetails?: CodeVulnerabilityDetails;
}

/** inspector2 CodeVulnerabilityDetails (CODE_VULNERABILITY findings). */
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

/** BatchGetCodeSnippet's answer. */
export interface CodeSnippetResponse {
  codeSnippetResults?: {
    findingArn: string;
    startLine?: number;
    endLine?: number;
    codeSnippet?: { lineNumber: number; content: string }[];
    suggestedFixes?: { description?: string; code?: string }[];
  }[];
  errors?: { findingArn: string; errorCode: string; errorMessage: string }[];
}

export type SortField =
  | "SEVERITY"
  | "INSPECTOR_SCORE"
  | "EPSS_SCORE"
  | "FIRST_OBSERVED_AT"
  | "LAST_OBSERVED_AT"
  | "VULNERABILITY_ID"
  | "RESOURCE_TYPE"
  | "FINDING_STATUS"
  | "FINDING_TYPE"
  | "AWS_ACCOUNT_ID"
  | "ECR_IMAGE_PUSHED_AT"
  | "ECR_IMAGE_REPOSITORY_NAME"
  | "COMPONENT_TYPE"
  | "VULNERABILITY_SOURCE"
  | "VENDOR_SEVERITY";

export interface SeverityCounts {
  all?: number;
  critical?: number;
  high?: number;
  medium?: number;
}

export type AggregationType =
  | "ACCOUNT"
  | "AMI"
  | "AWS_EC2_INSTANCE"
  | "AWS_ECR_CONTAINER"
  | "AWS_LAMBDA_FUNCTION"
  | "FINDING_TYPE"
  | "IMAGE_LAYER"
  | "LAMBDA_LAYER"
  | "PACKAGE"
  | "REPOSITORY"
  | "TITLE";

/** One entry of ListFindingAggregations' `responses`: a union with exactly one member set. */
export type AggregationResponse = Partial<
  Record<string, Record<string, unknown> & { severityCounts?: SeverityCounts; accountId?: string }>
>;

export interface CoveredResource {
  resourceType: string;
  resourceId: string;
  accountId: string;
  scanType: string;
  scanStatus?: { statusCode: string; reason: string };
  resourceMetadata?: {
    ec2?: { tags?: Record<string, string>; amiId?: string; platform?: string };
    ecrImage?: { tags?: string[]; imagePulledAt?: number };
    ecrRepository?: { name?: string; scanFrequency?: string };
    lambdaFunction?: {
      functionName?: string;
      runtime?: string;
      layers?: string[];
      functionTags?: Record<string, string>;
    };
  };
  lastScannedAt?: number;
  scanMode?: string;
}

export interface SuppressionFilter {
  arn: string;
  ownerId: string;
  name: string;
  action: "NONE" | "SUPPRESS";
  criteria: FilterCriteria;
  createdAt: number;
  updatedAt: number;
  description?: string;
  reason?: string;
  tags?: Record<string, string>;
}

export interface SavedView {
  id: string;
  name: string;
  query: Record<string, unknown>;
  createdAt: number;
}

export interface HistoryEntry {
  at: number;
  status: FindingStatus;
  change: "opened" | "changed" | "suppressed" | "unsuppressed" | "closed" | "reopened" | string;
  detail?: string;
}

export interface TimelineDay {
  date: string;
  opened: number;
  closed: number;
  active: number;
}

export interface FeedStatus {
  feed: string;
  status: string;
  lastUpdatedAt: number | null;
  advisories: number;
  message?: string;
}

export interface Registry {
  registryId: string;
  name: string;
  url: string;
  settings?: Record<string, unknown>;
  authenticated: boolean;
  status: string;
  statusDetail?: string;
  lastPolledAt?: number;
  createdAt: number;
  updatedAt: number;
}

export interface EventTarget {
  name: string;
  type: string;
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface EventRule {
  name: string;
  pattern: unknown;
  targets: string[];
  enabled: boolean;
  description?: string;
  createdAt: number;
  updatedAt: number;
}

export type DeliveryState = "queued" | "delivering" | "delivered" | "dead" | "skipped";

export interface EventDelivery {
  id: number;
  eventId: string;
  detailType: string;
  resources: string[];
  rule: string;
  target: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt?: number;
  lastStatus?: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  deliveredAt?: number;
}

export interface AuditEvent {
  id: number;
  accountId: string;
  principal: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  at: number;
}

export interface AccessKey {
  accessKeyId: string;
  readOnly: boolean;
  description?: string;
  createdAt: number;
  lastUsedAt?: number;
}

export interface Member {
  accountId: string;
  relationshipStatus: string;
  delegatedAdminAccountId?: string;
  updatedAt?: number;
}

/** Every operation the console calls: [input, output]. */
export interface Operations {
  ListFindings: [
    {
      filterCriteria?: FilterCriteria;
      sortCriteria?: { field: SortField; sortOrder: "ASC" | "DESC" };
      maxResults?: number;
      nextToken?: string;
    },
    { findings: Finding[]; nextToken?: string },
  ];
  BatchGetCodeSnippet: [{ findingArns: string[] }, CodeSnippetResponse];
  BatchGetFindingDetails: [
    { findingArns: string[] },
    {
      findingDetails: {
        findingArn: string;
        cisaData?: { dateAdded?: number; dateDue?: number; action?: string };
        cwes?: string[];
        epssScore?: number;
        riskScore?: number;
      }[];
      errors: { findingArn: string; errorCode: string; errorMessage: string }[];
    },
  ];
  ListFindingAggregations: [
    {
      aggregationType: AggregationType;
      aggregationRequest?: Record<string, Record<string, unknown>>;
      accountIds?: StringFilter[];
      maxResults?: number;
      nextToken?: string;
    },
    { aggregationType: AggregationType; responses: AggregationResponse[]; nextToken?: string },
  ];
  ListCoverage: [
    { filterCriteria?: Record<string, unknown[]>; maxResults?: number; nextToken?: string },
    { coveredResources: CoveredResource[]; nextToken?: string },
  ];
  ListCoverageStatistics: [
    { filterCriteria?: Record<string, unknown[]>; groupBy?: string; nextToken?: string },
    { totalCounts: number; countsByGroup?: { groupKey: string; count: number }[]; nextToken?: string },
  ];
  ListFilters: [
    { action?: "NONE" | "SUPPRESS"; arns?: string[]; maxResults?: number; nextToken?: string },
    { filters: SuppressionFilter[]; nextToken?: string },
  ];
  CreateFilter: [
    {
      action: "NONE" | "SUPPRESS";
      name: string;
      filterCriteria: FilterCriteria;
      description?: string;
      reason?: string;
      tags?: Record<string, string>;
    },
    { arn: string },
  ];
  DeleteFilter: [{ arn: string }, { arn: string }];
  GetFindingsTimeline: [{ days?: number }, { days: TimelineDay[] }];
  GetFindingHistory: [{ findingArn: string }, { history: HistoryEntry[] }];
  GetFeedStatus: [Record<string, never>, { feeds: FeedStatus[] }];
  ListSavedViews: [Record<string, never>, { views: SavedView[] }];
  PutSavedView: [{ name: string; query: Record<string, unknown> }, { view: SavedView }];
  DeleteSavedView: [{ id: string }, Record<string, unknown>];
  ListRegistries: [undefined, { registries: Registry[] }];
  ListEventTargets: [undefined, { targets: EventTarget[] }];
  ListEventRules: [undefined, { rules: EventRule[] }];
  ListEventDeliveries: [
    { state?: DeliveryState; target?: string; maxResults?: number; nextToken?: string },
    { deliveries: EventDelivery[]; nextToken?: string },
  ];
  ReplayEventDeliveries: [{ ids?: number[]; target?: string }, { replayed: number }];
  ListAuditEvents: [
    { actions?: string[]; maxResults?: number; nextToken?: string },
    { events: AuditEvent[]; nextToken?: string },
  ];
  ListAccessKeys: [undefined, { keys: AccessKey[] }];
  GetDelegatedAdminAccount: [
    Record<string, never>,
    { delegatedAdmin?: { accountId?: string; relationshipStatus?: string } },
  ];
  ListMembers: [
    { onlyAssociated?: boolean; maxResults?: number; nextToken?: string },
    { members: Member[]; nextToken?: string },
  ];
  DescribeOrganizationConfiguration: [
    Record<string, never>,
    { autoEnable?: Record<string, boolean>; maxAccountLimitReached?: boolean },
  ];
}
export type OperationName = keyof Operations;
