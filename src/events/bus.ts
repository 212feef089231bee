import type { Kysely, Selectable } from "kysely";
import type { ServiceDb } from "../db/service/open.js";
import type { EventDeliveriesTable, ServiceTables } from "../db/service/schema.js";
import type { JobQueue, JobRequest } from "../jobs/queue.js";
import { notFound, ServiceError, validation } from "../service/errors.js";
import { testEvent, type VigilEvent } from "./envelope.js";
import { compilePattern, PatternError } from "./pattern.js";
import {
  prepareTarget,
  publicConfig,
  type StoredTarget,
  type TargetEnvironment,
  TargetError,
  type TargetType,
} from "./targets.js";

/** Who is asking (the service's Principal, restated to keep this module free of the service). */
export interface Caller {
  accountId: string;
  id: string;
  readOnly: boolean;
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

interface CompiledRule {
  /** The account whose rule it is: the event's own, or its delegated administrator. */
  owner: string;
  name: string;
  targets: string[];
  matches: (event: unknown) => boolean;
}

/** The data of an "event-delivery" job: the outbox row to send. */
export interface DeliveryJob {
  accountId: string;
  deliveryId: number;
}

export type DeliveryState = "queued" | "delivering" | "delivered" | "dead" | "skipped";

export interface DeliveryView {
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

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** How long compiled rules are trusted before re-reading (other processes may change them). */
const RULES_TTL_MS = 5_000;

/** Values read from the database and trusted for RULES_TTL_MS (other processes may change them). */
class BriefCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < RULES_TTL_MS) return hit.value;
    const at = Date.now();
    const value = await load();
    this.entries.set(key, { at, value });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
/** The rule name of deliveries made by `vigil events test`. */
export const TEST_RULE = "(test)";

function checkName(kind: string, name: string): void {
  if (!NAME.test(name))
    throw validation(`${kind} name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-'`, [
      { name: "name", message: "invalid" },
    ]);
}

/**
 * Routes events to targets. Publishing happens inside the transaction that changed the state the
 * event describes, and writes the outbox rows (one per matched rule × target) there: an event
 * exists if and only if its change was committed, and a crash cannot lose it. Each row's
 * "event-delivery" job is queued in that transaction too; the Deliverer runs those jobs. Only
 * events some enabled rule matches are stored at all.
 */
export class EventBus {
  private readonly rules = new BriefCache<CompiledRule[]>();
  private readonly admins = new BriefCache<string | undefined>();
  private readonly attemptSeconds = new BriefCache<number>();
  private readonly listeners: (() => void)[] = [];
  private jobs: JobQueue | undefined;

  constructor(
    private readonly db: ServiceDb,
    readonly env: TargetEnvironment,
    private readonly options: {
      now: () => number;
      audit: (p: Caller, action: string, target: string, detail?: unknown) => Promise<void>;
    },
  ) {}

  private ownRules(accountId: string, db: Kysely<ServiceTables>): Promise<CompiledRule[]> {
    return this.rules.get(accountId, async () => {
      const rows = await db
        .selectFrom("event_rules")
        .select(["name", "pattern", "targets"])
        .where("account_id", "=", accountId)
        .where("enabled", "=", 1)
        .orderBy("name")
        .execute();
      const rules = rows.map((r) => ({
        owner: accountId,
        name: r.name,
        targets: JSON.parse(r.targets) as string[],
        matches: compilePattern(JSON.parse(r.pattern)),
      }));
      return rules;
    });
  }

  /** The delegated administrator an account is an associated member of, if any. */
  private adminOf(accountId: string, db: Kysely<ServiceTables>): Promise<string | undefined> {
    return this.admins.get(accountId, async () => {
      const row = await db
        .selectFrom("members")
        .select("admin_account_id")
        .where("account_id", "=", accountId)
        .where("relationship_status", "=", "ENABLED")
        .executeTakeFirst();
      return row?.admin_account_id;
    });
  }

  /**
   * The rules that see an account's events: its own and, for a member of an organization, its
   * delegated administrator's (as Inspector sends members' events to the administrator too).
   * Inside a transaction pass it as `db`: on SQLite the one connection is held by the
   * transaction, and a query outside it would wait forever.
   */
  private async compiled(accountId: string, db: Kysely<ServiceTables> = this.db): Promise<CompiledRule[]> {
    const own = await this.ownRules(accountId, db);
    const admin = await this.adminOf(accountId, db);
    return admin && admin !== accountId ? [...own, ...(await this.ownRules(admin, db))] : own;
  }

  /** Drops the compiled rules (they are re-read on next use). */
  forgetRules(): void {
    this.rules.clear();
    this.admins.clear();
  }

  /** Whether any enabled rule of the account could take an event (skip building events if not). */
  async wants(accountId: string, db: Kysely<ServiceTables> = this.db): Promise<boolean> {
    return (await this.compiled(accountId, db)).length > 0;
  }

  /**
   * The job queue deliveries are sent through: every outbox row gets an "event-delivery" job in
   * the same transaction. Without one (a process that never delivers), rows wait for the
   * Deliverer's sweep in a process that has it.
   */
  useJobs(queue: JobQueue): void {
    this.jobs = queue;
  }

  /** Called after a commit that published events. */
  onPublish(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** After the commit of a publish: workers of this process start on the deliveries at once. */
  notify(): void {
    this.jobs?.wake();
    for (const l of this.listeners) l();
  }

  /**
   * Queues the delivery jobs of outbox rows on `trx`. `delayMs` defers them (a retry); a job may
   * run for its target's attempt timeout plus a minute before it counts as abandoned.
   */
  async queueDeliveries(
    trx: Kysely<ServiceTables>,
    rows: readonly { id: number | bigint; account_id: string; target_name: string }[],
    delayMs = 0,
  ): Promise<void> {
    if (!this.jobs || rows.length === 0) return;
    const requests: JobRequest[] = [];
    for (const r of rows)
      requests.push({
        kind: "event-delivery",
        data: { accountId: r.account_id, deliveryId: Number(r.id) } satisfies DeliveryJob,
        options: {
          singletonKey: `delivery/${r.id}`,
          expireSeconds: (await this.attemptTimeout(trx, r.account_id, r.target_name)) + 60,
          ...(delayMs > 0 ? { delayMs } : {}),
        },
      });
    await this.jobs.sendWithin(trx, requests);
  }

  /** A target's per-attempt timeout in seconds (cached briefly: read once per publish burst). */
  private attemptTimeout(db: Kysely<ServiceTables>, accountId: string, name: string): Promise<number> {
    return this.attemptSeconds.get(`${accountId}\0${name}`, async () => {
      const r = await db
        .selectFrom("event_targets")
        .select("config")
        .where("account_id", "=", accountId)
        .where("name", "=", name)
        .executeTakeFirst();
      const configured = r
        ? (JSON.parse(r.config) as { timeoutSeconds?: unknown }).timeoutSeconds
        : undefined;
      return typeof configured === "number" ? configured : 30;
    });
  }

  /**
   * Stores the events some rule matches and their deliveries, on `trx` (the caller's transaction).
   * Returns the number of deliveries queued; call notify() after the commit.
   */
  async publish(trx: Kysely<ServiceTables>, events: VigilEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const now = this.options.now();
    const eventRows: Selectable<ServiceTables["events"]>[] = [];
    const deliveries: Omit<Selectable<EventDeliveriesTable>, "id">[] = [];
    for (const e of events) {
      const rules = (await this.compiled(e.account, trx)).filter((r) => r.matches(e));
      if (rules.length === 0) continue;
      eventRows.push({
        event_id: e.id,
        account_id: e.account,
        detail_type: e["detail-type"],
        body: JSON.stringify(e),
        created_at: now,
      });
      for (const r of rules) {
        for (const t of r.targets) {
          deliveries.push(this.deliveryRow(e.id, r.owner, r.name, t, now));
        }
      }
    }
    for (let i = 0; i < eventRows.length; i += 200)
      await trx
        .insertInto("events")
        .values(eventRows.slice(i, i + 200))
        .execute();
    for (let i = 0; i < deliveries.length; i += 200) {
      const rows = await trx
        .insertInto("event_deliveries")
        .values(deliveries.slice(i, i + 200))
        .returning(["id", "account_id", "target_name"])
        .execute();
      await this.queueDeliveries(trx, rows);
    }
    return deliveries.length;
  }

  private deliveryRow(eventId: string, accountId: string, rule: string, target: string, now: number) {
    return {
      event_id: eventId,
      account_id: accountId,
      rule_name: rule,
      target_name: target,
      state: "queued",
      attempts: 0,
      not_before: now,
      last_error: null,
      last_status: null,
      created_at: now,
      updated_at: now,
      delivered_at: null,
    };
  }

  // --- targets -------------------------------------------------------------------------------

  async putTarget(p: Caller, name: string, type: string, config: unknown): Promise<StoredTarget> {
    checkName("target", name);
    let prepared: { type: TargetType; config: Record<string, unknown> };
    try {
      prepared = prepareTarget(type, config, this.env);
    } catch (e) {
      if (e instanceof TargetError)
        throw validation(`target ${name}: ${e.message}`, [{ name: "config", message: e.message }]);
      throw e;
    }
    const now = this.options.now();
    await this.db
      .insertInto("event_targets")
      .values({
        account_id: p.accountId,
        name,
        type: prepared.type,
        config: JSON.stringify(prepared.config),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(["account_id", "name"]).doUpdateSet({
          type: prepared.type,
          config: JSON.stringify(prepared.config),
          updated_at: now,
        }),
      )
      .execute();
    const stored: StoredTarget = { accountId: p.accountId, name, ...prepared };
    await this.options.audit(p, "PutEventTarget", name, {
      type: prepared.type,
      config: publicConfig(stored),
    });
    return stored;
  }

  async target(accountId: string, name: string): Promise<StoredTarget | undefined> {
    const r = await this.db
      .selectFrom("event_targets")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("name", "=", name)
      .executeTakeFirst();
    return r
      ? {
          accountId,
          name: r.name,
          type: r.type as TargetType,
          config: JSON.parse(r.config) as Record<string, unknown>,
        }
      : undefined;
  }

  async listTargets(accountId: string) {
    const rows = await this.db
      .selectFrom("event_targets")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("name")
      .execute();
    return rows.map((r) => {
      const t: StoredTarget = {
        accountId,
        name: r.name,
        type: r.type as TargetType,
        config: JSON.parse(r.config) as Record<string, unknown>,
      };
      return {
        name: t.name,
        type: t.type,
        config: publicConfig(t),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      };
    });
  }

  async deleteTarget(p: Caller, name: string): Promise<void> {
    if (!(await this.target(p.accountId, name))) throw notFound(`no event target named ${name}`);
    const users = (await this.listRules(p.accountId))
      .filter((r) => r.targets.includes(name))
      .map((r) => r.name);
    if (users.length > 0)
      throw new ServiceError(
        "ConflictException",
        `target ${name} is used by rule(s) ${users.join(", ")}; change them first`,
      );
    await this.db
      .deleteFrom("event_targets")
      .where("account_id", "=", p.accountId)
      .where("name", "=", name)
      .execute();
    await this.options.audit(p, "DeleteEventTarget", name);
  }

  // --- rules ---------------------------------------------------------------------------------

  async putRule(
    p: Caller,
    name: string,
    input: { pattern: unknown; targets: string[]; enabled?: boolean; description?: string },
  ): Promise<EventRule> {
    checkName("rule", name);
    try {
      compilePattern(input.pattern);
    } catch (e) {
      if (e instanceof PatternError)
        throw validation(`rule ${name}: pattern: ${e.message}`, [{ name: "pattern", message: e.message }]);
      throw e;
    }
    if (input.targets.length === 0)
      throw validation(`rule ${name}: targets: name at least one target`, [
        { name: "targets", message: "empty" },
      ]);
    for (const t of input.targets) {
      if (!(await this.target(p.accountId, t)))
        throw validation(`rule ${name}: targets: no target named ${t}; create it first`, [
          { name: "targets", message: `unknown target ${t}` },
        ]);
    }
    const now = this.options.now();
    const row = {
      account_id: p.accountId,
      name,
      pattern: JSON.stringify(input.pattern),
      targets: JSON.stringify([...new Set(input.targets)]),
      enabled: input.enabled === false ? 0 : 1,
      description: input.description ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.db
      .insertInto("event_rules")
      .values(row)
      .onConflict((oc) =>
        oc.columns(["account_id", "name"]).doUpdateSet({
          pattern: row.pattern,
          targets: row.targets,
          enabled: row.enabled,
          description: row.description,
          updated_at: now,
        }),
      )
      .execute();
    this.rules.delete(p.accountId);
    await this.options.audit(p, "PutEventRule", name, {
      pattern: input.pattern,
      targets: input.targets,
      enabled: row.enabled === 1,
    });
    return (await this.listRules(p.accountId)).find((r) => r.name === name)!;
  }

  async listRules(accountId: string): Promise<EventRule[]> {
    const rows = await this.db
      .selectFrom("event_rules")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("name")
      .execute();
    return rows.map((r) => ({
      name: r.name,
      pattern: JSON.parse(r.pattern),
      targets: JSON.parse(r.targets) as string[],
      enabled: r.enabled === 1,
      ...(r.description !== null ? { description: r.description } : {}),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async deleteRule(p: Caller, name: string): Promise<void> {
    const res = await this.db
      .deleteFrom("event_rules")
      .where("account_id", "=", p.accountId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`no event rule named ${name}`);
    this.rules.delete(p.accountId);
    await this.options.audit(p, "DeleteEventRule", name);
  }

  // --- deliveries ----------------------------------------------------------------------------

  async listDeliveries(
    accountId: string,
    q: { state?: DeliveryState; target?: string; limit?: number; beforeId?: number } = {},
  ): Promise<{ deliveries: DeliveryView[]; next?: number }> {
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    let query = this.db
      .selectFrom("event_deliveries as d")
      .innerJoin("events as e", "e.event_id", "d.event_id")
      .select([
        "d.id",
        "d.event_id",
        "d.rule_name",
        "d.target_name",
        "d.state",
        "d.attempts",
        "d.not_before",
        "d.last_status",
        "d.last_error",
        "d.created_at",
        "d.updated_at",
        "d.delivered_at",
        "e.detail_type",
        "e.body",
      ])
      .where("d.account_id", "=", accountId);
    if (q.state) query = query.where("d.state", "=", q.state);
    if (q.target) query = query.where("d.target_name", "=", q.target);
    if (q.beforeId) query = query.where("d.id", "<", q.beforeId);
    const rows = await query
      .orderBy("d.id", "desc")
      .limit(limit + 1)
      .execute();
    const deliveries = rows.slice(0, limit).map((r) => ({
      id: Number(r.id),
      eventId: r.event_id,
      detailType: r.detail_type,
      resources: (JSON.parse(r.body) as VigilEvent).resources,
      rule: r.rule_name,
      target: r.target_name,
      state: r.state as DeliveryState,
      attempts: r.attempts,
      ...(r.state === "queued" ? { nextAttemptAt: Number(r.not_before) } : {}),
      ...(r.last_status !== null ? { lastStatus: r.last_status } : {}),
      ...(r.last_error !== null ? { lastError: r.last_error } : {}),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      ...(r.delivered_at !== null ? { deliveredAt: Number(r.delivered_at) } : {}),
    }));
    return rows.length > limit ? { deliveries, next: deliveries[deliveries.length - 1]!.id } : { deliveries };
  }

  /** The stored event of one of the account's deliveries (what the receiver gets). */
  async event(accountId: string, eventId: string): Promise<VigilEvent | undefined> {
    const r = await this.db
      .selectFrom("events")
      .select("body")
      .where("event_id", "=", eventId)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("event_deliveries")
            .select("id")
            .whereRef("event_deliveries.event_id", "=", "events.event_id")
            .where("event_deliveries.account_id", "=", accountId),
        ),
      )
      .executeTakeFirst();
    return r ? (JSON.parse(r.body) as VigilEvent) : undefined;
  }

  /** Queues dead-lettered deliveries again (all of the account's, or those named / of a target). */
  async replay(p: Caller, q: { ids?: number[]; target?: string }): Promise<number> {
    const now = this.options.now();
    const n = await this.db.transaction().execute(async (trx) => {
      let u = trx
        .updateTable("event_deliveries")
        .set({ state: "queued", attempts: 0, not_before: now, updated_at: now })
        .where("account_id", "=", p.accountId)
        .where("state", "=", "dead");
      if (q.ids?.length) u = u.where("id", "in", q.ids);
      if (q.target) u = u.where("target_name", "=", q.target);
      const rows = await u.returning(["id", "account_id", "target_name"]).execute();
      await this.queueDeliveries(trx, rows);
      return rows.length;
    });
    await this.options.audit(p, "ReplayDeliveries", q.target ?? "*", { ids: q.ids ?? "all", replayed: n });
    if (n > 0) this.notify();
    return n;
  }

  /** Queues a "Vigil Test" event straight to one target (no rule needed). */
  async test(
    p: Caller,
    targetName: string,
    region: string,
  ): Promise<{ eventId: string; deliveryId: number }> {
    if (!(await this.target(p.accountId, targetName))) throw notFound(`no event target named ${targetName}`);
    const now = this.options.now();
    const e = testEvent(p.accountId, region, now, targetName);
    const id = await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("events")
        .values({
          event_id: e.id,
          account_id: p.accountId,
          detail_type: e["detail-type"],
          body: JSON.stringify(e),
          created_at: now,
        })
        .execute();
      const r = await trx
        .insertInto("event_deliveries")
        .values(this.deliveryRow(e.id, p.accountId, TEST_RULE, targetName, now))
        .returning(["id", "account_id", "target_name"])
        .executeTakeFirstOrThrow();
      await this.queueDeliveries(trx, [r]);
      return Number(r.id);
    });
    this.notify();
    return { eventId: e.id, deliveryId: id };
  }
}
