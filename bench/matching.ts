/**
 * Matching throughput: `matchInventory` (src/matching/match.ts) over real package lists against
 * the real advisory store (the whole mirror imported), in this process, one core.
 *
 * What a "check" is: for each package the matcher looks up the advisory entries filed under its
 * name — and, for OS packages, under its source package's name — in its ecosystem, and evaluates
 * the package's version against each entry's ranges/versions. One check = one (package, affected
 * entry) evaluation: `MatchStats.evaluated`. Packages without any entry cost a lookup and no check;
 * they are counted in packages/s, not in checks/s.
 *
 * Package lists (bench/packages.ts): Debian's apt index on this machine (every bookworm binary
 * package, Debian:12), the bench rootfs (bookworm minbase + Debian's Go programs, whose Go
 * toolchain has many Go advisories), a bullseye minbase (Debian:11, where the mirror's Debian data
 * is), this machine's Python packages (PyPI), and Debian's python3-* packages as the PyPI projects
 * they package (name without "python3-", upstream version: Debian revision and +dfsg-style
 * suffixes dropped; Debian's names do not always equal PyPI's, such packages find no entries).
 *
 * Figures: checks/s over the packages that have at least one entry (the evaluation work), and
 * packages/s over every package (lookups included); each the median of BENCH_MATCH_SAMPLES
 * samples of ≥ 1 s after a warm-up pass, plus the first pass on an empty store cache. Inventories
 * are matched in slices of 700 packages, as a host's would be.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAdvisoryStore } from "../src/advisories/store.js";
import type { AdvisoryReader } from "../src/advisories/types.js";
import { updateAdvisories } from "../src/advisories/update.js";
import type { Package } from "../src/extractors/types.js";
import { matchInventory } from "../src/matching/match.js";
import { cacheDir, debootstrapRootfs } from "../test/support/fixtures.js";
import { aptIndexPackages, treePackages } from "./packages.js";

const SAMPLES = Number(process.env["BENCH_MATCH_SAMPLES"] ?? 5);
const SAMPLE_MS = 1000;
const SLICE = 700;

interface Corpus {
  name: string;
  packages: Package[];
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One pass over the packages, in host-sized slices. */
function pass(packages: readonly Package[], store: AdvisoryReader) {
  let checks = 0;
  let matches = 0;
  for (let i = 0; i < packages.length; i += SLICE) {
    const r = matchInventory(packages.slice(i, i + SLICE), store);
    checks += r.stats.evaluated;
    matches += r.matches.length;
  }
  return { checks, matches };
}

/** Rates of repeated passes: median over samples of at least SAMPLE_MS each. */
function rates(packages: readonly Package[], store: AdvisoryReader) {
  const perSample: { checksPerSecond: number; packagesPerSecond: number }[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let checks = 0;
    let pkgs = 0;
    const t0 = performance.now();
    let ms = 0;
    do {
      checks += pass(packages, store).checks;
      pkgs += packages.length;
      ms = performance.now() - t0;
    } while (ms < SAMPLE_MS);
    perSample.push({ checksPerSecond: (checks / ms) * 1000, packagesPerSecond: (pkgs / ms) * 1000 });
  }
  return {
    checksPerSecond: Math.round(median(perSample.map((x) => x.checksPerSecond))),
    packagesPerSecond: Math.round(median(perSample.map((x) => x.packagesPerSecond))),
  };
}

/** Debian's upstream version of a package, as PyPI would spell it (best effort). */
function upstreamVersion(debianVersion: string): string {
  let v = debianVersion.replace(/^\d+:/, "");
  const dash = v.lastIndexOf("-");
  if (dash > 0) v = v.slice(0, dash);
  return v.replace(/[+].*$/, "").replace(/~/g, "");
}

async function corpora(benchRootfs: string): Promise<{ list: Corpus[]; notes: string[] }> {
  const list: Corpus[] = [];
  const notes: string[] = [];
  const index = aptIndexPackages();
  if (index) {
    list.push({
      name: "Debian bookworm apt index (every binary package, Debian:12)",
      packages: index.packages,
    });
    const python = index.packages
      .filter((p) => p.name.startsWith("python3-") && !p.name.endsWith("-doc") && !p.name.endsWith("-dbg"))
      .map(
        (p): Package => ({
          name: p.name.slice("python3-".length),
          version: upstreamVersion(p.version),
          type: "pypi",
          ecosystem: "PyPI",
          location: `usr/lib/python3/dist-packages/${p.name.slice("python3-".length)}`,
          extractor: "python-installed",
        }),
      );
    list.push({
      name: "Debian bookworm's python3-* packages as PyPI projects (upstream versions)",
      packages: python,
    });
  } else
    notes.push(
      "no apt index under /var/lib/apt/lists (apt-get update): the bookworm index corpora are left out",
    );
  if (existsSync(join(benchRootfs, "var/lib/dpkg/status")))
    list.push({
      name: "bench rootfs: debootstrap bookworm minbase + docker-registry + skopeo (Go toolchain)",
      packages: (await treePackages(benchRootfs)).packages,
    });
  else notes.push(`${benchRootfs} not built (the inventory section builds it): left out`);
  list.push({
    name: "debootstrap bullseye minbase (Debian:11)",
    packages: (await treePackages(debootstrapRootfs("bullseye"))).packages,
  });
  const dist = "/usr/lib/python3/dist-packages";
  if (existsSync(dist))
    list.push({
      name: `this machine's Python packages (${dist}, PyPI)`,
      packages: (await treePackages(dist)).packages,
    });
  return { list, notes };
}

/** `benchRootfs`: the inventory section's rootfs (bookworm minbase + Debian's Go programs). */
export async function benchMatching(
  vulndata: string,
  benchRootfs = join(cacheDir, "bench-rootfs"),
): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-match-"));
  try {
    const t0 = performance.now();
    await updateAdvisories({ dataDir, mirror: vulndata });
    const importMs = performance.now() - t0;
    const store = openAdvisoryStore(dataDir, { readonly: true });
    const counts = store.counts();
    const { list, notes } = await corpora(benchRootfs);
    const hasEntries = (p: Package) =>
      !!p.ecosystem &&
      (store.affected(p.ecosystem, p.name).length > 0 ||
        (!!p.source?.name && store.affected(p.ecosystem, p.source.name).length > 0));
    const rows = [];
    const all: Package[] = [];
    const work: Package[] = [];
    for (const c of list) {
      const withEntries = c.packages.filter(hasEntries);
      all.push(...c.packages);
      work.push(...withEntries);
      store.refresh();
      const f0 = performance.now();
      const first = pass(c.packages, store);
      const firstMs = performance.now() - f0;
      const r = rates(c.packages, store);
      rows.push({
        corpus: c.name,
        packages: c.packages.length,
        packagesWithEntries: withEntries.length,
        checksPerPass: first.checks,
        matches: first.matches,
        firstPassMs: round(firstMs, 1),
        ...r,
      });
      process.stderr.write(`matching bench: ${JSON.stringify(rows[rows.length - 1])}\n`);
    }
    const debian12 = rows.find((r) => r.corpus.startsWith("Debian bookworm apt index"));
    if (debian12 && debian12.packagesWithEntries < debian12.packages / 100)
      notes.push(
        `Only ${debian12.packagesWithEntries} of the ${debian12.packages} bookworm packages have Debian:12 entries in the mirror (its Debian data is the tracker as of April 2023, before bookworm's release), so that list measures lookups, not checks.`,
      );
    // Headline: the evaluation work (packages with entries) and the whole list (lookups included).
    store.refresh();
    const workPass = pass(work, store);
    const checks = rates(work, store);
    const lookups = rates(all, store);
    store.close();
    return {
      definition:
        "check = one (package, affected entry) version evaluation in matchInventory (MatchStats.evaluated): entries under the package's name and, for OS packages, its source package's name, in its ecosystem",
      advisories: { importMs: Math.round(importMs), ...counts },
      samples: SAMPLES,
      sliceSize: SLICE,
      packagesWithEntries: {
        packages: work.length,
        checksPerPass: workPass.checks,
        matches: workPass.matches,
        checksPerSecond: checks.checksPerSecond,
        packagesPerSecond: checks.packagesPerSecond,
      },
      allPackages: {
        packages: all.length,
        checksPerSecond: lookups.checksPerSecond,
        packagesPerSecond: lookups.packagesPerSecond,
      },
      corpora: rows,
      notes,
      goals: { checksPerSecond: 100_000, packagesPerSecond: 100_000 },
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const { vulndataDir } = await import("../test/support/fixtures.js");
  const r = await benchMatching(vulndataDir);
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
