import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import tar from "tar-stream";
import {
  cleanPath,
  DEFAULT_IMAGE_LIMITS,
  decompressor,
  type IndexedLayer,
  type RawEntry,
  tarType,
} from "./image-tree.js";
import type { TreeEntry } from "./types.js";

/** Bumped whenever what a cached layer holds changes shape; old entries are then ignored. */
const FORMAT = 1;
const TYPE_CODES: RawEntry["type"][] = ["file", "directory", "symlink", "link", "other"];

export interface LayerCacheOptions {
  /**
   * Which files' bytes to keep (the extractors' `wants`). `signature` names that choice: a cache
   * filled for another set of extractors lives in another folder and is not read.
   */
  wants: (e: TreeEntry) => boolean;
  signature: string;
  /** Evict least recently used layers past this many bytes of kept content. */
  maxBytes?: number;
  /** One layer's limits (decompression bombs): uncompressed bytes and entries. */
  maxExpandedBytes?: number;
  maxEntries?: number;
  /** Files larger than this are listed but their bytes not kept. */
  maxFileBytes?: number;
}

export interface LayerCacheStats {
  hits: number;
  misses: number;
  /** Layers evicted since the cache was opened. */
  evicted: number;
}

function digestDir(root: string, digest: string): string {
  const m = /^(sha256|sha512):([a-f0-9]{64,128})$/.exec(digest);
  if (!m) throw new Error(`layer cache: invalid digest ${JSON.stringify(digest)}`);
  return join(root, m[1]!, m[2]!);
}

/**
 * Layers analysed once per digest. Filling a layer decompresses and walks its tar once, keeping
 * every entry's header and the bytes of the files extractors want; an image that shares the layer
 * later is assembled from the kept index without pulling or decompressing it again. Entries are
 * written to a temporary folder and renamed into place, so a crash never leaves half a layer.
 */
export class LayerCache {
  readonly root: string;
  readonly stats: LayerCacheStats = { hits: 0, misses: 0, evicted: 0 };
  private readonly inFlight = new Map<string, Promise<IndexedLayer>>();
  private readonly pinned = new Map<string, number>();

  constructor(
    dir: string,
    private readonly options: LayerCacheOptions,
  ) {
    const sig = createHash("sha256").update(`${FORMAT}\0${options.signature}`).digest("hex").slice(0, 16);
    this.root = join(dir, `v${FORMAT}-${sig}`);
    mkdirSync(this.root, { recursive: true });
  }

  /** The kept index of a layer, or undefined when it is not cached. Counts as a use. */
  get(digest: string): IndexedLayer | undefined {
    const dir = digestDir(this.root, digest);
    const index = join(dir, "entries.json.gz");
    if (!existsSync(index)) return undefined;
    let rows: unknown;
    try {
      rows = JSON.parse(gunzipSync(readFileSync(index)).toString("utf8"));
    } catch {
      // A damaged entry is dropped and filled again, never trusted.
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
    if (!Array.isArray(rows)) return undefined;
    const now = new Date();
    utimesSync(index, now, now);
    const entries = (rows as [string, number, number, number, string, number?][]).map(
      ([name, type, size, mode, linkname, dataOffset]) => ({
        name,
        type: TYPE_CODES[type] ?? "other",
        size,
        mode,
        linkname,
        ...(dataOffset === undefined || dataOffset === null ? {} : { dataOffset }),
      }),
    );
    return { digest, entries, contentPath: join(dir, "content") };
  }

  has(digest: string): boolean {
    return existsSync(join(digestDir(this.root, digest), "entries.json.gz"));
  }

  /**
   * The layer's index, from the cache or by reading the stream `open` gives (once, however many
   * callers ask for the same digest at the same time).
   */
  async layer(digest: string, open: () => Promise<Readable>): Promise<IndexedLayer> {
    const cached = this.get(digest);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    const running = this.inFlight.get(digest);
    if (running) {
      this.stats.hits++;
      return running;
    }
    this.stats.misses++;
    const job = this.fill(digest, open).finally(() => this.inFlight.delete(digest));
    this.inFlight.set(digest, job);
    return job;
  }

  /** Keeps layers from eviction while an image assembled from them is in use. */
  pin(digests: readonly string[]): () => void {
    for (const d of digests) this.pinned.set(d, (this.pinned.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of digests) {
        const n = (this.pinned.get(d) ?? 1) - 1;
        if (n <= 0) this.pinned.delete(d);
        else this.pinned.set(d, n);
      }
    };
  }

  private async fill(digest: string, open: () => Promise<Readable>): Promise<IndexedLayer> {
    const dir = digestDir(this.root, digest);
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    mkdirSync(tmp, { recursive: true });
    const maxExpanded = this.options.maxExpandedBytes ?? DEFAULT_IMAGE_LIMITS.maxExpandedBytes;
    const maxEntries = this.options.maxEntries ?? DEFAULT_IMAGE_LIMITS.maxEntries;
    const maxFile = this.options.maxFileBytes ?? DEFAULT_IMAGE_LIMITS.maxFileBytes;
    const rows: [string, number, number, number, string, number?][] = [];
    const fd = openSync(join(tmp, "content"), "w", 0o600);
    let offset = 0;
    let expanded = 0;
    try {
      const extract = tar.extract();
      extract.on("entry", (header, stream, next) => {
        stream.on("error", () => {});
        const type = tarType(header.type);
        const size = header.size ?? 0;
        expanded += size;
        if (rows.length >= maxEntries) {
          extract.destroy(new Error(`layer has more than ${maxEntries} entries`));
          return;
        }
        if (expanded > maxExpanded) {
          extract.destroy(new Error(`layer expands past ${maxExpanded} bytes`));
          return;
        }
        const row: [string, number, number, number, string, number?] = [
          header.name,
          TYPE_CODES.indexOf(type),
          size,
          (header.mode ?? 0) & 0o7777,
          header.linkname ?? "",
        ];
        rows.push(row);
        const path = type === "file" && size <= maxFile ? cleanPath(header.name) : undefined;
        const keep = path !== undefined && this.options.wants({ path, kind: "file", size, mode: row[3] });
        if (!keep) {
          stream.resume();
          stream.on("end", () => next());
          return;
        }
        row[5] = offset;
        stream.on("data", (data: unknown) => {
          const chunk = data as Buffer;
          writeSync(fd, chunk, 0, chunk.length, offset);
          offset += chunk.length;
        });
        stream.on("end", () => next());
      });
      const source = await open();
      await pipeline(source, decompressor(), extract);
      closeSync(fd);
      writeFileSync(join(tmp, "entries.json.gz"), gzipSync(JSON.stringify(rows)));
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`layer ${digest}: ${(e as Error).message}`);
    }
    this.evict();
    const layer = this.get(digest);
    if (!layer) throw new Error(`layer ${digest}: the cache entry vanished after it was written`);
    return layer;
  }

  /** Drops least recently used layers until the kept content fits `maxBytes`. */
  evict(): void {
    const max = this.options.maxBytes;
    if (max === undefined) return;
    const layers: { digest: string; dir: string; bytes: number; used: number }[] = [];
    for (const alg of ["sha256", "sha512"]) {
      const algDir = join(this.root, alg);
      if (!existsSync(algDir)) continue;
      for (const hex of readdirSync(algDir)) {
        if (hex.includes(".tmp-")) continue;
        const dir = join(algDir, hex);
        try {
          const index = statSync(join(dir, "entries.json.gz"));
          const content = statSync(join(dir, "content"));
          layers.push({
            digest: `${alg}:${hex}`,
            dir,
            bytes: index.size + content.size,
            used: index.mtimeMs,
          });
        } catch {
          // half-removed entry: skip
        }
      }
    }
    let total = layers.reduce((n, l) => n + l.bytes, 0);
    layers.sort((a, b) => a.used - b.used);
    for (const l of layers) {
      if (total <= max) break;
      if (this.pinned.has(l.digest) || this.inFlight.has(l.digest)) continue;
      rmSync(l.dir, { recursive: true, force: true });
      total -= l.bytes;
      this.stats.evicted++;
    }
  }
}
