import { existsSync } from "node:fs";
import { join } from "node:path";
import { isObject, parseJson, readDocument, str } from "../input.js";
import type { KevEntry } from "../types.js";
import type { Feed, FeedInput, FeedSink } from "./feed.js";

export const KEV_URL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
const MIRROR_FILE = "kev/known_exploited_vulnerabilities.json";
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** Reads a KEV catalog; an entry without a CVE id or dateAdded is skipped with a warning. */
export async function parseKev(input: FeedInput, sink: FeedSink): Promise<void> {
  let doc: unknown;
  try {
    doc = parseJson(await readDocument(input.path, 256 << 20));
  } catch (e) {
    throw new Error(`${input.label}: ${(e as Error).message}`);
  }
  const list = isObject(doc) ? doc["vulnerabilities"] : undefined;
  if (!Array.isArray(list)) throw new Error(`${input.label}: not a KEV catalog (no "vulnerabilities" list)`);
  list.forEach((v, i) => {
    const where = `${input.label} vulnerabilities[${i}]`;
    if (!isObject(v)) {
      sink.skip(where, "not an object");
      return;
    }
    const cveId = str(v["cveID"])?.trim();
    if (!cveId || !CVE_ID.test(cveId)) {
      sink.skip(where, `bad cveID ${JSON.stringify(v["cveID"])}`);
      return;
    }
    const dateAdded = str(v["dateAdded"]);
    if (!dateAdded) {
      sink.skip(where, `${cveId}: no dateAdded`, cveId);
      return;
    }
    const entry: KevEntry = { cveId, dateAdded };
    const put = (key: keyof KevEntry, field: string) => {
      const value = str(v[field]);
      if (value) (entry as unknown as Record<string, string>)[key] = value;
    };
    put("vendorProject", "vendorProject");
    put("product", "product");
    put("vulnerabilityName", "vulnerabilityName");
    put("dueDate", "dueDate");
    put("knownRansomwareCampaignUse", "knownRansomwareCampaignUse");
    put("requiredAction", "requiredAction");
    sink.kev(entry);
  });
  sink.progress(list.length, list.length);
}

/** CISA's Known Exploited Vulnerabilities catalog. */
export function kevFeed(): Feed {
  return {
    name: "kev",
    kind: "kev",
    url: KEV_URL,
    mirrorLayout: MIRROR_FILE,
    snapshot: true,
    mirrorInputs(mirrorDir) {
      const path = join(mirrorDir, MIRROR_FILE);
      return existsSync(path) ? [{ label: MIRROR_FILE, path }] : [];
    },
    async fetchInputs(ctx) {
      const got = await ctx.download(KEV_URL);
      if (!got) return [];
      return got.changed ? [got.input] : "not-modified";
    },
    async parse(inputs, sink) {
      for (const input of inputs) await parseKev(input, sink);
    },
  };
}
