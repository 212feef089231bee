/**
 * Crash safety of re-evaluation jobs. A new advisory hits every one of 400 hosts; the process
 * running the re-evaluation jobs is SIGKILLed in the middle of them:
 *  - PostgreSQL: `vigil worker` (pg-boss) is killed; `vigil serve` keeps running, a second worker
 *    takes over, and the job the dead one held is retried when it expires;
 *  - SQLite (embedded): `vigil serve` itself is killed and started again.
 * Afterwards the state must equal a clean run: every host has the one new finding, a fresh
 * evaluation of every host changes nothing, each job completed once, and (PostgreSQL) each new
 * finding produced one event, delivered to the webhook.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openAdvisoryStore } from "../../src/advisories/store.js";
import { updateAdvisories } from "../../src/advisories/update.js";
import { openServiceDatabase, type ServiceDatabase } from "../../src/db/service/open.js";
import type { Package } from "../../src/extractors/types.js";
import { type JobQueue, openJobQueue, requestReevaluation } from "../../src/jobs/index.js";
import { signedFetch } from "../../src/server/client.js";
import { loadMasterKey } from "../../src/service/keys.js";
import { type Principal, VigilService } from "../../src/service/service.js";
import { makeZip, mirrorWith, osvRecord, tempDir, zipEntries } from "../advisories/helpers.js";
import { vulndataDir } from "../support/fixtures.js";
import { freePort } from "../support/net.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { pypi } from "../support/service.js";
import { startVigilServe, startVigilWorker, type VigilProcess } from "../support/vigil-process.js";

const ACCOUNT = "123456789012";
const HOSTS = 400;
const MARKER = "vigil-crash-marker";
const ADVISORY = "PYSEC-2099-CRASH";
const admin: Principal = { accountId: ACCOUNT, id: "seed", readOnly: false };

/** An installed Python application (real vulnerable versions) plus the marker the new advisory names. */
function hostPackages(n: number): Package[] {
  return [
    pypi("langchain", "0.0.150"),
    pypi("llama-index", "0.7.0"),
    pypi("requests", n % 2 ? "2.30.0" : "2.31.0"),
    pypi("urllib3", "1.24.1"),
    pypi("Jinja2", "2.10"),
    pypi("PyYAML", "5.3"),
    pypi(MARKER, "1.0.0"),
  ];
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const dialect of ["postgres", "sqlite"] as const) {
  describe(`SIGKILL in the middle of a re-evaluation (${dialect})`, { timeout: 600_000 }, () => {
    const tmp = tempDir(`crash-${dialect}`);
    const dataDir = join(tmp.path, "data");
    const env = { ...process.env };
    let pg: TestPostgres | undefined;
    let rx: Receiver | undefined;
    const processes: VigilProcess[] = [];
    const dbArgs = () => (pg ? ["--database", pg.url] : []);

    /** The service in this process, for seeding and for the clean-run comparison. */
    const withService = async <T>(fn: (s: VigilService, db: ServiceDatabase) => Promise<T>) => {
      const database = await openServiceDatabase({ dataDir, ...(pg ? { url: pg.url } : {}) });
      const store = openAdvisoryStore(dataDir);
      try {
        return await fn(
          new VigilService(database, store, loadMasterKey(dataDir), { region: "local" }),
          database,
        );
      } finally {
        await database.close();
        store.close();
      }
    };
    const withQueue = async <T>(fn: (q: JobQueue) => Promise<T>) =>
      withService(async (_s, database) => {
        const q = openJobQueue(database, { url: pg?.url, passive: true });
        await q.start();
        try {
          return await fn(q);
        } finally {
          await q.stop(500);
        }
      });
    const reevaluations = () => withQueue(async (q) => (await q.counts())["reevaluate-resource"] ?? {});

    before(async () => {
      // Abandoned jobs are retried after 3 s (the default is minutes).
      process.env["VIGIL_JOB_EXPIRE_SECONDS"] = "3";
      process.env["VIGIL_JOB_RETRY_DELAY_SECONDS"] = "1";
      if (dialect === "postgres") pg = await startPostgres();
      await updateAdvisories({ dataDir, mirror: vulndataDir, feeds: ["osv:PyPI"] });
      await withService(async (s) => {
        for (let n = 0; n < HOSTS; n++) {
          await s.submitInventory(
            admin,
            { id: `i-${String(n).padStart(17, "0")}`, type: "AWS_EC2_INSTANCE" },
            { packages: hostPackages(n) },
          );
        }
        // Settle the advisory cursor: the seeded findings are current.
        await s.reevaluate();
      });
    });
    after(async () => {
      for (const p of processes) p.child.kill("SIGKILL");
      await rx?.close();
      pg?.stop();
      tmp.cleanup();
      process.env = env;
    });

    it("finishes every re-evaluation once after the kill, with the state of a clean run", async () => {
      const port = await freePort();
      // PostgreSQL: the server takes no jobs, workers do. SQLite: the server is the worker.
      const serve = await startVigilServe(dataDir, port, [
        ...dbArgs(),
        ...(pg ? ["--workers", "0"] : ["--workers", "1"]),
      ]);
      processes.push(serve);
      const url = `http://127.0.0.1:${port}`;
      // Every finding event goes to a webhook (the outbox is written in the jobs' transactions).
      rx = await startReceiver();
      await withService(async (s) => {
        const k = await s.createKey(ACCOUNT);
        for (const [path, body] of [
          [
            "/v1/events/targets/hook",
            { type: "webhook", config: { url: `${rx!.url}/e`, initialDelaySeconds: 0.05 } },
          ],
          ["/v1/events/rules/all", { pattern: { "detail-type": ["Inspector2 Finding"] }, targets: ["hook"] }],
        ] as const) {
          const r = await signedFetch(url, path, body, k, { method: "PUT" });
          assert.equal(r.status, 200, JSON.stringify(r.json));
        }
      });

      // The new advisory: every host has the marker.
      const entries = await zipEntries(join(vulndataDir, "osv", "PyPI", "all.zip"));
      const record = osvRecord({
        id: ADVISORY,
        summary: "crash test advisory",
        affected: [
          {
            package: { ecosystem: "PyPI", name: MARKER },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.1" }] }],
          },
        ],
        severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
      });
      const mirror = mirrorWith(tmp.path, {
        "osv/PyPI/all.zip": makeZip([...entries, { name: `${ADVISORY}.json`, data: record }]),
      });
      await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });

      let victim: VigilProcess;
      if (pg) victim = await startVigilWorker(dataDir, [...dbArgs(), "--concurrency", "1"]);
      else victim = serve;
      processes.push(victim);
      await withQueue((q) => requestReevaluation(q));

      // Kill once a sixth of the hosts are done, with one job in hand.
      const atKill = await waitFor("re-evaluations under way", async () => {
        const c = await reevaluations();
        return (c.completed ?? 0) >= HOSTS / 6 && (c.active ?? 0) > 0 ? c : undefined;
      });
      victim.child.kill("SIGKILL");
      await new Promise((r) => victim.child.once("exit", r));
      assert.ok((atKill.completed ?? 0) < HOSTS, `killed mid-way: ${JSON.stringify(atKill)}`);

      if (pg) processes.push(await startVigilWorker(dataDir, [...dbArgs(), "--concurrency", "2"]));
      else processes.push(await startVigilServe(dataDir, port, ["--workers", "2"]));

      const done = await waitFor("every re-evaluation", async () => {
        const c = await reevaluations();
        return (c.completed ?? 0) + (c.failed ?? 0) >= HOSTS && !c.active && !c.created && !c.retry
          ? c
          : undefined;
      });
      assert.equal(done.failed ?? 0, 0);
      // At least once: a planner killed before it moved the advisory cursor is retried and
      // queues its hosts again (those done already re-run and find nothing to change).
      const jobs = await withQueue((q) => q.list({ limit: HOSTS * 4 }));
      const perHost = new Map<string, number>();
      for (const j of jobs.filter((x) => x.kind === "reevaluate-resource")) {
        const id = (j.data as { resourceId: string }).resourceId;
        perHost.set(id, (perHost.get(id) ?? 0) + 1);
      }
      assert.equal(perHost.size, HOSTS, "every host was re-evaluated");
      const retried = jobs.filter((j) => j.retryCount > 0 && j.state === "completed");
      assert.ok(retried.length >= 1, "the job the killed process held was retried");

      await withService(async (s, database) => {
        const rows = await database.db
          .selectFrom("findings")
          .select(["resource_id", "status"])
          .where("vulnerability_id", "=", ADVISORY)
          .execute();
        assert.equal(rows.length, HOSTS, "one finding per host, no duplicates");
        assert.equal(new Set(rows.map((r) => r.resource_id)).size, HOSTS);
        assert.ok(rows.every((r) => r.status === "ACTIVE"));
        // A clean evaluation of every host from here changes nothing.
        let changes = 0;
        for (let n = 0; n < HOSTS; n++) {
          const r = await s.reevaluateResource(ACCOUNT, `i-${String(n).padStart(17, "0")}`);
          changes += (r?.opened ?? 0) + (r?.closed ?? 0) + (r?.changed ?? 0);
        }
        assert.equal(changes, 0, "the end state equals a clean run");
        // One "Inspector2 Finding" event per new finding in the outbox (none twice), all delivered.
        const events = await database.db
          .selectFrom("events")
          .select("body")
          .where("detail_type", "=", "Inspector2 Finding")
          .execute();
        const arns = events
          .map((e) => JSON.parse(e.body) as { detail: { findingArn: string; title: string } })
          .filter((e) => e.detail.title.includes(ADVISORY))
          .map((e) => e.detail.findingArn);
        assert.equal(arns.length, HOSTS);
        assert.equal(new Set(arns).size, HOSTS);
        await rx!.until(
          (reqs) =>
            new Set(
              reqs
                .map((q) => JSON.parse(q.body) as { detail?: { findingArn?: string; title?: string } })
                .filter((e) => e.detail?.title?.includes(ADVISORY))
                .map((e) => e.detail!.findingArn),
            ).size === HOSTS,
          120_000,
        );
      });
    });
  });
}
