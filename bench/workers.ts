/**
 * Job throughput with 1, 2 and 4 `vigil worker` processes on one PostgreSQL: hosts holding real
 * PyPI packages, then a new advisory that affects every host; the time from queuing the
 * re-evaluation to the last host's job, per worker count (each worker runs 2 jobs at a time).
 *
 * Run alone: `npm run build && node dist/bench/workers.js`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAdvisoryStore } from "../src/advisories/store.js";
import { updateAdvisories } from "../src/advisories/update.js";
import { openServiceDatabase } from "../src/db/service/open.js";
import type { Package } from "../src/extractors/types.js";
import { openJobQueue, requestReevaluation } from "../src/jobs/index.js";
import { loadMasterKey } from "../src/service/keys.js";
import { VigilService } from "../src/service/service.js";
import { makeZip, mirrorWith, osvRecord, zipEntries } from "../test/advisories/helpers.js";
import { repoRoot } from "../test/support/fixtures.js";
import { startPostgres } from "../test/support/postgres.js";
import { pypi } from "../test/support/service.js";

const HOSTS = Number(process.env["BENCH_WORKER_HOSTS"] ?? 2000);
const WORKER_COUNTS = [1, 2, 4];
const ACCOUNT = "100000000002";
const marker = (n: number) => `vigil-bench-worker-marker-${n}`;

/** A Python application's real packages (several with advisories) and one marker per run. */
const PACKAGES: Package[] = [
  pypi("langchain", "0.0.150"),
  pypi("llama-index", "0.7.0"),
  pypi("requests", "2.30.0"),
  pypi("urllib3", "1.24.1"),
  pypi("Jinja2", "2.10"),
  pypi("PyYAML", "5.3"),
  pypi("Django", "3.2.0"),
  pypi("Flask", "1.0"),
  pypi("numpy", "1.21.0"),
  pypi("pillow", "8.0.0"),
  ...WORKER_COUNTS.map((_, i) => pypi(marker(i), "1.0.0")),
];

/** /proc/<pid>/stat fields after the command name (index 0 is the state, 1 the parent pid). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // exited
  }
}

/** CPU seconds a process has used so far (utime + stime; Linux clock ticks of 10 ms). */
function processCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / 100 : 0;
}

/**
 * CPU seconds the PostgreSQL server has used so far: the postmaster, its live backends, and the
 * backends that have exited (their time is added to the postmaster's children time when reaped).
 */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const own = statFields(postmaster);
  let ticks = own ? Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]) : 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / 100;
}

function startWorker(dataDir: string, url: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, "dist/src/cli/bin.js"),
      "--data-dir",
      dataDir,
      "worker",
      "--database",
      url,
      "--concurrency",
      "2",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString("utf8");
      if (err.includes("vigil worker:")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`vigil worker exited with ${code}: ${err}`)));
  });
}

export async function benchWorkers(vulndata: string): Promise<Record<string, unknown>> {
  const tmp = mkdtempSync(join(tmpdir(), "vigil-bench-workers-"));
  const dataDir = join(tmp, "data");
  const pg = await startPostgres();
  try {
    await updateAdvisories({ dataDir, mirror: vulndata, feeds: ["osv:PyPI"] });
    const database = await openServiceDatabase({ dataDir, url: pg.url });
    const store = openAdvisoryStore(dataDir);
    const service = new VigilService(database, store, loadMasterKey(dataDir), { region: "local" });
    const principal = { accountId: ACCOUNT, id: "bench", readOnly: false };
    const t0 = performance.now();
    for (let n = 0; n < HOSTS; n++) {
      await service.submitInventory(
        principal,
        { id: `i-${n.toString(16).padStart(17, "0")}`, type: "AWS_EC2_INSTANCE" },
        { packages: PACKAGES },
      );
    }
    const seedMs = performance.now() - t0;
    await service.reevaluate(); // settle the advisory cursor
    const queue = openJobQueue(database, { url: pg.url, passive: true });
    await queue.start();
    const entries = await zipEntries(join(vulndata, "osv", "PyPI", "all.zip"));
    const added: { name: string; data: string }[] = [];
    const runs: Record<string, unknown>[] = [];
    for (const [i, workers] of WORKER_COUNTS.entries()) {
      added.push({
        name: `PYSEC-BENCH-W${i}.json`,
        data: osvRecord({
          id: `PYSEC-BENCH-W${i}`,
          summary: "worker benchmark advisory",
          affected: [
            {
              package: { ecosystem: "PyPI", name: marker(i) },
              ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.1" }] }],
            },
          ],
        }),
      });
      const mirror = mirrorWith(tmp, { "osv/PyPI/all.zip": makeZip([...entries, ...added]) });
      await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
      const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(dataDir, pg.url)));
      try {
        const cpu0 = procs.map((p) => processCpuSeconds(p.pid!));
        const pg0 = postgresCpuSeconds(pg.dataDir);
        const start = performance.now();
        await requestReevaluation(queue);
        // The planner runs first; then every host's job, until none waits or runs.
        await new Promise((r) => setTimeout(r, 200));
        await queue.idle(["reevaluate", "reevaluate-resource"], 600_000);
        const ms = performance.now() - start;
        const workerCpu = procs.reduce((a, p, k) => a + processCpuSeconds(p.pid!) - cpu0[k]!, 0);
        const postgresCpu = postgresCpuSeconds(pg.dataDir) - pg0;
        const opened = Number(
          (
            await database.db
              .selectFrom("findings")
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .where("vulnerability_id", "=", `PYSEC-BENCH-W${i}`)
              .executeTakeFirstOrThrow()
          ).n,
        );
        runs.push({
          workers,
          ms: Math.round(ms),
          hostsPerSecond: Math.round((HOSTS / ms) * 1000),
          opened,
          // Where the CPU went: the workers' processes and the PostgreSQL server's.
          workerCpuMsPerHost: Number(((workerCpu / HOSTS) * 1000).toFixed(2)),
          postgresCpuMsPerHost: Number(((postgresCpu / HOSTS) * 1000).toFixed(2)),
        });
        process.stderr.write(`workers bench: ${workers} worker(s): ${HOSTS} hosts in ${Math.round(ms)} ms\n`);
      } finally {
        for (const p of procs) p.kill("SIGTERM");
        await Promise.all(procs.map((p) => new Promise((r) => p.once("exit", r))));
      }
    }
    await queue.stop(1000);
    await database.close();
    store.close();
    const rate = (w: number) =>
      Number((runs.find((r) => r["workers"] === w)?.["hostsPerSecond"] as number) ?? 0);
    // What the machine allows: each worker is one Node.js thread (at most one core), and every host
    // costs the CPU the one-worker run measured (worker + PostgreSQL), so N workers reach at most
    // min(N ÷ worker CPU per host, cores ÷ (worker + PostgreSQL CPU per host)).
    const cores = (await import("node:os")).cpus().length;
    const one = runs.find((r) => r["workers"] === 1);
    const ceiling = (w: number) => {
      const workerCpu = Number(one?.["workerCpuMsPerHost"]) / 1000;
      const postgresCpu = Number(one?.["postgresCpuMsPerHost"]) / 1000;
      if (!(workerCpu > 0 && postgresCpu >= 0 && rate(1) > 0)) return undefined;
      return Number((Math.min(w / workerCpu, cores / (workerCpu + postgresCpu)) / rate(1)).toFixed(2));
    };
    return {
      hosts: HOSTS,
      packagesPerHost: PACKAGES.length,
      seedMs: Math.round(seedMs),
      runs,
      scaling2: Number((rate(2) / Math.max(1, rate(1))).toFixed(2)),
      scaling4: Number((rate(4) / Math.max(1, rate(1))).toFixed(2)),
      cores,
      ceiling2: ceiling(2),
      ceiling4: ceiling(4),
      machine: `${(await import("node:os")).cpus().length} cores (workers, PostgreSQL and the planner share them)`,
      goal: "2 and 4 workers reach ≥ 80% of the speed-up the machine's cores allow (the ceiling from the one-worker run's CPU use)",
    };
  } finally {
    pg.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const { vulndataDir } = await import("../test/support/fixtures.js");
  process.stdout.write(`${JSON.stringify(await benchWorkers(vulndataDir), null, 2)}\n`);
}
