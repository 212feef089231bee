import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { openAdvisoryStore } from "../advisories/store.js";
import { openServiceDatabase } from "../db/service/open.js";
import { Deliverer } from "../events/deliverer.js";
import { HostMounts, HostService } from "../hosts/hosts.js";
import {
  isJobKind,
  JOB_KIND_NAMES,
  JOB_KINDS,
  JOB_STATES,
  type JobInfo,
  type JobQueue,
  type JobState,
  openJobQueue,
  startJobWorkers,
} from "../jobs/index.js";
import { layerCacheDir, RegistryScanner } from "../registries/scanner.js";
import { Exports } from "../service/exports.js";
import { loadMasterKey } from "../service/keys.js";
import { VigilService } from "../service/service.js";

const DATABASE_HELP = "the service database (default: SQLite in the data directory)";

/** Runs `fn` with the job queue of the data directory's (or `--database`'s) service database. */
async function withQueue<T>(
  dataDir: string,
  url: string | undefined,
  fn: (queue: JobQueue) => Promise<T>,
): Promise<T> {
  const database = await openServiceDatabase({ dataDir, ...(url ? { url } : {}) });
  const queue = openJobQueue(database, { url, passive: true });
  try {
    await queue.start();
    return await fn(queue);
  } finally {
    await queue.stop(1000);
    await database.close();
  }
}

const iso = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z"));

function line(j: JobInfo): string {
  const owner = (j.data as { accountId?: string; resourceId?: string } | null) ?? {};
  const what = [owner.accountId, owner.resourceId].filter(Boolean).join(" ");
  return `${j.id}  ${j.kind.padEnd(20)} ${j.state.padEnd(9)} tries ${j.retryCount + (j.state === "created" ? 0 : 1)}/${j.retryLimit + 1}  ${iso(j.createdAt)}  ${what}`;
}

interface WorkerOptions {
  database?: string;
  concurrency: number;
  region: string;
  commandDir?: string;
}

/** `vigil worker` and `vigil jobs …`. */
export function jobCommands(program: Command, dataDirOf: (cmd: Command) => string): void {
  program
    .command("worker")
    .description(
      "take background jobs (image scans, re-evaluations, exports, event deliveries) from the service database's queue; run as many as needed",
    )
    .option(
      "--database <url>",
      "postgres://… shared with the servers (default: SQLite in the data directory)",
    )
    .option("--concurrency <n>", "jobs run at once by this process", (v) => positive(v), 2)
    .option("--region <name>", "region name used in ARNs (as the servers use)", "local")
    .option(
      "--command-dir <dir>",
      "directory of programs that event targets of type command may run (as vigil serve's)",
    )
    .action(async (o: WorkerOptions, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      const log = (s: string) => process.stderr.write(`${s}\n`);
      const store = openAdvisoryStore(dataDir);
      const database = await openServiceDatabase({ dataDir, ...(o.database ? { url: o.database } : {}) });
      const service = new VigilService(database, store, loadMasterKey(dataDir), {
        region: o.region,
        ...(o.commandDir ? { commandDir: resolve(o.commandDir) } : {}),
      });
      const queue = openJobQueue(database, { url: o.database, log });
      await queue.start();
      service.events.useJobs(queue);
      // Event deliveries: command targets run their programs from --command-dir on this host.
      const deliverer = new Deliverer(database.db, service.events, queue, { log });
      await deliverer.start();
      // Reports are written under this data directory's reports/: share it with the servers.
      const exports = new Exports(service, resolve(dataDir, "reports"), queue);
      // Agentless disk scans read their mount paths here: mount them on the workers too.
      const mounts = new HostMounts(service, new HostService(service), queue);
      await startJobWorkers(queue, service, { concurrency: o.concurrency, exports, mounts, log });
      // Image scans: this process pulls through its own layer cache; the registry schedule (polls,
      // notifications) stays with the servers.
      const registries = new RegistryScanner(service, loadMasterKey(dataDir), {
        cacheDir: layerCacheDir(dataDir),
        jobs: queue,
        workers: 0,
        log,
      });
      await registries.work(o.concurrency);
      log(
        `vigil worker: ${queue.backend} queue on ${database.label}, ${o.concurrency} at a time (${JOB_KIND_NAMES.join(", ")})`,
      );
      await new Promise<void>((done) => {
        const stop = () => {
          log("vigil worker: stopping after the running jobs …");
          void queue
            .stop()
            .then(() => deliverer.stop())
            .then(() => database.close())
            .then(() => store.close())
            .then(done);
        };
        process.removeAllListeners("SIGINT");
        process.removeAllListeners("SIGTERM");
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  const jobs = program
    .command("jobs")
    .description("background jobs: list, show, retry, cancel")
    .option("--kind <kind>", `only this kind (${JOB_KIND_NAMES.join(", ")})`)
    .option("--state <state>", `only this state (${JOB_STATES.join(", ")})`)
    .option("--limit <n>", "at most this many, newest first", (v) => positive(v), 50)
    .option("--json", "machine-readable output")
    .option("--database <url>", DATABASE_HELP)
    .action(
      async (
        o: { kind?: string; state?: string; limit: number; json?: boolean; database?: string },
        cmd: Command,
      ) => {
        if (o.kind && !isJobKind(o.kind))
          throw new Error(`--kind ${o.kind}: expected one of ${JOB_KIND_NAMES.join(", ")}`);
        if (o.state && !(JOB_STATES as readonly string[]).includes(o.state))
          throw new Error(`--state ${o.state}: expected one of ${JOB_STATES.join(", ")}`);
        await withQueue(dataDirOf(cmd), o.database, async (queue) => {
          const list = await queue.list({
            ...(o.kind ? { kind: o.kind } : {}),
            ...(o.state ? { state: o.state as JobState } : {}),
            limit: o.limit,
          });
          const counts = await queue.counts();
          if (o.json) {
            process.stdout.write(
              `${JSON.stringify({ backend: queue.backend, counts, jobs: list }, null, 2)}\n`,
            );
            return;
          }
          process.stdout.write(`${queue.backend} queue\n`);
          for (const kind of JOB_KIND_NAMES) {
            const c = counts[kind] ?? {};
            const waiting = (c.created ?? 0) + (c.retry ?? 0);
            process.stdout.write(
              `  ${kind.padEnd(20)} waiting ${waiting}  running ${c.active ?? 0}  done ${c.completed ?? 0}  failed ${c.failed ?? 0}  cancelled ${c.cancelled ?? 0}   ${JOB_KINDS[kind].description}\n`,
            );
          }
          if (list.length) process.stdout.write("\n");
          for (const j of list) process.stdout.write(`${line(j)}\n`);
        });
      },
    );
  /** Runs `fn` on job `id` of the queue the subcommand names (an unknown id is an error). */
  const withJob = (
    cmd: Command,
    o: { database?: string },
    id: string,
    fn: (queue: JobQueue, job: JobInfo) => Promise<void>,
  ) =>
    withQueue(dataDirOf(cmd.parent!), o.database, async (queue) => {
      const job = await queue.get(id);
      if (!job) throw new Error(`no job ${id}`);
      await fn(queue, job);
    });
  jobs
    .command("show")
    .argument("<id>")
    .option("--database <url>", DATABASE_HELP)
    .action((id: string, o: { database?: string }, cmd: Command) =>
      withJob(cmd, o, id, async (_queue, job) => {
        process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
      }),
    );
  for (const [name, verb, past] of [
    ["retry", "queue a failed or cancelled job again", "queued again"],
    ["cancel", "cancel a waiting job", "cancelled"],
  ] as const) {
    jobs
      .command(name)
      .description(verb)
      .argument("<id>")
      .option("--database <url>", DATABASE_HELP)
      .action((id: string, o: { database?: string }, cmd: Command) =>
        withJob(cmd, o, id, async (queue, job) => {
          const ok = name === "retry" ? await queue.retry(id) : await queue.cancel(id);
          if (!ok) throw new Error(`job ${id} is ${job.state}: cannot ${name} it`);
          process.stdout.write(`${id} ${past}\n`);
        }),
      );
  }
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}
