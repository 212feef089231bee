import { existsSync } from "node:fs";
import { join } from "node:path";
import type { OsvEvent, OsvRange } from "../../versions/ranges.js";
import { isObject, parseJson, str, strArray } from "../input.js";
import { normalizeEcosystem } from "../normalize.js";
import type { Advisory, AffectedEntry, Reference, SeverityEntry } from "../types.js";
import { readZipEntries } from "../zip.js";
import type { Feed, FeedInput, FeedSink } from "./feed.js";

export const OSV_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com";

/**
 * OSV ecosystems fetched from the public bucket by default: those Vigil's extractors produce.
 * Alpine is left to the Alpine secdb feed, which OSV's Alpine records are generated from.
 */
export const DEFAULT_OSV_ECOSYSTEMS = [
  "Go",
  "PyPI",
  "crates.io",
  "npm",
  "Debian",
  "Ubuntu",
  "AlmaLinux",
  "Rocky Linux",
];

const EVENT_KEYS = ["introduced", "fixed", "last_affected", "limit"] as const;

function events(raw: unknown): OsvEvent[] {
  if (!Array.isArray(raw)) return [];
  const out: OsvEvent[] = [];
  for (const e of raw) {
    if (!isObject(e)) continue;
    for (const k of EVENT_KEYS) {
      const v = e[k];
      if (typeof v === "string") {
        out.push({ [k]: v });
        break;
      }
    }
  }
  return out;
}

function severities(raw: unknown): SeverityEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: SeverityEntry[] = [];
  for (const s of raw) {
    if (isObject(s) && typeof s["type"] === "string" && typeof s["score"] === "string") {
      out.push({ type: s["type"], score: s["score"] });
    }
  }
  return out;
}

/**
 * One OSV record → an Advisory and one AffectedEntry per affected[] package. GIT ranges are left
 * out (an installed package has no commit to test); a record-level severity missing but given per
 * package is lifted to the record; CWE ids come from database_specific.cwe_ids (GitHub's style).
 */
export function osvToAdvisory(
  record: unknown,
  source: string,
): { advisory: Advisory; affected: AffectedEntry[] } {
  if (!isObject(record)) throw new Error("record is not a JSON object");
  const id = str(record["id"]);
  if (!id) throw new Error("record has no id");
  const advisory: Advisory = {
    id,
    aliases: strArray(record["aliases"]),
    related: strArray(record["related"]),
    modified: str(record["modified"]) ?? "",
    severity: severities(record["severity"]),
    references: [],
    source,
  };
  const summary = str(record["summary"]);
  if (summary) advisory.summary = summary;
  const details = str(record["details"]);
  if (details) advisory.details = details;
  const published = str(record["published"]);
  if (published) advisory.published = published;
  const withdrawn = str(record["withdrawn"]);
  if (withdrawn) advisory.withdrawn = withdrawn;
  const refs: Reference[] = [];
  if (Array.isArray(record["references"])) {
    for (const r of record["references"]) {
      if (isObject(r) && typeof r["url"] === "string")
        refs.push({ type: str(r["type"]) ?? "WEB", url: r["url"] });
    }
  }
  advisory.references = refs;
  const dbSpecific = record["database_specific"];
  if (isObject(dbSpecific)) {
    const cwes = strArray(dbSpecific["cwe_ids"]);
    if (cwes.length > 0) advisory.cwes = cwes;
  }

  const affected: AffectedEntry[] = [];
  const liftedSeverity: SeverityEntry[] = [];
  if (Array.isArray(record["affected"])) {
    for (const a of record["affected"]) {
      if (!isObject(a) || !isObject(a["package"])) continue;
      const ecosystem = str(a["package"]["ecosystem"]);
      const name = str(a["package"]["name"]);
      if (!ecosystem || !name) continue;
      const entry: AffectedEntry = {
        advisoryId: id,
        ecosystem: normalizeEcosystem(ecosystem),
        packageName: name,
      };
      const ranges: OsvRange[] = [];
      if (Array.isArray(a["ranges"])) {
        for (const r of a["ranges"]) {
          if (!isObject(r) || typeof r["type"] !== "string" || r["type"] === "GIT") continue;
          const ev = events(r["events"]);
          if (ev.length > 0) ranges.push({ type: r["type"], events: ev });
        }
      }
      if (ranges.length > 0) entry.ranges = ranges;
      const versions = strArray(a["versions"]);
      if (versions.length > 0) entry.versions = versions;
      // Distribution records grade per package (Debian / Ubuntu "urgency").
      const eco = a["ecosystem_specific"];
      const urgency = isObject(eco) ? str(eco["urgency"]) : undefined;
      if (urgency) entry.severity = urgency;
      for (const s of severities(a["severity"])) {
        if (!liftedSeverity.some((x) => x.type === s.type && x.score === s.score)) liftedSeverity.push(s);
      }
      // An entry with neither ranges nor versions says nothing we can match on.
      if (entry.ranges || entry.versions) affected.push(entry);
    }
  }
  if (advisory.severity.length === 0 && liftedSeverity.length > 0) advisory.severity = liftedSeverity;
  return { advisory, affected };
}

/** The record id an archive entry is named after ("GO-2020-0001.json" → "GO-2020-0001"). */
function idFromEntryName(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return base.endsWith(".json") ? base.slice(0, -5) : undefined;
}

/**
 * Reads an OSV export archive. A broken archive fails the feed; a single entry that is not valid
 * JSON or not an OSV record is skipped with a warning naming it (its stored version is kept).
 */
export async function parseOsvArchive(input: FeedInput, source: string, sink: FeedSink): Promise<void> {
  let n = 0;
  try {
    for await (const entry of readZipEntries(input.path)) {
      if (sink.signal?.aborted) throw sink.signal.reason ?? new Error("update cancelled");
      const where = `${input.label}:${entry.name}`;
      if (entry.error !== undefined) {
        sink.skip(where, entry.error, idFromEntryName(entry.name));
        continue;
      }
      if (!entry.name.endsWith(".json")) continue;
      let parsed: { advisory: Advisory; affected: AffectedEntry[] };
      try {
        parsed = osvToAdvisory(parseJson(entry.data), source);
      } catch (e) {
        sink.skip(where, (e as Error).message, idFromEntryName(entry.name));
        continue;
      }
      sink.advisory(parsed.advisory, parsed.affected);
      if (++n % 500 === 0) sink.progress(n);
    }
  } catch (e) {
    throw new Error(`${input.label}: ${(e as Error).message}`);
  }
  sink.progress(n, n);
}

/** The feed for one OSV ecosystem export (`<Ecosystem>/all.zip`). */
export function osvFeed(ecosystem: string): Feed {
  const name = `osv:${ecosystem}`;
  const url = `${OSV_BASE_URL}/${encodeURIComponent(ecosystem)}/all.zip`;
  const rel = `osv/${ecosystem}/all.zip`;
  return {
    name,
    kind: "advisories",
    url,
    mirrorLayout: rel,
    snapshot: true,
    mirrorInputs(mirrorDir) {
      const path = join(mirrorDir, rel);
      return existsSync(path) ? [{ label: rel, path }] : [];
    },
    async fetchInputs(ctx) {
      const got = await ctx.download(url);
      if (!got) return [];
      return got.changed ? [got.input] : "not-modified";
    },
    async parse(inputs, sink) {
      for (const input of inputs) await parseOsvArchive(input, name, sink);
    },
  };
}
