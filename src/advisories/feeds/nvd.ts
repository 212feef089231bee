import { existsSync, readdirSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HttpStatusError } from "../download.js";
import { isObject, parseJson, readDocument, str } from "../input.js";
import type { CvssEntry } from "../types.js";
import { type Feed, type FeedInput, type FeedSink, type FetchContext, mirrorFiles } from "./feed.js";

export const NVD_API_URL = "https://services.nvd.nist.gov/rest/json/cves/2.0";
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
/** NVD refuses lastModified windows longer than this. */
const MAX_WINDOW_MS = 120 * 24 * 3600 * 1000;

type Metric = CvssEntry["metrics"][number];

const METRIC_KEYS: [key: string, version: string][] = [
  ["cvssMetricV40", "4.0"],
  ["cvssMetricV31", "3.1"],
  ["cvssMetricV30", "3.0"],
  ["cvssMetricV2", "2.0"],
];

/**
 * The score a CVE is summarised by: NVD's own (Primary) v3.1, then Primary v3.0, then a CNA's
 * (Secondary) v3.x, then v4.0, then v2 — v3.x first because that is what the rest of the
 * ecosystem (and Inspector) reports.
 */
function preferred(metrics: (Metric & { type: string })[]): (Metric & { type: string }) | undefined {
  const rank = (m: Metric & { type: string }) => {
    const primary = m.type === "Primary" ? 0 : 1;
    if (m.version === "3.1") return primary;
    if (m.version === "3.0") return 2 + primary;
    if (m.version.startsWith("3")) return 4 + primary;
    if (m.version === "4.0") return 6 + primary;
    return 8 + primary;
  };
  let best: (Metric & { type: string }) | undefined;
  for (const m of metrics) if (!best || rank(m) < rank(best)) best = m;
  return best;
}

/** One `vulnerabilities[].cve` object of an NVD CVE API 2.0 response → CvssEntry. */
export function nvdCveToCvss(cve: unknown): CvssEntry {
  if (!isObject(cve)) throw new Error("cve is not an object");
  const cveId = str(cve["id"]);
  if (!cveId || !CVE_ID.test(cveId)) throw new Error(`bad CVE id ${JSON.stringify(cve["id"])}`);
  const all: (Metric & { type: string })[] = [];
  const metrics = cve["metrics"];
  if (isObject(metrics)) {
    for (const [key, fallbackVersion] of METRIC_KEYS) {
      const list = metrics[key];
      if (!Array.isArray(list)) continue;
      for (const m of list) {
        if (!isObject(m) || !isObject(m["cvssData"])) continue;
        const data = m["cvssData"];
        const vector = str(data["vectorString"]);
        const baseScore = data["baseScore"];
        if (!vector || typeof baseScore !== "number") continue;
        const metric: Metric & { type: string } = {
          source: str(m["source"]) ?? "",
          version: str(data["version"]) ?? fallbackVersion,
          vector,
          baseScore,
          type: str(m["type"]) ?? "Secondary",
        };
        // v2 keeps baseSeverity beside cvssData, v3/v4 inside it.
        const severity = str(data["baseSeverity"]) ?? str(m["baseSeverity"]);
        if (severity) metric.baseSeverity = severity;
        all.push(metric);
      }
    }
  }
  const entry: CvssEntry = {
    cveId,
    metrics: all.map(({ type: _type, ...m }) => m),
  };
  const best = preferred(all);
  if (best) {
    entry.baseScore = best.baseScore;
    entry.vector = best.vector;
    entry.version = best.version;
  }
  const published = str(cve["published"]);
  if (published) entry.published = published;
  const lastModified = str(cve["lastModified"]);
  if (lastModified) entry.lastModified = lastModified;
  if (Array.isArray(cve["descriptions"])) {
    const en = cve["descriptions"].find((d) => isObject(d) && d["lang"] === "en");
    const text = isObject(en) ? str(en["value"]) : undefined;
    if (text) entry.description = text;
  }
  return entry;
}

/** Reads NVD CVE API 2.0 response pages; a CVE that cannot be read is skipped with a warning. */
export async function parseNvdPage(input: FeedInput, sink: FeedSink): Promise<number> {
  let doc: unknown;
  try {
    doc = parseJson(await readDocument(input.path, 512 << 20));
  } catch (e) {
    throw new Error(`${input.label}: ${(e as Error).message}`);
  }
  const list = isObject(doc) ? doc["vulnerabilities"] : undefined;
  if (!Array.isArray(list))
    throw new Error(`${input.label}: not an NVD CVE API 2.0 response (no "vulnerabilities")`);
  list.forEach((v, i) => {
    const cve = isObject(v) ? v["cve"] : undefined;
    try {
      sink.cvss(nvdCveToCvss(cve));
    } catch (e) {
      const id = isObject(cve) ? str(cve["id"]) : undefined;
      sink.skip(`${input.label} vulnerabilities[${i}]`, (e as Error).message, id);
    }
  });
  return list.length;
}

function nvdDate(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/**
 * Pages through the CVE API: everything on the first run, then only CVEs modified since the last
 * successful import (in windows of at most 120 days, NVD's limit). Pages are saved to the cache
 * and parsed in the import phase like any other input.
 */
async function fetchNvd(ctx: FetchContext): Promise<FeedInput[] | "not-modified"> {
  const dir = ctx.cachePath("");
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) if (f.startsWith("page-")) await rm(join(dir, f), { force: true });
  }
  const key = ctx.options.nvdApiKey;
  const delay = ctx.options.nvdRequestDelayMs ?? (key ? 700 : 6500);
  const pageSize = Math.min(ctx.options.nvdPageSize ?? 2000, 2000);
  const headers: Record<string, string> = key ? { apiKey: key } : {};
  const started = Date.now();
  const windows: { start?: number; end?: number }[] = [];
  const since = ctx.cursor ? Date.parse(ctx.cursor) : Number.NaN;
  if (Number.isFinite(since)) {
    for (let s = since; s < started; s += MAX_WINDOW_MS)
      windows.push({ start: s, end: Math.min(s + MAX_WINDOW_MS, started) });
  } else {
    windows.push({});
  }
  const inputs: FeedInput[] = [];
  let requests = 0;
  let fetched = 0;
  for (const w of windows) {
    let startIndex = 0;
    while (true) {
      const params = new URLSearchParams({
        resultsPerPage: String(pageSize),
        startIndex: String(startIndex),
      });
      if (w.start !== undefined && w.end !== undefined) {
        params.set("lastModStartDate", nvdDate(w.start));
        params.set("lastModEndDate", nvdDate(w.end));
      }
      const url = `${NVD_API_URL}?${params}`;
      if (requests++ > 0) await ctx.sleep(delay);
      let text: string | undefined;
      for (let attempt = 0; text === undefined; attempt++) {
        try {
          text = await ctx.getText(url, headers);
        } catch (e) {
          // NVD answers 403 when the rolling rate limit is exceeded.
          if (e instanceof HttpStatusError && (e.status === 403 || e.status === 429) && attempt < 3) {
            await ctx.sleep(delay * 5);
            continue;
          }
          throw e;
        }
      }
      const page = parseJson(text);
      if (!isObject(page) || !Array.isArray(page["vulnerabilities"])) {
        throw new Error(`${url}: not an NVD CVE API 2.0 response`);
      }
      const count = page["vulnerabilities"].length;
      const total = typeof page["totalResults"] === "number" ? page["totalResults"] : count;
      const path = ctx.cachePath(`page-${String(inputs.length + 1).padStart(4, "0")}.json`);
      await writeFile(path, text);
      inputs.push({ label: url, path });
      fetched += count;
      ctx.progress(fetched);
      startIndex += count;
      if (count === 0 || startIndex >= total) break;
    }
  }
  ctx.setCursor(new Date(started).toISOString());
  return inputs;
}

const MIRROR_DIR = "nvd";
const FILE = /\.json(\.gz)?$/;

/** NVD's CVE API 2.0: CVSS metrics per CVE. Incremental: records are added or updated, never removed. */
export function nvdFeed(): Feed {
  return {
    name: "nvd",
    kind: "cvss",
    url: NVD_API_URL,
    mirrorLayout: `${MIRROR_DIR}/*.json[.gz] (CVE API 2.0 response pages; else samples/nvd-*.json)`,
    snapshot: false,
    mirrorInputs(mirrorDir) {
      return mirrorFiles(mirrorDir, MIRROR_DIR, FILE, /^nvd-.*\.json(\.gz)?$/);
    },
    fetchInputs: fetchNvd,
    async parse(inputs, sink) {
      let n = 0;
      for (const input of inputs) {
        n += await parseNvdPage(input, sink);
        sink.progress(n);
      }
    },
  };
}
