/**
 * Hosts benchmark, in one run:
 *
 *  1. 1,000 simulated agents against one server on loopback (its own process, SQLite): enrolment,
 *     each host's full inventory (the real package list of a debootstrap bookworm rootfs), then
 *     ~30 s of signed deltas (1-3 packages changed each, with the digest the server verifies) and
 *     heartbeats from 50 concurrent clients. Reports throughput, delta latency, the server's CPU
 *     (cores used) and RSS, and the findings stored.
 *  2. The agent's cost per collection of this machine (fresh Node process) against osqueryi
 *     collecting the same data (packages, listening sockets, processes).
 *
 * Run alone: `npm run build && node dist/bench/hosts.js`.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { updateAdvisories } from "../src/advisories/update.js";
import { collectHostFacts } from "../src/agent/collect/index.js";
import type { OsInfo, Package } from "../src/extractors/types.js";
import { hostInventory, inventoryHash, packageKey } from "../src/hosts/inventory.js";
import { type Credentials, signRequest } from "../src/server/client.js";
import { debootstrapRootfs, osqueryBinary } from "../test/support/fixtures.js";

const HOSTS = Number(process.env["BENCH_HOSTS"] ?? 1000);
const CONCURRENCY = Number(process.env["BENCH_HOST_CLIENTS"] ?? 50);
const DELTA_SECONDS = Number(process.env["BENCH_HOST_SECONDS"] ?? 30);
/** One heartbeat per this many deltas. */
const DELTAS_PER_HEARTBEAT = 10;
const COLLECTIONS = 3;
const OSQUERY_RUNS = 3;
const ACCOUNT = "100000000002";
const AGENT_VERSION = "0.1.0-bench";

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const nonce = () => randomBytes(18).toString("base64url");
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function latencies(ms: number[]) {
  const s = Float64Array.from(ms).sort();
  const at = (p: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!);
  return { p50Ms: round(at(0.5), 1), p99Ms: round(at(0.99), 1), maxMs: round(s[s.length - 1] ?? 0, 1) };
}

// --- the server process ------------------------------------------------------------------------

interface ServerUsage {
  userUs: number;
  systemUs: number;
  rssBytes: number;
}

interface ServerProcess {
  url: string;
  call<T>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  if (!(await exited(child, 10_000))) {
    child.kill("SIGKILL");
    await exited(child, 5_000);
  }
}

function startServer(dataDir: string): Promise<ServerProcess> {
  const child = fork(new URL("./hosts-server.js", import.meta.url), ["serve", dataDir], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  return new Promise((resolve, reject) => {
    child.on("message", (raw) => {
      const m = raw as { url?: string; id?: number; ok?: boolean; body?: unknown; error?: string };
      if (m.url !== undefined) {
        resolve({
          url: m.url,
          call<T>(cmd: string, args: Record<string, unknown> = {}) {
            const id = next++;
            return new Promise<T>((res, rej) => {
              pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
              child.send({ id, cmd, ...args });
            });
          },
          stop: () => kill(child),
        });
        return;
      }
      const p = m.id === undefined ? undefined : pending.get(m.id);
      if (!p) return;
      pending.delete(m.id!);
      if (m.ok) p.resolve(m.body);
      else p.reject(new Error(`bench server: ${m.error}`));
    });
    child.once("exit", (code, signal) => {
      const e = new Error(`bench server exited (${code ?? signal})`);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
      reject(e);
    });
  });
}

// --- the simulated agents ----------------------------------------------------------------------

interface SimHost {
  hostId: string;
  hostname: string;
  creds: Credentials;
  sequence: number;
  /** Per package of the base list: -1 removed, else how many times its version was bumped. */
  state: Int32Array;
  broken: boolean;
}

/** A package of the base list as the host has it now (`bumps` rebuilds: "+b1", "+b2", …). */
function variant(p: Package, bumps: number): Package {
  if (bumps === 0) return p;
  const version = `${p.version}+b${bumps}`;
  let purl = p.purl;
  if (purl) {
    const at = purl.indexOf("@");
    if (at >= 0) {
      const end = purl.slice(at).search(/[?#]/);
      purl = `${purl.slice(0, at + 1)}${encodeURIComponent(version)}${end < 0 ? "" : purl.slice(at + end)}`;
    }
  }
  return { ...p, version, ...(purl ? { purl } : {}) };
}

function currentPackages(base: Package[], h: SimHost): Package[] {
  const out: Package[] = [];
  for (let i = 0; i < base.length; i++) if (h.state[i]! >= 0) out.push(variant(base[i]!, h.state[i]!));
  return out;
}

interface Result {
  status: number;
  ms: number;
  json: Record<string, unknown>;
}

class Client {
  private readonly pool: Pool;
  readonly failures: { status: number; path: string; message: string }[] = [];

  constructor(private readonly url: string) {
    this.pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  }

  async post(path: string, body: Record<string, unknown>, creds?: Credentials): Promise<Result> {
    const payload = JSON.stringify(body);
    const headers = creds
      ? await signRequest(new URL(path, this.url), payload, creds)
      : { "content-type": "application/json" };
    const t0 = performance.now();
    let status = 0;
    let text = "";
    try {
      const res = await this.pool.request({ method: "POST", path, headers, body: payload });
      status = res.statusCode;
      text = await res.body.text();
    } catch (e) {
      text = JSON.stringify({ message: (e as Error).message });
    }
    const ms = performance.now() - t0;
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { message: text.slice(0, 300) };
    }
    if (status !== 200)
      this.failures.push({ status, path, message: String(json["message"] ?? "").slice(0, 300) });
    return { status, ms, json };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Runs `work(i)` for i in [0, n) with `concurrency` at a time. */
async function forEachConcurrently(
  n: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

function cpuDelta(a: ServerUsage, b: ServerUsage, wallMs: number): number {
  return round((b.userUs - a.userUs + b.systemUs - a.systemUs) / 1000 / wallMs, 2);
}

async function loadPhase(vulndataDir: string, tmp: string) {
  const dataDir = join(tmp, "data");
  let t0 = performance.now();
  await updateAdvisories({ dataDir, mirror: vulndataDir, feeds: ["osv:Debian", "osv:Go"] });
  const importMs = performance.now() - t0;
  const inv = await hostInventory(debootstrapRootfs("bookworm"));
  const os: OsInfo | undefined = inv.os;
  const base = inv.packages;
  // Each message carries facts as the agent sends them: this machine's, collected once.
  const facts = await collectHostFacts({ root: "/" });
  process.stderr.write(
    `hosts bench: advisories imported in ${Math.round(importMs)} ms; ${base.length} packages per host\n`,
  );

  const server = await startServer(dataDir);
  const client = new Client(server.url);
  const rand = prng(7);
  try {
    const activation = await server.call<{ activationId: string; activationCode: string }>("activation", {
      accountId: ACCOUNT,
      count: HOSTS,
    });

    // Enrolment: not part of the throughput figures, but timed for the record.
    const hosts: SimHost[] = [];
    t0 = performance.now();
    await forEachConcurrently(HOSTS, CONCURRENCY, async (i) => {
      const hostname = `bench-${String(i).padStart(4, "0")}.example.internal`;
      const r = await client.post("/v1/agent/register", {
        activationId: activation.activationId,
        activationCode: activation.activationCode,
        hostname,
        machineId: randomBytes(16).toString("hex"),
        agentVersion: AGENT_VERSION,
      });
      if (r.status !== 200) return;
      hosts.push({
        hostId: String(r.json["hostId"]),
        hostname,
        creds: {
          accessKeyId: String(r.json["accessKeyId"]),
          secretAccessKey: String(r.json["secretAccessKey"]),
        },
        sequence: 0,
        state: new Int32Array(base.length),
        broken: false,
      });
    });
    const enrolMs = performance.now() - t0;
    if (client.failures.length > 0)
      throw new Error(
        `enrolment: ${client.failures.length} of ${HOSTS} refused, first: ${JSON.stringify(client.failures[0])}`,
      );
    process.stderr.write(`hosts bench: ${hosts.length} hosts enrolled in ${Math.round(enrolMs)} ms\n`);

    const common = (h: SimHost) => ({
      hostname: h.hostname,
      agentVersion: AGENT_VERSION,
      ...(os ? { os } : {}),
      facts,
      tags: {},
    });

    // Phase 1: every host's first, full inventory.
    const fullHash = inventoryHash(os, base);
    const fullLatency: number[] = [];
    let u0 = await server.call<ServerUsage>("usage");
    t0 = performance.now();
    await forEachConcurrently(hosts.length, CONCURRENCY, async (i) => {
      const h = hosts[i]!;
      const r = await client.post(
        "/v1/agent/inventory",
        {
          nonce: nonce(),
          sequence: 1,
          kind: "full",
          contentHash: fullHash,
          ...common(h),
          packages: base,
        },
        h.creds,
      );
      fullLatency.push(r.ms);
      if (r.status === 200) h.sequence = 1;
      else h.broken = true;
    });
    const fullMs = performance.now() - t0;
    let u1 = await server.call<ServerUsage>("usage");
    if (client.failures.length > 0)
      throw new Error(
        `full inventories: ${client.failures.length} failed, first: ${JSON.stringify(client.failures[0])}`,
      );
    const fullInventories = {
      hosts: hosts.length,
      ms: Math.round(fullMs),
      hostsPerSecond: round(hosts.length / (fullMs / 1000), 1),
      ...latencies(fullLatency),
      serverCpuCores: cpuDelta(u0, u1, fullMs),
    };
    process.stderr.write(`hosts bench: full inventories ${JSON.stringify(fullInventories)}\n`);

    // Phase 2 (measured): deltas and heartbeats from CONCURRENCY clients for DELTA_SECONDS.
    const deltaLatency: number[] = [];
    const heartbeatLatency: number[] = [];
    let changes = 0;
    let ops = 0;
    const busy = new Set<number>();
    const pick = () => {
      for (;;) {
        const i = Math.floor(rand() * hosts.length);
        if (!busy.has(i) && !hosts[i]!.broken) return i;
      }
    };
    const delta = async (h: SimHost) => {
      const n = 1 + Math.floor(rand() * 3);
      const chosen = new Set<number>();
      while (chosen.size < n) chosen.add(Math.floor(rand() * base.length));
      const state = h.state.slice();
      const added: Package[] = [];
      const removed: string[] = [];
      for (const i of chosen) {
        const before = state[i]!;
        // Mostly a version bump (one key out, one package in); sometimes a package goes or comes back.
        const after = before < 0 ? 0 : rand() < 0.1 ? -1 : before + 1;
        if (before >= 0) removed.push(packageKey(variant(base[i]!, before)));
        if (after >= 0) added.push(variant(base[i]!, after));
        state[i] = after;
      }
      const next = { ...h, state };
      const sequence = h.sequence + 1;
      const r = await client.post(
        "/v1/agent/inventory",
        {
          nonce: nonce(),
          sequence,
          kind: "delta",
          baseSequence: h.sequence,
          contentHash: inventoryHash(os, currentPackages(base, next)),
          ...common(h),
          added,
          removed,
        },
        h.creds,
      );
      if (r.status === 200) {
        deltaLatency.push(r.ms);
        h.sequence = sequence;
        h.state = state;
        changes += n;
      } else h.broken = true;
    };
    const heartbeat = async (h: SimHost) => {
      const r = await client.post("/v1/agent/heartbeat", { nonce: nonce() }, h.creds);
      if (r.status === 200) heartbeatLatency.push(r.ms);
    };
    u0 = await server.call<ServerUsage>("usage");
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    const deadline = t0 + DELTA_SECONDS * 1000;
    // At most one message in flight per host, so fewer hosts than clients means fewer clients.
    const clients = Math.min(CONCURRENCY, hosts.length);
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline && client.failures.length === 0) {
          const i = pick();
          busy.add(i);
          try {
            if (++ops % (DELTAS_PER_HEARTBEAT + 1) === 0) await heartbeat(hosts[i]!);
            else await delta(hosts[i]!);
          } finally {
            busy.delete(i);
          }
        }
      }),
    );
    const loadMs = performance.now() - t0;
    const clientCpu = process.cpuUsage(cpu0);
    u1 = await server.call<ServerUsage>("usage");
    if (client.failures.length > 0)
      throw new Error(
        `deltas/heartbeats: ${client.failures.length} failed (the run is void), first: ${JSON.stringify(client.failures[0])}`,
      );
    const stats = await server.call<Record<string, number>>("stats");
    const deltas = {
      seconds: round(loadMs / 1000, 1),
      clients,
      deltas: deltaLatency.length,
      deltasPerSecond: round(deltaLatency.length / (loadMs / 1000), 1),
      packagesChangedPerDelta: round(changes / Math.max(1, deltaLatency.length), 2),
      heartbeats: heartbeatLatency.length,
      heartbeatsPerSecond: round(heartbeatLatency.length / (loadMs / 1000), 1),
      ...latencies(deltaLatency),
      heartbeatLatency: latencies(heartbeatLatency),
      failedRequests: client.failures.length,
    };
    process.stderr.write(`hosts bench: deltas ${JSON.stringify(deltas)}\n`);
    return {
      hosts: hosts.length,
      packagesPerHost: base.length,
      advisoryImportMs: Math.round(importMs),
      enrolment: { ms: Math.round(enrolMs), hostsPerSecond: round(hosts.length / (enrolMs / 1000), 1) },
      fullInventories,
      deltas,
      server: {
        cpuCoresDuringDeltas: cpuDelta(u0, u1, loadMs),
        rssMiBAtEnd: round(u1.rssBytes / 1048576, 1),
      },
      loadGeneratorCpuCores: round((clientCpu.user + clientCpu.system) / 1000 / loadMs, 2),
      findings: stats,
    };
  } finally {
    await client.close().catch(() => {});
    await server.stop();
  }
}

// --- agent collection vs osquery ---------------------------------------------------------------

interface CollectionReport {
  baselineRssBytes: number;
  collections: {
    cpuMs: number;
    rssBytes: number;
    ms: number;
    maxRssBytes: number;
    packages: number;
    debPackages: number;
    processes: number;
    listening: number;
  }[];
  processTotal: { ms: number; cpuMs: number; maxRssBytes: number };
}

async function agentCollections(tmp: string): Promise<CollectionReport> {
  const child = fork(
    new URL("./hosts-server.js", import.meta.url),
    ["collect", join(tmp, "agent-state"), String(COLLECTIONS)],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  try {
    return await new Promise<CollectionReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("agent collection: no report in 180 s")), 180_000);
      child.once("message", (m) => {
        clearTimeout(timer);
        resolve(m as CollectionReport);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`agent collection child exited (${code ?? signal}) without a report`));
      });
    });
  } finally {
    await kill(child);
  }
}

/** JSON values written one after another (osqueryi prints one array per statement). */
function jsonSequence(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "]" || c === "}") {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

interface OsqueryRun {
  wallMs: number;
  cpuMs: number;
  maxRssBytes: number;
  results: unknown[][];
}

const OSQUERY_STATEMENTS = [
  "select name, version from deb_packages",
  "select pid, port, protocol, address from listening_ports",
  "select pid, name, path from processes",
];

/** One osqueryi process under /usr/bin/time; `sql` on the command line, or statements on stdin. */
function osqueryOnce(bin: string, tmp: string, sql: string | undefined, stdin?: string): OsqueryRun {
  const timeFile = join(tmp, "osquery.time");
  const r = spawnSync(
    "/usr/bin/time",
    ["-o", timeFile, "-f", "%e %U %S %M", bin, "--json", ...(sql ? [sql] : [])],
    { encoding: "utf8", maxBuffer: 256 << 20, ...(stdin ? { input: stdin } : {}) },
  );
  if (r.status !== 0) throw new Error(`osqueryi failed (${r.status}): ${r.stderr.slice(0, 1000)}`);
  const line = readFileSync(timeFile, "utf8").trim().split("\n").pop()!;
  const [e, u, s, m] = line.split(/\s+/).map(Number) as [number, number, number, number];
  const results = jsonSequence(r.stdout);
  if (!results.every(Array.isArray)) throw new Error("osqueryi --json: output is not JSON arrays");
  return { wallMs: e * 1000, cpuMs: (u + s) * 1000, maxRssBytes: m * 1024, results: results as unknown[][] };
}

/** One collection by osquery: the three statements in one invocation if it answers them all, else three. */
function osqueryCollection(bin: string, tmp: string): OsqueryRun & { invocations: number } {
  const one = osqueryOnce(bin, tmp, OSQUERY_STATEMENTS.join("; "));
  if (one.results.length === OSQUERY_STATEMENTS.length) return { ...one, invocations: 1 };
  const runs = OSQUERY_STATEMENTS.map((q) => osqueryOnce(bin, tmp, q));
  for (const r of runs)
    if (r.results.length !== 1) throw new Error("osqueryi: expected one result per statement");
  return {
    wallMs: runs.reduce((a, r) => a + r.wallMs, 0),
    cpuMs: runs.reduce((a, r) => a + r.cpuMs, 0),
    maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes)),
    results: runs.map((r) => r.results[0]!),
    invocations: runs.length,
  };
}

function summarize(runs: { wallMs: number; cpuMs: number; maxRssBytes: number; results: unknown[][] }[]) {
  const last = runs[runs.length - 1]!;
  return {
    wallMs: Math.round(median(runs.map((r) => r.wallMs))),
    cpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
    maxRssMiB: round(median(runs.map((r) => r.maxRssBytes)) / 1048576, 1),
    runs: runs.map((r) => ({ wallMs: Math.round(r.wallMs), cpuMs: Math.round(r.cpuMs) })),
    counts: {
      debPackages: last.results[0]?.length ?? 0,
      listening: last.results[1]?.length ?? 0,
      processes: last.results[2]?.length ?? 0,
    },
  };
}

async function collectionPhase(tmp: string) {
  const report = await agentCollections(tmp);
  const cs = report.collections;
  const last = cs[cs.length - 1]!;
  const vigil = {
    wallMs: Math.round(median(cs.map((c) => c.ms))),
    cpuMs: Math.round(median(cs.map((c) => c.cpuMs))),
    rssMiB: round(median(cs.map((c) => c.rssBytes)) / 1048576, 1),
    maxRssMiB: round(Math.max(...cs.map((c) => c.maxRssBytes)) / 1048576, 1),
    nodeBaselineRssMiB: round(report.baselineRssBytes / 1048576, 1),
    runs: cs.map((c) => ({ wallMs: c.ms, cpuMs: c.cpuMs, rssMiB: round(c.rssBytes / 1048576, 1) })),
    counts: {
      packages: last.packages,
      debPackages: last.debPackages,
      processes: last.processes,
      listening: last.listening,
    },
    wholeProcess: {
      collections: cs.length,
      ms: report.processTotal.ms,
      cpuMs: report.processTotal.cpuMs,
      maxRssMiB: round(report.processTotal.maxRssBytes / 1048576, 1),
    },
  };
  process.stderr.write(`hosts bench: agent collection ${JSON.stringify(vigil)}\n`);
  let osquery: Record<string, unknown>;
  let ratios: Record<string, number> | undefined;
  try {
    const bin = osqueryBinary();
    const runs = Array.from({ length: OSQUERY_RUNS }, () => osqueryCollection(bin, tmp));
    const summary = summarize(runs);
    // The same statements fed to one osqueryi shell on stdin: a single process start-up.
    const shell = summarize(
      Array.from({ length: OSQUERY_RUNS }, () =>
        osqueryOnce(bin, tmp, undefined, `${OSQUERY_STATEMENTS.join(";\n")};\n`),
      ),
    );
    osquery = {
      invocationsPerCollection: runs[0]!.invocations,
      ...summary,
      oneShellOnStdin: shell,
    };
    ratios = {
      wall: round(summary.wallMs / vigil.wallMs, 2),
      cpu: round(summary.cpuMs / vigil.cpuMs, 2),
      maxRss: round(summary.maxRssMiB / vigil.maxRssMiB, 2),
      wallOneShell: round(shell.wallMs / vigil.wallMs, 2),
      cpuOneShell: round(shell.cpuMs / vigil.cpuMs, 2),
    };
  } catch (e) {
    osquery = { error: (e as Error).message };
  }
  return { vigil, osquery, ...(ratios ? { ratiosOsqueryOverVigil: ratios } : {}) };
}

export async function benchHosts(vulndataDir: string): Promise<Record<string, unknown>> {
  const tmp = mkdtempSync(join(tmpdir(), "vigil-bench-hosts-"));
  try {
    const agents = await loadPhase(vulndataDir, tmp);
    const collection = await collectionPhase(tmp);
    return {
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}`,
      agents,
      collection,
      notes: [
        "Server and load generator share this machine's cores; loadGeneratorCpuCores is the client side's share.",
        "Every inventory message carries this machine's host facts (processes, sockets, interfaces), as the agent sends them.",
        "Deltas change 1-3 packages: mostly a version bump (+bN, one key removed and one package added), sometimes a package removed or restored.",
        "Vigil's RSS is the whole Node process (the runtime alone is nodeBaselineRssMiB before the first collection); osquery's is /usr/bin/time's max RSS.",
        "Vigil's collection does more than the three osquery statements: it also reads every installed package's file list (to tell which packages running processes use) and walks the deep-inspection paths for language packages.",
        "osquery's figures include its process start-up, per invocation; Vigil's per-collection figures exclude Node's start-up (wholeProcess includes it).",
      ],
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const { vulndataDir } = await import("../test/support/fixtures.js");
  const r = await benchHosts(vulndataDir);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
