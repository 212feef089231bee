import { DEBIAN_RELEASES } from "../../common/distros.js";
import { isObject, readDocument, str } from "../input.js";
import { topLevelMembers } from "../json-members.js";
import type { Advisory, AffectedEntry } from "../types.js";
import { type Feed, type FeedInput, type FeedSink, mirrorFiles } from "./feed.js";

export const DEBIAN_TRACKER_URL = "https://security-tracker.debian.org/tracker/data/json";

/**
 * The tracker marks urgencies it took from NVD's score with "**" ("high**"); the level is the
 * same, so the marker is dropped.
 */
function urgencyOf(raw: unknown): string | undefined {
  const u = str(raw)?.replace(/\*+$/, "").trim();
  return u ? u : undefined;
}

interface Pending {
  description?: string;
  entries: AffectedEntry[];
}

/**
 * Adds one source package's CVE map to the per-CVE collection. Per release: resolved with fixed
 * version "0" → never affected (skipped); resolved with a version → introduced 0, fixed X; open
 * or undetermined → introduced 0 with no fix; other statuses → skipped.
 */
function collectPackage(
  pkg: string,
  cves: unknown,
  byCve: Map<string, Pending>,
  skip: (reason: string) => void,
) {
  if (!isObject(cves)) {
    skip(`package ${JSON.stringify(pkg)}: expected an object of issues`);
    return;
  }
  for (const [cve, info] of Object.entries(cves)) {
    if (!isObject(info)) {
      skip(`${pkg} ${cve}: expected an object`);
      continue;
    }
    let pending = byCve.get(cve);
    if (!pending) {
      pending = { entries: [] };
      byCve.set(cve, pending);
    }
    const description = str(info["description"]);
    if (description && !pending.description) pending.description = description;
    // PHP serialises an empty map as [], so "releases": [] means none.
    const releases = isObject(info["releases"]) ? info["releases"] : {};
    for (const codename of Object.keys(releases).sort()) {
      const release = DEBIAN_RELEASES[codename];
      const r = releases[codename];
      if (!release || !isObject(r)) continue;
      const status = str(r["status"]);
      const fixed = str(r["fixed_version"]);
      const entry: AffectedEntry = { advisoryId: cve, ecosystem: `Debian:${release}`, packageName: pkg };
      if (status === "resolved") {
        if (!fixed || fixed === "0") continue;
        entry.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }];
      } else if (status === "open" || status === "undetermined") {
        entry.ranges = [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }];
      } else {
        continue;
      }
      const urgency = urgencyOf(r["urgency"]);
      if (urgency) entry.severity = urgency;
      pending.entries.push(entry);
    }
  }
}

/** Reads the tracker's JSON; emits one advisory per CVE (or TEMP- issue) that affects something. */
export async function parseDebianTracker(inputs: FeedInput[], source: string, sink: FeedSink): Promise<void> {
  const byCve = new Map<string, Pending>();
  for (const input of inputs) {
    let buf: Buffer;
    try {
      buf = await readDocument(input.path);
    } catch (e) {
      throw new Error(`${input.label}: ${(e as Error).message}`);
    }
    let packages = 0;
    try {
      for (const [pkg, cves] of topLevelMembers(buf)) {
        if (sink.signal?.aborted) throw sink.signal.reason ?? new Error("update cancelled");
        collectPackage(pkg, cves, byCve, (reason) => sink.skip(input.label, reason));
        if (++packages % 1000 === 0) sink.progress(byCve.size);
      }
    } catch (e) {
      throw new Error(`${input.label}: ${(e as Error).message}`);
    }
  }
  let n = 0;
  for (const [id, pending] of byCve) {
    if (pending.entries.length === 0) continue;
    pending.entries.sort(
      (a, b) => a.ecosystem.localeCompare(b.ecosystem) || a.packageName.localeCompare(b.packageName),
    );
    const advisory: Advisory = {
      id,
      aliases: [],
      related: [],
      // The tracker carries no dates: the writer stamps the time it first saw this content.
      modified: "",
      severity: [],
      references: [{ type: "ADVISORY", url: `https://security-tracker.debian.org/tracker/${id}` }],
      source,
    };
    if (pending.description) advisory.details = pending.description;
    sink.advisory(advisory, pending.entries);
    if (++n % 1000 === 0) sink.progress(n);
  }
  sink.progress(n, n);
}

const MIRROR_DIR = "debian-tracker";

/** The Debian security tracker's all-in-one JSON. */
export function debianTrackerFeed(): Feed {
  const name = "debian-tracker";
  return {
    name,
    kind: "advisories",
    url: DEBIAN_TRACKER_URL,
    mirrorLayout: `${MIRROR_DIR}/*.json[.gz] (else samples/debian-*.json)`,
    snapshot: true,
    mirrorInputs(mirrorDir) {
      return mirrorFiles(mirrorDir, MIRROR_DIR, /\.json(\.gz)?$/, /^debian-.*\.json$/);
    },
    async fetchInputs(ctx) {
      const got = await ctx.download(DEBIAN_TRACKER_URL);
      if (!got) return [];
      return got.changed ? [got.input] : "not-modified";
    },
    async parse(inputs, sink) {
      await parseDebianTracker(inputs, name, sink);
    },
  };
}
