/**
 * Code scanning benchmark.
 *
 *  1. Accuracy over the corpus (test/code/corpus): per detector — across languages and per
 *     language — true positives, false positives and false negatives at finding level (file,
 *     detector, line), true negatives at file level (fixed cases without a finding of the
 *     detector), precision and recall.
 *  2. Throughput over real code available offline: JavaScript packages of this repository's
 *     node_modules (react-dom, fastify with its tests) and Python under
 *     /usr/lib/python3/dist-packages (awscli with its vendored botocore, pip). Files/s and MB/s
 *     (median of BENCH_CODE_RUNS after one warm-up run), skipped and partial files, and the
 *     findings each detector reports there — library code, so every finding is a lead to read,
 *     not a confirmed issue.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { DETECTORS } from "../src/code/detectors.js";
import { type CodeScanResult, scanCode } from "../src/code/scan.js";
import { caseOf, corpusExpectations, corpusFiles, corpusRoot, key } from "../test/code/expectations.js";
import { repoRoot } from "../test/support/fixtures.js";

const RUNS = Number(process.env["BENCH_CODE_RUNS"] ?? 3);

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

function scores(c: Counts) {
  return { ...c, precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn) };
}

async function accuracy(): Promise<Record<string, unknown>> {
  const root = corpusRoot();
  const t0 = performance.now();
  const result = await scanCode(root);
  const ms = performance.now() - t0;
  const expected = corpusExpectations(root);
  const expectedKeys = new Set(expected.map(key));
  const actual = result.findings.map((f) => ({
    file: f.filePath,
    detectorId: f.detectorId,
    line: f.startLine,
  }));
  const actualKeys = new Set(actual.map(key));
  const byId = new Map<string, Counts>();
  const counts = (id: string) => {
    let c = byId.get(id);
    if (!c) {
      c = { tp: 0, fp: 0, fn: 0, tn: 0 };
      byId.set(id, c);
    }
    return c;
  };
  for (const a of actual) {
    if (expectedKeys.has(key(a))) counts(a.detectorId).tp++;
    else counts(a.detectorId).fp++;
  }
  for (const e of expected) if (!actualKeys.has(key(e))) counts(e.detectorId).fn++;
  for (const file of corpusFiles(root)) {
    const c = caseOf(file);
    if (c.kind !== "fixed") continue;
    const id = `${c.language}/${c.detector}`;
    if (!actual.some((a) => a.file === file && a.detectorId === id)) counts(id).tn++;
  }
  const perDetector: Record<string, unknown> = {};
  const total: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const d of DETECTORS) {
    const sum: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
    const languages: Record<string, unknown> = {};
    for (const lang of d.families) {
      const c = byId.get(`${lang}/${d.key}`) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
      languages[lang] = scores(c);
      for (const k of ["tp", "fp", "fn", "tn"] as const) {
        sum[k] += c[k];
        total[k] += c[k];
      }
    }
    perDetector[d.key] = { ...scores(sum), languages };
  }
  return {
    files: result.files.scanned,
    expectedFindings: expected.length,
    scanMs: Math.round(ms),
    overall: scores(total),
    perDetector,
  };
}

interface Codebase {
  name: string;
  path: string;
}

const CODEBASES: Codebase[] = [
  { name: "react-dom (node_modules)", path: join(repoRoot, "node_modules/react-dom") },
  { name: "fastify (node_modules, with its tests)", path: join(repoRoot, "node_modules/fastify") },
  { name: "awscli + botocore (dist-packages)", path: "/usr/lib/python3/dist-packages/awscli" },
  { name: "pip (dist-packages)", path: "/usr/lib/python3/dist-packages/pip" },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function throughput(cb: Codebase): Promise<Record<string, unknown>> {
  // Paths in the results are relative to the repository where they lie inside it.
  const shown = cb.path.startsWith(repoRoot) ? relative(repoRoot, cb.path) : cb.path;
  if (!existsSync(cb.path)) return { name: cb.name, path: shown, skipped: "not present on this machine" };
  let last: CodeScanResult | undefined;
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    last = await scanCode(cb.path);
    if (i > 0) times.push(performance.now() - t0);
  }
  const r = last!;
  const ms = median(times);
  const findings: Record<string, number> = {};
  for (const f of r.findings) findings[f.detectorId] = (findings[f.detectorId] ?? 0) + 1;
  return {
    name: cb.name,
    path: shown,
    files: r.files.scanned,
    megabytes: Math.round((r.bytes / 1e6) * 100) / 100,
    ms: Math.round(ms),
    filesPerSecond: Math.round((r.files.scanned / ms) * 1000),
    megabytesPerSecond: Math.round((r.bytes / 1e6 / (ms / 1000)) * 100) / 100,
    skipped: r.files.skipped.length,
    skippedReasons: [...new Set(r.files.skipped.map((s) => s.reason.replace(/\d+/g, "N")))],
    partial: r.files.partial.length,
    findings,
  };
}

/**
 * The corpus accuracy as report lines: one per detector (all languages, then each language) with
 * true/false positives, false negatives, true negatives, precision and recall.
 */
export function codeReportLines(code: Record<string, unknown>): string[] {
  const corpus = code["corpus"] as
    | {
        files: number;
        expectedFindings: number;
        overall: ReturnType<typeof scores>;
        perDetector: Record<
          string,
          ReturnType<typeof scores> & { languages: Record<string, ReturnType<typeof scores>> }
        >;
      }
    | undefined;
  if (!corpus) return [];
  const fmt = (v: number | null) => (v === null ? "  n/a" : v.toFixed(3));
  const row = (name: string, c: ReturnType<typeof scores>) =>
    `${name.padEnd(40)} ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)} ${String(c.tn).padStart(4)}  ${fmt(c.precision)}  ${fmt(c.recall)}`;
  const lines = [
    `code scanning, corpus accuracy (${corpus.files} files, ${corpus.expectedFindings} expected findings; finding level: file, detector, line)`,
    `${"detector".padEnd(40)}   tp   fp   fn   tn  precision recall`,
  ];
  for (const [key, c] of Object.entries(corpus.perDetector)) {
    lines.push(row(key, c));
    for (const [lang, l] of Object.entries(c.languages)) lines.push(row(`  ${lang}`, l));
  }
  lines.push(row("all detectors", corpus.overall));
  return lines;
}

export async function benchCode(options: { corpusOnly?: boolean } = {}): Promise<Record<string, unknown>> {
  const corpus = await accuracy();
  if (options.corpusOnly) return { corpus };
  const realCode = [];
  for (const cb of CODEBASES) realCode.push(await throughput(cb));
  const scanned = realCode.filter((r) => typeof r["files"] === "number");
  const files = scanned.reduce((a, r) => a + (r["files"] as number), 0);
  const mb = scanned.reduce((a, r) => a + (r["megabytes"] as number), 0);
  const ms = scanned.reduce((a, r) => a + (r["ms"] as number), 0);
  return {
    corpus,
    realCode,
    realCodeTotal: {
      files,
      megabytes: Math.round(mb * 100) / 100,
      filesPerSecond: ms > 0 ? Math.round((files / ms) * 1000) : null,
      megabytesPerSecond: ms > 0 ? Math.round((mb / (ms / 1000)) * 100) / 100 : null,
    },
  };
}

// `npx tsx bench/code.ts [--corpus-only]`: this part alone, JSON on stdout, the table on stderr.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchCode({ corpusOnly: process.argv.includes("--corpus-only") });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`${codeReportLines(result).join("\n")}\n`);
}
