import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AdvisoryStore, openAdvisoryStore } from "../../src/advisories/store.js";
import { updateAdvisories } from "../../src/advisories/update.js";
import { openServiceDatabase, type ServiceDatabase } from "../../src/db/service/open.js";
import { Deliverer, type DelivererOptions } from "../../src/events/deliverer.js";
import type { Package } from "../../src/extractors/types.js";
import { HostMounts, HostService } from "../../src/hosts/hosts.js";
import { type JobQueue, openJobQueue, startJobWorkers } from "../../src/jobs/index.js";
import { layerCacheDir, RegistryScanner, type ScannerOptions } from "../../src/registries/scanner.js";
import { buildApp } from "../../src/server/app.js";
import { Exports } from "../../src/service/exports.js";
import { loadMasterKey } from "../../src/service/keys.js";
import { NetworkService } from "../../src/service/network.js";
import { VigilService } from "../../src/service/service.js";
import { makeZip, osvRecord, tempDir } from "../advisories/helpers.js";

/** Two small PyPI advisories: requests < 2.31.0 (CVSS 9.8) and Flask < 2.2.5 (7.5). */
export const TEST_ADVISORIES = [
  osvRecord({
    id: "PYSEC-TEST-1",
    aliases: ["CVE-2099-0001"],
    summary: "requests leaks credentials",
    details: "requests before 2.31.0 forwards Proxy-Authorization headers to destination servers.",
    affected: [
      {
        package: { ecosystem: "PyPI", name: "requests" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.31.0" }] }],
      },
    ],
    references: [{ type: "ADVISORY", url: "https://example.org/PYSEC-TEST-1" }],
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  }),
  osvRecord({
    id: "PYSEC-TEST-2",
    aliases: ["CVE-2099-0002"],
    summary: "flask session fixation",
    affected: [
      {
        package: { ecosystem: "PyPI", name: "Flask" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.2.5" }] }],
      },
    ],
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" }],
  }),
];

export function writePypiMirror(dir: string, records: string[]): void {
  writeOsvMirror(dir, "PyPI", records);
}

export const pypi = (name: string, version: string): Package => ({
  name,
  version,
  type: "pypi",
  ecosystem: "PyPI",
  location: `/usr/lib/python3/dist-packages/${name}-${version}.dist-info/METADATA`,
  extractor: "python-metadata",
});

export interface TestService {
  url: string;
  dataDir: string;
  mirror: string;
  service: VigilService;
  exports: Exports;
  store: AdvisoryStore;
  database: ServiceDatabase;
  jobs: JobQueue;
  /** Present when started with `registries`. */
  registries?: RegistryScanner;
  hosts: HostService;
  mounts: HostMounts;
  network: NetworkService;
  /** Present when started with `events`. */
  deliverer?: Deliverer;
  /** Stops listening (the data stays); `listen()` serves again on the same port. */
  stopListening(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** OSV records of one ecosystem, written as the mirror's osv/<ecosystem>/all.zip. */
export function writeOsvMirror(dir: string, ecosystem: string, records: string[]): void {
  mkdirSync(join(dir, "osv", ecosystem), { recursive: true });
  writeFileSync(
    join(dir, "osv", ecosystem, "all.zip"),
    makeZip(records.map((r, i) => ({ name: `R-${i}.json`, data: r }))),
  );
}

/** A real Vigil server on loopback (SQLite unless a PostgreSQL URL is given), advisories loaded. */
export async function startTestService(
  options: {
    databaseUrl?: string;
    bodyLimit?: number;
    /** Advisories to load instead of TEST_ADVISORIES: OSV records of one ecosystem. */
    osv?: { ecosystem: string; records: string[] };
    /** Run registry scanning (options override the test defaults). */
    registries?: Partial<Omit<ScannerOptions, "jobs">>;
    /** The service's clock (epoch ms), for rescan-duration tests. */
    now?: () => number;
    /** Run event delivery (with these deliverer options); commandDir enables command targets. */
    events?: DelivererOptions & { commandDir?: string };
    /** The built console to serve (default: the repository's dist/console). */
    consoleDir?: string;
  } = {},
): Promise<TestService> {
  const tmp = tempDir("api");
  const mirror = join(tmp.path, "mirror");
  const dataDir = join(tmp.path, "data");
  const osv = options.osv ?? { ecosystem: "PyPI", records: TEST_ADVISORIES };
  writeOsvMirror(mirror, osv.ecosystem, osv.records);
  await updateAdvisories({ dataDir, mirror, feeds: [`osv:${osv.ecosystem}`] });
  const store = openAdvisoryStore(dataDir);
  const database = await openServiceDatabase({
    dataDir,
    ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
  });
  const service = new VigilService(database, store, loadMasterKey(dataDir), {
    region: "us-east-1",
    ...(options.now ? { now: options.now } : {}),
    ...(options.events?.commandDir ? { commandDir: options.events.commandDir } : {}),
  });
  // The job queue `vigil serve` would run: image scans, exports and event deliveries go through it.
  const jobs = openJobQueue(database, { url: options.databaseUrl, sole: true });
  await jobs.start();
  service.events.useJobs(jobs);
  const deliverer = options.events
    ? new Deliverer(database.db, service.events, jobs, { sole: true, ...options.events })
    : undefined;
  await deliverer?.start();
  const exports = new Exports(service, join(dataDir, "reports"), jobs);
  const registries = options.registries
    ? new RegistryScanner(service, loadMasterKey(dataDir), {
        cacheDir: layerCacheDir(dataDir),
        tickSeconds: 1,
        ...options.registries,
        jobs,
      })
    : undefined;
  await registries?.start();
  const hosts = new HostService(service);
  const mounts = new HostMounts(service, hosts, jobs);
  await startJobWorkers(jobs, service, { concurrency: 2, exports, mounts });
  const network = new NetworkService(service);
  const makeApp = () =>
    buildApp({
      service,
      exports,
      hosts,
      mounts,
      network,
      jobs,
      ...(registries ? { registries } : {}),
      ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
      ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
    });
  let app = makeApp();
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const port = Number(new URL(url).port);
  return {
    url,
    dataDir,
    mirror,
    service,
    exports,
    store,
    database,
    jobs,
    ...(registries ? { registries } : {}),
    ...(deliverer ? { deliverer } : {}),
    hosts,
    mounts,
    network,
    async stopListening() {
      await app.close();
    },
    async listen() {
      app = makeApp();
      await app.listen({ host: "127.0.0.1", port });
    },
    async close() {
      await app.close();
      await registries?.stop();
      await exports.idle();
      await jobs.stop(5_000);
      await deliverer?.stop();
      await database.close();
      store.close();
      tmp.cleanup();
    },
  };
}
