import type { FileTree, TreeEntry } from "../sources/types.js";
import { purlOf } from "./purl.js";
import { allExtractors } from "./registry.js";
import type { Extractor, Inventory, InventoryWarning, OsInfo, Package } from "./types.js";

export interface InventoryOptions {
  extractors?: readonly Extractor[];
  /** Called as work advances: the walk (entries seen) then extraction (files done of total). */
  onProgress?: (p: { phase: "walk" | "extract"; done: number; total?: number }) => void;
  /** How many files are extracted at once. */
  concurrency?: number;
}

interface Job {
  entry: TreeEntry;
  extractor: Extractor;
}

const OS_TYPES = new Set(["deb", "rpm", "apk"]);

/** Fills an OS package's matching ecosystem from the detected OS ("Debian:12"), in place. */
export function fillOsEcosystem(p: Package, os: OsInfo | undefined): Package {
  if (!p.ecosystem && OS_TYPES.has(p.type) && os?.ecosystem) p.ecosystem = os.ecosystem;
  return p;
}

/** Walks a tree once, runs every interested extractor on its files, and returns the inventory. */
export async function inventory(tree: FileTree, options: InventoryOptions = {}): Promise<Inventory> {
  const extractors = options.extractors ?? allExtractors;
  const jobs: Job[] = [];
  let entries = 0;
  await tree.walk((entry) => {
    entries++;
    if (options.onProgress && entries % 5000 === 0) options.onProgress({ phase: "walk", done: entries });
    for (const extractor of extractors) {
      if (extractor.wants(entry)) jobs.push({ entry, extractor });
    }
    return undefined;
  });

  const warnings: InventoryWarning[] = [];
  const packages: Package[] = [];
  const osCandidates: { path: string; os: OsInfo }[] = [];

  const run = async (job: Job) => {
    const warn = (reason: string) =>
      warnings.push({ path: job.entry.path, extractor: job.extractor.name, reason });
    try {
      const result = await job.extractor.extract({
        entry: job.entry,
        tree,
        read: () => tree.readFile(job.entry.path),
        warn,
      });
      const found = Array.isArray(result) ? result : result.packages;
      if (!Array.isArray(result) && result.os) osCandidates.push({ path: job.entry.path, os: result.os });
      for (const p of found) packages.push(p);
    } catch (e) {
      warn(e instanceof Error ? e.message : String(e));
    }
  };

  let done = 0;
  const queue = jobs.slice();
  const workers = Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      await run(job);
      done++;
      options.onProgress?.({ phase: "extract", done, total: jobs.length });
    }
  });
  await Promise.all(workers);

  // /etc/os-release overrides /usr/lib/os-release (os-release(5)).
  osCandidates.sort((a, b) => (a.path.startsWith("etc/") ? -1 : 1) - (b.path.startsWith("etc/") ? -1 : 1));
  const os = osCandidates[0]?.os;
  const kept: Package[] = [];
  for (const p of packages) {
    fillOsEcosystem(p, os);
    try {
      if (!p.purl) {
        const purl = purlOf(p, os);
        if (purl) p.purl = purl;
      }
    } catch (e) {
      // A name no package URL can carry is not a package we can report on.
      warnings.push({
        path: p.location,
        extractor: p.extractor,
        reason: `package ${JSON.stringify(p.name)}: ${(e as Error).message}`,
      });
      continue;
    }
    kept.push(p);
  }
  packages.length = 0;
  packages.push(...kept);
  packages.sort(
    (a, b) =>
      a.type.localeCompare(b.type) ||
      a.name.localeCompare(b.name) ||
      a.version.localeCompare(b.version) ||
      a.location.localeCompare(b.location),
  );
  warnings.sort((a, b) => a.path.localeCompare(b.path));
  return os ? { os, packages, warnings, entries } : { packages, warnings, entries };
}
