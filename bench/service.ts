/**
 * Service benchmark: 1,000,000 findings over 10,000 resources, generated from the real package
 * set of a Debian rootfs matched against the real advisory mirror. Measures ListFindings with a
 * severity + resource filter under 50 concurrent clients (autocannon, SigV4-signed requests) on
 * SQLite and on PostgreSQL, and re-evaluation after one new advisory hitting 1% of resources.
 *
 * Run alone: `npm run build && node dist/bench/service.js` (the server runs in a child process
 * so the load generator does not share its event loop).
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import autocannon from "autocannon";
import { sql } from "kysely";
import { openAdvisoryStore } from "../src/advisories/store.js";
import { updateAdvisories } from "../src/advisories/update.js";
import { ConsoleUsers } from "../src/console/server/users.js";
import { openServiceDatabase } from "../src/db/service/open.js";
import type { Package } from "../src/extractors/types.js";
import { findingKey, toFinding } from "../src/findings/finding.js";
import { matchInventory } from "../src/matching/match.js";
import { inventoryTarget, openTarget } from "../src/pipeline/scan.js";
import { signRequest } from "../src/server/client.js";
import { findingBody, findingColumns } from "../src/service/findings-store.js";
import { loadMasterKey } from "../src/service/keys.js";
import { packageKeys, VigilService } from "../src/service/service.js";
import { makeZip, mirrorWith, osvRecord, zipEntries } from "../test/advisories/helpers.js";
import { startPostgres } from "../test/support/postgres.js";
import { benchConsole } from "./console.js";

// The rootfs yields 80 findings per resource at most, so 12,500 resources make the 1,000,000 findings.
const RESOURCES = Number(process.env["BENCH_RESOURCES"] ?? 12_500);
const FINDINGS_PER_RESOURCE = 72;
const VARIANTS = 25;
const ACCOUNT = "100000000001";
const MARKER = "vigil-bench-marker";

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Variant {
  packages: Package[];
  /** Findings as templates: body with __ARN__/__RID__ placeholders, and the package for the ARN key. */
  findings: { body: string; columns: ReturnType<typeof findingColumns>; vuln: string; pkg: Package }[];
}

export async function buildVariants(
  dataDir: string,
  rootfs: string,
): Promise<{ variants: Variant[]; os: unknown }> {
  const target = await openTarget(rootfs);
  const inv = await inventoryTarget(target);
  target.close();
  const store = openAdvisoryStore(dataDir, { readonly: true });
  const eco = inv.os?.ecosystem;
  const all = inv.packages.map((p) => (p.ecosystem || !eco ? p : { ...p, ecosystem: eco }));
  const resource = {
    type: "AWS_EC2_INSTANCE" as const,
    id: "__RID__",
    partition: "vigil",
    region: "local",
    // No tags or details: as a stored resource without them is re-evaluated (the bodies must be
    // what reconcile writes, or every seeded finding would count as changed).
  };
  const ctx = { accountId: ACCOUNT, region: "local", resource, now: new Date().toISOString() };
  // Matches per package, to assemble inventories of about FINDINGS_PER_RESOURCE findings.
  const byPackage = all.map((p) => ({ p, n: matchInventory([p], store).matches.length }));
  const vulnerable = byPackage.filter((x) => x.n > 0);
  const clean = byPackage.filter((x) => x.n === 0).map((x) => x.p);
  const rand = prng(42);
  const variants: Variant[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    const shuffled = [...vulnerable].sort(() => rand() - 0.5);
    const chosen: Package[] = [];
    let count = 0;
    for (const x of shuffled) {
      if (count >= FINDINGS_PER_RESOURCE) break;
      chosen.push(x.p);
      count += x.n;
    }
    const packages = [...clean, ...chosen];
    const { matches } = matchInventory(packages, store);
    const findings = matches.map((m) => {
      const f = toFinding(m, store, ctx);
      f.findingArn = "__ARN__";
      return { body: findingBody(f), columns: findingColumns(f), vuln: m.vulnerabilityId, pkg: m.package };
    });
    variants.push({ packages, findings });
  }
  store.close();
  return { variants, os: inv.os };
}

export async function seed(
  service: VigilService,
  variants: Variant[],
  os: unknown,
): Promise<{ findings: number; ms: number }> {
  const db = service.db;
  const t0 = performance.now();
  let total = 0;
  const now = Date.now();
  const marker: Package = {
    name: MARKER,
    version: "1.0.0",
    type: "pypi",
    ecosystem: "PyPI",
    location: "/srv/app/requirements.txt",
    extractor: "requirements",
  };
  for (let start = 0; start < RESOURCES; start += 100) {
    await db.transaction().execute(async (trx) => {
      for (let r = start; r < Math.min(RESOURCES, start + 100); r++) {
        const rid = `i-${r.toString(16).padStart(17, "0")}`;
        const variant = variants[r % VARIANTS]!;
        const packages = r % 100 === 0 ? [...variant.packages, marker] : variant.packages;
        await trx
          .insertInto("resources")
          .values({
            account_id: ACCOUNT,
            resource_id: rid,
            region: "local",
            resource_type: "AWS_EC2_INSTANCE",
            tags: "{}",
            details: "{}",
            scan_status: "ACTIVE",
            scan_status_reason: "SUCCESSFUL",
            first_seen_at: now,
            last_scanned_at: now,
            active_findings: variant.findings.length,
          })
          .execute();
        await trx
          .insertInto("inventories")
          .values({
            account_id: ACCOUNT,
            resource_id: rid,
            content_hash: String(r % VARIANTS),
            body: gzipSync(JSON.stringify({ os, packages })),
            package_count: packages.length,
            submitted_at: now,
          })
          .execute();
        const keys = [...packageKeys(packages)].map((k) => {
          const [ecosystem, name] = k.split("\0") as [string, string];
          return { ecosystem, name, account_id: ACCOUNT, resource_id: rid };
        });
        for (let i = 0; i < keys.length; i += 500)
          await trx
            .insertInto("resource_packages")
            .values(keys.slice(i, i + 500))
            .execute();
        const rows = variant.findings.map((t) => {
          const arn = `arn:aws:inspector2:local:${ACCOUNT}:finding/${findingKey(rid, t.vuln, t.pkg)}`;
          return {
            ...t.columns,
            finding_arn: arn,
            resource_id: rid,
            status: "ACTIVE",
            first_observed_at: now,
            last_observed_at: now,
            updated_at: now,
            suppressed_by: null,
            open: 1,
            body: t.body.replace("__ARN__", arn).replace("__RID__", rid),
          };
        });
        for (let i = 0; i < rows.length; i += 400)
          await trx
            .insertInto("findings")
            .values(rows.slice(i, i + 400))
            .execute();
        total += rows.length;
      }
    });
    if (start % 2000 === 0) process.stderr.write(`  seeded ${start + 100} resources, ${total} findings\n`);
  }
  return { findings: total, ms: performance.now() - t0 };
}

/** Pre-signed ListFindings requests, one per sampled resource (signatures stay valid 15 minutes). */
async function signedRequests(url: string, creds: { accessKeyId: string; secretAccessKey: string }) {
  const out = [];
  for (let i = 0; i < 500; i++) {
    const r = Math.floor((i * 7919) % RESOURCES);
    const body = JSON.stringify({
      filterCriteria: {
        severity: [{ comparison: "EQUALS", value: "HIGH" }],
        resourceId: [{ comparison: "EQUALS", value: `i-${r.toString(16).padStart(17, "0")}` }],
      },
      maxResults: 50,
    });
    const headers = await signRequest(new URL("/findings/list", url), body, creds);
    out.push({
      method: "POST" as const,
      path: "/findings/list",
      headers,
      body,
    });
  }
  return out;
}

async function load(url: string, creds: { accessKeyId: string; secretAccessKey: string }) {
  const requests = await signedRequests(url, creds);
  const result = await autocannon({
    url,
    connections: 50,
    duration: Number(process.env["BENCH_LOAD_SECONDS"] ?? 15),
    requests,
  });
  // Latencies of failed requests say nothing about ListFindings: a run with any is void.
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`ListFindings load: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  }
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** ListFindingAggregations over the 1,000,000 findings, one call at a time: median of 3 per type. */
async function aggregations(url: string, creds: { accessKeyId: string; secretAccessKey: string }) {
  const out: Record<string, number> = {};
  for (const aggregationType of ["ACCOUNT", "AWS_EC2_INSTANCE", "TITLE", "PACKAGE", "AMI"]) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ aggregationType, maxResults: 10 });
      const headers = await signRequest(new URL("/findings/aggregation/list", url), body, creds);
      const t0 = performance.now();
      const res = await fetch(new URL("/findings/aggregation/list", url), { method: "POST", headers, body });
      if (!res.ok) throw new Error(`ListFindingAggregations ${aggregationType}: HTTP ${res.status}`);
      await res.json();
      times.push(performance.now() - t0);
    }
    out[aggregationType] = Math.round(times.sort((a, b) => a - b)[1]!);
  }
  return out;
}

function startServerProcess(
  dataDir: string,
  databaseUrl?: string,
): Promise<{ url: string; stop: () => void }> {
  const child = fork(new URL("./service-server.js", import.meta.url), [dataDir, databaseUrl ?? ""], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m) =>
      resolve({ url: (m as { url: string }).url, stop: () => child.kill("SIGTERM") }),
    );
    child.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
  });
}

async function reevaluationAfterOneAdvisory(
  service: VigilService,
  dataDir: string,
  vulndata: string,
  tmp: string,
  label: string,
) {
  // Start from a settled cursor: the bulk-seeded findings are current.
  const store = service.advisories;
  store.refresh();
  const current = String(store.changesSince(0).seq);
  await service.db
    .insertInto("service_state")
    .values({ key: "advisory_seq", value: current })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value: current }))
    .execute();
  const entries = await zipEntries(join(vulndata, "osv", "PyPI", "all.zip"));
  const added = osvRecord({
    id: `PYSEC-BENCH-${label}`,
    aliases: ["CVE-2099-9999"],
    summary: "benchmark advisory",
    affected: [
      {
        package: { ecosystem: "PyPI", name: MARKER },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.0.1" }] }],
      },
    ],
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  });
  const mirror = mirrorWith(tmp, {
    "osv/PyPI/all.zip": makeZip([...entries, { name: `PYSEC-BENCH-${label}.json`, data: added }]),
  });
  const t0 = performance.now();
  await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
  const importMs = performance.now() - t0;
  const r = await service.reevaluate();
  return {
    importMs: Math.round(importMs),
    reevaluateMs: Math.round(r.ms),
    resources: r.resources,
    opened: r.opened,
    changedKeys: r.changedKeys,
  };
}

export async function benchService(vulndata: string, rootfs: string) {
  const tmp = mkdtempSync(join(tmpdir(), "vigil-bench-svc-"));
  const dataDir = join(tmp, "data");
  try {
    const t0 = performance.now();
    await updateAdvisories({ dataDir, mirror: vulndata });
    process.stderr.write(`service bench: advisories imported in ${Math.round(performance.now() - t0)} ms\n`);
    const { variants, os } = await buildVariants(dataDir, rootfs);
    process.stderr.write(
      `service bench: ${VARIANTS} package sets from ${rootfs}, ${variants.map((v) => v.findings.length).join("/")} findings each\n`,
    );
    const out: Record<string, unknown> = {
      resources: RESOURCES,
      machine: `${(await import("node:os")).cpus().length} cores`,
    };
    const pg = await startPostgres();
    try {
      for (const [label, url] of [
        ["sqlite", undefined],
        ["postgres", pg.url],
      ] as const) {
        const database = await openServiceDatabase({ dataDir, ...(url ? { url } : {}) });
        const store = openAdvisoryStore(dataDir);
        const service = new VigilService(database, store, loadMasterKey(dataDir), { region: "local" });
        process.stderr.write(`service bench (${label}): seeding ${RESOURCES} resources …\n`);
        const seeded = await seed(service, variants, os);
        await sql`ANALYZE`.execute(database.db);
        const creds = await service.createKey(ACCOUNT);
        const consolePassword = "bench-console-password";
        await new ConsoleUsers(database.db).add(`bench-${label}`, ACCOUNT, "viewer", consolePassword);
        const server = await startServerProcess(dataDir, url);
        let listFindings: Awaited<ReturnType<typeof load>>;
        let webConsole: Record<string, unknown> | undefined;
        let aggregationMs: Record<string, number> = {};
        try {
          listFindings = await load(server.url, creds);
          aggregationMs = await aggregations(server.url, creds);
          // The console at the same scale (SQLite only: one browser run is enough).
          if (label === "sqlite")
            webConsole = await benchConsole(server.url, `bench-${label}`, consolePassword);
        } finally {
          server.stop();
        }
        const reevaluation = await reevaluationAfterOneAdvisory(service, dataDir, vulndata, tmp, label);
        out[label] = {
          seeded: { findings: seeded.findings, ms: Math.round(seeded.ms) },
          listFindings,
          listFindingAggregationsMs: aggregationMs,
          reevaluation,
          ...(webConsole ? { console: webConsole } : {}),
        };
        process.stderr.write(`service bench (${label}): ${JSON.stringify(out[label])}\n`);
        await database.close();
        store.close();
      }
    } finally {
      pg.stop();
    }
    out["goals"] = {
      listFindingsP99SqliteMs: 50,
      reevaluateOneAdvisoryMs: 1000,
      listFindingAggregationsMs: 1000,
      consoleDashboardMs: 5000,
    };
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const { vulndataDir, cacheDir } = await import("../test/support/fixtures.js");
  const rootfs = process.env["BENCH_ROOTFS"] ?? join(cacheDir, "bench-rootfs");
  const r = await benchService(vulndataDir, rootfs);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
