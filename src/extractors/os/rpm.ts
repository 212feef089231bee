/**
 * Installed rpm packages from whichever database backend the tree has: SQLite (rpmdb.sqlite),
 * Berkeley DB (Packages) or ndb (Packages.db), under var/lib/rpm or usr/lib/sysimage/rpm.
 * Every backend stores the same header blobs; parsing them is shared (rpm-header.ts).
 */
import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { readBdbHash } from "./rpm-bdb.js";
import { parseRpmHeader, parseSourceRpm, type RpmHeader } from "./rpm-header.js";
import { readNdb } from "./rpm-ndb.js";
import { readRpmSqlite } from "./rpm-sqlite.js";
import { RecordProblems } from "./stanzas.js";

type Backend = "sqlite" | "bdb" | "ndb";

const FILES: [string, Backend][] = [
  ["rpmdb.sqlite", "sqlite"],
  ["Packages", "bdb"],
  ["Packages.db", "ndb"],
];
const PATHS = new Map<string, Backend>();
for (const dir of ["var/lib/rpm/", "usr/lib/sysimage/rpm/"]) {
  for (const [file, backend] of FILES) PATHS.set(dir + file, backend);
}

interface Blob {
  /** Header number (sqlite hnum, Berkeley DB key, ndb package index), for messages. */
  id: number;
  blob: Buffer;
}

/** The Package for one header, or undefined for rpm's gpg-pubkey pseudo-packages. */
export function rpmPackage(h: RpmHeader, location: string, extractor: string): Package | undefined {
  // Imported signing keys are stored as headers named gpg-pubkey; they are not software.
  if (h.name === "gpg-pubkey") return undefined;
  const epoch = h.epoch ? `${h.epoch}:` : "";
  const pkg: Package = {
    name: h.name,
    version: `${epoch}${h.version}-${h.release}`,
    type: "rpm",
    location,
    extractor,
  };
  if (h.arch) pkg.arch = h.arch;
  const src = h.sourceRpm ? parseSourceRpm(h.sourceRpm) : undefined;
  // The source rpm's file name has no epoch; a source package and its binaries share one.
  if (src) pkg.source = { name: src.name, version: `${epoch}${src.version}-${src.release}` };
  if (h.modularityLabel) pkg.metadata = { modularityLabel: h.modularityLabel };
  return pkg;
}

async function readBlobs(ctx: ExtractContext, backend: Backend): Promise<Blob[]> {
  const data = await ctx.read();
  switch (backend) {
    case "sqlite": {
      const walPath = `${ctx.entry.path}-wal`;
      const walEntry = await ctx.tree.stat(walPath);
      const wal =
        walEntry?.kind === "file" && walEntry.size > 0 ? await ctx.tree.readFile(walPath) : undefined;
      return (await readRpmSqlite(data, wal)).map((r) => ({ id: r.hnum, blob: r.blob }));
    }
    case "bdb": {
      const { littleEndian, records } = readBdbHash(data);
      const out: Blob[] = [];
      for (const r of records) {
        if (r.key.length !== 4)
          throw new Error(`record with a ${r.key.length}-byte key; rpm uses 4-byte header numbers`);
        const id = littleEndian ? r.key.readUInt32LE(0) : r.key.readUInt32BE(0);
        if (id === 0) continue; // rpm keeps its next-header-number counter under key 0
        out.push({ id, blob: r.value });
      }
      return out;
    }
    case "ndb":
      return readNdb(data).map((r) => ({ id: r.pkgIndex, blob: r.blob }));
  }
}

export const rpmExtractor: Extractor = {
  name: "rpm",
  wants: (e: TreeEntry) => e.kind === "file" && PATHS.has(e.path),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const backend = PATHS.get(ctx.entry.path);
    if (!backend) return [];
    const blobs = await readBlobs(ctx, backend);
    blobs.sort((a, b) => a.id - b.id);
    const packages: Package[] = [];
    const problems = new RecordProblems();
    let usable = 0;
    for (const { id, blob } of blobs) {
      let header: RpmHeader;
      try {
        header = parseRpmHeader(blob);
      } catch (e) {
        problems.add(`header blob ${id}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      usable++;
      const pkg = rpmPackage(header, ctx.entry.path, "rpm");
      if (pkg) packages.push(pkg);
    }
    problems.report(ctx.warn, usable, "header blob", "rpm database");
    return packages;
  },
};
