import { randomUUID } from "node:crypto";
import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import type { ServiceDb } from "../db/service/open.js";
import type { JobsTable, ServiceTables } from "../db/service/schema.js";
import {
  errorOutput,
  expireSeconds,
  IDLE_HORIZON_MS,
  JOB_KIND_NAMES,
  JOB_KINDS,
  type JobHandler,
  type JobInfo,
  type JobKind,
  type JobQueue,
  type JobRequest,
  type JobState,
  type ListJobsQuery,
  retryBackoff,
  retryDelay,
  retryDelaySeconds,
  type SendOptions,
  tally,
} from "./queue.js";

type Row = Selectable<JobsTable>;

const WAITING = ["created", "retry"];
const RETENTION_MS = 7 * 24 * 3600 * 1000;

interface Worker {
  kind: JobKind;
  concurrency: number;
  handler: JobHandler<unknown>;
  running: Set<Promise<void>>;
}

const json = (v: string | null): unknown => {
  if (v === null) return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

function info(r: Row): JobInfo {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state as JobState,
    data: json(r.data),
    singletonKey: r.singleton_key,
    retryCount: Number(r.retry_count),
    retryLimit: Number(r.retry_limit),
    createdAt: Number(r.created_at),
    startAfter: Number(r.start_after),
    startedAt: r.started_at === null ? null : Number(r.started_at),
    completedAt: r.completed_at === null ? null : Number(r.completed_at),
    output: json(r.output),
  };
}

/**
 * The job queue of the embedded database: a `jobs` table in the service database, claimed with
 * conditional updates (so `vigil worker` processes on the same file can share it), with pg-boss's
 * states, retries, expiry of abandoned jobs and "stately" singleton keys.
 */
export class SqliteJobQueue implements JobQueue {
  readonly backend = "sqlite";
  private readonly workers: Worker[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private pumping = false;
  private lastMaintenance = 0;

  constructor(
    private readonly db: ServiceDb,
    private readonly options: {
      /** This process is the database's only user: jobs left active by its previous run are retried at start. */
      sole?: boolean;
      pollMs?: number;
      /** Reads and sends only (`vigil jobs`): no polling, no maintenance. */
      passive?: boolean;
    } = {},
  ) {}

  async start(): Promise<void> {
    if (this.options.passive) return;
    if (this.options.sole) {
      const active = await this.db.selectFrom("jobs").selectAll().where("state", "=", "active").execute();
      for (const r of active) await this.settleFailure(r, new Error("the process running it stopped"));
    }
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 250);
    this.timer.unref();
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const running = this.workers.flatMap((w) => [...w.running]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(running),
      new Promise((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async send(kind: JobKind, data: object, options: SendOptions = {}): Promise<string | null> {
    const [id] = await this.insert(this.db, [{ kind, data, options }]);
    if (!this.stopped) void this.pump();
    return id ?? null;
  }

  async sendWithin(trx: Kysely<ServiceTables>, jobs: readonly JobRequest[]): Promise<void> {
    await this.insert(trx, jobs);
  }

  wake(): void {
    if (!this.stopped) void this.pump();
  }

  /** Inserts jobs (on `db`: the queue's connection or a caller's transaction); null ids were dropped. */
  private async insert(db: Kysely<ServiceTables>, jobs: readonly JobRequest[]): Promise<(string | null)[]> {
    const now = Date.now();
    const ids: (string | null)[] = [];
    const rows: Insertable<JobsTable>[] = [];
    for (const { kind, data, options = {} } of jobs) {
      const spec = JOB_KINDS[kind];
      const key = options.singletonKey ?? null;
      if (spec.policy === "stately" && key !== null) {
        const waiting = await db
          .selectFrom("jobs")
          .select("id")
          .where("kind", "=", kind)
          .where("singleton_key", "=", key)
          .where("state", "in", WAITING)
          .executeTakeFirst();
        const queuedHere = rows.some((r) => r.kind === kind && r.singleton_key === key);
        if (waiting || queuedHere) {
          ids.push(null);
          continue;
        }
      }
      const id = randomUUID();
      ids.push(id);
      rows.push({
        id,
        kind,
        data: JSON.stringify(data),
        state: "created",
        singleton_key: key,
        retry_count: 0,
        retry_limit: spec.retryLimit,
        retry_delay: retryDelay(kind),
        retry_backoff: retryBackoff(kind) ? 1 : 0,
        expire_seconds: expireSeconds(kind, options.expireSeconds),
        start_after: now + (options.delayMs ?? 0),
        started_at: null,
        completed_at: null,
        created_at: now,
        output: null,
      });
    }
    for (let i = 0; i < rows.length; i += 200)
      await db
        .insertInto("jobs")
        .values(rows.slice(i, i + 200))
        .execute();
    return ids;
  }

  async work<T>(kind: JobKind, concurrency: number, handler: JobHandler<T>): Promise<void> {
    this.workers.push({
      kind,
      concurrency: Math.max(1, concurrency),
      handler: handler as JobHandler<unknown>,
      running: new Set(),
    });
    if (!this.stopped) void this.pump();
  }

  async list(query: ListJobsQuery = {}): Promise<JobInfo[]> {
    let q = this.db.selectFrom("jobs").selectAll();
    if (query.kind) q = q.where("kind", "=", query.kind);
    if (query.state) q = q.where("state", "=", query.state);
    const accounts = query.accounts;
    if (accounts) {
      const owner = sql<string | null>`json_extract(data, '$.accountId')`;
      q = q.where((eb) =>
        eb.or([eb(owner, "is", null), ...(accounts.length ? [eb(owner, "in", [...accounts])] : [])]),
      );
    }
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(query.limit ?? 100)
      .execute();
    return rows.map(info);
  }

  async get(id: string): Promise<JobInfo | undefined> {
    const r = await this.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? info(r) : undefined;
  }

  async counts(): Promise<Record<string, Partial<Record<JobState, number>>>> {
    const rows = await this.db
      .selectFrom("jobs")
      .select((eb) => ["kind", "state", eb.fn.countAll<number>().as("n")])
      .groupBy(["kind", "state"])
      .execute();
    return tally(rows);
  }

  async retry(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable("jobs")
      .set({ state: "retry", start_after: Date.now(), completed_at: null })
      .where("id", "=", id)
      .where("state", "in", ["failed", "cancelled"])
      .executeTakeFirst();
    if (!this.stopped) void this.pump();
    return Number(r.numUpdatedRows) === 1;
  }

  async cancel(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable("jobs")
      .set({ state: "cancelled", completed_at: Date.now() })
      .where("id", "=", id)
      .where("state", "in", WAITING)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async idle(kinds?: readonly JobKind[], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let q = this.db
        .selectFrom("jobs")
        .select("id")
        .where((eb) =>
          eb.or([
            eb("state", "=", "active"),
            eb.and([eb("state", "in", WAITING), eb("start_after", "<=", Date.now() + IDLE_HORIZON_MS)]),
          ]),
        );
      if (kinds?.length) q = q.where("kind", "in", [...kinds]);
      const busy = await q.executeTakeFirst();
      const running = this.workers.some((w) => (!kinds || kinds.includes(w.kind)) && w.running.size > 0);
      if (!busy && !running) return;
      if (Date.now() > deadline) throw new Error(`jobs did not finish within ${timeoutMs} ms`);
      if (!this.stopped) void this.pump();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // --- running jobs ---------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (Date.now() - this.lastMaintenance > 1000) {
      this.lastMaintenance = Date.now();
      await this.maintain().catch(() => {});
    }
    await this.pump();
  }

  /** Abandoned jobs (active past their expiry) fail and retry; old finished jobs are deleted. */
  private async maintain(): Promise<void> {
    const now = Date.now();
    // kind IN (…) lets the jobs_due index find the active ones without reading the finished.
    const active = await this.db
      .selectFrom("jobs")
      .selectAll()
      .where("kind", "in", JOB_KIND_NAMES)
      .where("state", "=", "active")
      .execute();
    for (const r of active) {
      if (r.started_at !== null && Number(r.started_at) + Number(r.expire_seconds) * 1000 < now)
        await this.settleFailure(r, new Error(`expired: still active after ${r.expire_seconds} s`));
    }
    await this.db
      .deleteFrom("jobs")
      .where("state", "in", ["completed", "cancelled"])
      .where("completed_at", "<", now - RETENTION_MS)
      .execute();
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      for (const w of this.workers) {
        while (!this.stopped && w.running.size < w.concurrency) {
          const job = await this.claim(w.kind);
          if (!job) break;
          const run: Promise<void> = this.execute(w, job).finally(() => {
            w.running.delete(run);
            void this.pump();
          });
          w.running.add(run);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async claim(kind: JobKind): Promise<Row | undefined> {
    // Due first, per state: each query reads the jobs_due index in order and stops at the limit
    // (one query over both states would sort, or scan, every waiting and finished job).
    const now = Date.now();
    const due = async (state: string) =>
      this.db
        .selectFrom("jobs")
        .selectAll()
        .where("kind", "=", kind)
        .where("state", "=", state)
        .where("start_after", "<=", now)
        .orderBy("start_after")
        .limit(20)
        .execute();
    const candidates = [...(await due("created")), ...(await due("retry"))]
      .sort((a, b) => Number(a.start_after) - Number(b.start_after))
      .slice(0, 20);
    for (const c of candidates) {
      if (JOB_KINDS[kind].policy === "stately" && c.singleton_key !== null) {
        const running = await this.db
          .selectFrom("jobs")
          .select("id")
          .where("kind", "=", kind)
          .where("singleton_key", "=", c.singleton_key)
          .where("state", "=", "active")
          .executeTakeFirst();
        if (running) continue;
      }
      const now = Date.now();
      const taken = await this.db
        .updateTable("jobs")
        .set({ state: "active", started_at: now })
        .where("id", "=", c.id)
        .where("state", "=", c.state)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return { ...c, state: "active", started_at: now };
    }
    return undefined;
  }

  private async execute(w: Worker, job: Row): Promise<void> {
    let output: unknown;
    try {
      output = await w.handler({
        id: job.id,
        kind: w.kind,
        data: json(job.data),
        retryCount: Number(job.retry_count),
        retryLimit: Number(job.retry_limit),
      });
    } catch (e) {
      await this.settleFailure(job, e);
      return;
    }
    await this.db
      .updateTable("jobs")
      .set({
        state: "completed",
        completed_at: Date.now(),
        output: output === undefined ? null : JSON.stringify(output),
      })
      .where("id", "=", job.id)
      .where("state", "=", "active")
      .execute();
  }

  /** A failed attempt: retried after the kind's delay while attempts remain, else failed. */
  private async settleFailure(job: Row, e: unknown): Promise<void> {
    const retries = Number(job.retry_count);
    const again = retries < Number(job.retry_limit);
    const delay = retryDelaySeconds(
      { retryDelay: Number(job.retry_delay), backoff: Number(job.retry_backoff) === 1 },
      retries,
    );
    await this.db
      .updateTable("jobs")
      .set(
        again
          ? {
              state: "retry",
              retry_count: retries + 1,
              start_after: Date.now() + delay * 1000,
              output: JSON.stringify(errorOutput(e)),
            }
          : { state: "failed", completed_at: Date.now(), output: JSON.stringify(errorOutput(e)) },
      )
      .where("id", "=", job.id)
      .where("state", "=", "active")
      .execute();
  }
}
