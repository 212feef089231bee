import type { Insertable, Selectable } from "kysely";
import type { ServiceDb } from "../db/service/open.js";
import type { ScanJobsTable } from "../db/service/schema.js";

export type ScanJob = Selectable<ScanJobsTable>;

/** What became of a job: done, failed for good, or to be tried again at a time. */
export type JobOutcome =
  | { state: "done" }
  | { state: "failed"; error: string }
  | { state: "retry"; error: string; at: number };

/**
 * The image scan queue, kept in the service database so that pushes received before a restart
 * are still scanned after it. Workers in this process take the oldest due job; jobs of one
 * repository run one at a time (tags and digests of a repository are updated together).
 */
export class ScanQueue {
  private readonly running = new Map<number, Promise<void>>();
  private readonly busyRepos = new Set<string>();
  private readonly waiters: (() => void)[] = [];
  private pumping = false;
  private stopped = true;

  constructor(
    private readonly db: ServiceDb,
    private readonly now: () => number,
    private readonly workers: number,
    private readonly run: (job: ScanJob) => Promise<JobOutcome>,
  ) {}

  /** Queues a job unless the same one is already waiting (or `force`); returns its id if queued. */
  async enqueue(
    job: Pick<
      Insertable<ScanJobsTable>,
      "account_id" | "registry_id" | "repository" | "reference" | "tag" | "reason"
    >,
    options: { force?: boolean; delayMs?: number } = {},
  ): Promise<number | undefined> {
    let q = this.db
      .selectFrom("scan_jobs")
      .select("id")
      .where("registry_id", "=", job.registry_id)
      .where("repository", "=", job.repository)
      .where("reference", "=", job.reference)
      .where("state", "=", "queued");
    q = job.tag == null ? q.where("tag", "is", null) : q.where("tag", "=", job.tag);
    if ((await q.executeTakeFirst()) && !options.force) return undefined;
    const now = this.now();
    const res = await this.db
      .insertInto("scan_jobs")
      .values({
        ...job,
        tag: job.tag ?? null,
        state: "queued",
        attempts: 0,
        error: null,
        not_before: now + (options.delayMs ?? 0),
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    this.wake();
    return Number(res.id);
  }

  /** Starts taking jobs; those a crash left running are queued again. */
  async start(): Promise<void> {
    await this.db.updateTable("scan_jobs").set({ state: "queued" }).where("state", "=", "running").execute();
    this.stopped = false;
    this.wake();
  }

  /** Stops taking jobs and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves once nothing is queued (due now) or running. */
  async idle(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.wake();
      const due = await this.db
        .selectFrom("scan_jobs")
        .select("id")
        .where("state", "in", ["queued", "running"])
        .where("not_before", "<=", this.now())
        .executeTakeFirst();
      if (!due && this.running.size === 0) return;
      if (Date.now() > deadline) throw new Error("registry scans did not finish in time");
      await new Promise<void>((res) => {
        const t = setTimeout(res, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Looks for due jobs now (after an enqueue, a finished job, or on the scanner's tick). */
  wake(): void {
    if (!this.stopped) void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.running.size < this.workers) {
        const job = await this.claim();
        if (!job) break;
        const key = `${job.registry_id}\0${job.repository}`;
        this.busyRepos.add(key);
        const done = this.execute(job).finally(() => {
          this.running.delete(Number(job.id));
          this.busyRepos.delete(key);
          for (const w of this.waiters.splice(0)) w();
          this.wake();
        });
        this.running.set(Number(job.id), done);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Takes the oldest due job whose repository is not being scanned. */
  private async claim(): Promise<ScanJob | undefined> {
    const candidates = await this.db
      .selectFrom("scan_jobs")
      .selectAll()
      .where("state", "=", "queued")
      .where("not_before", "<=", this.now())
      .orderBy("id")
      .limit(50)
      .execute();
    for (const c of candidates) {
      if (this.busyRepos.has(`${c.registry_id}\0${c.repository}`)) continue;
      const taken = await this.db
        .updateTable("scan_jobs")
        .set({ state: "running", attempts: c.attempts + 1, updated_at: this.now() })
        .where("id", "=", c.id)
        .where("state", "=", "queued")
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return { ...c, attempts: c.attempts + 1 };
    }
    return undefined;
  }

  private async execute(job: ScanJob): Promise<void> {
    let outcome: JobOutcome;
    try {
      outcome = await this.run(job);
    } catch (e) {
      outcome = { state: "failed", error: e instanceof Error ? e.message : String(e) };
    }
    await this.db
      .updateTable("scan_jobs")
      .set({
        state: outcome.state === "retry" ? "queued" : outcome.state,
        error: outcome.state === "done" ? null : outcome.error,
        updated_at: this.now(),
        ...(outcome.state === "retry" ? { not_before: outcome.at } : {}),
      })
      .where("id", "=", job.id)
      .execute();
  }
}
