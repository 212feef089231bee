/**
 * Re-evaluation benchmark: 10,000 hosts × ~700 packages built from real package lists, stored
 * through the real submit path (`VigilService.submitInventory`, in process), then
 *
 *  (a) ONE new advisory for a source package that about 1% of the hosts hold: import + the
 *      re-evaluation (`service.reevaluate()`, which re-matches only the hosts holding a changed
 *      package key);
 *  (b) a feed update touching every record of the Debian feed — the tracker publishing bookworm
 *      (Debian 12) data: each of the 8,225 DSA/DLA records gains a `Debian:12` entry copied from
 *      its newest release's (same fix), and one record in BENCH_REEVAL_UNFIXED_ONE_IN is unfixed in
 *      bookworm (no fix yet, so it opens findings) — then the full re-evaluation it causes;
 *  (c) the correction that follows: those unfixed records lose their bookworm entries again (the
 *      tracker marks bookworm not affected), which closes the findings (b) opened.
 *
 * Hosts: every host has the real installed set of a debootstrap bookworm minbase (dpkg status);
 * the rest, up to 650–750 packages, is drawn (seeded PRNG, so hosts differ) from Debian's apt
 * index on this machine (bookworm main + updates + security, real names, versions and source
 * packages; see bench/packages.ts). A quarter of the hosts also run one of Debian's Go programs
 * (docker-registry or skopeo: the .deb plus the Go toolchain its binary was built with, from its
 * build info), which is where most of the findings come from: the advisory mirror has little
 * Debian 12 data (its Debian tracker snapshot is from April 2023).
 *
 * Run alone: `npm run build && node dist/bench/reevaluation.js` (BENCH_REEVAL_HOSTS,
 * BENCH_REEVAL_PACKAGES, BENCH_REEVAL_DATABASES (default sqlite,postgres) shrink it).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openAdvisoryStore } from "../src/advisories/store.js";
import { updateAdvisories } from "../src/advisories/update.js";
import { openServiceDatabase } from "../src/db/service/open.js";
import type { Package } from "../src/extractors/types.js";
import { loadMasterKey } from "../src/service/keys.js";
import { type Principal, VigilService } from "../src/service/service.js";
import { makeZip, mirrorWith, zipEntries } from "../test/advisories/helpers.js";
import { debianGoPrograms, debootstrapRootfs } from "../test/support/fixtures.js";
import { startPostgres } from "../test/support/postgres.js";
import { aptIndexPackages, BOOKWORM, goProgramPackages, treePackages } from "./packages.js";

const HOSTS = Number(process.env["BENCH_REEVAL_HOSTS"] ?? 10_000);
const PACKAGES = Number(process.env["BENCH_REEVAL_PACKAGES"] ?? 700);
const DATABASES = (process.env["BENCH_REEVAL_DATABASES"] ?? "sqlite,postgres").split(",").filter(Boolean);
const UNFIXED_ONE_IN = Number(process.env["BENCH_REEVAL_UNFIXED_ONE_IN"] ?? 100);
/** Share of hosts running one of Debian's Go programs (half docker-registry, half skopeo). */
const GO_SHARE = 0.25;
const ACCOUNT = "100000000003";
const principal: Principal = { accountId: ACCOUNT, id: "bench", readOnly: false };
const NEW_ADVISORY_ID = "DSA-9999-1";
const NEW_CVE = "CVE-2099-0701";

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const quantile = (xs: Float64Array, q: number) => {
  const s = Float64Array.from(xs).sort();
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const resourceId = (i: number) => `i-${(0xbe000000 + i).toString(16).padStart(17, "0")}`;

interface HostPlan {
  /** Packages every host has: the debootstrap minbase's installed set. */
  base: Package[];
  /** Packages hosts draw from (the apt index minus the base's names). */
  pool: Package[];
  /** Go program name → its .deb (from the index, if there) and its Go packages. */
  go: Map<string, { deb?: Package; packages: Package[] }>;
  source: string;
}

async function plan(): Promise<HostPlan> {
  const rootfs = await treePackages(debootstrapRootfs("bookworm"));
  const base = rootfs.packages;
  const baseNames = new Set(base.map((p) => p.name));
  const index = aptIndexPackages(BOOKWORM);
  const goPackages = await goProgramPackages(debianGoPrograms());
  const pool = index ? index.packages.filter((p) => !baseNames.has(p.name)) : [];
  const go = new Map<string, { deb?: Package; packages: Package[] }>();
  for (const [program, packages] of goPackages) {
    const deb = index?.packages.find((p) => p.name === program);
    go.set(program, { ...(deb ? { deb } : {}), packages });
  }
  return {
    base,
    pool,
    go,
    source: index
      ? `${index.description}; base: the ${base.length} packages of a debootstrap bookworm minbase (dpkg status)`
      : `no apt index under /var/lib/apt/lists (run apt-get update): hosts are only the ${base.length} packages of a debootstrap bookworm minbase plus Debian's Go programs, so far fewer than ${PACKAGES} packages each`,
  };
}

/** Host i's packages: the base, maybe a Go program, and a seeded draw from the pool. */
function hostPackages(p: HostPlan, i: number): Package[] {
  const rand = prng(0x5eed0000 + i * 7919);
  const target = Math.max(p.base.length, PACKAGES - 50 + Math.floor(rand() * 101));
  const out = [...p.base];
  const have = new Set(out.map((x) => x.name));
  const programs = [...p.go.keys()].sort();
  const withProgram = new Set<string>();
  const r = rand();
  if (programs.length > 0 && r < GO_SHARE)
    withProgram.add(programs[Math.floor((r / GO_SHARE) * programs.length)]!);
  for (const program of withProgram) {
    const deb = p.go.get(program)!.deb;
    if (deb && !have.has(deb.name)) {
      have.add(deb.name);
      out.push(deb);
    }
  }
  let guard = 0;
  while (out.length < target && p.pool.length > 0 && guard++ < target * 20) {
    const pkg = p.pool[Math.floor(rand() * p.pool.length)]!;
    if (have.has(pkg.name)) continue;
    have.add(pkg.name);
    out.push(pkg);
    // A Go program drawn from the index comes with its binary's Go packages too.
    if (p.go.has(pkg.name)) withProgram.add(pkg.name);
  }
  for (const program of withProgram) out.push(...p.go.get(program)!.packages);
  return out;
}

async function submitAll(service: VigilService, p: HostPlan, label: string) {
  const times = new Float64Array(HOSTS);
  let opened = 0;
  let packages = 0;
  const t0 = performance.now();
  for (let i = 0; i < HOSTS; i++) {
    const pkgs = hostPackages(p, i);
    packages += pkgs.length;
    const s = performance.now();
    const r = await service.submitInventory(
      principal,
      // Details as the host agent's path sends them (src/hosts/hosts.ts).
      {
        id: resourceId(i),
        type: "AWS_EC2_INSTANCE",
        details: {
          awsEc2Instance: {
            platform: BOOKWORM.prettyName,
            ipV4Addresses: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
            ipV6Addresses: [],
            keyName: `host-${i}`,
          },
        },
      },
      { os: BOOKWORM, packages: pkgs },
    );
    times[i] = performance.now() - s;
    opened += r.opened;
    if ((i + 1) % 1000 === 0)
      process.stderr.write(
        `reevaluation bench (${label}): ${i + 1} hosts submitted, ${opened} findings, ${Math.round(performance.now() - t0)} ms\n`,
      );
  }
  const ms = performance.now() - t0;
  return {
    hosts: HOSTS,
    packages,
    packagesPerHost: round(packages / HOSTS, 1),
    findingsOpened: opened,
    ms: Math.round(ms),
    hostsPerSecond: round(HOSTS / (ms / 1000), 1),
    p50Ms: round(quantile(times, 0.5), 1),
    p99Ms: round(quantile(times, 0.99), 1),
  };
}

/** The source package (not in the base, not named by any Debian 12 advisory) closest to 1% of hosts. */
function onePercentSource(p: HostPlan, hasDebian12Advisory: (source: string) => boolean) {
  const hostsWith = new Map<string, number>();
  const version = new Map<string, string>();
  const baseSources = new Set(p.base.map((x) => x.source?.name ?? x.name));
  for (let i = 0; i < HOSTS; i++) {
    const seen = new Set<string>();
    for (const pkg of hostPackages(p, i)) {
      if (pkg.type !== "deb") continue;
      const src = pkg.source?.name ?? pkg.name;
      if (baseSources.has(src) || seen.has(src)) continue;
      seen.add(src);
      hostsWith.set(src, (hostsWith.get(src) ?? 0) + 1);
      version.set(src, pkg.source?.version ?? pkg.version);
    }
  }
  const want = HOSTS / 100;
  let best: { name: string; hosts: number } | undefined;
  for (const [name, hosts] of [...hostsWith].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (hasDebian12Advisory(name)) continue;
    if (!best || Math.abs(hosts - want) < Math.abs(best.hosts - want)) best = { name, hosts };
  }
  if (!best) throw new Error("no source package to put an advisory on");
  return { ...best, version: version.get(best.name)! };
}

type OsvRecord = {
  id: string;
  modified?: string;
  affected?: { package?: { ecosystem?: string; name?: string; purl?: string }; ranges?: unknown[] }[];
  [k: string]: unknown;
};

const debianMajor = (eco: string | undefined) => Number(/^Debian:(\d+)/.exec(eco ?? "")?.[1] ?? -1);

/**
 * The Debian feed after the tracker published bookworm data: every record re-published, each
 * package's newest-release entry copied as `Debian:12` (unfixed for the chosen records).
 */
function withBookworm(records: OsvRecord[], unfixed: Set<string>, modified: string): OsvRecord[] {
  return records.map((rec) => {
    const affected = rec.affected ?? [];
    if (affected.some((a) => a.package?.ecosystem === "Debian:12")) return { ...rec, modified };
    const newest = new Map<string, (typeof affected)[number]>();
    for (const a of affected) {
      const name = a.package?.name;
      if (!name) continue;
      const prev = newest.get(name);
      if (!prev || debianMajor(a.package?.ecosystem) > debianMajor(prev.package?.ecosystem))
        newest.set(name, a);
    }
    const added = [...newest.values()].map((a) => ({
      ...a,
      package: {
        ...a.package,
        ecosystem: "Debian:12",
        purl: `pkg:deb/debian/${a.package!.name}?distro=bookworm`,
      },
      ranges: unfixed.has(rec.id) ? [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] : a.ranges,
    }));
    return { ...rec, modified, affected: [...affected, ...added] };
  });
}

/** The correction: the chosen records lose their bookworm entries (bookworm not affected). */
function withoutBookworm(records: OsvRecord[], ids: Set<string>, modified: string): OsvRecord[] {
  return records.map((rec) =>
    ids.has(rec.id)
      ? {
          ...rec,
          modified,
          affected: (rec.affected ?? []).filter((a) => a.package?.ecosystem !== "Debian:12"),
        }
      : rec,
  );
}

const zipOf = (records: OsvRecord[]) =>
  makeZip(records.map((r) => ({ name: `${r.id}.json`, data: JSON.stringify(r) })));

async function runOn(label: string, url: string | undefined, p: HostPlan, vulndata: string, tmp: string) {
  const dataDir = join(tmp, label);
  mkdirSync(dataDir, { recursive: true });
  await updateAdvisories({ dataDir, mirror: vulndata });
  const store = openAdvisoryStore(dataDir);
  const database = await openServiceDatabase({ dataDir, ...(url ? { url } : {}) });
  const service = new VigilService(database, store, loadMasterKey(dataDir), { region: "local" });
  try {
    process.stderr.write(`reevaluation bench (${label}): submitting ${HOSTS} hosts …\n`);
    const submitted = await submitAll(service, p, label);
    process.stderr.write(`reevaluation bench (${label}): ${JSON.stringify(submitted)}\n`);

    // Settled cursor: the stored findings reflect every advisory imported so far.
    store.refresh();
    const current = String(store.changesSince(0).seq);
    await service.db
      .insertInto("service_state")
      .values({ key: "advisory_seq", value: current })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: current }))
      .execute();

    // (a) One new advisory for a package about 1% of the hosts hold.
    const chosen = onePercentSource(p, (src) => store.affected("Debian:12", src).length > 0);
    const original = (await zipEntries(join(vulndata, "osv", "Debian", "all.zip"))).map(
      (e) => JSON.parse(e.data.toString("utf8")) as OsvRecord,
    );
    const fixed = `${chosen.version}+deb12u1`;
    const added: OsvRecord = {
      schema_version: "1.6.0",
      id: NEW_ADVISORY_ID,
      published: "2026-11-23T00:00:00Z",
      modified: "2026-11-23T00:00:00Z",
      summary: `${chosen.name} - security update (benchmark advisory)`,
      aliases: [NEW_CVE],
      affected: [
        {
          package: {
            ecosystem: "Debian:12",
            name: chosen.name,
            purl: `pkg:deb/debian/${chosen.name}?distro=bookworm`,
          },
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
        },
      ],
    };
    const withNew = [...original, added];
    let t0 = performance.now();
    await updateAdvisories({
      dataDir,
      mirror: mirrorWith(tmp, { "osv/Debian/all.zip": zipOf(withNew) }),
      feeds: ["osv:Debian"],
    });
    const oneImportMs = performance.now() - t0;
    const one = await service.reevaluate();
    const oneAdvisory = {
      advisory: `${NEW_ADVISORY_ID} (${NEW_CVE}): ${chosen.name} < ${fixed} in Debian:12`,
      hostsHoldingIt: chosen.hosts,
      shareOfHosts: round(chosen.hosts / HOSTS, 4),
      importMs: Math.round(oneImportMs),
      reevaluateMs: Math.round(one.ms),
      changedKeys: one.changedKeys,
      resources: one.resources,
      opened: one.opened,
      closed: one.closed,
    };
    process.stderr.write(`reevaluation bench (${label}): one advisory ${JSON.stringify(oneAdvisory)}\n`);

    // (b) The feed update touching every Debian record, and the full re-evaluation it causes.
    const pick = prng(0xfeed);
    const unfixed = new Set(withNew.filter(() => pick() < 1 / UNFIXED_ONE_IN).map((r) => r.id));
    unfixed.delete(NEW_ADVISORY_ID);
    const bookworm = withBookworm(withNew, unfixed, "2026-11-24T00:00:00Z");
    t0 = performance.now();
    const feedImport = await updateAdvisories({
      dataDir,
      mirror: mirrorWith(tmp, { "osv/Debian/all.zip": zipOf(bookworm) }),
      feeds: ["osv:Debian"],
    });
    const fullImportMs = performance.now() - t0;
    const full = await service.reevaluate();
    const debianFeed = feedImport.feeds.find((f) => f.name === "osv:Debian");
    const feedUpdate = {
      update: `every Debian record re-published with a Debian:12 entry (copied from its newest release's); ${unfixed.size} of ${bookworm.length} records unfixed in bookworm`,
      recordsChanged: debianFeed?.changed ?? null,
      importMs: Math.round(fullImportMs),
      reevaluateMs: Math.round(full.ms),
      changedKeys: full.changedKeys,
      resources: full.resources,
      hostsPerSecond: round(full.resources / (full.ms / 1000), 1),
      opened: full.opened,
      closed: full.closed,
      changed: full.changed,
    };
    process.stderr.write(`reevaluation bench (${label}): feed update ${JSON.stringify(feedUpdate)}\n`);

    // (c) The correction: the unfixed records drop bookworm again; their findings close.
    t0 = performance.now();
    await updateAdvisories({
      dataDir,
      mirror: mirrorWith(tmp, {
        "osv/Debian/all.zip": zipOf(withoutBookworm(bookworm, unfixed, "2026-11-25T00:00:00Z")),
      }),
      feeds: ["osv:Debian"],
    });
    const corrImportMs = performance.now() - t0;
    const corr = await service.reevaluate();
    const correction = {
      update: `${unfixed.size} records lose their Debian:12 entries (bookworm not affected)`,
      importMs: Math.round(corrImportMs),
      reevaluateMs: Math.round(corr.ms),
      changedKeys: corr.changedKeys,
      resources: corr.resources,
      hostsPerSecond: round(corr.resources / (corr.ms / 1000), 1),
      opened: corr.opened,
      closed: corr.closed,
    };
    process.stderr.write(`reevaluation bench (${label}): correction ${JSON.stringify(correction)}\n`);
    return { submitted, oneAdvisory, feedUpdate, correction };
  } finally {
    await database.close();
    store.close();
  }
}

export async function benchReevaluation(vulndata: string): Promise<Record<string, unknown>> {
  const tmp = mkdtempSync(join(tmpdir(), "vigil-bench-reeval-"));
  try {
    const p = await plan();
    const out: Record<string, unknown> = {
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}`,
      hosts: HOSTS,
      packagesPerHostTarget: PACKAGES,
      packageSource: p.source,
      goPrograms: Object.fromEntries(
        [...p.go].map(([k, v]) => [k, v.packages.map((x) => `${x.name}@${x.version}`).join(", ")]),
      ),
      hostsWithGoProgram: `${GO_SHARE * 100}% forced, plus hosts that drew the .deb from the index`,
      databases: DATABASES,
    };
    for (const db of DATABASES) {
      if (db === "sqlite") out["sqlite"] = await runOn("sqlite", undefined, p, vulndata, tmp);
      else if (db === "postgres") {
        const pg = await startPostgres();
        try {
          out["postgres"] = await runOn("postgres", pg.url, p, vulndata, tmp);
        } finally {
          pg.stop();
        }
      } else throw new Error(`BENCH_REEVAL_DATABASES: unknown database ${db}`);
    }
    out["goals"] = {
      reevaluateOneAdvisoryMs: 1000,
      fullReevaluationMs: 600_000,
    };
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const { vulndataDir } = await import("../test/support/fixtures.js");
  const r = await benchReevaluation(vulndataDir);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
