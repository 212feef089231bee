import { readLines } from "../input.js";
import type { EpssEntry } from "../types.js";
import { type Feed, type FeedInput, type FeedSink, mirrorFiles } from "./feed.js";

export const EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** Bad rows beyond this share of the file (or this count) mean the file is not an EPSS CSV. */
const MAX_BAD_ROWS = 1000;
const MAX_BAD_SHARE = 0.01;

function probability(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\s*(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 0 && n <= 1 ? n : undefined;
}

/**
 * Reads a FIRST EPSS CSV (plain or gzipped): an optional `#model_version:…,score_date:…` comment,
 * the header `cve,epss,percentile`, then one row per CVE. A bad row is skipped with a warning
 * naming its line; a wrong header, or more than 1% (or 1000) bad rows, fails the file.
 */
export async function parseEpss(input: FeedInput, sink: FeedSink): Promise<void> {
  let date: string | undefined;
  let columns: { cve: number; epss: number; percentile: number } | undefined;
  let line = 0;
  let rows = 0;
  let bad = 0;
  const fail = (reason: string): never => {
    throw new Error(`${input.label} line ${line}: ${reason}`);
  };
  try {
    for await (const text of readLines(input.path)) {
      line++;
      if (sink.signal?.aborted) throw sink.signal.reason ?? new Error("update cancelled");
      if (text.trim() === "") continue;
      if (text.startsWith("#")) {
        const m = /score_date:(\d{4}-\d{2}-\d{2})/.exec(text);
        if (m) date = m[1];
        continue;
      }
      const cells = text.split(",");
      if (!columns) {
        const names = cells.map((c) => c.trim().toLowerCase());
        const cve = names.indexOf("cve");
        const epss = names.indexOf("epss");
        const percentile = names.indexOf("percentile");
        if (cve < 0 || epss < 0 || percentile < 0)
          fail(`expected the header "cve,epss,percentile", got ${JSON.stringify(text.slice(0, 80))}`);
        columns = { cve, epss, percentile };
        continue;
      }
      rows++;
      const cveId = cells[columns.cve]?.trim();
      const score = probability(cells[columns.epss]);
      const percentile = probability(cells[columns.percentile]);
      let reason: string | undefined;
      if (!cveId || !CVE_ID.test(cveId)) reason = `bad CVE id ${JSON.stringify(cells[columns.cve] ?? "")}`;
      else if (score === undefined)
        reason = `epss ${JSON.stringify(cells[columns.epss] ?? "")} is not a probability`;
      else if (percentile === undefined)
        reason = `percentile ${JSON.stringify(cells[columns.percentile] ?? "")} is not a probability`;
      if (reason !== undefined || !cveId || score === undefined || percentile === undefined) {
        bad++;
        sink.skip(`${input.label} line ${line}`, reason ?? "bad row");
        if (bad > MAX_BAD_ROWS) fail(`more than ${MAX_BAD_ROWS} bad rows; not an EPSS file?`);
        continue;
      }
      const entry: EpssEntry = { cveId, score, percentile };
      if (date) entry.date = date;
      sink.epss(entry);
      if (rows % 10000 === 0) sink.progress(rows);
    }
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(input.label) ? msg : `${input.label}: ${msg}`);
  }
  if (!columns) throw new Error(`${input.label}: empty file (no "cve,epss,percentile" header)`);
  if (rows > 0 && bad / rows > MAX_BAD_SHARE && bad > 10) {
    throw new Error(`${input.label}: ${bad} of ${rows} rows are bad; not an EPSS file?`);
  }
  sink.progress(rows, rows);
}

const MIRROR_DIR = "epss";
const FILE = /\.csv(\.gz)?$/;

/** FIRST's Exploit Prediction Scoring System daily scores. */
export function epssFeed(): Feed {
  return {
    name: "epss",
    kind: "epss",
    url: EPSS_URL,
    mirrorLayout: `${MIRROR_DIR}/*.csv[.gz] (else samples/epss-*.csv)`,
    snapshot: true,
    mirrorInputs(mirrorDir) {
      return mirrorFiles(mirrorDir, MIRROR_DIR, FILE, /^epss-.*\.csv(\.gz)?$/);
    },
    async fetchInputs(ctx) {
      const got = await ctx.download(EPSS_URL);
      if (!got) return [];
      return got.changed ? [got.input] : "not-modified";
    },
    async parse(inputs, sink) {
      // Files are read in name order; a CVE in several keeps the last file's score.
      for (const input of inputs) await parseEpss(input, sink);
    },
  };
}
