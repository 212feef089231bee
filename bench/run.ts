/**
 * `npm run bench`: Vigil against its peers on the same input, in one run.
 *
 *  1. Inventory of a debootstrap Debian rootfs (plus Debian's Go programs copied into it):
 *     `vigil inventory` vs `trivy rootfs --format cyclonedx --offline-scan --skip-db-update`.
 *     Wall time of whole processes (median of N), the ratio, and the package-set difference.
 *  2. Advisory import from the mirror and scan throughput, for the record (no peer runs offline
 *     with our data).
 *  3. The service (bench/service.ts): ListFindings p50/p99 at 1,000,000 findings under 50 clients
 *     on SQLite and PostgreSQL, and re-evaluation after one new advisory.
 *  4. Registries (bench/registry.ts): push → findings latency through docker-registry for a
 *     ~100 MB image, then images sharing its base (layer cache hit rate), against Trivy pulling
 *     and inventorying the same images from the same registry.
 *  5. Hosts (bench/hosts.ts): 1,000 simulated agents sending full inventories then deltas to one
 *     server (throughput, p99 ingest latency, server CPU), and the agent's cost per collection
 *     against osquery collecting the same data on this machine.
 *  6. Events (bench/events.ts): the cost of routing every finding event to a webhook (outbox rows
 *     in the inventory's transaction), outbox drain rate, commit → receipt latency.
 *  7. Code scanning (bench/code.ts): precision and recall per detector (and per language) on the
 *     test corpus, and throughput over real code; the per-detector table also goes to stderr.
 *  8. Matching throughput (bench/matching.ts): package-advisory checks/s over real package lists.
 *  9. Re-evaluation (bench/reevaluation.ts): 10,000 hosts × ~700 real packages; one new advisory,
 *     then a feed update touching every Debian record.
 *
 * The results go to stdout as JSON and, through bench/report.ts, to bench/results/latest.{json,md}
 * (machine noted, a goal next to each figure). BENCH_ONLY=matching,reevaluation runs only those
 * sections.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  cacheDir,
  debianGoPrograms,
  debootstrapRootfs,
  imageFixture,
  repoRoot,
  trivyBinary,
  vulndataDir,
} from "../test/support/fixtures.js";
import { benchCode, codeReportLines } from "./code.js";
import { benchEvents } from "./events.js";
import { benchHosts } from "./hosts.js";
import { benchMatching } from "./matching.js";
import { benchReevaluation } from "./reevaluation.js";
import { benchRegistry } from "./registry.js";
import { gitCommit, writeReport } from "./report.js";
import { benchService } from "./service.js";
import { benchWorkers } from "./workers.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const vigilBin = join(repoRoot, "dist/src/cli/bin.js");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeIt(
  label: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { ms: number; stdout: string } {
  const times: number[] = [];
  let stdout = "";
  // One warm-up run so both tools start with a warm page cache.
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, env });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
    if (i > 0) times.push(ms);
    stdout = r.stdout;
  }
  return { ms: median(times), stdout };
}

/** type/name@version keys; Trivy's purl distro qualifiers differ from ours, so compare without them. */
function keyOf(type: string, name: string, version: string): string {
  return `${type}/${name}@${version}`;
}

function trivyPackages(sbomPath: string): Set<string> {
  const sbom = JSON.parse(readFileSync(sbomPath, "utf8"));
  const out = new Set<string>();
  for (const c of sbom.components ?? []) {
    if (!c.purl) continue;
    const m = /^pkg:([^/]+)\/(.+)@([^?#]+)/.exec(c.purl as string);
    if (!m) continue;
    const type = m[1]!;
    let name = decodeURIComponent(m[2]!);
    if (type === "deb" || type === "rpm" || type === "apk") name = name.slice(name.indexOf("/") + 1);
    let version = decodeURIComponent(m[3]!);
    // Trivy writes a deb epoch as a qualifier; fold it back into the version as dpkg shows it.
    const epoch = /[?&]epoch=(\d+)/.exec(c.purl as string)?.[1];
    if (epoch && epoch !== "0") version = `${epoch}:${version}`;
    out.add(keyOf(type, name, version));
  }
  return out;
}

function vigilPackages(json: string): Set<string> {
  const inv = JSON.parse(json) as { packages: { type: string; name: string; version: string }[] };
  return new Set(inv.packages.map((p) => keyOf(p.type, p.name, p.version)));
}

/**
 * One Trivy-vs-Vigil comparison: `trivyCommand` (Trivy's argv after the binary, with SBOM and
 * cache placeholders) and `vigil inventory` on the same target, timed, and their package sets.
 */
function compareWithTrivy(
  label: string,
  target: string,
  trivyArgs: (sbom: string) => string[],
): Record<string, unknown> {
  const trivy = trivyBinary();
  const work = mkdtempSync(join(tmpdir(), "vigil-bench-"));
  const sbom = join(work, "trivy.json");
  const trivyEnv = { ...process.env, TRIVY_CACHE_DIR: join(work, "trivy-cache"), TRIVY_NO_PROGRESS: "true" };
  // Trivy caches layer analysis between runs; clear its cache each run so both start cold.
  const trivyRun = timeIt(
    "trivy",
    "bash",
    ["-c", 'rm -rf "$TRIVY_CACHE_DIR" && exec "$@"', "trivy", trivy, ...trivyArgs(sbom)],
    trivyEnv,
  );
  const vigilRun = timeIt("vigil", process.execPath, [
    vigilBin,
    "--quiet",
    "inventory",
    "--format",
    "json",
    target,
  ]);
  const theirs = trivyPackages(sbom);
  const ours = vigilPackages(vigilRun.stdout);
  rmSync(work, { recursive: true, force: true });
  const extra = [...ours].filter((k) => !theirs.has(k)).sort();
  return {
    target: label,
    runs: RUNS,
    trivyMs: Math.round(trivyRun.ms),
    vigilMs: Math.round(vigilRun.ms),
    speedup: Number((trivyRun.ms / vigilRun.ms).toFixed(2)),
    trivyPackages: theirs.size,
    vigilPackages: ours.size,
    missingFromVigil: [...theirs].filter((k) => !ours.has(k)).sort(),
    onlyInVigil: extra.length,
    onlyInVigilSample: extra.slice(0, 15),
  };
}

const TRIVY_SBOM = ["--quiet", "--format", "cyclonedx", "--offline-scan", "--skip-db-update", "--output"];

/**
 * The bench rootfs: a debootstrap bookworm minbase plus Debian-built Go programs, so binary
 * analysis is part of the work. Built once; the inventory, advisories, matching, service and
 * events sections use it.
 */
function benchRootfs(): string {
  const target = join(cacheDir, "bench-rootfs");
  if (!existsSync(join(target, "usr/bin/skopeo"))) {
    const rootfs = debootstrapRootfs("bookworm");
    rmSync(target, { recursive: true, force: true });
    execFileSync("cp", ["-a", rootfs, target]);
    const go = debianGoPrograms();
    cpSync(join(go, "usr/bin/docker-registry"), join(target, "usr/bin/docker-registry"));
    cpSync(join(go, "usr/bin/skopeo"), join(target, "usr/bin/skopeo"));
  }
  return target;
}

/** A debootstrap rootfs with Debian's Go programs: `trivy rootfs` against `vigil inventory`. */
function benchInventory(): Record<string, unknown> {
  const target = benchRootfs();
  return compareWithTrivy("debootstrap bookworm minbase + docker-registry + skopeo", target, (sbom) => [
    "rootfs",
    ...TRIVY_SBOM,
    sbom,
    target,
  ]);
}

/** The two-layer test image as a docker-archive: `trivy image --input` against `vigil inventory`. */
function benchImage(): Record<string, unknown> {
  const fx = imageFixture();
  return compareWithTrivy(
    "docker-archive: debootstrap bookworm + libssl3/skopeo, second layer upgrades and purges",
    fx.dockerArchive,
    (sbom) => ["image", ...TRIVY_SBOM, sbom, "--input", fx.dockerArchive],
  );
}

function benchAdvisories(): Record<string, unknown> {
  const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-db-"));
  try {
    const mirror = join(repoRoot, "../shared/vulndata");
    const t0 = performance.now();
    execFileSync(
      process.execPath,
      [vigilBin, "--quiet", "--data-dir", dataDir, "db", "update", "--mirror", mirror],
      {
        stdio: "ignore",
      },
    );
    const importMs = performance.now() - t0;
    const t1 = performance.now();
    execFileSync(
      process.execPath,
      [vigilBin, "--quiet", "--data-dir", dataDir, "db", "update", "--mirror", mirror],
      {
        stdio: "ignore",
      },
    );
    const reimportMs = performance.now() - t1;
    const target = benchRootfs();
    const scan = timeIt("vigil scan", process.execPath, [
      vigilBin,
      "--quiet",
      "--data-dir",
      dataDir,
      "scan",
      "--format",
      "json",
      target,
    ]);
    const findings = (JSON.parse(scan.stdout) as { findings: unknown[] }).findings.length;
    return {
      fullImportMs: Math.round(importMs),
      unchangedReimportMs: Math.round(reimportMs),
      scanMs: Math.round(scan.ms),
      findings,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Sections in run order. `BENCH_ONLY=matching,reevaluation` runs only those (the full suite takes
 * about an hour); the report keeps the previous run's figures for the others, labelled.
 */
const SECTIONS: Record<string, () => unknown> = {
  inventory: benchInventory,
  image: benchImage,
  advisories: benchAdvisories,
  matching: () => benchMatching(vulndataDir, benchRootfs()),
  reevaluation: () => benchReevaluation(vulndataDir),
  service: () => benchService(vulndataDir, benchRootfs()),
  registry: () => benchRegistry(vulndataDir),
  hosts: () => benchHosts(vulndataDir),
  events: () => benchEvents(vulndataDir, benchRootfs()),
  code: () => benchCode(),
  workers: () => benchWorkers(vulndataDir),
};
const ONLY = process.env["BENCH_ONLY"]
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const unknownSections = (ONLY ?? []).filter((s) => !(s in SECTIONS));
if (unknownSections.length > 0) {
  process.stderr.write(
    `BENCH_ONLY: unknown section(s) ${unknownSections.join(", ")}; known: ${Object.keys(SECTIONS).join(", ")}\n`,
  );
  process.exit(2);
}

mkdirSync(cacheDir, { recursive: true });
const started = performance.now();
const loadAtStart = loadavg();
const commitAtStart = gitCommit();
const results: Record<string, unknown> = {};
let failed = 0;
for (const [key, run] of Object.entries(SECTIONS)) {
  if (ONLY && !ONLY.includes(key)) continue;
  process.stderr.write(`bench: ${key} …\n`);
  const t0 = performance.now();
  try {
    results[key] = await run();
    process.stderr.write(`bench: ${key} done in ${Math.round((performance.now() - t0) / 1000)} s\n`);
  } catch (e) {
    // One section failing does not void the others: the report says which failed and why.
    failed++;
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    results[key] = { failed: message.split("\n").slice(0, 6).join("\n") };
    process.stderr.write(`bench: ${key} failed: ${message}\n`);
  }
}
process.stdout.write(JSON.stringify(results, null, 2) + "\n");
// The code scanning accuracy per detector as a table (the same figures are in results.code.corpus).
if (results["code"] && !(results["code"] as { failed?: string }).failed)
  process.stderr.write(`${codeReportLines(results["code"] as Record<string, unknown>).join("\n")}\n`);
const report = writeReport(results, {
  ...(ONLY ? { only: ONLY } : {}),
  durationMs: performance.now() - started,
  loadAtStart,
  commitAtStart,
  command: ONLY ? `BENCH_ONLY=${ONLY.join(",")} npm run bench` : "npm run bench",
});
process.stderr.write(
  `bench: report written to ${report.md} and ${report.json} (copies: ${report.stampedMd})\n`,
);
if (failed > 0) process.exitCode = 1;
