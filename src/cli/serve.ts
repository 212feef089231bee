import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { openAdvisoryStore } from "../advisories/store.js";
import type { SubmittedCode } from "../code/submitted.js";
import { ConsoleUsers, generatePassword } from "../console/server/users.js";
import { openServiceDatabase, type ServiceDatabase } from "../db/service/open.js";
import { Deliverer } from "../events/deliverer.js";
import { HostMounts, HostService } from "../hosts/hosts.js";
import { openJobQueue, requestReevaluation, startJobWorkers } from "../jobs/index.js";
import type { ScanResult } from "../pipeline/scan.js";
import { layerCacheDir, RegistryScanner } from "../registries/scanner.js";
import { buildApp } from "../server/app.js";
import { credentialsFromEnv, signedFetch } from "../server/client.js";
import { Exports } from "../service/exports.js";
import { isAccountId, loadMasterKey } from "../service/keys.js";
import { NetworkService } from "../service/network.js";
import { VigilService } from "../service/service.js";
import { dbUpdate } from "./db.js";

export const DEFAULT_PORT = 8600;
export const BOOTSTRAP_ACCOUNT = "000000000000";

export interface ServeOptions {
  dataDir: string;
  database?: string;
  host: string;
  port: number;
  region: string;
  mirror?: string;
  fallbackMirror?: string;
  /** Minutes between advisory updates; 0 turns the schedule off. */
  updateInterval: number;
  /** Seconds between checks of the advisory change log (updates made by `vigil db update`). */
  reevaluateInterval: number;
  update: boolean;
  /** PEM files: serve HTTPS (agents then connect over TLS). */
  tlsCert?: string;
  tlsKey?: string;
  /** Directory whose programs command event targets may run (none: command targets refused). */
  commandDir?: string;
  /** Concurrent job handlers in this process (0: leave the jobs to `vigil worker` processes). */
  workers?: number;
}

async function loadAdvisories(o: ServeOptions): Promise<void> {
  if (o.mirror) {
    await dbUpdate(o.dataDir, { mirror: resolve(o.mirror), quiet: false });
    return;
  }
  const online = await dbUpdate(o.dataDir, { quiet: false });
  if (online.unreachable && online.feeds.every((f) => f.status === "failed") && o.fallbackMirror) {
    process.stderr.write(
      `The public advisory feeds could not be reached; loading the mirror at ${resolve(o.fallbackMirror)} instead.\n`,
    );
    await dbUpdate(o.dataDir, { mirror: resolve(o.fallbackMirror), quiet: false });
  }
}

/** `vigil serve`: the inspector2 API over the service database, with scheduled re-evaluation. */
export async function serve(o: ServeOptions): Promise<{ close(): Promise<void>; url: string }> {
  process.stderr.write(`Vigil data directory: ${o.dataDir}\n`);
  if (o.update) await loadAdvisories(o);
  const store = openAdvisoryStore(o.dataDir);
  const database = await openServiceDatabase({
    dataDir: o.dataDir,
    ...(o.database ? { url: o.database } : {}),
  });
  process.stderr.write(`Service database: ${database.label}\n`);
  const service = new VigilService(database, store, loadMasterKey(o.dataDir), {
    region: o.region,
    ...(o.commandDir ? { commandDir: resolve(o.commandDir) } : {}),
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // The SQLite file is this process's alone; on PostgreSQL other servers and workers share jobs.
  const jobs = openJobQueue(database, { url: o.database, sole: true, log });
  await jobs.start();
  service.events.useJobs(jobs);
  const workers = o.workers ?? 2;
  // Event deliveries are jobs too: sent by the processes that run workers.
  const deliverer =
    workers > 0
      ? new Deliverer(database.db, service.events, jobs, {
          log,
          // The embedded database has one server; PostgreSQL may have several.
          sole: database.dialect === "sqlite",
        })
      : undefined;
  await deliverer?.start();
  const exports = new Exports(service, resolve(o.dataDir, "reports"), jobs);
  process.stderr.write(
    `Jobs: ${jobs.backend} queue, ${workers > 0 ? `${workers} workers in this process` : "no workers in this process (run vigil worker)"}\n`,
  );
  if ((await service.listKeys()).length === 0) {
    const key = await service.createKey(BOOTSTRAP_ACCOUNT, {
      description: "bootstrap key created by vigil serve",
    });
    process.stderr.write(
      [
        "",
        `No access keys existed; created one for account ${BOOTSTRAP_ACCOUNT} (shown once, store it now):`,
        `  export AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
        `  export AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
        "More keys: vigil keys create --account <12-digit id> [--read-only]",
        "",
      ].join("\n"),
    );
  }
  const users = new ConsoleUsers(database.db);
  let bootstrapPassword: string | undefined;
  if ((await users.count()) === 0) {
    bootstrapPassword = generatePassword();
    await users.add("admin", BOOTSTRAP_ACCOUNT, "admin", bootstrapPassword);
    await service.audit(
      { accountId: BOOTSTRAP_ACCOUNT, id: "vigil-serve", readOnly: false },
      "CreateConsoleUser",
      "admin",
      { role: "admin", bootstrap: true },
    );
  }
  // Whatever the advisory update changed is re-evaluated by the jobs this queues.
  await requestReevaluation(jobs);
  const registries = new RegistryScanner(service, loadMasterKey(o.dataDir), {
    cacheDir: layerCacheDir(o.dataDir),
    jobs,
    workers,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await registries.start();
  const hosts = new HostService(service);
  const mounts = new HostMounts(service, hosts, jobs);
  if (workers > 0) await startJobWorkers(jobs, service, { concurrency: workers, exports, mounts, log });
  const network = new NetworkService(service);
  if (!!o.tlsCert !== !!o.tlsKey) throw new Error("--tls-cert and --tls-key go together");
  const https =
    o.tlsCert && o.tlsKey ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } : undefined;
  const app = buildApp({
    service,
    exports,
    registries,
    hosts,
    mounts,
    network,
    jobs,
    ...(https ? { https } : {}),
  });
  const address = await app.listen({ host: o.host, port: o.port });
  const url = address.replace("[::1]", "localhost");
  process.stderr.write(
    [
      `Vigil is serving the inspector2 API at ${url}`,
      `  aws inspector2 list-findings --endpoint-url ${url} --region ${o.region === "local" ? "us-east-1" : o.region}`,
      `The web console is at ${url}/console/`,
      ...(bootstrapPassword
        ? [
            "",
            `No console users existed; created one (shown once, store it now): sign in at ${url}/console/ as`,
            `  username: admin   (admin in account ${BOOTSTRAP_ACCOUNT})`,
            `  password: ${bootstrapPassword}`,
            "More users: vigil users add NAME --account <12-digit id> --role admin|viewer",
          ]
        : []),
      "",
    ].join("\n"),
  );
  let busy = false;
  const tick = async (withUpdate: boolean) => {
    if (busy) return;
    busy = true;
    try {
      if (withUpdate) await loadAdvisories(o);
      await service.expireFilters();
      await requestReevaluation(jobs);
    } catch (e) {
      process.stderr.write(`advisory update/re-evaluation failed: ${(e as Error).message}\n`);
    } finally {
      busy = false;
    }
  };
  const timers: NodeJS.Timeout[] = [];
  if (o.updateInterval > 0) timers.push(setInterval(() => void tick(true), o.updateInterval * 60_000));
  if (o.reevaluateInterval > 0) timers.push(setInterval(() => void tick(false), o.reevaluateInterval * 1000));
  // Host coverage that time changes (stale hosts) and agentless disk scans that are due.
  timers.push(
    setInterval(() => {
      void hosts
        .sweep()
        .then(() => mounts.runDue())
        .catch((e) => process.stderr.write(`host sweep failed: ${(e as Error).message}\n`));
    }, 60_000),
  );
  for (const t of timers) t.unref();
  return {
    url,
    async close() {
      for (const t of timers) clearInterval(t);
      await app.close();
      await registries.stop();
      // Running jobs finish (or are retried by another process after their expiry).
      await jobs.stop();
      await deliverer?.stop();
      await database.close();
      store.close();
    },
  };
}

export async function withService<T>(
  dataDir: string,
  database: string | undefined,
  fn: (service: VigilService, db: ServiceDatabase) => Promise<T>,
): Promise<T> {
  const store = openAdvisoryStore(dataDir);
  const db = await openServiceDatabase({ dataDir, ...(database ? { url: database } : {}) });
  try {
    return await fn(new VigilService(db, store, loadMasterKey(dataDir), { region: "local" }), db);
  } finally {
    await db.close();
    store.close();
  }
}

export async function keysCreate(
  dataDir: string,
  o: { account: string; readOnly?: boolean; description?: string; database?: string },
): Promise<string> {
  if (!isAccountId(o.account)) throw new Error(`--account ${o.account}: an account id is 12 digits`);
  const key = await withService(dataDir, o.database, (s) =>
    s.createKey(o.account, {
      readOnly: !!o.readOnly,
      ...(o.description ? { description: o.description } : {}),
      principal: `cli:${process.env["USER"] ?? "unknown"}`,
    }),
  );
  return [
    `Access key for account ${o.account}${o.readOnly ? " (read-only)" : ""}. The secret is shown once:`,
    `AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
    "",
  ].join("\n");
}

/** Sends a scan's inventory to a Vigil server, which reconciles the resource's findings. */
/** Sends a scan's inventory (and, from `--code`, its code scanning results) to a Vigil server. */
export async function submitScan(server: string, result: ScanResult, code?: SubmittedCode): Promise<string> {
  const creds = credentialsFromEnv();
  const r = result.resource;
  const res = await signedFetch(
    server,
    `/v1/resources/${encodeURIComponent(r.id)}/inventory`,
    {
      resourceType: r.type,
      ...(r.tags ? { tags: r.tags } : {}),
      ...(r.details ? { details: r.details } : {}),
      inventory: {
        ...(result.inventory.os ? { os: result.inventory.os } : {}),
        packages: result.inventory.packages,
        ...(code ? { code } : {}),
      },
    },
    creds,
  );
  if (res.status !== 200) {
    throw new Error(
      `${server}: ${res.errorType ?? `HTTP ${res.status}`}: ${String(res.json["message"] ?? "")}`,
    );
  }
  const j = res.json as {
    opened: number;
    closed: number;
    active: number;
    unchanged: number;
    changed: number;
  };
  return `submitted ${r.id} to ${server}: ${j.active} active findings (${j.opened} new, ${j.closed} closed, ${j.changed} changed)\n`;
}
