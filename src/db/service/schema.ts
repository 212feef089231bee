import type { ColumnType, Generated } from "kysely";

/**
 * The service schema: one definition for SQLite and PostgreSQL. Times are epoch milliseconds in
 * integer columns (comparable and sortable the same way in both), JSON is text, flags are 0/1.
 */
export interface ServiceTables {
  accounts: AccountsTable;
  configurations: ConfigurationsTable;
  access_keys: AccessKeysTable;
  resources: ResourcesTable;
  inventories: InventoriesTable;
  resource_packages: ResourcePackagesTable;
  findings: FindingsTable;
  filters: FiltersTable;
  reports: ReportsTable;
  audit_log: AuditLogTable;
  service_state: ServiceStateTable;
  registries: RegistriesTable;
  registry_images: RegistryImagesTable;
  scan_jobs: ScanJobsTable;
  activations: ActivationsTable;
  hosts: HostsTable;
  agent_nonces: AgentNoncesTable;
  host_mounts: HostMountsTable;
  network_models: NetworkModelsTable;
  network_reachability: NetworkReachabilityTable;
  event_targets: EventTargetsTable;
  event_rules: EventRulesTable;
  events: EventsTable;
  event_deliveries: EventDeliveriesTable;
  organizations: OrganizationsTable;
  organization_accounts: OrganizationAccountsTable;
  delegated_admins: DelegatedAdminsTable;
  members: MembersTable;
  console_users: ConsoleUsersTable;
  console_sessions: ConsoleSessionsTable;
  saved_views: SavedViewsTable;
  finding_history: FindingHistoryTable;
  /** SQLite only: the embedded job queue (PostgreSQL uses pg-boss's schema). */
  jobs: JobsTable;
  job_leases: JobLeasesTable;
}

export interface JobLeasesTable {
  lease_key: string;
  holder: string;
  expires_at: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  /** JSON payload. */
  data: string;
  /** pg-boss's states: created, retry, active, completed, cancelled, failed. */
  state: string;
  singleton_key: string | null;
  retry_count: number;
  retry_limit: number;
  /** Seconds. */
  retry_delay: number;
  retry_backoff: number;
  expire_seconds: number;
  start_after: number;
  started_at: number | null;
  completed_at: number | null;
  created_at: number;
  /** JSON: the handler's result, or { message } of its last error. */
  output: string | null;
}

export interface AccountsTable {
  account_id: string;
  /** JSON: resource scan type (EC2, ECR, LAMBDA, LAMBDA_CODE) → ENABLED | DISABLED. */
  resource_status: string;
  created_at: number;
  updated_at: number;
}

export interface ConfigurationsTable {
  account_id: string;
  /** JSON: { ecrRescanDuration, ecrPullDateRescanDuration, ec2ScanMode } and their update times. */
  body: string;
  updated_at: number;
}

export interface AccessKeysTable {
  access_key_id: string;
  account_id: string;
  /** The secret, sealed with the server's key (AES-256-GCM): SigV4 needs the secret itself. */
  secret_sealed: string;
  read_only: number;
  description: string | null;
  created_at: number;
  last_used_at: number | null;
  /** Set for an agent's credential: the host it identifies; such a key reaches agent endpoints only. */
  host_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the credential was revoked (kept so the refusal can say so), or null. */
  revoked_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ResourcesTable {
  account_id: string;
  resource_id: string;
  region: string;
  /** inspector2 resource type: AWS_EC2_INSTANCE | AWS_ECR_CONTAINER_IMAGE | AWS_ECR_REPOSITORY | AWS_LAMBDA_FUNCTION. */
  resource_type: string;
  /** JSON object of tags. */
  tags: string;
  /** JSON: the inspector2 ResourceDetails for this resource (awsEc2Instance, awsEcrContainerImage, …). */
  details: string;
  /** ACTIVE while inventories arrive; INACTIVE with a reason otherwise. */
  scan_status: string;
  scan_status_reason: string;
  first_seen_at: number;
  last_scanned_at: number | null;
  /** Number of active findings, kept by reconciliation for coverage listings. */
  active_findings: number;
  /** 1 while advisory updates re-evaluate the resource (continuous monitoring), else 0. */
  monitored: ColumnType<number, number | undefined, number>;
  /** Why the scan status is what it is, in words (the wire's reason is an enum). */
  scan_status_detail: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface InventoriesTable {
  account_id: string;
  resource_id: string;
  /** sha256 of the normalized package list: an identical resubmission changes nothing. */
  content_hash: string;
  /** gzip of the JSON inventory (packages, os, warnings). */
  body: Buffer;
  package_count: number;
  submitted_at: number;
}

/** Index from advisory lookup keys to the resources that hold such a package. */
export interface ResourcePackagesTable {
  ecosystem: string;
  name: string;
  account_id: string;
  resource_id: string;
}

export interface FindingsTable {
  finding_arn: string;
  account_id: string;
  resource_id: string;
  resource_type: string;
  status: string;
  severity: string;
  /** UNTRIAGED 0, INFORMATIONAL 1, LOW 2, MEDIUM 3, HIGH 4, CRITICAL 5: sorts and compares. */
  severity_rank: number;
  inspector_score: number;
  type: string;
  title: string;
  vulnerability_id: string;
  vulnerability_source: string;
  vendor_severity: string;
  package_name: string;
  /** The vulnerable package's image layer digest or Lambda layer ARN; "" when none. */
  source_layer: string;
  fix_available: string;
  exploit_available: string;
  epss_score: number;
  ecr_repository: string;
  ecr_registry: string;
  ecr_pushed_at: number;
  network_protocol: string;
  component_type: string;
  first_observed_at: number;
  last_observed_at: number;
  updated_at: number;
  /** ARN of the SUPPRESS filter that holds this finding, if any. */
  suppressed_by: string | null;
  /** Whether the scan still sees the vulnerability (status may be SUPPRESSED while open). */
  open: number;
  /** The inspector2 Finding as JSON, without status and times (those live in columns). */
  body: string;
}

export interface FiltersTable {
  arn: string;
  account_id: string;
  name: string;
  action: string;
  criteria: string;
  description: string | null;
  reason: string | null;
  tags: string;
  created_at: number;
  updated_at: number;
}

export interface ReportsTable {
  report_id: string;
  account_id: string;
  /** "findings" | "sbom" */
  kind: string;
  format: string;
  status: string;
  criteria: string;
  destination: string;
  error_code: string | null;
  error_message: string | null;
  /** Files written, relative to the reports directory (JSON array). */
  outputs: string;
  created_at: number;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  account_id: string;
  /** Access key id, or "cli:<user>" for local administrative commands. */
  principal: string;
  action: string;
  target: string;
  detail: string;
  at: ColumnType<number, number, never>;
}

export interface ServiceStateTable {
  key: string;
  value: string;
}

/** A registered OCI registry (migration 0002). */
export interface RegistriesTable {
  /** "reg-" + random hex: names the registry in its notifications URL. */
  registry_id: string;
  account_id: string;
  name: string;
  url: string;
  /** JSON RegistrySettings: patterns, scan modes, rescan durations, poll interval. */
  settings: string;
  /** JSON credentials sealed with the server key, or null for anonymous pulls. */
  credentials_sealed: string | null;
  /** sha256 of the bearer token the registry's notifications must carry. */
  webhook_token_hash: string;
  /** OK | ERROR | PENDING: the last contact with the registry. */
  status: string;
  status_detail: string | null;
  last_polled_at: number | null;
  created_at: number;
  updated_at: number;
}

/** An image as pushed (a manifest or an index), and the platform resources scanned from it. */
export interface RegistryImagesTable {
  registry_id: string;
  account_id: string;
  repository: string;
  /** Digest of what was pushed: an image manifest, or an index of platform manifests. */
  digest: string;
  /** JSON string[] of tags pointing at the digest. */
  tags: string;
  /** JSON string[] of resource ids (one per platform). */
  resource_ids: string;
  pushed_at: number;
  last_pulled_at: number | null;
  last_scanned_at: number | null;
  /** continuous | scan-on-push | manual, as decided at the last scan. */
  mode: string;
  /** 1 once the rescan duration has passed and monitoring stopped. */
  expired: number;
}

/** The durable queue of image scans (pushes, polls, manual requests, re-activations). */
export interface ScanJobsTable {
  id: Generated<number>;
  account_id: string;
  registry_id: string;
  repository: string;
  /** Digest or tag to scan. */
  reference: string;
  /** The tag the push named, when it named one. */
  tag: string | null;
  reason: string;
  /** queued | running | done | failed */
  state: string;
  attempts: number;
  error: string | null;
  not_before: number;
  created_at: number;
  updated_at: number;
}

/** One-time activation codes for agent enrolment (migration 0003), like SSM hybrid activations. */
export interface ActivationsTable {
  activation_id: string;
  account_id: string;
  /** sha256 of the activation code; the code itself is shown once. */
  code_hash: string;
  description: string | null;
  max_count: number;
  used_count: number;
  expires_at: number;
  /** JSON tags every host enrolled with it starts with. */
  tags: string;
  created_at: number;
}

/** An enrolled host (agent identity) or an agentless disk scanned for it. */
export interface HostsTable {
  /** Also the resource id ("h-…"). */
  host_id: string;
  account_id: string;
  activation_id: string | null;
  hostname: string;
  machine_id: string | null;
  agent_version: string | null;
  registered_at: number;
  last_seen_at: number | null;
  /** Sequence number of the last inventory message applied. */
  last_sequence: number;
  /** sha256 of the inventory the last message produced (deltas must arrive at it). */
  last_content_hash: string | null;
  last_inventory_at: number | null;
  /** gzip JSON HostFacts: kernel, processes, listening sockets, interfaces, packages in use. */
  facts: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  /** JSON: the agent's last collection cost (cpu ms, rss bytes, wall ms). */
  collection: string | null;
  rotate_requested: number;
  revoked_at: number | null;
}

/** Nonces of agent requests already seen, kept for the signature's clock-skew window. */
export interface AgentNoncesTable {
  nonce: string;
  host_id: string;
  at: number;
}

/** A mounted disk or snapshot directory the server scans for a host (agentless). */
export interface HostMountsTable {
  mount_id: string;
  account_id: string;
  path: string;
  host_id: string;
  interval_minutes: number;
  last_scan_at: number | null;
  status: string;
  status_detail: string | null;
  created_at: number;
}

/** The network description an account uploaded (migration 0004): AWS CLI JSON or on-prem YAML. */
export interface NetworkModelsTable {
  account_id: string;
  /** aws | yaml */
  format: string;
  /** gzip JSON: the documents as uploaded (so the analysis can be re-run by newer code). */
  documents: Uint8Array;
  updated_at: number;
}

/** What the analysis found reachable from the internet, per host of the network model. */
export interface NetworkReachabilityTable {
  account_id: string;
  /** Instance id, or on-prem host name. */
  host_key: string;
  /** JSON string[]: private and public addresses (matched against resources' addresses). */
  addresses: string;
  /** JSON OpenPortRange[]. */
  open_ranges: string;
  updated_at: number;
}

/** Where matched events go: webhook, slack, command or securityhub, with its settings (secrets sealed). */
export interface EventTargetsTable {
  account_id: string;
  name: string;
  type: string;
  /** JSON settings of the target type; secrets inside are sealed with the server's key. */
  config: string;
  created_at: number;
  updated_at: number;
}

/** An EventBridge-style rule: an event pattern and the targets its matches go to. */
export interface EventRulesTable {
  account_id: string;
  name: string;
  /** The event pattern, JSON. */
  pattern: string;
  /** JSON array of target names. */
  targets: string;
  enabled: number;
  description: string | null;
  created_at: number;
  updated_at: number;
}

/** Events that matched at least one rule, in EventBridge's envelope (kept for deliveries). */
export interface EventsTable {
  event_id: string;
  account_id: string;
  detail_type: string;
  body: string;
  created_at: number;
}

/** The outbox: one row per (event, rule, target); written in the transaction that made the event. */
export interface EventDeliveriesTable {
  id: Generated<number>;
  event_id: string;
  account_id: string;
  rule_name: string;
  target_name: string;
  /** queued | delivering | delivered | dead */
  state: string;
  attempts: number;
  not_before: number;
  last_error: string | null;
  last_status: number | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface OrganizationsTable {
  org_id: string;
  management_account_id: string;
  /** JSON: { ec2, ecr, lambda, lambdaCode, codeRepository } booleans for new members. */
  auto_enable: string;
  created_at: number;
  updated_at: number;
}

export interface OrganizationAccountsTable {
  account_id: string;
  org_id: string;
  joined_at: number;
}

export interface DelegatedAdminsTable {
  org_id: string;
  account_id: string;
  /** ENABLED | DISABLE_IN_PROGRESS */
  status: string;
  updated_at: number;
}

/** Accounts associated with a delegated administrator (inspector2 members). */
export interface MembersTable {
  account_id: string;
  admin_account_id: string;
  /** inspector2 RelationshipStatus: ENABLED, REMOVED, … */
  relationship_status: string;
  updated_at: number;
}

/** People who sign in to the web console: an account to act in and a role (admin | viewer). */
export interface ConsoleUsersTable {
  username: string;
  account_id: string;
  role: string;
  /** scrypt$N$r$p$salt$hash (base64url). */
  password_hash: string;
  created_at: number;
  updated_at: number;
  /** Set: the user can no longer sign in (kept for the audit trail). */
  disabled_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ConsoleSessionsTable {
  /** sha256 of the cookie value: a stolen database does not yield live sessions. */
  id_hash: string;
  username: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface SavedViewsTable {
  id: Generated<number>;
  /** Whose view: "console:<username>" or an access key id. */
  principal: string;
  name: string;
  /** JSON: the Findings page's query (filters, sort, grouping). */
  query: string;
  created_at: number;
}

/** Status changes of findings (opened, suppressed, unsuppressed, changed, closed, reopened). */
export interface FindingHistoryTable {
  id: Generated<number>;
  finding_arn: string;
  account_id: string;
  at: number;
  /** The finding's status after the change: ACTIVE, SUPPRESSED or CLOSED. */
  status: string;
  /** opened, changed, suppressed, unsuppressed, closed or reopened. */
  change: string;
  /** Why, when known: the suppressing filter, the closing cause, the severity change. */
  detail: ColumnType<string | null, string | null | undefined, string | null>;
}
