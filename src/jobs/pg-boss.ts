import { randomUUID } from "node:crypto";
import { CompiledQuery, type Kysely } from "kysely";
import PgBoss from "pg-boss";
import type { ServiceTables } from "../db/service/schema.js";
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
  type SendOptions,
  tally,
} from "./queue.js";

const SCHEMA = "vigil_jobs";

interface JobRow {
  id: string;
  name: string;
  state: JobState;
  data: unknown;
  singleton_key: string | null;
  retry_count: number;
  retry_limit: number;
  created_on: Date;
  start_after: Date;
  started_on: Date | null;
  completed_on: Date | null;
  output: unknown;
}

/** pg-boss's "stately" treats jobs without a key as one key; ours limit keyed jobs only. */
const singletonKey = (kind: JobKind, options: SendOptions) =>
  options.singletonKey ?? (JOB_KINDS[kind].policy === "stately" ? randomUUID() : undefined);

const ms = (d: Date | null) => (d === null ? null : new Date(d).getTime());

/** What the handler returned (wrapped as { value }), or the message of the error that failed it. */
function outputOf(r: JobRow): unknown {
  const o = r.output as { value?: unknown; message?: unknown } | null;
  if (o === null || o === undefined) return null;
  if (r.state === "completed") return "value" in o ? o.value : o;
  return typeof o.message === "string" ? { message: o.message } : o;
}

function info(r: JobRow): JobInfo {
  return {
    id: r.id,
    kind: r.name,
    state: r.state,
    data: r.data,
    singletonKey: r.singleton_key,
    retryCount: Number(r.retry_count),
    retryLimit: Number(r.retry_limit),
    createdAt: ms(r.created_on)!,
    startAfter: ms(r.start_after)!,
    startedAt: ms(r.started_on),
    completedAt: ms(r.completed_on),
    output: outputOf(r),
  };
}

const COLUMNS =
  "id, name, state, data, singleton_key, retry_count, retry_limit, created_on, start_after, started_on, completed_on, output";

/**
 * The job queue on PostgreSQL: pg-boss (schema `vigil_jobs`). Every `vigil serve` and
 * `vigil worker` process connected to the database takes jobs; pg-boss's maintenance fails and
 * retries jobs whose worker died (active past the kind's expiry) and archives finished ones.
 */
export class PgBossJobQueue implements JobQueue {
  readonly backend = "pg-boss";
  private readonly boss: PgBoss;
  private readonly workerIds: string[] = [];
  private stopped = false;

  constructor(
    connectionString: string,
    options: {
      log?: (line: string) => void;
      /** Reads and sends only (`vigil jobs`): no maintenance from this process. */
      passive?: boolean;
    } = {},
  ) {
    const expiry = Math.min(...JOB_KIND_NAMES.map(expireSeconds));
    this.boss = new PgBoss({
      connectionString,
      schema: SCHEMA,
      application_name: "vigil-jobs",
      max: 4,
      schedule: false,
      supervise: !options.passive,
      // Abandoned jobs are noticed within half the shortest expiry (at most a minute).
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(expiry / 2))),
      archiveCompletedAfterSeconds: 3600,
      deleteAfterDays: 7,
    });
    this.boss.on("error", (e) => options.log?.(`job queue: ${(e as Error).message}`));
  }

  async start(): Promise<void> {
    await this.boss.start();
    for (const kind of JOB_KIND_NAMES) {
      const spec = JOB_KINDS[kind];
      await this.boss.createQueue(kind, {
        name: kind,
        policy: spec.policy,
        retryLimit: spec.retryLimit,
        retryDelay: retryDelay(kind),
        retryBackoff: retryBackoff(kind),
        expireInSeconds: expireSeconds(kind),
      });
    }
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }

  send(kind: JobKind, data: object, options: SendOptions = {}): Promise<string | null> {
    const spec = JOB_KINDS[kind];
    return this.boss.send(kind, data, {
      retryLimit: spec.retryLimit,
      retryDelay: retryDelay(kind),
      retryBackoff: retryBackoff(kind),
      expireInSeconds: expireSeconds(kind, options.expireSeconds),
      singletonKey: singletonKey(kind, options),
      ...(options.delayMs ? { startAfter: new Date(Date.now() + options.delayMs) } : {}),
    });
  }

  async sendWithin(trx: Kysely<ServiceTables>, jobs: readonly JobRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = Date.now();
    // pg-boss runs its insert through the caller's transaction (ON CONFLICT DO NOTHING drops
    // what the stately policy refuses).
    const db = {
      executeSql: async (text: string, values: unknown[]) => ({
        rows: (await trx.executeQuery(CompiledQuery.raw(text, values))).rows as unknown[],
      }),
    };
    await this.boss.insert(
      jobs.map(({ kind, data, options = {} }) => ({
        name: kind,
        data,
        retryLimit: JOB_KINDS[kind].retryLimit,
        retryDelay: retryDelay(kind),
        retryBackoff: retryBackoff(kind),
        expireInSeconds: expireSeconds(kind, options.expireSeconds),
        singletonKey: singletonKey(kind, options),
        ...(options.delayMs ? { startAfter: new Date(now + options.delayMs).toISOString() } : {}),
      })),
      { db },
    );
  }

  wake(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  async work<T>(kind: JobKind, concurrency: number, handler: JobHandler<T>): Promise<void> {
    // One pg-boss worker per slot: each polls and runs one job at a time.
    for (let i = 0; i < Math.max(1, concurrency); i++) {
      let workerId: string | undefined;
      workerId = await this.boss.work<T>(
        kind,
        { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true },
        async ([job]) => {
          if (!job) return undefined;
          try {
            // Wrapped so that any value (not only objects) comes back as it was returned.
            const running = {
              id: job.id,
              kind,
              data: job.data,
              retryCount: job.retryCount,
              retryLimit: job.retryLimit,
            };
            return { value: (await handler(running)) ?? null };
          } catch (e) {
            // pg-boss stores what is thrown as the job's output; keep it to the message.
            throw Object.assign(new Error(errorOutput(e).message), { stack: undefined });
          } finally {
            // pg-boss waits out the polling interval after every fetch; after a job there may be
            // more waiting, so fetch again at once (an empty fetch waits as usual).
            if (workerId) this.boss.notifyWorker(workerId);
          }
        },
      );
      this.workerIds.push(workerId);
    }
  }

  private async query(text: string, values: unknown[] = []): Promise<JobRow[]> {
    if (this.stopped) throw new Error("the job queue is stopped");
    return (await this.boss.getDb().executeSql(text, values)).rows as JobRow[];
  }

  async list(query: ListJobsQuery = {}): Promise<JobInfo[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.kind) {
      values.push(query.kind);
      where.push(`name = $${values.length}`);
    }
    if (query.state) {
      values.push(query.state);
      where.push(`state = $${values.length}::${SCHEMA}.job_state`);
    }
    if (query.accounts) {
      values.push([...query.accounts]);
      where.push(`(data->>'accountId' IS NULL OR data->>'accountId' = ANY($${values.length}))`);
    }
    values.push(query.limit ?? 100);
    const w = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const rows = await this.query(
      `SELECT * FROM (
         SELECT ${COLUMNS} FROM ${SCHEMA}.job ${w}
         UNION ALL
         SELECT ${COLUMNS} FROM ${SCHEMA}.archive ${w}
       ) j ORDER BY created_on DESC, id LIMIT $${values.length}`,
      values,
    );
    return rows.map(info);
  }

  async get(id: string): Promise<JobInfo | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const rows = await this.query(
      `SELECT ${COLUMNS} FROM ${SCHEMA}.job WHERE id = $1
       UNION ALL SELECT ${COLUMNS} FROM ${SCHEMA}.archive WHERE id = $1`,
      [id],
    );
    return rows[0] ? info(rows[0]) : undefined;
  }

  async counts(): Promise<Record<string, Partial<Record<JobState, number>>>> {
    const rows = (
      await this.boss.getDb().executeSql(
        `SELECT name AS kind, state::text AS state, count(*)::int AS n FROM (
           SELECT name, state FROM ${SCHEMA}.job UNION ALL SELECT name, state FROM ${SCHEMA}.archive
         ) j GROUP BY name, state`,
        [],
      )
    ).rows as { kind: string; state: JobState; n: number }[];
    return tally(rows);
  }

  async retry(id: string): Promise<boolean> {
    const job = await this.get(id);
    if (!job || (job.state !== "failed" && job.state !== "cancelled")) return false;
    await this.boss.retry(job.kind, id);
    return (await this.get(id))?.state === "retry";
  }

  async cancel(id: string): Promise<boolean> {
    const job = await this.get(id);
    if (!job || (job.state !== "created" && job.state !== "retry")) return false;
    await this.boss.cancel(job.kind, id);
    return (await this.get(id))?.state === "cancelled";
  }

  async idle(kinds?: readonly JobKind[], timeoutMs = 120_000): Promise<void> {
    const names = kinds?.length ? [...kinds] : JOB_KIND_NAMES;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.query(
        `SELECT id FROM ${SCHEMA}.job WHERE name = ANY($1)
           AND (state = 'active' OR (state IN ('created', 'retry')
             AND start_after <= now() + make_interval(secs => $2))) LIMIT 1`,
        [names, IDLE_HORIZON_MS / 1000],
      );
      if (rows.length === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs did not finish within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
