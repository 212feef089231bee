import type { ServiceDb } from "../db/service/open.js";
import type { JobQueue } from "../jobs/queue.js";
import type { DeliveryJob, EventBus } from "./bus.js";
import type { VigilEvent } from "./envelope.js";
import { backoffMs, type DeliveryOutcome, deliver } from "./targets.js";

export interface DelivererOptions {
  now?: () => number;
  /** Deliveries this process sends at once. */
  concurrency?: number;
  /** How often queued deliveries without a job are looked for, ms. */
  sweepMs?: number;
  /** Delivered and skipped deliveries (and their events) are kept this long, ms. */
  retentionMs?: number;
  random?: () => number;
  log?: (line: string) => void;
  /**
   * This process is the database's only one (embedded SQLite): what it left "delivering" when it
   * stopped is queued again at start (its jobs are retried by the queue). On PostgreSQL a dead
   * worker's delivery job expires and is retried by another.
   */
  sole?: boolean;
}

/** What one attempt did: the job's output in `vigil jobs`. */
export interface AttemptResult {
  deliveryId: number;
  result: "delivered" | "skipped" | "dead" | "retry" | "not due";
  attempts?: number;
  status?: number;
  nextAttemptAt?: number;
  message?: string;
}

const DAY = 86_400_000;
/** A queued row this overdue without having been tried has lost its job (or never had one). */
const SWEEP_GRACE_MS = 60_000;

/**
 * Sends the outbox through the job queue. Every outbox row has an "event-delivery" job, queued in
 * the transaction that wrote the row, so a delivery is as durable as the change it reports; the
 * queue gives one worker at a time per delivery, retries a job whose worker died, and shows the
 * work in `vigil jobs`. A failed send is retried on the target's own schedule (exponential
 * backoff with jitter, Retry-After honoured) by queuing the next attempt as a delayed job with
 * the row's update; after maxAttempts, or a permanent refusal, the row is dead-lettered.
 * Delivery is at-least-once: a worker that dies mid-send leaves the row "delivering" and its job
 * runs again, so a receiver may see an event twice (same event id), never zero times.
 */
export class Deliverer {
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private housekeeping: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly db: ServiceDb,
    private readonly bus: EventBus,
    private readonly jobs: JobQueue,
    private readonly options: DelivererOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.options.sole)
      await this.db
        .updateTable("event_deliveries")
        .set({ state: "queued" })
        .where("state", "=", "delivering")
        .execute();
    await this.jobs.work<DeliveryJob>("event-delivery", this.options.concurrency ?? 4, (job) =>
      this.attempt(job.data.deliveryId),
    );
    await this.sweep();
    this.timer = setInterval(() => {
      this.housekeeping ??= this.tidy().finally(() => {
        this.housekeeping = undefined;
      });
    }, this.options.sweepMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops housekeeping; running sends finish with the queue's stop. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.housekeeping;
  }

  private async tidy(): Promise<void> {
    try {
      await this.sweep();
      await this.prune();
    } catch (e) {
      this.options.log?.(`event delivery: ${(e as Error).message}`);
    }
  }

  /**
   * Queues jobs for deliveries that are overdue and were never tried by one: rows queued by a
   * version before deliveries were jobs, or by a process without the queue. Rows whose job is
   * waiting are left alone (the queue drops the duplicate). Returns how many were looked at.
   */
  async sweep(): Promise<number> {
    const rows = await this.db
      .selectFrom("event_deliveries")
      .select(["id", "account_id", "target_name"])
      .where("state", "=", "queued")
      .where("not_before", "<=", this.now() - SWEEP_GRACE_MS)
      .orderBy("id")
      .limit(1000)
      .execute();
    await this.bus.queueDeliveries(this.db, rows);
    if (rows.length > 0) this.jobs.wake();
    return rows.length;
  }

  /** One attempt at delivery `id`: the "event-delivery" job's handler. */
  async attempt(id: number): Promise<AttemptResult> {
    // The queue runs one job per delivery at a time; "delivering" here means the worker of an
    // earlier run of this job died mid-send. A row scheduled later has its own delayed job.
    const claimed = await this.db
      .updateTable("event_deliveries")
      .set({ state: "delivering", updated_at: this.now() })
      .where("id", "=", id)
      .where("state", "in", ["queued", "delivering"])
      .where("not_before", "<=", this.now())
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return { deliveryId: id, result: "not due" };
    const row = await this.db
      .selectFrom("event_deliveries as d")
      .innerJoin("events as e", "e.event_id", "d.event_id")
      .select(["d.account_id", "d.target_name", "d.attempts", "e.body"])
      .where("d.id", "=", id)
      .executeTakeFirstOrThrow();
    const target = await this.bus.target(row.account_id, row.target_name);
    const event = JSON.parse(row.body) as VigilEvent;
    const attempts = row.attempts + 1;
    let outcome: DeliveryOutcome;
    if (!target) {
      outcome = { result: "permanent", message: `target ${row.target_name} no longer exists` };
    } else {
      try {
        outcome = await deliver(target, event, { deliveryId: id, env: this.bus.env, now: this.now() });
      } catch (e) {
        outcome = { result: "failed", message: (e as Error).message };
      }
    }
    const now = this.now();
    const base = {
      attempts,
      updated_at: now,
      last_status: outcome.status ?? null,
      last_error: outcome.message ?? null,
    };
    const report = {
      deliveryId: id,
      attempts,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(outcome.message ? { message: outcome.message } : {}),
    };
    if (outcome.result === "delivered" || outcome.result === "skipped") {
      await this.db
        .updateTable("event_deliveries")
        .set({ ...base, state: outcome.result, delivered_at: now })
        .where("id", "=", id)
        .execute();
      return { ...report, result: outcome.result };
    }
    const cfg = (target?.config ?? {}) as {
      maxAttempts?: number;
      initialDelaySeconds?: number;
      maxDelaySeconds?: number;
    };
    const max = cfg.maxAttempts ?? 10;
    if (outcome.result === "permanent" || attempts >= max) {
      const why =
        outcome.result === "permanent"
          ? outcome.message
          : `${outcome.message} (gave up after ${attempts} attempts)`;
      await this.db
        .updateTable("event_deliveries")
        .set({ ...base, last_error: why ?? null, state: "dead" })
        .where("id", "=", id)
        .execute();
      this.options.log?.(`event ${event.id} to ${row.target_name} dead-lettered: ${why}`);
      return { ...report, result: "dead", ...(why ? { message: why } : {}) };
    }
    const delay = Math.max(
      backoffMs(
        attempts,
        { initialDelaySeconds: cfg.initialDelaySeconds ?? 2, maxDelaySeconds: cfg.maxDelaySeconds ?? 900 },
        this.options.random,
      ),
      Math.min(outcome.retryAfterMs ?? 0, (cfg.maxDelaySeconds ?? 900) * 1000),
    );
    // The row and its next attempt's job commit together.
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("event_deliveries")
        .set({ ...base, state: "queued", not_before: now + delay })
        .where("id", "=", id)
        .execute();
      await this.bus.queueDeliveries(
        trx,
        [{ id, account_id: row.account_id, target_name: row.target_name }],
        delay,
      );
    });
    return { ...report, result: "retry", nextAttemptAt: now + delay };
  }

  /** Drops old delivered/skipped rows and events no delivery refers to any more. */
  private async prune(): Promise<void> {
    const now = this.now();
    if (now - this.lastPrune < 3_600_000) return;
    this.lastPrune = now;
    const cutoff = now - (this.options.retentionMs ?? 7 * DAY);
    await this.db
      .deleteFrom("event_deliveries")
      .where("state", "in", ["delivered", "skipped"])
      .where("updated_at", "<", cutoff)
      .execute();
    await this.db
      .deleteFrom("events")
      .where("created_at", "<", cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("event_deliveries")
              .select("id")
              .whereRef("event_deliveries.event_id", "=", "events.event_id"),
          ),
        ),
      )
      .execute();
  }
}
