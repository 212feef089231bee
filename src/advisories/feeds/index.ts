import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { alpineSecdbFeed } from "./alpine-secdb.js";
import { amazonLinuxFeed } from "./amazon-linux.js";
import { debianTrackerFeed } from "./debian-tracker.js";
import { epssFeed } from "./epss.js";
import type { Feed } from "./feed.js";
import { kevFeed } from "./kev.js";
import { nvdFeed } from "./nvd.js";
import { DEFAULT_OSV_ECOSYSTEMS, osvFeed } from "./osv.js";
import { redhatCsafFeed } from "./redhat-csaf.js";

export type { Feed, FeedInput, FeedKind, FeedSink, FetchContext } from "./feed.js";

/** Feed names that are not per-ecosystem OSV exports. */
export const FIXED_FEEDS = [
  "debian-tracker",
  "alpine-secdb",
  "amazon-linux",
  "redhat-csaf",
  "kev",
  "epss",
  "nvd",
] as const;

function fixedFeed(name: string): Feed | undefined {
  switch (name) {
    case "debian-tracker":
      return debianTrackerFeed();
    case "alpine-secdb":
      return alpineSecdbFeed();
    case "amazon-linux":
      return amazonLinuxFeed();
    case "redhat-csaf":
      return redhatCsafFeed();
    case "kev":
      return kevFeed();
    case "epss":
      return epssFeed();
    case "nvd":
      return nvdFeed();
    default:
      return undefined;
  }
}

/** The OSV ecosystems a mirror carries: every `osv/<Ecosystem>/all.zip`. */
export function mirrorOsvEcosystems(mirrorDir: string): string[] {
  const dir = join(mirrorDir, "osv");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((e) => existsSync(join(dir, e, "all.zip")))
    .sort();
}

export interface FeedSelection {
  /** Import from this mirror directory instead of the public sources. */
  mirror?: string;
  /**
   * Feed names to run: "osv:Go", "osv" (every OSV feed of the default set or the mirror),
   * "debian-tracker", "alpine-secdb", "kev", "epss", "nvd". Default: all of them, except that a
   * public NVD download (a multi-hour crawl without an API key) runs only when asked for or when
   * an earlier run has already made it incremental.
   */
  names?: string[];
  /** Whether NVD data was fetched before (then the default includes its incremental update). */
  nvdStarted?: boolean;
}

/** Resolves a selection into the feeds to run, in a stable order. Unknown names are an error. */
export function selectFeeds(sel: FeedSelection): Feed[] {
  const osvEcosystems = sel.mirror ? mirrorOsvEcosystems(sel.mirror) : DEFAULT_OSV_ECOSYSTEMS;
  const defaults: Feed[] = [
    ...osvEcosystems.map(osvFeed),
    // Public NVD is a crawl (only when asked or already started); Red Hat's CSAF archive is large
    // and of use only for RHEL hosts, so it is fetched when named (always read from a mirror).
    ...FIXED_FEEDS.filter(
      (n) => (n !== "nvd" || sel.mirror || sel.nvdStarted) && (n !== "redhat-csaf" || sel.mirror),
    ).map((n) => fixedFeed(n)!),
  ];
  if (!sel.names || sel.names.length === 0) return defaults;
  const out = new Map<string, Feed>();
  for (const raw of sel.names) {
    const name = raw.trim();
    if (name === "") continue;
    if (name === "osv") {
      for (const e of osvEcosystems) out.set(`osv:${e}`, osvFeed(e));
    } else if (name.startsWith("osv:")) {
      const ecosystem = name.slice(4);
      // It becomes a URL path and a mirror path: no separators, no "..".
      if (!/^[A-Za-z0-9][A-Za-z0-9 ._:-]*$/.test(ecosystem) || ecosystem.includes("..")) {
        throw new Error(
          `bad OSV ecosystem name ${JSON.stringify(ecosystem)} in feed ${JSON.stringify(name)}`,
        );
      }
      out.set(name, osvFeed(ecosystem));
    } else {
      const feed = fixedFeed(name);
      if (!feed) {
        throw new Error(
          `unknown feed ${JSON.stringify(name)} (known: osv, osv:<Ecosystem>, ${FIXED_FEEDS.join(", ")})`,
        );
      }
      out.set(name, feed);
    }
  }
  // Canonical order whatever order they were named in: OSV first, then the fixed feeds.
  const rank = (f: Feed) =>
    f.name.startsWith("osv:") ? -1 : FIXED_FEEDS.indexOf(f.name as (typeof FIXED_FEEDS)[number]);
  return [...out.values()].sort(
    (a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
