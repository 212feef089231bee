import type { ServiceDb } from "../db/service/open.js";
import type { EventBus } from "./bus.js";
import type { VigilEvent } from "./envelope.js";
import { backoffMs, type DeliveryOutcome, deliver, type StoredTarget } from "./targets.js";

export interface DelivererOptions {
  now?: () => number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How often to look for due retries when nothing wakes the deliverer, ms. */
  pollMs?: number;
  /** Delivered and skipped deliveries (and their events) are kept this long, ms. */
  retentionMs?: number;
  random?: () => number;
  log?: (line: string) => void;
  /**
   * This process is the database's only deliverer (embedded SQLite): what it left "delivering"
   * when it stopped is queued again at start. Otherwise (several servers on PostgreSQL) only
   * deliveries claimed longer than `staleMs` ago are taken back, by whichever process looks.
   */
  sole?: boolean;
  /** A claimed delivery older than this is taken as abandoned by a dead process, ms. */
  staleMs?: number;
}

const DAY = 86_400_000;

/**
 * Sends the outbox. Each delivery is claimed with a conditional update (queued → delivering),
 * so several processes can share one database; a process that dies leaves "delivering" rows,
 * which are queued again (at-least-once: a receiver may see an event twice, identified by its id
 * and the X-Vigil-Delivery header, never zero times). The outbox is written in the transaction
 * that changes the findings, which is why deliveries are not pg-boss jobs: the embedded database
 * has no pg-boss, and an outbox row cannot be lost between a commit and an enqueue.
 */
export class Deliverer {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly inFlight = new Set<Promise<void>>();
  private lastPrune = 0;
  private lastRequeue = 0;
  private readonly now: () => number;

  constructor(
    private readonly db: ServiceDb,
    private readonly bus: EventBus,
    private readonly options: DelivererOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    bus.onPublish(() => this.wake());
  }

  async start(): Promise<void> {
    if (this.options.sole)
      await this.db
        .updateTable("event_deliveries")
        .set({ state: "queued" })
        .where("state", "=", "delivering")
        .execute();
    else await this.requeueAbandoned();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      let worked = 0;
      try {
        worked = await this.runDue();
        await this.prune();
        if (!this.options.sole) await this.requeueAbandoned();
      } catch (e) {
        this.options.log?.(`event delivery: ${(e as Error).message}`);
      }
      if (!this.running) break;
      if (worked > 0 || this.woken) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.options.pollMs ?? 1000);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  /** Deliveries another process claimed and never settled (it died) are queued again. */
  private async requeueAbandoned(): Promise<void> {
    if (Date.now() - this.lastRequeue < 30_000) return;
    this.lastRequeue = Date.now();
    await this.db
      .updateTable("event_deliveries")
      .set({ state: "queued" })
      .where("state", "=", "delivering")
      .where("updated_at", "<", this.now() - (this.options.staleMs ?? 10 * 60_000))
      .execute();
  }

  /** Delivers what is due now; returns how many deliveries were attempted. */
  async runDue(): Promise<number> {
    const concurrency = this.options.concurrency ?? 4;
    const due = await this.db
      .selectFrom("event_deliveries")
      .select("id")
      .where("state", "=", "queued")
      .where("not_before", "<=", this.now())
      .orderBy("not_before")
      .orderBy("id")
      .limit(concurrency * 8)
      .execute();
    if (due.length === 0) return 0;
    const targets = new Map<string, StoredTarget | undefined>();
    let attempted = 0;
    for (const { id } of due) {
      if (!this.running && this.loop) break;
      while (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
      const claimed = await this.db
        .updateTable("event_deliveries")
        .set({ state: "delivering", updated_at: this.now() })
        .where("id", "=", id)
        .where("state", "=", "queued")
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue; // another process took it
      attempted++;
      const p = this.attempt(Number(id), targets).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    await Promise.allSettled([...this.inFlight]);
    return attempted;
  }

  private async attempt(id: number, targets: Map<string, StoredTarget | undefined>): Promise<void> {
    const row = await this.db
      .selectFrom("event_deliveries as d")
      .innerJoin("events as e", "e.event_id", "d.event_id")
      .select(["d.account_id", "d.target_name", "d.attempts", "e.body"])
      .where("d.id", "=", id)
      .executeTakeFirstOrThrow();
    const key = `${row.account_id}\0${row.target_name}`;
    if (!targets.has(key)) targets.set(key, await this.bus.target(row.account_id, row.target_name));
    const target = targets.get(key);
    const event = JSON.parse(row.body) as VigilEvent;
    const attempts = row.attempts + 1;
    let outcome: DeliveryOutcome;
    if (!target) {
      outcome = { result: "permanent", message: `target ${row.target_name} no longer exists` };
    } else {
      try {
        outcome = await deliver(target, event, {
          deliveryId: id,
          env: this.bus.env,
          now: this.now(),
        });
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
    if (outcome.result === "delivered" || outcome.result === "skipped") {
      await this.db
        .updateTable("event_deliveries")
        .set({ ...base, state: outcome.result, delivered_at: now })
        .where("id", "=", id)
        .execute();
      return;
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
      return;
    }
    const delay = Math.max(
      backoffMs(
        attempts,
        { initialDelaySeconds: cfg.initialDelaySeconds ?? 2, maxDelaySeconds: cfg.maxDelaySeconds ?? 900 },
        this.options.random,
      ),
      Math.min(outcome.retryAfterMs ?? 0, (cfg.maxDelaySeconds ?? 900) * 1000),
    );
    await this.db
      .updateTable("event_deliveries")
      .set({ ...base, state: "queued", not_before: now + delay })
      .where("id", "=", id)
      .execute();
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
