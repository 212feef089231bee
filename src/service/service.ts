import { createHash, randomUUID } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  type Expression,
  type Insertable,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
  type Updateable,
} from "kysely";
import { normalizeEcosystem, normalizePackageName } from "../advisories/normalize.js";
import type { AdvisoryStore } from "../advisories/store.js";
import type { AdvisoryReader } from "../advisories/types.js";
import { codeFindingsOf, type SubmittedCode } from "../code/submitted.js";
import type { ServiceDatabase, ServiceDb } from "../db/service/open.js";
import type {
  FiltersTable,
  FindingHistoryTable,
  FindingsTable,
  ServiceTables,
} from "../db/service/schema.js";
import { EventBus } from "../events/bus.js";
import {
  coverageEvent,
  findingEvent,
  type SeverityCounts,
  scanEvent,
  type VigilEvent,
} from "../events/envelope.js";
import { fillOsEcosystem } from "../extractors/inventory.js";
import type { OsInfo, Package } from "../extractors/types.js";
import { type Finding, type FindingResource, toFinding } from "../findings/finding.js";
import { type ReachableRange, toNetworkFindings } from "../findings/network.js";
import { type Match, matchInventory } from "../matching/match.js";
import type { ResourceContext } from "../scoring/context.js";
import { criteriaWhere, type FilterCriteria, findingMatches, SORT_COLUMNS } from "./criteria.js";
import { denied, notFound, validation } from "./errors.js";
import { type FindingRow, findingBody, findingColumns, findingRow, rowToFinding } from "./findings-store.js";
import { isAccountId, newAccessKeyId, newSecretAccessKey, seal, unseal } from "./keys.js";
import { accountScope, Organizations } from "./organizations.js";

export const RESOURCE_TYPES = [
  "AWS_EC2_INSTANCE",
  "AWS_ECR_CONTAINER_IMAGE",
  "AWS_ECR_REPOSITORY",
  "AWS_LAMBDA_FUNCTION",
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface Principal {
  accountId: string;
  /** Access key id, or "cli:<user>" for local administrative commands. */
  id: string;
  readOnly: boolean;
  /** Set when the key is an agent's: the host it speaks for (agent endpoints only). */
  hostId?: string;
}

export interface SubmittedResource {
  id: string;
  type: ResourceType;
  region?: string | undefined;
  tags?: Record<string, string> | undefined;
  details?: Record<string, unknown> | undefined;
}

export interface SubmittedInventory {
  os?: OsInfo | undefined;
  packages: Package[];
  /**
   * Code scanning results of a function (AWS_LAMBDA_FUNCTION only, with LAMBDA_CODE enabled):
   * stored with the inventory, so re-evaluation keeps its CODE_VULNERABILITY findings and
   * BatchGetCodeSnippet reads the snippets from here.
   */
  code?: SubmittedCode | undefined;
}

/** A resource's coverage state: the wire's scan status and reason, and whether it is monitored. */
export interface ResourceCoverage {
  status: "ACTIVE" | "INACTIVE";
  reason: string;
  /** The reason in words, for people (the wire's reason is an enum). */
  detail?: string | null;
  /** Whether advisory updates re-evaluate it (continuous monitoring). */
  monitored: boolean;
}

/** A host of the account's network model, as the analysis left it. */
interface NetworkHost {
  key: string;
  addresses: string[];
  open: ReachableRange[];
}

/** The tag that gives a suppression filter its end: an ISO 8601 date or date-time. */
export const FILTER_EXPIRY_TAG = "vigil:expires";

/** A filter's expiry (epoch ms) from its tags; throws a validation error for an unreadable date. */
export function filterExpiry(tags: Record<string, string> | undefined): number | undefined {
  const v = tags?.[FILTER_EXPIRY_TAG];
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms))
    throw validation(
      `tags.${FILTER_EXPIRY_TAG}: ${JSON.stringify(v)} is not an ISO 8601 date (2026-12-31 or 2026-12-31T00:00:00Z)`,
      [{ name: `tags.${FILTER_EXPIRY_TAG}`, message: "not a date" }],
    );
  return ms;
}

export interface ReconcileResult {
  resourceId: string;
  opened: number;
  closed: number;
  changed: number;
  unchanged: number;
  active: number;
}

export interface ReevaluationResult {
  /** Package and CVE keys read from the advisory change log. */
  changedKeys: number;
  /** Resources re-evaluated (those holding an affected package or an affected finding). */
  resources: number;
  opened: number;
  closed: number;
  changed: number;
  ms: number;
}

export interface ListFindingsQuery {
  criteria?: FilterCriteria | undefined;
  sort?: { field: string; sortOrder: "ASC" | "DESC" } | undefined;
  maxResults?: number | undefined;
  nextToken?: string | undefined;
}

export interface FilterRecord {
  arn: string;
  ownerId: string;
  name: string;
  action: "NONE" | "SUPPRESS";
  criteria: FilterCriteria;
  description?: string;
  reason?: string;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

const DEFAULT_RESOURCE_STATUS: Record<string, string> = {
  ec2: "ENABLED",
  ecr: "ENABLED",
  lambda: "ENABLED",
  lambdaCode: "DISABLED",
  codeRepository: "DISABLED",
};
const SCAN_TYPE_KEYS: Record<string, string> = {
  EC2: "ec2",
  ECR: "ecr",
  LAMBDA: "lambda",
  LAMBDA_CODE: "lambdaCode",
  CODE_REPOSITORY: "codeRepository",
};
const TYPE_SCAN_KEY: Record<string, string> = {
  AWS_EC2_INSTANCE: "ec2",
  AWS_ECR_CONTAINER_IMAGE: "ecr",
  AWS_ECR_REPOSITORY: "ecr",
  AWS_LAMBDA_FUNCTION: "lambda",
};

const SCAN_BATCH = 500;
/** One finding_history row (the console's finding history), written with the change itself. */
type HistoryRow = Omit<Insertable<FindingHistoryTable>, "id">;
/** Rows one ListFindings call examines at most before returning a page (maybe short) and a token. */
const MAX_ROWS_PER_PAGE = 20_000;

/** The lookup keys matching uses for a package: its own name and its source package's. */
export function packageKeys(packages: readonly Package[]): Set<string> {
  const keys = new Set<string>();
  for (const p of packages) {
    const eco = p.ecosystem;
    if (!eco) continue;
    const e = normalizeEcosystem(eco);
    keys.add(`${e}\0${normalizePackageName(e, p.name)}`);
    if (p.source?.name) keys.add(`${e}\0${normalizePackageName(e, p.source.name)}`);
  }
  return keys;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * What the resources of one reevaluate() call share. The advisory store is refreshed once, before
 * the targets are chosen (its affected/advisory lookups are cached until then anyway), so within
 * the call a lookup gives the same answer every time: NVD/KEV/EPSS are read once per CVE, and a
 * package list identical to one already matched (hosts built from one image) reuses its matches.
 */
interface ReevaluationMemo {
  store: AdvisoryReader;
  match(packages: readonly Package[]): Match[];
}

/** Distinct package lists whose matches one reevaluate() call keeps (bounds its memory). */
const MEMO_INVENTORIES = 64;

function reevaluationMemo(store: AdvisoryReader): ReevaluationMemo {
  const once = <V>(get: (id: string) => V) => {
    const seen = new Map<string, V>();
    return (id: string): V => {
      if (seen.has(id)) return seen.get(id) as V;
      const v = get(id);
      seen.set(id, v);
      return v;
    };
  };
  const reader: AdvisoryReader = {
    affected: (ecosystem, name) => store.affected(ecosystem, name),
    advisory: (id) => store.advisory(id),
    cvss: once((id) => store.cvss(id)),
    kev: once((id) => store.kev(id)),
    epss: once((id) => store.epss(id)),
  };
  // Keyed by the packages' JSON: equal keys are equal package lists, so equal matches.
  const matched = new Map<string, Match[]>();
  return {
    store: reader,
    match(packages) {
      const key = JSON.stringify(packages);
      let hit = matched.get(key);
      if (!hit) {
        hit = matchInventory(packages, reader).matches;
        if (matched.size >= MEMO_INVENTORIES) matched.delete(matched.keys().next().value!);
        matched.set(key, hit);
      }
      return hit;
    },
  };
}

/** PostgreSQL types of the findings columns a re-evaluation rewrites (batched updates cast to them). */
const PG_FINDING_TYPES: Record<string, string> = {
  finding_arn: "text",
  account_id: "text",
  resource_id: "text",
  resource_type: "text",
  status: "text",
  severity: "text",
  severity_rank: "integer",
  inspector_score: "double precision",
  type: "text",
  title: "text",
  vulnerability_id: "text",
  vulnerability_source: "text",
  vendor_severity: "text",
  package_name: "text",
  source_layer: "text",
  fix_available: "text",
  exploit_available: "text",
  epss_score: "double precision",
  ecr_repository: "text",
  ecr_registry: "text",
  ecr_pushed_at: "bigint",
  network_protocol: "text",
  component_type: "text",
  last_observed_at: "bigint",
  updated_at: "bigint",
  suppressed_by: "text",
  open: "integer",
  body: "text",
};

interface PageToken {
  /** Sort column value and finding ARN of the last row returned. */
  v: string | number;
  a: string;
  /** Hash of the query the token belongs to. */
  q: string;
}

function queryHash(accountId: string | readonly string[], q: ListFindingsQuery): string {
  return createHash("sha256")
    .update(JSON.stringify([accountId, q.criteria ?? {}, q.sort ?? null]))
    .digest("base64url")
    .slice(0, 16);
}

export function decodeToken(token: string, expectHash: string): PageToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw validation("nextToken: not a token this API issued", [
      { name: "nextToken", message: "invalid token" },
    ]);
  }
  const t = parsed as Partial<PageToken>;
  if (
    !t ||
    typeof t !== "object" ||
    typeof t.a !== "string" ||
    (typeof t.v !== "string" && typeof t.v !== "number") ||
    typeof t.q !== "string"
  ) {
    throw validation("nextToken: not a token this API issued", [
      { name: "nextToken", message: "invalid token" },
    ]);
  }
  if (t.q !== expectHash) {
    throw validation("nextToken: belongs to a different query (filter or sort changed)", [
      { name: "nextToken", message: "token does not match the request" },
    ]);
  }
  return t as PageToken;
}

export const encodeToken = (t: PageToken) => Buffer.from(JSON.stringify(t)).toString("base64url");

/**
 * The service core: accounts, keys, resources and their inventories, the findings lifecycle,
 * filters, and re-evaluation after advisory updates. Every method is scoped to an account.
 */
export class VigilService {
  readonly db: ServiceDb;
  /** Event rules, targets and the delivery outbox (events are published inside our transactions). */
  readonly events: EventBus;
  private readonly keyCache = new Map<
    string,
    { accountId: string; secret: string; readOnly: boolean; hostId?: string; revokedAt?: number }
  >();
  private readonly suppressCache = new Map<string, FilterRecord[]>();
  /** Organizations, delegated administrators and members: who sees which accounts. */
  readonly organizations: Organizations = new Organizations(this);
  private reevaluating: Promise<ReevaluationResult> | undefined;
  /** Per account: the hosts of its network model and their open ranges (null: no model). */
  private readonly networkCache = new Map<string, NetworkHost[] | null>();

  constructor(
    readonly database: ServiceDatabase,
    readonly advisories: AdvisoryStore,
    private readonly masterKey: Buffer,
    readonly options: { region: string; now?: () => number; commandDir?: string },
  ) {
    this.db = database.db;
    this.events = new EventBus(
      this.db,
      { masterKey, commandDir: options.commandDir },
      { now: () => this.now(), audit: (p, action, target, detail) => this.audit(p, action, target, detail) },
    );
  }

  now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  async audit(p: Principal, action: string, target: string, detail: unknown = {}): Promise<void> {
    await this.db
      .insertInto("audit_log")
      .values({
        account_id: p.accountId,
        principal: p.id,
        action,
        target,
        detail: JSON.stringify(detail),
        at: this.now(),
      })
      .execute();
  }

  async auditLog(accountId: string, limit = 100) {
    return this.db
      .selectFrom("audit_log")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  // --- accounts and keys -------------------------------------------------------------------

  async ensureAccount(accountId: string): Promise<void> {
    if (!isAccountId(accountId)) throw validation(`account id ${accountId}: must be 12 digits`);
    const now = this.now();
    await this.db
      .insertInto("accounts")
      .values({
        account_id: accountId,
        resource_status: JSON.stringify(DEFAULT_RESOURCE_STATUS),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column("account_id").doNothing())
      .execute();
  }

  async resourceStatus(accountId: string): Promise<Record<string, string> | undefined> {
    const row = await this.db
      .selectFrom("accounts")
      .select("resource_status")
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return row
      ? { ...DEFAULT_RESOURCE_STATUS, ...(JSON.parse(row.resource_status) as Record<string, string>) }
      : undefined;
  }

  /** Enables or disables scan types; disabling closes the open findings of those resources. */
  async setScanTypes(p: Principal, accountId: string, types: string[], status: "ENABLED" | "DISABLED") {
    await this.ensureAccount(accountId);
    const current = (await this.resourceStatus(accountId))!;
    for (const t of types) current[SCAN_TYPE_KEYS[t]!] = status;
    const now = this.now();
    await this.db
      .updateTable("accounts")
      .set({ resource_status: JSON.stringify(current), updated_at: now })
      .where("account_id", "=", accountId)
      .execute();
    if (status === "DISABLED") {
      const resourceTypes = RESOURCE_TYPES.filter((rt) =>
        types.some((t) => SCAN_TYPE_KEYS[t] === TYPE_SCAN_KEY[rt]),
      );
      if (resourceTypes.length > 0 && (await this.events.wants(accountId))) {
        // Per resource, so each closure and coverage change carries its events.
        const affected = await this.db
          .selectFrom("resources")
          .select(["resource_id", "resource_type", "region", "scan_status", "scan_status_reason"])
          .where("account_id", "=", accountId)
          .where("resource_type", "in", resourceTypes)
          .execute();
        for (const r of affected) {
          const published = await this.db.transaction().execute(async (trx) => {
            const closed = await this.closeResourceFindings(
              trx,
              accountId,
              r.resource_id,
              now,
              "scan type disabled",
            );
            await trx
              .updateTable("resources")
              .set({ scan_status: "INACTIVE", scan_status_reason: "SCAN_TYPE_DISABLED", active_findings: 0 })
              .where("account_id", "=", accountId)
              .where("resource_id", "=", r.resource_id)
              .execute();
            return (
              closed.published +
              (await this.coverageChanged(
                trx,
                accountId,
                { id: r.resource_id, type: r.resource_type, region: r.region },
                { status: r.scan_status, reason: r.scan_status_reason },
                { status: "INACTIVE", reason: "SCAN_TYPE_DISABLED" },
              ))
            );
          });
          if (published) this.events.notify();
        }
      } else if (resourceTypes.length > 0) {
        await this.db.transaction().execute(async (trx) => {
          // The history rows straight from the rows being closed: one statement, no round trips.
          await trx
            .insertInto("finding_history")
            .columns(["finding_arn", "account_id", "at", "status", "change", "detail"])
            .expression(
              trx
                .selectFrom("findings")
                .select([
                  "finding_arn",
                  "account_id",
                  sql.lit(now).as("at"),
                  sql.lit("CLOSED").as("status"),
                  sql.lit("closed").as("change"),
                  sql.lit("scan type disabled").as("detail"),
                ])
                .where("account_id", "=", accountId)
                .where("resource_type", "in", resourceTypes)
                .where("open", "=", 1),
            )
            .execute();
          await trx
            .updateTable("findings")
            .set({ status: "CLOSED", open: 0, updated_at: now })
            .where("account_id", "=", accountId)
            .where("resource_type", "in", resourceTypes)
            .where("open", "=", 1)
            .execute();
          await trx
            .updateTable("resources")
            .set({ scan_status: "INACTIVE", scan_status_reason: "SCAN_TYPE_DISABLED", active_findings: 0 })
            .where("account_id", "=", accountId)
            .where("resource_type", "in", resourceTypes)
            .execute();
        });
      }
    }
    if (status === "DISABLED" && types.includes("LAMBDA_CODE")) await this.closeCodeFindings(accountId, now);
    await this.audit(p, status === "ENABLED" ? "Enable" : "Disable", accountId, { resourceTypes: types });
    return current;
  }

  /** Lambda code scanning turned off: the account's open code findings close (package findings stay). */
  private async closeCodeFindings(accountId: string, now: number): Promise<void> {
    const { published } = await this.db
      .transaction()
      .execute((trx) =>
        this.closeOpen(trx, accountId, { type: "CODE_VULNERABILITY" }, now, "Lambda code scanning disabled"),
      );
    if (published) this.events.notify();
  }

  async createKey(
    accountId: string,
    options: { readOnly?: boolean; description?: string; principal?: string; hostId?: string } = {},
  ): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await this.ensureAccount(accountId);
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    await this.db
      .insertInto("access_keys")
      .values({
        access_key_id: accessKeyId,
        account_id: accountId,
        secret_sealed: seal(this.masterKey, secretAccessKey),
        read_only: options.readOnly ? 1 : 0,
        description: options.description ?? null,
        created_at: this.now(),
        last_used_at: null,
        host_id: options.hostId ?? null,
      })
      .execute();
    await this.audit(
      { accountId, id: options.principal ?? "cli", readOnly: false },
      "CreateAccessKey",
      accessKeyId,
      { readOnly: !!options.readOnly },
    );
    return { accessKeyId, secretAccessKey };
  }

  async listKeys(accountId?: string) {
    let q = this.db
      .selectFrom("access_keys")
      .select(["access_key_id", "account_id", "read_only", "description", "created_at", "last_used_at"]);
    if (accountId) q = q.where("account_id", "=", accountId);
    return q.orderBy("created_at").execute();
  }

  async deleteKey(accessKeyId: string, principal = "cli"): Promise<boolean> {
    const row = await this.db
      .deleteFrom("access_keys")
      .where("access_key_id", "=", accessKeyId)
      .returning("account_id")
      .executeTakeFirst();
    this.keyCache.delete(accessKeyId);
    if (row)
      await this.audit(
        { accountId: row.account_id, id: principal, readOnly: false },
        "DeleteAccessKey",
        accessKeyId,
      );
    return !!row;
  }

  /** Marks a key revoked (kept, so that its use is refused with a reason rather than as unknown). */
  async revokeKey(accessKeyId: string): Promise<void> {
    await this.db
      .updateTable("access_keys")
      .set({ revoked_at: this.now() })
      .where("access_key_id", "=", accessKeyId)
      .execute();
    this.keyCache.delete(accessKeyId);
  }

  /** The account, secret and permissions of an access key, for signature checks. */
  async resolveKey(accessKeyId: string) {
    const hit = this.keyCache.get(accessKeyId);
    if (hit) return hit;
    const row = await this.db
      .selectFrom("access_keys")
      .select(["account_id", "secret_sealed", "read_only", "host_id", "revoked_at"])
      .where("access_key_id", "=", accessKeyId)
      .executeTakeFirst();
    if (!row) return undefined;
    const key = {
      accountId: row.account_id,
      secret: unseal(this.masterKey, row.secret_sealed),
      readOnly: row.read_only === 1,
      ...(row.host_id ? { hostId: row.host_id } : {}),
      ...(row.revoked_at ? { revokedAt: Number(row.revoked_at) } : {}),
    };
    this.keyCache.set(accessKeyId, key);
    return key;
  }

  async getConfiguration(accountId: string): Promise<Record<string, unknown>> {
    const row = await this.db
      .selectFrom("configurations")
      .select("body")
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.body) as Record<string, unknown>) : {};
  }

  /** Merges into an account's configuration (the caller's own unless `accountId` names a member). */
  async updateConfiguration(
    p: Principal,
    body: Record<string, unknown>,
    accountId = p.accountId,
  ): Promise<void> {
    const now = this.now();
    const merged = { ...(await this.getConfiguration(accountId)), ...body, updatedAt: now };
    await this.db
      .insertInto("configurations")
      .values({ account_id: accountId, body: JSON.stringify(merged), updated_at: now })
      .onConflict((oc) =>
        oc.column("account_id").doUpdateSet({ body: JSON.stringify(merged), updated_at: now }),
      )
      .execute();
    await this.audit(p, "UpdateConfiguration", accountId, body);
  }

  // --- inventory and the findings lifecycle ------------------------------------------------

  /**
   * Stores a resource's inventory and reconciles its findings: new ones open (ACTIVE, or
   * SUPPRESSED by a filter), present ones are observed again, missing ones close.
   */
  async submitInventory(
    p: Principal,
    resource: SubmittedResource,
    inventory: SubmittedInventory,
    coverage: ResourceCoverage = { status: "ACTIVE", reason: "SUCCESSFUL", monitored: true },
  ): Promise<ReconcileResult> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    await this.ensureAccount(p.accountId);
    const status = (await this.resourceStatus(p.accountId))!;
    const scanKey = TYPE_SCAN_KEY[resource.type];
    if (scanKey && status[scanKey] !== "ENABLED") {
      throw denied(
        `scanning of ${resource.type} resources is disabled for account ${p.accountId}; call Enable first`,
      );
    }
    // Code results: functions only, and only with Lambda code scanning (LAMBDA_CODE) enabled. A
    // submission without them (a package-only scan) keeps the function's last code scan: code
    // and package scanning are separate scan types, as in Inspector.
    if (!inventory.code && resource.type === "AWS_LAMBDA_FUNCTION") {
      const last = (await this.loadInventory(p.accountId, resource.id))?.code;
      if (last) inventory = { ...inventory, code: last };
    } else if (inventory.code) {
      if (resource.type !== "AWS_LAMBDA_FUNCTION")
        throw validation(
          `inventory.code: code scanning results are accepted for AWS_LAMBDA_FUNCTION resources only, not ${resource.type}`,
          [{ name: "inventory.code", message: "not a function" }],
        );
      if (status["lambdaCode"] !== "ENABLED")
        throw denied(
          `Lambda code scanning (LAMBDA_CODE) is disabled for account ${p.accountId}; call Enable with resourceTypes LAMBDA_CODE to submit code scanning results`,
        );
    }
    const now = this.now();
    const region = resource.region ?? this.options.region;
    // Stored with OS ecosystems filled in (clients may leave them to the server), so that the
    // package index and every later re-evaluation read the packages as matched.
    const normalized = {
      os: inventory.os,
      packages: inventory.packages
        .map((p) => fillOsEcosystem({ ...p }, inventory.os))
        .sort(
          (a, b) =>
            a.location.localeCompare(b.location) ||
            a.name.localeCompare(b.name) ||
            a.version.localeCompare(b.version),
        ),
      ...(inventory.code ? { code: inventory.code } : {}),
    };
    const json = JSON.stringify(normalized);
    const hash = createHash("sha256").update(json).digest("hex");
    const keys = packageKeys(normalized.packages);
    const existing = await this.db
      .selectFrom("resources")
      .select(["first_seen_at", "last_scanned_at", "scan_status", "scan_status_reason"])
      .where("account_id", "=", p.accountId)
      .where("resource_id", "=", resource.id)
      .executeTakeFirst();
    const emit = await this.events.wants(p.accountId);
    const resourceRow = {
      account_id: p.accountId,
      resource_id: resource.id,
      region,
      resource_type: resource.type,
      tags: JSON.stringify(resource.tags ?? {}),
      details: JSON.stringify(resource.details ?? {}),
      scan_status: coverage.status,
      scan_status_reason: coverage.reason,
      scan_status_detail: coverage.detail ?? null,
      monitored: coverage.monitored ? 1 : 0,
      first_seen_at: existing?.first_seen_at ?? now,
      last_scanned_at: now,
      active_findings: 0,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("resources")
        .values(resourceRow)
        .onConflict((oc) =>
          oc.columns(["account_id", "resource_id"]).doUpdateSet({
            region,
            resource_type: resource.type,
            tags: resourceRow.tags,
            details: resourceRow.details,
            scan_status: resourceRow.scan_status,
            scan_status_reason: resourceRow.scan_status_reason,
            scan_status_detail: resourceRow.scan_status_detail,
            monitored: resourceRow.monitored,
            last_scanned_at: now,
          }),
        )
        .execute();
      const inv = {
        account_id: p.accountId,
        resource_id: resource.id,
        content_hash: hash,
        body: gzipSync(json),
        package_count: normalized.packages.length,
        submitted_at: now,
      };
      await trx
        .insertInto("inventories")
        .values(inv)
        .onConflict((oc) =>
          oc.columns(["account_id", "resource_id"]).doUpdateSet({
            content_hash: hash,
            body: inv.body,
            package_count: inv.package_count,
            submitted_at: now,
          }),
        )
        .execute();
      await trx
        .deleteFrom("resource_packages")
        .where("account_id", "=", p.accountId)
        .where("resource_id", "=", resource.id)
        .execute();
      const rows = [...keys].map((k) => {
        const [ecosystem, name] = k.split("\0") as [string, string];
        return { ecosystem, name, account_id: p.accountId, resource_id: resource.id };
      });
      for (const part of chunks(rows, SCAN_BATCH))
        await trx.insertInto("resource_packages").values(part).execute();
      if (
        emit &&
        (existing?.scan_status !== coverage.status || existing?.scan_status_reason !== coverage.reason)
      ) {
        await this.events.publish(trx, [
          coverageEvent({
            accountId: p.accountId,
            region,
            resourceId: resource.id,
            resourceType: resource.type,
            status: coverage.status,
            reason: coverage.reason,
            detail: coverage.detail ?? null,
            ...(existing
              ? { previous: { status: existing.scan_status, reason: existing.scan_status_reason } }
              : {}),
            at: now,
          }),
        ]);
      }
    });
    const findingResource: FindingResource = {
      type: resource.type,
      id: resource.id,
      partition: "vigil",
      region,
      ...(resource.tags && Object.keys(resource.tags).length ? { tags: resource.tags } : {}),
      // Empty details are left out here and in re-evaluation alike (else every finding "changes").
      ...(resource.details && Object.keys(resource.details).length ? { details: resource.details } : {}),
    };
    return this.reconcile(p.accountId, findingResource, normalized, {
      observed: true,
      now,
      initialScan: existing?.last_scanned_at == null,
    });
  }

  /** Matches an inventory and brings the resource's stored findings in line with the result. */
  private async reconcile(
    accountId: string,
    resource: FindingResource,
    inventory: SubmittedInventory,
    opts: { observed: boolean; now: number; initialScan?: boolean; memo?: ReevaluationMemo },
  ): Promise<ReconcileResult> {
    const now = opts.now;
    // Events are built only when a rule of the account may want them.
    const emit = await this.events.wants(accountId);
    const events: VigilEvent[] = [];
    const history: HistoryRow[] = [];
    const asEvent = (f: Finding, status: string, first: number) =>
      findingEvent(
        {
          ...f,
          status: status as Finding["status"],
          firstObservedAt: new Date(first).toISOString(),
          lastObservedAt: new Date(now).toISOString(),
          updatedAt: new Date(now).toISOString(),
        },
        now,
      );
    const store = opts.memo?.store ?? this.advisories;
    const matches = opts.memo
      ? opts.memo.match(inventory.packages)
      : matchInventory(inventory.packages, store).matches;
    const context = await this.resourceContext(accountId, resource);
    const ctx = {
      accountId,
      region: resource.region,
      resource,
      now: new Date(now).toISOString(),
      ...(inventory.os ? { os: inventory.os } : {}),
      scoring: context.scoring,
    };
    const fresh = new Map<string, Finding>();
    for (const m of matches) {
      const f = toFinding(m, store, ctx);
      fresh.set(f.findingArn, f);
    }
    for (const f of toNetworkFindings(context.reachable ?? [], ctx)) fresh.set(f.findingArn, f);
    // Code scanning results stored with the inventory: CODE_VULNERABILITY findings of the same
    // resource, through the same lifecycle, suppression, history and events. While LAMBDA_CODE is
    // disabled they are left out (so a re-evaluation then closes them).
    if (
      inventory.code?.findings.length &&
      (await this.resourceStatus(accountId))?.["lambdaCode"] === "ENABLED"
    )
      for (const { finding } of codeFindingsOf(inventory.code, ctx)) fresh.set(finding.findingArn, finding);
    const suppressors = await this.suppressFilters(accountId);
    const result: ReconcileResult = {
      resourceId: resource.id,
      opened: 0,
      closed: 0,
      changed: 0,
      unchanged: 0,
      active: 0,
    };
    let published = 0;
    await this.db.transaction().execute(async (trx) => {
      // Every column: a changed finding's update then writes only the columns that differ.
      const stored = await trx
        .selectFrom("findings")
        .selectAll()
        .where("account_id", "=", accountId)
        .where("resource_id", "=", resource.id)
        .execute();
      const byArn = new Map(stored.map((r) => [r.finding_arn, r]));
      const inserts: ReturnType<typeof findingRow>[] = [];
      const observedAgain: string[] = [];
      const updates: { prev: FindingRow; row: Updateable<FindingsTable> }[] = [];
      for (const [arn, f] of fresh) {
        const prev = byArn.get(arn);
        const suppressor = suppressors.find((flt) =>
          findingMatches({ ...f, status: "ACTIVE" }, flt.criteria),
        );
        const suppressedBy = suppressor?.arn ?? null;
        const status = suppressedBy ? "SUPPRESSED" : "ACTIVE";
        if (!prev) {
          inserts.push(
            findingRow(f, { status, first: now, last: now, updated: now, suppressedBy, open: true }),
          );
          if (emit) events.push(asEvent(f, status, now));
          history.push({
            finding_arn: arn,
            account_id: accountId,
            at: now,
            status,
            change: "opened",
            detail: suppressor ? `suppressed by filter ${suppressor.name}` : null,
          });
          result.opened++;
          continue;
        }
        const body = findingBody(f);
        if (prev.open === 1 && prev.body === body && prev.suppressed_by === suppressedBy) {
          result.unchanged++;
          if (opts.observed) observedAgain.push(arn);
          continue;
        }
        if (prev.open === 1) result.changed++;
        else result.opened++;
        if (emit) events.push(asEvent(f, status, prev.open === 1 ? prev.first_observed_at : now));
        const change =
          prev.open === 0
            ? "reopened"
            : prev.status !== status
              ? status === "SUPPRESSED"
                ? "suppressed"
                : "unsuppressed"
              : "changed";
        history.push({
          finding_arn: arn,
          account_id: accountId,
          at: now,
          status,
          change,
          detail:
            change === "suppressed" && suppressor
              ? `filter ${suppressor.name}`
              : prev.severity !== f.severity
                ? `severity ${prev.severity} → ${f.severity}`
                : null,
        });
        updates.push({
          prev,
          row: {
            ...findingColumns(f),
            status,
            suppressed_by: suppressedBy,
            open: 1,
            body,
            updated_at: now,
            ...(opts.observed || prev.open === 0 ? { last_observed_at: now } : {}),
          },
        });
      }
      await this.updateFindings(trx, updates);
      for (const part of chunks(inserts, 200)) await trx.insertInto("findings").values(part).execute();
      for (const part of chunks(observedAgain, SCAN_BATCH)) {
        await trx
          .updateTable("findings")
          .set({ last_observed_at: now })
          .where("finding_arn", "in", part)
          .execute();
      }
      const gone = stored.filter((r) => r.open === 1 && !fresh.has(r.finding_arn)).map((r) => r.finding_arn);
      for (const part of chunks(gone, SCAN_BATCH)) {
        if (emit) events.push(...(await this.closedEvents(trx, part, now)));
        for (const a of part)
          history.push({
            finding_arn: a,
            account_id: accountId,
            at: now,
            status: "CLOSED",
            change: "closed",
            detail: "no longer found in the resource's inventory",
          });
        await trx
          .updateTable("findings")
          .set({ status: "CLOSED", open: 0, updated_at: now })
          .where("finding_arn", "in", part)
          .execute();
      }
      result.closed = gone.length;
      result.active = fresh.size;
      await trx
        .updateTable("resources")
        .set({ active_findings: fresh.size })
        .where("account_id", "=", accountId)
        .where("resource_id", "=", resource.id)
        .execute();
      if (emit && opts.initialScan) {
        const counts: SeverityCounts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, TOTAL: 0 };
        for (const f of fresh.values()) {
          counts.TOTAL++;
          if (f.severity === "CRITICAL" || f.severity === "HIGH" || f.severity === "MEDIUM")
            counts[f.severity]++;
        }
        events.push(
          scanEvent({
            accountId,
            region: resource.region,
            resourceId: resource.id,
            resourceType: resource.type,
            ...(resource.details ? { details: resource.details } : {}),
            counts,
            at: now,
          }),
        );
      }
      await this.recordHistory(trx, history);
      if (events.length) published = await this.events.publish(trx, events);
    });
    if (published) this.events.notify();
    return result;
  }

  /**
   * Rewrites changed findings inside the caller's transaction (each row's new values, `prev` as
   * read in it). SQLite: one UPDATE per finding setting only the columns whose value differs (the
   * same row results; an indexed column left out of SET costs no index maintenance, which is most
   * of an UPDATE's time), safe because a write transaction there sees no concurrent writer.
   * PostgreSQL: every column as before (concurrent writers may change a row after our read), one
   * UPDATE … FROM (VALUES …) per chunk instead of a round trip per finding.
   */
  private async updateFindings(
    trx: Kysely<ServiceTables>,
    updates: { prev: FindingRow; row: Updateable<FindingsTable> }[],
  ): Promise<void> {
    if (this.database.dialect !== "postgres") {
      for (const { prev, row } of updates) {
        const set: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row))
          if (k === "updated_at" || v !== prev[k as keyof FindingRow]) set[k] = v;
        await trx
          .updateTable("findings")
          .set(set as Updateable<FindingsTable>)
          .where("finding_arn", "=", prev.finding_arn)
          .execute();
      }
      return;
    }
    // Rows with and without last_observed_at go in separate statements (a column list each).
    const groups = new Map<string, Record<string, unknown>[]>();
    for (const { row } of updates) {
      // As kysely's set(): an undefined value leaves its column alone.
      const cols = Object.keys(row)
        .filter((k) => row[k as keyof typeof row] !== undefined)
        .sort()
        .join(",");
      const group = groups.get(cols) ?? [];
      group.push(row);
      groups.set(cols, group);
    }
    for (const [key, rows] of groups) {
      const cols = key.split(",");
      for (const c of cols) if (!PG_FINDING_TYPES[c]) throw new Error(`findings.${c}: no PostgreSQL type`);
      const set = cols.filter((c) => c !== "finding_arn");
      for (const part of chunks(rows, 200)) {
        const values = part.map(
          (r) => sql`(${sql.join(cols.map((c) => sql`cast(${r[c]} as ${sql.raw(PG_FINDING_TYPES[c]!)})`))})`,
        );
        await sql`update findings set ${sql.join(set.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
          from (values ${sql.join(values)}) as v(${sql.join(cols.map((c) => sql.ref(c)))})
          where findings.finding_arn = v.finding_arn`.execute(trx);
      }
    }
  }

  /** Appends finding status changes (the console's finding history), inside the caller's transaction. */
  private async recordHistory(trx: Kysely<ServiceTables>, rows: HistoryRow[]): Promise<void> {
    for (const part of chunks(rows, 200)) await trx.insertInto("finding_history").values(part).execute();
  }

  /** "Inspector2 Finding" events of open findings about to be closed (read inside the transaction). */
  private async closedEvents(trx: Kysely<ServiceTables>, arns: string[], now: number): Promise<VigilEvent[]> {
    const rows = await trx.selectFrom("findings").selectAll().where("finding_arn", "in", arns).execute();
    return rows.map((r) => {
      const f = rowToFinding(r);
      f.status = "CLOSED";
      f.updatedAt = new Date(now).toISOString();
      return findingEvent(f, now);
    });
  }

  /** Closes a resource's open findings inside `trx`, publishing their events when wanted. */
  private closeResourceFindings(
    trx: Kysely<ServiceTables>,
    accountId: string,
    resourceId: string,
    now: number,
    cause: string,
  ): Promise<{ closed: number; published: number }> {
    return this.closeOpen(trx, accountId, { resourceId }, now, cause);
  }

  /** Closes the account's open findings of one resource or of one finding type. */
  private async closeOpen(
    trx: Kysely<ServiceTables>,
    accountId: string,
    which: { resourceId?: string; type?: string },
    now: number,
    cause: string,
  ): Promise<{ closed: number; published: number }> {
    let q = trx
      .selectFrom("findings")
      .select("finding_arn")
      .where("account_id", "=", accountId)
      .where("open", "=", 1);
    if (which.resourceId !== undefined) q = q.where("resource_id", "=", which.resourceId);
    if (which.type !== undefined) q = q.where("type", "=", which.type);
    const open = await q.execute();
    return this.closeFindings(
      trx,
      accountId,
      open.map((r) => r.finding_arn),
      now,
      cause,
    );
  }

  /** Closes open findings inside `trx`: history rows, and their events when a rule wants them. */
  private async closeFindings(
    trx: Kysely<ServiceTables>,
    accountId: string,
    arns: string[],
    now: number,
    cause: string,
  ): Promise<{ closed: number; published: number }> {
    let published = 0;
    let closed = 0;
    const emit = await this.events.wants(accountId, trx);
    for (const part of chunks(arns, SCAN_BATCH)) {
      if (emit) published += await this.events.publish(trx, await this.closedEvents(trx, part, now));
      await this.recordHistory(
        trx,
        part.map((a) => ({
          finding_arn: a,
          account_id: accountId,
          at: now,
          status: "CLOSED",
          change: "closed",
          detail: cause,
        })),
      );
      const res = await trx
        .updateTable("findings")
        .set({ status: "CLOSED", open: 0, updated_at: now })
        .where("finding_arn", "in", part)
        .where("open", "=", 1)
        .executeTakeFirst();
      closed += Number(res.numUpdatedRows);
    }
    return { closed, published };
  }

  /** Publishes a coverage event inside `trx` when the resource's scan status or reason changes. */
  async coverageChanged(
    trx: Kysely<ServiceTables>,
    accountId: string,
    resource: { id: string; type: string; region?: string },
    previous: { status: string; reason: string } | undefined,
    next: { status: string; reason: string; detail?: string | null },
  ): Promise<number> {
    if (previous && previous.status === next.status && previous.reason === next.reason) return 0;
    if (!(await this.events.wants(accountId, trx))) return 0;
    return this.events.publish(trx, [
      coverageEvent({
        accountId,
        region: resource.region ?? this.options.region,
        resourceId: resource.id,
        resourceType: resource.type,
        status: next.status,
        reason: next.reason,
        detail: next.detail ?? null,
        ...(previous ? { previous } : {}),
        at: this.now(),
      }),
    ]);
  }

  /** Drops what is cached of an account's network reachability (after a new model). */
  forgetNetwork(accountId: string): void {
    this.networkCache.delete(accountId);
  }

  private async networkOf(accountId: string): Promise<NetworkHost[] | null> {
    const hit = this.networkCache.get(accountId);
    if (hit !== undefined) return hit;
    const model = await this.db
      .selectFrom("network_models")
      .select("account_id")
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    let hosts: NetworkHost[] | null = null;
    if (model) {
      const rows = await this.db
        .selectFrom("network_reachability")
        .select(["host_key", "addresses", "open_ranges"])
        .where("account_id", "=", accountId)
        .execute();
      hosts = rows.map((r) => ({
        key: r.host_key,
        addresses: JSON.parse(r.addresses) as string[],
        open: JSON.parse(r.open_ranges) as ReachableRange[],
      }));
    }
    this.networkCache.set(accountId, hosts);
    return hosts;
  }

  /**
   * What scoring may use about a resource: the ports the account's network model opens to it
   * (matched by instance id, address, or the `vigil:network-host` tag) and, for a host with an
   * agent, the packages in use and the listening sockets with the packages of their processes.
   */
  async resourceContext(
    accountId: string,
    resource: FindingResource,
  ): Promise<{ scoring: ResourceContext; reachable?: ReachableRange[] }> {
    const scoring: ResourceContext = {};
    let reachable: ReachableRange[] | undefined;
    if (resource.type === "AWS_EC2_INSTANCE") {
      const network = await this.networkOf(accountId);
      if (network) {
        const ec2 = (resource.details?.["awsEc2Instance"] ?? {}) as {
          ipV4Addresses?: string[];
          ipV6Addresses?: string[];
        };
        const mine = new Set([...(ec2.ipV4Addresses ?? []), ...(ec2.ipV6Addresses ?? [])]);
        const named = resource.tags?.["vigil:network-host"];
        const host = network.find(
          (h) => h.key === resource.id || h.key === named || h.addresses.some((a) => mine.has(a)),
        );
        if (host) {
          reachable = host.open;
          scoring.internetOpen = host.open.map((o) => ({ protocol: o.protocol, begin: o.begin, end: o.end }));
        }
      }
      const facts = await this.db
        .selectFrom("hosts")
        .select("facts")
        .where("account_id", "=", accountId)
        .where("host_id", "=", resource.id)
        .executeTakeFirst();
      if (facts?.facts) {
        const f = JSON.parse(gunzipSync(facts.facts).toString("utf8")) as {
          inUse?: Record<string, number[]>;
          processes?: { pid: number; name: string; packages?: string[] }[];
          listening?: { protocol: string; port: number; pid?: number; process?: string }[];
        };
        const byPid = new Map((f.processes ?? []).map((p) => [p.pid, p]));
        scoring.host = {
          inUse: new Set(Object.keys(f.inUse ?? {})),
          listening: (f.listening ?? []).map((l) => {
            const proc = l.pid !== undefined ? byPid.get(l.pid) : undefined;
            return {
              protocol: l.protocol.toUpperCase() === "UDP" ? ("UDP" as const) : ("TCP" as const),
              port: l.port,
              packages: proc?.packages ?? [],
              ...(proc?.name || l.process ? { process: proc?.name ?? l.process! } : {}),
            };
          }),
        };
      }
    }
    return reachable ? { scoring, reachable } : { scoring };
  }

  private async loadInventory(
    accountId: string,
    resourceId: string,
  ): Promise<SubmittedInventory | undefined> {
    const row = await this.db
      .selectFrom("inventories")
      .select("body")
      .where("account_id", "=", accountId)
      .where("resource_id", "=", resourceId)
      .executeTakeFirst();
    if (!row) return undefined;
    return JSON.parse(gunzipSync(row.body).toString("utf8")) as SubmittedInventory;
  }

  /** Re-runs matching for one stored resource against the current advisories. */
  async reevaluateResource(
    accountId: string,
    resourceId: string,
    now = this.now(),
    options: { onlyMonitored?: boolean; memo?: ReevaluationMemo } = {},
  ): Promise<ReconcileResult | undefined> {
    const r = await this.db
      .selectFrom("resources")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("resource_id", "=", resourceId)
      .executeTakeFirst();
    // Resources outside continuous monitoring (scanned on push only, manual, expired) keep the
    // findings of their last scan; advisory changes do not touch them.
    if (r && options.onlyMonitored && r.monitored === 0) return undefined;
    const inv = r && (await this.loadInventory(accountId, resourceId));
    if (!r || !inv) return undefined;
    const tags = JSON.parse(r.tags) as Record<string, string>;
    const details = JSON.parse(r.details) as Record<string, unknown>;
    const resource: FindingResource = {
      type: r.resource_type as FindingResource["type"],
      id: r.resource_id,
      partition: "vigil",
      region: r.region,
      ...(Object.keys(tags).length ? { tags } : {}),
      ...(Object.keys(details).length ? { details } : {}),
    };
    return this.reconcile(accountId, resource, inv, {
      observed: false,
      now,
      ...(options.memo ? { memo: options.memo } : {}),
    });
  }

  /**
   * Applies what advisory imports changed since the last call: the resources holding a changed
   * package (through the resource_packages index) or a finding for a changed CVE are re-evaluated;
   * nothing else is touched. Calls never overlap.
   */
  async reevaluate(): Promise<ReevaluationResult> {
    while (this.reevaluating) await this.reevaluating.catch(() => undefined);
    this.reevaluating = this.reevaluateOnce();
    try {
      return await this.reevaluating;
    } finally {
      this.reevaluating = undefined;
    }
  }

  private async reevaluateOnce(): Promise<ReevaluationResult> {
    const t0 = performance.now();
    const plan = await this.reevaluationTargets();
    const out: ReevaluationResult = {
      changedKeys: plan.changedKeys,
      resources: 0,
      opened: 0,
      closed: 0,
      changed: 0,
      ms: 0,
    };
    const now = this.now();
    const memo = reevaluationMemo(this.advisories);
    for (const [accountId, resourceId] of plan.targets) {
      const r = await this.reevaluateResource(accountId, resourceId, now, { onlyMonitored: true, memo });
      if (!r) continue;
      out.resources++;
      out.opened += r.opened;
      out.closed += r.closed;
      out.changed += r.changed;
    }
    await this.setAdvisoryCursor(plan.seq);
    out.ms = performance.now() - t0;
    return out;
  }

  /**
   * The job form of `reevaluate`: the resources advisory imports touched since the last call are
   * handed to `queue` (one re-evaluation job each), then the cursor moves past those changes. A
   * crash before the cursor moves queues them again on the next call (jobs are idempotent).
   */
  async planReevaluation(
    queue: (accountId: string, resourceId: string) => Promise<unknown>,
  ): Promise<{ changedKeys: number; resources: number }> {
    const plan = await this.reevaluationTargets();
    for (const [accountId, resourceId] of plan.targets) await queue(accountId, resourceId);
    await this.setAdvisoryCursor(plan.seq);
    return { changedKeys: plan.changedKeys, resources: plan.targets.length };
  }

  /** Resources holding a package or a finding that advisory imports changed since the cursor. */
  private async reevaluationTargets(): Promise<{
    targets: [string, string][];
    seq: number;
    changedKeys: number;
  }> {
    const cursorRow = await this.db
      .selectFrom("service_state")
      .select("value")
      .where("key", "=", "advisory_seq")
      .executeTakeFirst();
    const cursor = cursorRow ? Number(cursorRow.value) : 0;
    this.advisories.refresh();
    const changes = this.advisories.changesSince(cursor);
    const targets = new Set<string>();
    for (const part of chunks(changes.packages, 200)) {
      const rows = await this.db
        .selectFrom("resource_packages")
        .select(["account_id", "resource_id"])
        .where((eb) =>
          eb.or(part.map((k) => eb.and([eb("ecosystem", "=", k.ecosystem), eb("name", "=", k.name)]))),
        )
        .execute();
      for (const r of rows) targets.add(`${r.account_id}\0${r.resource_id}`);
    }
    if (changes.cves.length > 0) {
      // Few CVEs have findings: intersect the distinct ids held with the changed ones in memory.
      const changed = new Set(changes.cves);
      const held = await this.db.selectFrom("findings").select("vulnerability_id").distinct().execute();
      const hit = held.map((h) => h.vulnerability_id).filter((v) => changed.has(v));
      for (const part of chunks(hit, 200)) {
        const rows = await this.db
          .selectFrom("findings")
          .select(["account_id", "resource_id"])
          .distinct()
          .where("vulnerability_id", "in", part)
          .execute();
        for (const r of rows) targets.add(`${r.account_id}\0${r.resource_id}`);
      }
    }
    return {
      targets: [...targets].map((t) => t.split("\0") as [string, string]),
      seq: changes.seq,
      changedKeys: changes.packages.length + changes.cves.length,
    };
  }

  private async setAdvisoryCursor(seq: number): Promise<void> {
    await this.db
      .insertInto("service_state")
      .values({ key: "advisory_seq", value: String(seq) })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: String(seq) }))
      .execute();
  }

  // --- findings ------------------------------------------------------------------------------

  /** One page of findings, keyset-paginated on (sort column, ARN). */
  async listFindings(
    accountId: string | readonly string[],
    q: ListFindingsQuery,
  ): Promise<{ findings: Finding[]; nextToken?: string }> {
    const max = q.maxResults ?? 50;
    const criteria = q.criteria ?? {};
    const hash = queryHash(accountId, q);
    const sortField = q.sort?.field ?? "SEVERITY";
    const col = SORT_COLUMNS[sortField];
    if (!col) throw validation(`sortCriteria.field: unknown field ${sortField}`);
    const desc = (q.sort?.sortOrder ?? "DESC") === "DESC";
    let after = q.nextToken ? decodeToken(q.nextToken, hash) : undefined;
    const out: Finding[] = [];
    let examined = 0;
    for (;;) {
      const rows: FindingRow[] = await this.db
        .selectFrom("findings")
        .selectAll()
        .where(accountScope(accountId))
        .where((eb) => {
          const conds: Expression<SqlBool>[] = criteriaWhere(eb, criteria);
          if (after) {
            const v = after.v;
            const a = after.a;
            conds.push(
              eb.or([
                eb(col, desc ? "<" : ">", v),
                eb.and([eb(col, "=", v), eb("finding_arn", desc ? "<" : ">", a)]),
              ]),
            );
          }
          return eb.and(conds);
        })
        .orderBy(col, desc ? "desc" : "asc")
        .orderBy("finding_arn", desc ? "desc" : "asc")
        .limit(Math.min(SCAN_BATCH, max + 1))
        .execute();
      for (const row of rows) {
        examined++;
        const f = rowToFinding(row);
        if (!findingMatches(f, criteria)) {
          after = { v: row[col] as string | number, a: row.finding_arn, q: hash };
          continue;
        }
        if (out.length === max) {
          return { findings: out, nextToken: encodeToken(after!) };
        }
        out.push(f);
        after = { v: row[col] as string | number, a: row.finding_arn, q: hash };
      }
      if (rows.length < Math.min(SCAN_BATCH, max + 1)) return { findings: out };
      if (examined >= MAX_ROWS_PER_PAGE) return { findings: out, nextToken: encodeToken(after!) };
    }
  }

  /** Every finding of an account matching the criteria, in batches (reports, aggregations). */
  async *findings(
    accountId: string | readonly string[],
    criteria: FilterCriteria = {},
  ): AsyncGenerator<Finding> {
    let after: string | undefined;
    for (;;) {
      let q = this.db
        .selectFrom("findings")
        .selectAll()
        .where(accountScope(accountId))
        .where((eb) => eb.and(criteriaWhere(eb, criteria)));
      if (after) q = q.where("finding_arn", ">", after);
      const rows = await q.orderBy("finding_arn").limit(2000).execute();
      for (const row of rows) {
        const f = rowToFinding(row);
        if (findingMatches(f, criteria)) yield f;
      }
      if (rows.length < 2000) return;
      after = rows[rows.length - 1]!.finding_arn;
    }
  }

  async getFindings(accountId: string | readonly string[], arns: string[]): Promise<Map<string, Finding>> {
    const out = new Map<string, Finding>();
    for (const part of chunks(arns, SCAN_BATCH)) {
      const rows = await this.db
        .selectFrom("findings")
        .selectAll()
        .where(accountScope(accountId))
        .where("finding_arn", "in", part)
        .execute();
      for (const r of rows) out.set(r.finding_arn, rowToFinding(r));
    }
    return out;
  }

  // --- filters and suppression -----------------------------------------------------------------

  private filterArn(accountId: string): string {
    return `arn:aws:inspector2:${this.options.region}:${accountId}:owner/${accountId}/filter/${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  }

  private toFilter(r: Selectable<FiltersTable>): FilterRecord {
    return {
      arn: r.arn,
      ownerId: r.account_id,
      name: r.name,
      action: r.action as FilterRecord["action"],
      criteria: JSON.parse(r.criteria) as FilterCriteria,
      ...(r.description !== null ? { description: r.description } : {}),
      ...(r.reason !== null ? { reason: r.reason } : {}),
      tags: JSON.parse(r.tags) as Record<string, string>,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async listFilters(
    accountId: string | readonly string[],
    opts: { arns?: string[]; action?: string } = {},
  ): Promise<FilterRecord[]> {
    let q = this.db.selectFrom("filters").selectAll().where(accountScope(accountId));
    if (opts.arns?.length) q = q.where("arn", "in", opts.arns);
    if (opts.action) q = q.where("action", "=", opts.action);
    return (await q.orderBy("created_at").orderBy("arn").execute()).map((r) => this.toFilter(r));
  }

  /**
   * The SUPPRESS filters in force: the account's own and, for a member, its delegated
   * administrator's. A filter past its `vigil:expires` date no longer suppresses.
   */
  private async suppressFilters(accountId: string): Promise<FilterRecord[]> {
    await this.organizations.sync();
    let hit = this.suppressCache.get(accountId);
    if (!hit) {
      hit = await this.listFilters(await this.organizations.filterOwners(accountId), { action: "SUPPRESS" });
      this.suppressCache.set(accountId, hit);
    }
    const now = this.now();
    return hit.filter((f) => (filterExpiry(f.tags) ?? Number.POSITIVE_INFINITY) > now);
  }

  /**
   * Lifts suppressions whose filter expired (the documented-exception practice: an accepted risk
   * carries a reason and an end date). Returns the accounts whose findings were re-examined.
   */
  async expireFilters(): Promise<number> {
    const now = this.now();
    const rows = await this.db
      .selectFrom("filters")
      .select(["arn", "account_id", "tags"])
      .where("action", "=", "SUPPRESS")
      .execute();
    const accounts = new Set<string>();
    for (const r of rows) {
      const expiry = filterExpiry(JSON.parse(r.tags) as Record<string, string>);
      if (expiry === undefined || expiry > now || accounts.has(r.account_id)) continue;
      const still = await this.db
        .selectFrom("findings")
        .select("finding_arn")
        .where("suppressed_by", "=", r.arn)
        .where("open", "=", 1)
        .executeTakeFirst();
      if (still) accounts.add(r.account_id);
    }
    for (const a of accounts) await this.refreshSuppression(await this.organizations.visibleAccounts(a));
    return accounts.size;
  }

  async createFilter(
    p: Principal,
    input: {
      name: string;
      action: "NONE" | "SUPPRESS";
      criteria: FilterCriteria;
      description?: string;
      reason?: string;
      tags?: Record<string, string>;
    },
  ): Promise<string> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    filterExpiry(input.tags);
    if (Object.values(input.criteria).every((v) => !v || v.length === 0)) {
      throw validation("filterCriteria: must set at least one field", [
        { name: "filterCriteria", message: "empty" },
      ]);
    }
    const dup = await this.db
      .selectFrom("filters")
      .select("arn")
      .where("account_id", "=", p.accountId)
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (dup)
      throw validation(`name: a filter named ${input.name} already exists`, [
        { name: "name", message: "already exists" },
      ]);
    const arn = this.filterArn(p.accountId);
    const now = this.now();
    await this.db
      .insertInto("filters")
      .values({
        arn,
        account_id: p.accountId,
        name: input.name,
        action: input.action,
        criteria: JSON.stringify(input.criteria),
        description: input.description ?? null,
        reason: input.reason ?? null,
        tags: JSON.stringify(input.tags ?? {}),
        created_at: now,
        updated_at: now,
      })
      .execute();
    // An administrator's filters hold its members' findings too.
    if (input.action === "SUPPRESS")
      await this.refreshSuppression(await this.organizations.visibleAccounts(p.accountId));
    await this.audit(p, "CreateFilter", arn, input);
    return arn;
  }

  async updateFilter(
    p: Principal,
    arn: string,
    input: {
      name?: string;
      action?: "NONE" | "SUPPRESS";
      criteria?: FilterCriteria;
      description?: string;
      reason?: string;
    },
  ): Promise<string> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const [prev] = await this.listFilters(p.accountId, { arns: [arn] });
    if (!prev) throw await this.missingFilter(p, arn);
    await this.db
      .updateTable("filters")
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.action !== undefined ? { action: input.action } : {}),
        ...(input.criteria !== undefined ? { criteria: JSON.stringify(input.criteria) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
        updated_at: this.now(),
      })
      .where("arn", "=", arn)
      .execute();
    await this.refreshSuppression(await this.organizations.visibleAccounts(p.accountId));
    await this.audit(p, "UpdateFilter", arn, input);
    return arn;
  }

  async deleteFilter(p: Principal, arn: string): Promise<string> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const res = await this.db
      .deleteFrom("filters")
      .where("account_id", "=", p.accountId)
      .where("arn", "=", arn)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw await this.missingFilter(p, arn);
    await this.refreshSuppression(await this.organizations.visibleAccounts(p.accountId));
    await this.audit(p, "DeleteFilter", arn);
    return arn;
  }

  /** Re-applies the SUPPRESS filters in force to accounts' open findings (filter or membership changed). */
  async refreshSuppression(accountIds: Iterable<string>): Promise<void> {
    for (const a of accountIds) {
      this.suppressCache.delete(a);
      await this.resuppress(a);
    }
  }

  /** Drops every cached filter set (another process changed the organizations). */
  forgetSuppression(): void {
    this.suppressCache.clear();
  }

  /**
   * The error for a filter ARN the caller does not own: AccessDeniedException when it is another
   * account's (it exists there, or its ARN names another account), else ResourceNotFoundException.
   */
  private async missingFilter(p: Principal, arn: string, what = "filter") {
    const owner = await this.db
      .selectFrom("filters")
      .select("account_id")
      .where("arn", "=", arn)
      .executeTakeFirst();
    const other = owner?.account_id ?? arn.split(":")[4];
    if (other && other !== p.accountId) return this.organizations.crossAccount(p, other);
    return notFound(`${what} ${arn} not found`);
  }

  /**
   * Recomputes which open findings are suppressed after a filter change: each open finding is
   * SUPPRESSED by the first SUPPRESS filter it matches, otherwise ACTIVE. Only rows whose state
   * changes are written (and get a new updatedAt).
   */
  private async resuppress(accountId: string): Promise<void> {
    const filters = await this.suppressFilters(accountId);
    const now = this.now();
    const emit = await this.events.wants(accountId);
    let after = "";
    for (;;) {
      const rows = await this.db
        .selectFrom("findings")
        .selectAll()
        .where("account_id", "=", accountId)
        .where("open", "=", 1)
        .where("finding_arn", ">", after)
        .orderBy("finding_arn")
        .limit(2000)
        .execute();
      const toActive: string[] = [];
      const toSuppressed = new Map<string, string[]>();
      // A status change is a finding update: "Inspector2 Finding" with the new status.
      const events: VigilEvent[] = [];
      const history: HistoryRow[] = [];
      for (const row of rows) {
        const f = rowToFinding(row);
        f.status = "ACTIVE";
        const filter = filters.find((flt) => findingMatches(f, flt.criteria));
        const by = filter?.arn ?? null;
        if (by === row.suppressed_by) continue;
        if (by === null) toActive.push(row.finding_arn);
        else toSuppressed.set(by, [...(toSuppressed.get(by) ?? []), row.finding_arn]);
        if ((by === null) !== (row.status === "ACTIVE"))
          history.push({
            finding_arn: row.finding_arn,
            account_id: accountId,
            at: now,
            status: by === null ? "ACTIVE" : "SUPPRESSED",
            change: by === null ? "unsuppressed" : "suppressed",
            detail: filter ? `filter ${filter.name}` : "no suppression filter matches any more",
          });
        if (emit && (by === null) !== (row.status === "ACTIVE")) {
          f.status = by === null ? "ACTIVE" : "SUPPRESSED";
          f.updatedAt = new Date(now).toISOString();
          events.push(findingEvent(f, now));
        }
      }
      const published = await this.db.transaction().execute(async (trx) => {
        for (const part of chunks(toActive, SCAN_BATCH)) {
          await trx
            .updateTable("findings")
            .set({ status: "ACTIVE", suppressed_by: null, updated_at: now })
            .where("finding_arn", "in", part)
            .execute();
        }
        for (const [by, arns] of toSuppressed) {
          for (const part of chunks(arns, SCAN_BATCH)) {
            await trx
              .updateTable("findings")
              .set({ status: "SUPPRESSED", suppressed_by: by, updated_at: now })
              .where("finding_arn", "in", part)
              .execute();
          }
        }
        await this.recordHistory(trx, history);
        return this.events.publish(trx, events);
      });
      if (published) this.events.notify();
      if (rows.length < 2000) return;
      after = rows[rows.length - 1]!.finding_arn;
    }
  }

  // --- tags (filters are the taggable resources) ---------------------------------------------

  private async filterForTags(accountId: string, arn: string) {
    const row = await this.db
      .selectFrom("filters")
      .select(["tags"])
      .where("account_id", "=", accountId)
      .where("arn", "=", arn)
      .executeTakeFirst();
    if (!row) throw await this.missingFilter({ accountId, id: "", readOnly: true }, arn, "resource");
    return JSON.parse(row.tags) as Record<string, string>;
  }

  async listTags(accountId: string, arn: string): Promise<Record<string, string>> {
    return this.filterForTags(accountId, arn);
  }

  async setTags(
    p: Principal,
    arn: string,
    change: { add?: Record<string, string>; remove?: string[] },
  ): Promise<void> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const tags = await this.filterForTags(p.accountId, arn);
    Object.assign(tags, change.add ?? {});
    for (const k of change.remove ?? []) delete tags[k];
    if (Object.keys(tags).length > 50) throw validation("tags: at most 50 tags per resource");
    filterExpiry(tags);
    await this.db
      .updateTable("filters")
      .set({ tags: JSON.stringify(tags) })
      .where("arn", "=", arn)
      .execute();
    await this.audit(p, change.add ? "TagResource" : "UntagResource", arn, change);
    // The expiry tag decides whether the filter suppresses: apply the change to existing findings.
    if (FILTER_EXPIRY_TAG in (change.add ?? {}) || (change.remove ?? []).includes(FILTER_EXPIRY_TAG)) {
      await this.refreshSuppression(await this.organizations.visibleAccounts(p.accountId));
    }
  }

  // --- resources ---------------------------------------------------------------------------------

  async resources(accountId: string | readonly string[]) {
    const q = this.db.selectFrom("resources").selectAll().where(accountScope(accountId));
    return (typeof accountId === "string" ? q : q.orderBy("account_id")).orderBy("resource_id").execute();
  }

  async inventoryOf(accountId: string, resourceId: string) {
    return this.loadInventory(accountId, resourceId);
  }

  async deleteResource(p: Principal, resourceId: string): Promise<void> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const now = this.now();
    const { published } = await this.db.transaction().execute(async (trx) => {
      const closed = await this.closeResourceFindings(trx, p.accountId, resourceId, now, "resource deleted");
      await trx
        .deleteFrom("resource_packages")
        .where("account_id", "=", p.accountId)
        .where("resource_id", "=", resourceId)
        .execute();
      await trx
        .deleteFrom("inventories")
        .where("account_id", "=", p.accountId)
        .where("resource_id", "=", resourceId)
        .execute();
      await trx
        .deleteFrom("resources")
        .where("account_id", "=", p.accountId)
        .where("resource_id", "=", resourceId)
        .execute();
      return closed;
    });
    if (published) this.events.notify();
    await this.audit(p, "DeleteResource", resourceId);
  }

  /**
   * Sets a resource's coverage state (creating a resource without an inventory when it is new,
   * e.g. an image that could not be pulled) and whether advisory updates re-evaluate it.
   */
  async setResourceState(
    accountId: string,
    resource: SubmittedResource,
    state: ResourceCoverage,
  ): Promise<void> {
    const now = this.now();
    const row = {
      account_id: accountId,
      resource_id: resource.id,
      region: resource.region ?? this.options.region,
      resource_type: resource.type,
      tags: JSON.stringify(resource.tags ?? {}),
      details: JSON.stringify(resource.details ?? {}),
      scan_status: state.status,
      scan_status_reason: state.reason,
      scan_status_detail: state.detail ?? null,
      monitored: state.monitored ? 1 : 0,
      first_seen_at: now,
      last_scanned_at: null,
      active_findings: 0,
    };
    const published = await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom("resources")
        .select(["scan_status", "scan_status_reason"])
        .where("account_id", "=", accountId)
        .where("resource_id", "=", resource.id)
        .executeTakeFirst();
      await trx
        .insertInto("resources")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["account_id", "resource_id"]).doUpdateSet({
            scan_status: row.scan_status,
            scan_status_reason: row.scan_status_reason,
            scan_status_detail: row.scan_status_detail,
            monitored: row.monitored,
            ...(resource.details ? { details: row.details } : {}),
          }),
        )
        .execute();
      return this.coverageChanged(
        trx,
        accountId,
        { id: resource.id, type: resource.type, region: row.region },
        before ? { status: before.scan_status, reason: before.scan_status_reason } : undefined,
        { status: state.status, reason: state.reason, detail: state.detail ?? null },
      );
    });
    if (published) this.events.notify();
  }

  /**
   * Replaces a resource's details (an image's tags moved, say) and re-matches its stored
   * inventory so its findings carry them; nothing is pulled or re-inventoried.
   */
  async updateResourceDetails(
    accountId: string,
    resourceId: string,
    details: Record<string, unknown>,
  ): Promise<ReconcileResult | undefined> {
    await this.db
      .updateTable("resources")
      .set({ details: JSON.stringify(details) })
      .where("account_id", "=", accountId)
      .where("resource_id", "=", resourceId)
      .execute();
    return this.reevaluateResource(accountId, resourceId);
  }

  /** Closes a resource's open findings and stops monitoring it; the resource stays in coverage. */
  async retireResource(
    accountId: string,
    resourceId: string,
    reason: string,
    detail: string,
  ): Promise<number> {
    const now = this.now();
    const out = await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom("resources")
        .select(["scan_status", "scan_status_reason", "resource_type", "region"])
        .where("account_id", "=", accountId)
        .where("resource_id", "=", resourceId)
        .executeTakeFirst();
      const closed = await this.closeResourceFindings(trx, accountId, resourceId, now, detail);
      const published = before
        ? await this.coverageChanged(
            trx,
            accountId,
            { id: resourceId, type: before.resource_type, region: before.region },
            { status: before.scan_status, reason: before.scan_status_reason },
            { status: "INACTIVE", reason, detail },
          )
        : 0;
      await trx
        .updateTable("resources")
        .set({
          scan_status: "INACTIVE",
          scan_status_reason: reason,
          scan_status_detail: detail,
          monitored: 0,
          active_findings: 0,
        })
        .where("account_id", "=", accountId)
        .where("resource_id", "=", resourceId)
        .execute();
      return { closed: closed.closed, published: closed.published + published };
    });
    if (out.published) this.events.notify();
    return out.closed;
  }

  /**
   * ListUsageTotals: what was scanned this calendar month (UTC), per Inspector usage type —
   * monitored hours of hosts and functions, first scans and rescans of images. Self-hosted, so no
   * cost is estimated.
   */
  async usageTotals(
    accountId: string,
  ): Promise<{ type: string; total: number; currency: string; estimatedMonthlyCost: number }[]> {
    const now = this.now();
    const d = new Date(now);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const rows = await this.db
      .selectFrom("resources")
      .select(["resource_type", "first_seen_at", "last_scanned_at", "scan_status"])
      .where("account_id", "=", accountId)
      .execute();
    const hours = (type: string) =>
      rows
        .filter((r) => r.resource_type === type && r.last_scanned_at !== null)
        .reduce(
          (n, r) => n + Math.max(0, now - Math.max(Number(r.first_seen_at), monthStart)) / 3_600_000,
          0,
        );
    const images = rows.filter(
      (r) => r.resource_type === "AWS_ECR_CONTAINER_IMAGE" && r.last_scanned_at !== null,
    );
    const usage = [
      ["EC2_INSTANCE_HOURS", Math.round(hours("AWS_EC2_INSTANCE") * 100) / 100],
      ["ECR_INITIAL_SCAN", images.filter((r) => Number(r.first_seen_at) >= monthStart).length],
      [
        "ECR_RESCAN",
        images.filter(
          (r) =>
            Number(r.last_scanned_at) >= monthStart && Number(r.last_scanned_at) > Number(r.first_seen_at),
        ).length,
      ],
      ["LAMBDA_FUNCTION_HOURS", Math.round(hours("AWS_LAMBDA_FUNCTION") * 100) / 100],
    ] as const;
    return usage.map(([type, total]) => ({ type, total, currency: "USD", estimatedMonthlyCost: 0 }));
  }

  async counts(accountId?: string): Promise<{ resources: number; findings: number; open: number }> {
    const c = async (table: "resources" | "findings", open = false) => {
      let q = this.db.selectFrom(table).select(sql<number>`count(*)`.as("n"));
      if (accountId) q = q.where("account_id", "=", accountId);
      if (open) q = q.where(sql.ref("open"), "=", 1);
      return Number((await q.executeTakeFirst())?.n ?? 0);
    };
    return {
      resources: await c("resources"),
      findings: await c("findings"),
      open: await c("findings", true),
    };
  }
}
