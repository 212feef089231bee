/**
 * The job queue's behaviour, the same on both backends: pg-boss on a real PostgreSQL server and
 * the jobs table of the embedded SQLite database. Two queue objects on one database stand for two
 * processes (each has its own connections).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { openServiceDatabase, type ServiceDatabase } from "../../src/db/service/open.js";
import { type JobQueue, openJobQueue } from "../../src/jobs/index.js";
import { tempDir } from "../advisories/helpers.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";

const KIND = "reevaluate-resource" as const;
const job = (n: number) => ({ accountId: "111111111111", resourceId: `i-${n}` });

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`job queue on ${dialect}`, { timeout: 180_000 }, () => {
    const tmp = tempDir(`jobs-${dialect}`);
    let pg: TestPostgres | undefined;
    let database: ServiceDatabase;
    const queues: JobQueue[] = [];
    const env = { ...process.env };

    const open = async (options: { sole?: boolean } = {}) => {
      const q = openJobQueue(database, { ...(pg ? { url: pg.url } : {}), ...options });
      await q.start();
      queues.push(q);
      return q;
    };

    before(async () => {
      // Fixed one-second retries and two-second expiry keep the retry and crash cases short.
      process.env["VIGIL_JOB_RETRY_DELAY_SECONDS"] = "1";
      process.env["VIGIL_JOB_EXPIRE_SECONDS"] = "2";
      if (dialect === "postgres") pg = await startPostgres();
      database = await openServiceDatabase({
        dataDir: join(tmp.path, "data"),
        ...(pg ? { url: pg.url } : {}),
      });
    });
    afterEach(async () => {
      for (const q of queues.splice(0)) await q.stop(500).catch(() => {});
      // Each case starts from an empty queue.
      if (dialect === "sqlite") await database.db.deleteFrom("jobs").execute();
      else
        await database.db.executeQuery({
          sql: "TRUNCATE vigil_jobs.job, vigil_jobs.archive",
          parameters: [],
          query: {} as never,
          queryId: { queryId: "t" },
        });
    });
    after(async () => {
      await database?.close();
      pg?.stop();
      tmp.cleanup();
      process.env = env;
    });

    it("runs a job once, keeps its output, and lists, shows and counts it", async () => {
      const q = await open();
      const seen: unknown[] = [];
      await q.work<{ resourceId: string }>(KIND, 2, async (j) => {
        seen.push(j.data);
        return { handled: j.data.resourceId };
      });
      const id = await q.send(KIND, job(1));
      assert.ok(id);
      await q.idle([KIND], 20_000);
      await waitFor("completion", async () => (await q.get(id))?.state === "completed");
      const info = (await q.get(id))!;
      assert.deepEqual(seen, [job(1)]);
      assert.deepEqual(info.output, { handled: "i-1" });
      assert.equal(info.kind, KIND);
      assert.equal(info.retryCount, 0);
      assert.ok(info.startedAt !== null && info.completedAt !== null && info.completedAt >= info.startedAt);
      const listed = await q.list({ kind: KIND });
      assert.deepEqual(
        listed.map((j) => j.id),
        [id],
      );
      assert.equal((await q.list({ state: "failed" })).length, 0);
      assert.equal((await q.counts())[KIND]?.completed, 1);
      assert.equal(await q.get("00000000-0000-0000-0000-000000000000"), undefined);
      assert.equal(await q.get("not-a-job-id"), undefined);
    });

    it("retries a failing job, fails it after the kind's retry limit, and retries it on request", async () => {
      const q = await open();
      let attempts = 0;
      let healthy = false;
      await q.work(KIND, 1, async () => {
        attempts++;
        if (attempts === 2) return "second attempt worked";
        if (!healthy) throw new Error(`attempt ${attempts} failed`);
        return "fixed";
      });
      const flaky = (await q.send(KIND, job(1)))!;
      await waitFor("retried success", async () => (await q.get(flaky))?.state === "completed");
      const done = (await q.get(flaky))!;
      assert.equal(done.retryCount, 1);
      assert.equal(done.output, "second attempt worked");

      const broken = (await q.send(KIND, job(2)))!;
      await waitFor("failure", async () => (await q.get(broken))?.state === "failed", 60_000);
      const failed = (await q.get(broken))!;
      assert.equal(failed.retryCount, failed.retryLimit, "every retry was used");
      assert.match(JSON.stringify(failed.output), /failed/);
      assert.equal(attempts, 2 + failed.retryLimit + 1);
      healthy = true;
      assert.equal(await q.retry(broken), true);
      await waitFor("manual retry", async () => (await q.get(broken))?.state === "completed");
      assert.equal(await q.retry(broken), false, "a completed job is not retried");
    });

    it("keeps one waiting job per key, and runs a key's jobs one at a time", async () => {
      const q = await open();
      const first = await q.send(KIND, job(1), { singletonKey: "k" });
      assert.ok(first);
      assert.equal(
        await q.send(KIND, job(1), { singletonKey: "k" }),
        null,
        "duplicate dropped while one waits",
      );
      assert.ok(await q.send(KIND, job(2), { singletonKey: "other" }));
      let running = 0;
      let overlap = false;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const started: string[] = [];
      await q.work<{ resourceId: string }>(KIND, 3, async (j) => {
        started.push(j.data.resourceId);
        if (j.data.resourceId === "i-1") {
          running++;
          if (running > 1) overlap = true;
          await gate;
          running--;
        }
      });
      await waitFor("the first job to run", () => started.includes("i-1"));
      // While it runs, another job for the key may wait (one), not run.
      const second = await q.send(KIND, job(1), { singletonKey: "k" });
      assert.ok(second, "a job for a running key is queued");
      assert.equal(await q.send(KIND, job(1), { singletonKey: "k" }), null);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await q.get(second))!.state !== "active", true, "not run beside the first");
      release();
      await q.idle([KIND], 20_000);
      assert.equal(overlap, false);
      assert.equal((await q.get(second))!.state, "completed");
    });

    it("shares jobs between two processes: each job runs exactly once", async () => {
      const a = await open();
      const b = await open();
      const runs = new Map<string, number>();
      const byQueue = { a: 0, b: 0 };
      for (const [name, q] of [
        ["a", a],
        ["b", b],
      ] as const) {
        await q.work<{ resourceId: string }>(KIND, 2, async (j) => {
          runs.set(j.data.resourceId, (runs.get(j.data.resourceId) ?? 0) + 1);
          byQueue[name]++;
          await new Promise((r) => setTimeout(r, 20));
        });
      }
      for (let i = 0; i < 40; i++) await a.send(KIND, job(i));
      await a.idle([KIND], 60_000);
      await b.idle([KIND], 60_000);
      assert.equal(runs.size, 40);
      assert.ok(
        [...runs.values()].every((n) => n === 1),
        JSON.stringify([...runs]),
      );
      assert.ok(byQueue.a > 0 && byQueue.b > 0, `both took jobs: ${JSON.stringify(byQueue)}`);
    });

    it("retries a job whose worker stopped answering, on another process", async () => {
      const dead = await open();
      const alive = await open();
      let deadStarted = false;
      await dead.work(KIND, 1, async () => {
        deadStarted = true;
        await new Promise(() => {}); // never returns, like a worker killed mid-job
      });
      const id = (await dead.send(KIND, job(7)))!;
      await waitFor("the doomed attempt", () => deadStarted);
      // The process stops taking jobs with its handler still hung, as if it had died.
      await dead.stop(200);
      let rescued = 0;
      await alive.work(KIND, 1, async () => {
        rescued++;
        return "rescued";
      });
      await waitFor(
        "the retry on the live process",
        async () => (await alive.get(id))?.state === "completed",
        60_000,
      );
      const info = (await alive.get(id))!;
      assert.equal(rescued, 1);
      assert.equal(info.retryCount, 1);
      assert.equal(info.output, "rescued");
    });

    it("cancels a waiting job, and only a waiting one", async () => {
      const q = await open();
      const id = (await q.send(KIND, job(1), { delayMs: 60_000 }))!;
      assert.equal(await q.cancel(id), true);
      assert.equal((await q.get(id))!.state, "cancelled");
      assert.equal(await q.cancel(id), false);
      await q.idle([KIND], 5_000);
    });

    if (dialect === "sqlite") {
      it("the embedded server retries at start what its previous run left active", async () => {
        const first = await open();
        await first.work(KIND, 1, () => new Promise(() => {}));
        const id = (await first.send(KIND, job(3)))!;
        await waitFor("active", async () => (await first.get(id))?.state === "active");
        process.env["VIGIL_JOB_EXPIRE_SECONDS"] = "600"; // not expiry: the restart retries it
        try {
          const restarted = await open({ sole: true });
          assert.equal((await restarted.get(id))!.state, "retry");
        } finally {
          process.env["VIGIL_JOB_EXPIRE_SECONDS"] = "2";
        }
      });
    }
  });
}
