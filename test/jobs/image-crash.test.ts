/**
 * Crash safety of image scans on PostgreSQL: `vigil serve` (no workers of its own) and a
 * `vigil worker` share one database; an image pushed to Debian's docker-registry is queued for a
 * scan; the worker is SIGKILLed while it pulls and inventories it. A second worker takes the job
 * once the first one's claim (and its repository lease) runs out, and the image ends with exactly
 * the findings a clean scan of the same image gives: nothing lost, nothing twice.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openAdvisoryStore } from "../../src/advisories/store.js";
import { updateAdvisories } from "../../src/advisories/update.js";
import { openServiceDatabase } from "../../src/db/service/open.js";
import { type JobInfo, openJobQueue } from "../../src/jobs/index.js";
import { openTarget, scanTree } from "../../src/pipeline/scan.js";
import { signedFetch } from "../../src/server/client.js";
import { loadMasterKey } from "../../src/service/keys.js";
import { VigilService } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { imageFixture, vulndataDir } from "../support/fixtures.js";
import { freePort } from "../support/net.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { startRegistry, type TestRegistry } from "../support/registry.js";
import { startVigilServe, startVigilWorker, type VigilProcess } from "../support/vigil-process.js";
import { waitFor } from "../support/wait.js";

const ACCOUNT = "123456789012";

describe("SIGKILL of a worker in the middle of an image scan (PostgreSQL)", { timeout: 600_000 }, () => {
  const tmp = tempDir("image-crash");
  const dataDir = join(tmp.path, "data");
  const env = { ...process.env };
  let pg: TestPostgres;
  let registry: TestRegistry;
  const processes: VigilProcess[] = [];

  const waitLong = <T>(what: string, check: () => Promise<T | undefined>) => waitFor(what, check, 240_000);
  const jobsOf = async (): Promise<JobInfo[]> => {
    const database = await openServiceDatabase({ dataDir, url: pg.url });
    const q = openJobQueue(database, { url: pg.url, passive: true });
    try {
      await q.start();
      return await q.list({ kind: "image-scan", limit: 50 });
    } finally {
      await q.stop(500);
      await database.close();
    }
  };

  before(async () => {
    process.env["VIGIL_JOB_EXPIRE_SECONDS"] = "4";
    process.env["VIGIL_JOB_RETRY_DELAY_SECONDS"] = "1";
    pg = await startPostgres();
    // Debian (the image's dpkg packages) and Go (its skopeo binary is built with old modules).
    await updateAdvisories({ dataDir, mirror: vulndataDir, feeds: ["osv:Debian", "osv:Go"] });
    registry = await startRegistry();
  });
  after(async () => {
    for (const p of processes) p.child.kill("SIGKILL");
    await registry?.stop();
    pg?.stop();
    tmp.cleanup();
    process.env = env;
  });

  it("scans the image once more after the kill, to the findings of a clean scan", async () => {
    const fx = imageFixture();
    const digest = await registry.push(`oci:${fx.layout}:v1`, "team/app:1.0");
    const port = await freePort();
    const serve = await startVigilServe(dataDir, port, ["--database", pg.url, "--workers", "0"]);
    processes.push(serve);
    const url = `http://127.0.0.1:${port}`;
    const key = await (async () => {
      const database = await openServiceDatabase({ dataDir, url: pg.url });
      const store = openAdvisoryStore(dataDir);
      try {
        return await new VigilService(database, store, loadMasterKey(dataDir), { region: "local" }).createKey(
          ACCOUNT,
        );
      } finally {
        await database.close();
        store.close();
      }
    })();
    const call = async (path: string, body: unknown) => {
      const r = await signedFetch(url, path, body, key);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
      return r.json;
    };
    await call("/v1/registries", {
      name: "local",
      url: registry.url,
      settings: { pollIntervalMinutes: 0, rules: [{ repositories: ["**"], mode: "continuous" }] },
    });
    const { jobId } = (await call("/v1/registries/local/scan", {
      repository: "team/app",
      reference: "1.0",
    })) as {
      jobId: string;
    };
    assert.match(jobId, /^[0-9a-f-]{36}$/);

    const first = await startVigilWorker(dataDir, ["--database", pg.url, "--concurrency", "1"]);
    processes.push(first);
    await waitLong("the scan to start", async () =>
      (await jobsOf()).find((j) => j.id === jobId && j.state === "active") ? true : undefined,
    );
    // In the middle of the pull and inventory.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await jobsOf()).find((j) => j.id === jobId)?.state, "active", "still scanning at the kill");
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    processes.push(await startVigilWorker(dataDir, ["--database", pg.url, "--concurrency", "2"]));
    // The job is retried once its claim expires; while the dead worker's lease on the repository
    // lasts, the retry defers to a follow-up job (named in its output), which scans.
    const settled = async (id: string): Promise<JobInfo> =>
      waitLong(`job ${id}`, async () => {
        const job = (await jobsOf()).find((j) => j.id === id);
        return job && (job.state === "completed" || job.state === "failed") ? job : undefined;
      });
    const chain = [await settled(jobId)];
    for (;;) {
      const last = chain[chain.length - 1]!;
      const next = (last.output as { next?: string } | null)?.next;
      if (!next) break;
      chain.push(await settled(next));
    }
    assert.ok(chain[0]!.retryCount >= 1, "retried after the kill");
    const final = chain[chain.length - 1]!;
    assert.equal(final.state, "completed", JSON.stringify(chain));
    assert.deepEqual(final.output, { scanned: "team/app@1.0" });
    assert.equal(
      (await jobsOf()).filter((j) => (j.output as { scanned?: string } | null)?.scanned).length,
      1,
      "scanned once after the kill",
    );

    // The image's findings equal a clean local scan of the same image with the same advisories.
    const store = openAdvisoryStore(dataDir);
    const clean = await (async () => {
      const target = await openTarget(`${fx.layout}:v1`);
      try {
        return await scanTree(target, store);
      } finally {
        target.close();
        store.close();
      }
    })();
    const expected = new Set(
      clean.findings
        .filter((f) => f.type === "PACKAGE_VULNERABILITY")
        .map(
          (f) =>
            `${f.packageVulnerabilityDetails!.vulnerabilityId} ${f.packageVulnerabilityDetails!.vulnerablePackages[0]!.name}`,
        ),
    );
    assert.ok(expected.size > 0, "the image has findings");
    const database = await openServiceDatabase({ dataDir, url: pg.url });
    try {
      const rows = await database.db
        .selectFrom("findings")
        .select(["finding_arn", "vulnerability_id", "package_name", "status", "resource_id"])
        .where("account_id", "=", ACCOUNT)
        .execute();
      const ids = new Set(rows.map((r) => r.resource_id));
      assert.deepEqual([...ids], [`${registry.host}/team/app@${digest}`]);
      const got = rows.map((r) => `${r.vulnerability_id} ${r.package_name}`);
      assert.equal(new Set(got).size, got.length, "no finding twice");
      assert.deepEqual(new Set(got), expected);
      assert.ok(rows.every((r) => r.status === "ACTIVE"));
    } finally {
      await database.close();
    }
  });
});
