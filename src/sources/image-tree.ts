import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import tar from "tar-stream";
import type { ImageSource } from "./image.js";
import { resolveInTree } from "./resolve.js";
import { forEachTarEntry } from "./tar-index.js";
import {
  DEFAULT_MAX_READ_BYTES,
  type EntryKind,
  type FileHandle,
  type FileTree,
  SourceError,
  type TreeEntry,
} from "./types.js";

export interface ImageLimits {
  /** Total uncompressed bytes of all layers. */
  maxExpandedBytes: number;
  /** Total entries over all layers. */
  maxEntries: number;
  /** A single retained file larger than this is not retained (its extractor gets a clear error). */
  maxFileBytes: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxExpandedBytes: 20 * 1024 ** 3,
  maxEntries: 5_000_000,
  maxFileBytes: 1024 ** 3,
};

/** One version of a retained file: which layer wrote it and where its bytes are kept. */
export interface FileVersion {
  layerIndex: number;
  layerDigest: string;
  /** File holding the bytes (a private temp file, or the image archive itself) and where they start. */
  contentPath: string;
  offset: number;
  size: number;
}

/** A layer entry's header, whichever reader produced it. */
export interface RawEntry {
  name: string;
  type: "file" | "directory" | "symlink" | "link" | "other";
  size: number;
  mode: number;
  linkname: string;
}

/** A layer whose entries were read once and kept: headers in order, retained bytes in one file. */
export interface IndexedLayer {
  digest: string;
  /** Every entry of the layer tar, in order; retained files carry where their bytes start. */
  entries: (RawEntry & { dataOffset?: number })[];
  contentPath: string;
}

export function tarType(t: string | null | undefined): RawEntry["type"] {
  switch (t) {
    case "file":
    case "contiguous-file":
      return "file";
    case "directory":
    case "symlink":
    case "link":
      return t;
    default:
      return "other";
  }
}

/** Whether a layer stored at this location is an uncompressed tar (no gzip or zstd magic). */
function isPlainTar(loc: { path: string; offset: number; size: number }): boolean {
  if (loc.size < 512) return false;
  const fd = openSync(loc.path, "r");
  try {
    const head = Buffer.alloc(512);
    readSync(fd, head, 0, 512, loc.offset);
    return head.toString("latin1", 257, 262) === "ustar";
  } finally {
    closeSync(fd);
  }
}

interface Node {
  kind: EntryKind;
  size: number;
  mode: number;
  layerIndex: number;
  linkTarget?: string;
  /** For retained files: every layer's version, oldest first (the last one is current). */
  versions?: FileVersion[];
}

/** A layer entry's path as a tree path, or undefined when it climbs out ("..", NUL). */
export function cleanPath(name: string): string | undefined {
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === ".." || p.includes("\0"))) return undefined;
  return parts.join("/");
}

/** Decompresses by magic number: gzip, zstd, or plain tar. */
export function decompressor(): Transform {
  let mode: "sniff" | "plain" | "gzip" | "zstd" = "sniff";
  let inner: Transform | undefined;
  let zstd: Decompress | undefined;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (mode === "sniff") {
        if (chunk[0] === 0x1f && chunk[1] === 0x8b) {
          mode = "gzip";
          inner = createGunzip();
          inner.on("data", (d: Buffer) => out.push(d));
          inner.on("error", (e) => out.destroy(new Error(`gzip layer: ${e.message}`)));
        } else if (chunk.readUInt32LE(0) === 0xfd2fb528) {
          mode = "zstd";
          zstd = new Decompress((d) => out.push(Buffer.from(d)));
        } else mode = "plain";
      }
      try {
        if (mode === "gzip") {
          if (!inner!.write(chunk)) inner!.once("drain", () => done());
          else done();
          return;
        }
        if (mode === "zstd") zstd!.push(chunk);
        else out.push(chunk);
        done();
      } catch (e) {
        done(new Error(`zstd layer: ${(e as Error).message}`));
      }
    },
    flush(done) {
      if (mode === "gzip") {
        inner!.once("end", () => done());
        inner!.end();
      } else {
        try {
          if (mode === "zstd") zstd!.push(new Uint8Array(0), true);
          done();
        } catch (e) {
          done(new Error(`zstd layer: ${(e as Error).message}`));
        }
      }
    },
  });
  return out;
}

/**
 * A container image's filesystem: layers applied in order with whiteouts (".wh.name" deletes,
 * ".wh..wh..opq" empties a directory of what lower layers put there). Metadata of every entry is
 * kept; file contents only for the files `wants` asks for, in a private temporary directory that
 * `close()` removes. Paths with ".." are refused; links are resolved inside the image only.
 */
/** The bytes of one retained file version. */
export function readVersion(v: FileVersion): Buffer {
  const fd = openSync(v.contentPath, "r");
  try {
    const buf = Buffer.alloc(v.size);
    let done = 0;
    while (done < v.size) {
      const n = readSync(fd, buf, done, v.size - done, v.offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === v.size ? buf : buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** Temporary directories still in use: removed at exit, however the process ends. */
const liveTempDirs = new Set<string>();
process.on("exit", () => {
  for (const d of liveTempDirs) rmSync(d, { recursive: true, force: true });
});

export class ImageTree implements FileTree {
  readonly description: string;
  readonly warnings: { path: string; reason: string }[] = [];
  private readonly nodes = new Map<string, Node>();
  private readonly tmp: string;
  private counter = 0;
  private expanded = 0;
  private entries = 0;

  private readonly digests: string[];

  private constructor(
    description: string,
    digests: string[],
    private readonly wants: (e: TreeEntry) => boolean,
    private readonly limits: ImageLimits,
    readonly image?: ImageSource,
  ) {
    this.description = description;
    this.digests = digests;
    this.tmp = mkdtempSync(join(tmpdir(), "vigil-image-"));
    liveTempDirs.add(this.tmp);
  }

  /**
   * A tree assembled from file sets already in memory, applied in order like layers (a function
   * package and its layers). Retained contents go to the private temporary directory.
   */
  static fromFileSets(
    description: string,
    sets: { digest: string; entries: (RawEntry & { data?: Buffer })[] }[],
    wants: (e: TreeEntry) => boolean,
    limits: Partial<ImageLimits> = {},
  ): ImageTree {
    const tree = new ImageTree(
      description,
      sets.map((s) => s.digest),
      wants,
      { ...DEFAULT_IMAGE_LIMITS, ...limits },
    );
    try {
      sets.forEach((set, index) => {
        for (const e of set.entries) {
          const placed = tree.placeEntry(index, `${set.digest}`, e);
          if (!placed || !e.data || !tree.retain(placed.path, placed.node)) continue;
          const contentPath = join(tree.tmp, String(++tree.counter));
          writeFileSync(contentPath, e.data, { mode: 0o600 });
          tree.addVersion(placed, {
            layerIndex: index,
            layerDigest: set.digest,
            contentPath,
            offset: 0,
            size: e.data.length,
          });
        }
      });
    } catch (e) {
      tree.close();
      throw e;
    }
    return tree;
  }

  /**
   * A tree replayed from layers already indexed by a layer cache: every entry's header is applied
   * in order, and retained files point at their bytes in the cache's content files.
   */
  static fromIndexedLayers(
    description: string,
    layers: readonly IndexedLayer[],
    wants: (e: TreeEntry) => boolean,
    limits: Partial<ImageLimits> = {},
    image?: ImageSource,
  ): ImageTree {
    const tree = new ImageTree(
      description,
      layers.map((l) => l.digest),
      wants,
      { ...DEFAULT_IMAGE_LIMITS, ...limits },
      image,
    );
    try {
      layers.forEach((layer, index) => {
        const where = `layer ${index + 1} (${layer.digest})`;
        for (const e of layer.entries) {
          const placed = tree.placeEntry(index, where, e);
          if (!placed || e.dataOffset === undefined || !tree.retain(placed.path, placed.node)) continue;
          tree.addVersion(placed, {
            layerIndex: index,
            layerDigest: layer.digest,
            contentPath: layer.contentPath,
            offset: e.dataOffset,
            size: e.size,
          });
        }
      });
    } catch (e) {
      tree.close();
      throw e;
    }
    return tree;
  }

  static async build(
    image: ImageSource,
    wants: (e: TreeEntry) => boolean,
    options: { limits?: Partial<ImageLimits>; onLayer?: (index: number, total: number) => void } = {},
  ): Promise<ImageTree> {
    const tree = new ImageTree(
      image.description,
      image.layers.map((l) => l.digest),
      wants,
      { ...DEFAULT_IMAGE_LIMITS, ...options.limits },
      image,
    );
    try {
      for (let i = 0; i < image.layers.length; i++) {
        options.onLayer?.(i, image.layers.length);
        await tree.applyLayer(i);
      }
    } catch (e) {
      tree.close();
      throw e;
    }
    return tree;
  }

  /** The digest a consumer should name for a layer (the compressed blob's). */
  layerDigest(index: number): string {
    return this.digests[index]!;
  }

  /** Deletes a path and, when it is a directory, everything below it. */
  private removeTree(path: string, scanChildren = false): void {
    const node = this.nodes.get(path);
    this.nodes.delete(path);
    // Only a directory has children; scanning for them on every file would be quadratic. A
    // whiteout scans regardless, since a tar need not list the directories it implies.
    if (node?.kind !== "dir" && !scanChildren) return;
    const prefix = `${path}/`;
    for (const key of [...this.nodes.keys()]) if (key.startsWith(prefix)) this.nodes.delete(key);
  }

  /**
   * Applies one layer entry's metadata: limits, whiteouts, directories, links. For a regular file
   * it returns the node and the entry to ask `wants` about; the caller supplies its content.
   */
  private placeEntry(
    index: number,
    where: string,
    e: RawEntry,
  ): { path: string; node: Node; prev?: Node } | undefined {
    this.entries++;
    if (this.entries > this.limits.maxEntries)
      throw new Error(`image has more than ${this.limits.maxEntries} entries`);
    this.expanded += e.size;
    if (this.expanded > this.limits.maxExpandedBytes)
      throw new Error(`image expands past ${this.limits.maxExpandedBytes} bytes`);
    const path = cleanPath(e.name);
    if (path === undefined) {
      this.warnings.push({ path: e.name, reason: `${where}: entry path climbs out of the image; ignored` });
      return undefined;
    }
    const slash = path.lastIndexOf("/");
    const dir = slash === -1 ? "" : path.slice(0, slash);
    const base = path.slice(slash + 1);
    if (base === ".wh..wh..opq") {
      // Opaque directory: hide everything lower layers put under it (this layer's entries stay).
      const prefix = dir === "" ? "" : `${dir}/`;
      for (const [key, node] of [...this.nodes]) {
        if (key.startsWith(prefix) && key !== dir && node.layerIndex < index) this.nodes.delete(key);
      }
      return undefined;
    }
    if (base.startsWith(".wh.")) {
      this.removeTree((dir ? `${dir}/` : "") + base.slice(4), true);
      return undefined;
    }
    if (e.type === "directory") {
      const prev = this.nodes.get(path);
      if (prev && prev.kind !== "dir") this.removeTree(path);
      this.nodes.set(path, { kind: "dir", size: 0, mode: e.mode, layerIndex: index });
      return undefined;
    }
    // A file, link or other replaces whatever was there, including a whole directory.
    const prev = this.nodes.get(path);
    this.removeTree(path);
    if (e.type === "symlink") {
      this.nodes.set(path, {
        kind: "symlink",
        size: 0,
        mode: e.mode,
        layerIndex: index,
        linkTarget: e.linkname,
      });
      return undefined;
    }
    if (e.type === "link") {
      const target = cleanPath(e.linkname);
      const t = target === undefined ? undefined : this.nodes.get(target);
      if (t?.kind !== "file") {
        this.warnings.push({
          path,
          reason: `${where}: hard link to ${e.linkname} which is not a file in the image`,
        });
      } else {
        this.nodes.set(path, {
          ...t,
          layerIndex: index,
          ...(t.versions ? { versions: [...t.versions] } : {}),
        });
      }
      return undefined;
    }
    if (e.type !== "file") {
      this.nodes.set(path, { kind: "other", size: 0, mode: e.mode, layerIndex: index });
      return undefined;
    }
    const node: Node = { kind: "file", size: e.size, mode: e.mode, layerIndex: index };
    this.nodes.set(path, node);
    return prev ? { path, node, prev } : { path, node };
  }

  /** Whether a placed file's content should be kept for the extractors. */
  private retain(path: string, node: Node): boolean {
    return (
      node.size <= this.limits.maxFileBytes &&
      this.wants({ path, kind: "file", size: node.size, mode: node.mode })
    );
  }

  private addVersion(placed: { node: Node; prev?: Node }, version: FileVersion): void {
    const history = placed.prev?.kind === "file" && placed.prev.versions ? placed.prev.versions : [];
    placed.node.versions = [...history, version];
  }

  private async applyLayer(index: number): Promise<void> {
    const layer = this.image!.layers[index]!;
    const where = `layer ${index + 1} (${layer.digest})`;
    try {
      if (layer.location && isPlainTar(layer.location)) this.applyIndexedLayer(index, layer.location);
      else await this.applyStreamedLayer(index, where);
    } catch (e) {
      throw new Error(`${this.description}: ${where}: ${(e as Error).message}`);
    }
  }

  /**
   * An uncompressed layer we can read at random (a docker-archive member): walk its headers
   * without reading file bodies, and point retained files at their bytes in place.
   */
  private applyIndexedLayer(index: number, loc: { path: string; offset: number; size: number }): void {
    const layer = this.image!.layers[index]!;
    const where = `layer ${index + 1} (${layer.digest})`;
    const fd = openSync(loc.path, "r");
    try {
      forEachTarEntry(fd, loc.offset, loc.offset + loc.size, (e) => {
        const placed = this.placeEntry(index, where, e);
        if (!placed || !this.retain(placed.path, placed.node)) return;
        this.addVersion(placed, {
          layerIndex: index,
          layerDigest: layer.digest,
          contentPath: loc.path,
          offset: e.dataOffset,
          size: e.size,
        });
      });
    } finally {
      closeSync(fd);
    }
  }

  private async applyStreamedLayer(index: number, where: string): Promise<void> {
    const layer = this.image!.layers[index]!;
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      // The entry's body stream is destroyed along with the layer on failure; the layer's
      // pipeline reports the error, so the body must not raise it a second time.
      stream.on("error", () => {});
      let placed: ReturnType<ImageTree["placeEntry"]>;
      try {
        placed = this.placeEntry(index, where, {
          name: header.name,
          type: tarType(header.type),
          size: header.size ?? 0,
          mode: (header.mode ?? 0) & 0o7777,
          linkname: header.linkname ?? "",
        });
      } catch (e) {
        extract.destroy(e as Error);
        return;
      }
      if (!placed || !this.retain(placed.path, placed.node)) {
        stream.resume();
        next();
        return;
      }
      const contentPath = join(this.tmp, String(++this.counter));
      const fd = openSync(contentPath, "w", 0o600);
      let written = 0;
      stream.on("data", (chunk: unknown) => {
        const b = chunk as Buffer;
        written += b.length;
        writeSync(fd, b);
      });
      stream.on("error", () => closeSync(fd));
      stream.on("end", () => {
        closeSync(fd);
        this.addVersion(placed, {
          layerIndex: index,
          layerDigest: layer.digest,
          contentPath,
          offset: 0,
          size: written,
        });
        next();
      });
    });
    await pipeline(layer.open(), decompressor(), extract);
  }

  async walk(visit: (entry: TreeEntry) => undefined | "skip" | Promise<undefined | "skip">): Promise<void> {
    const skipped: string[] = [];
    for (const path of [...this.nodes.keys()].sort()) {
      if (skipped.some((s) => path.startsWith(`${s}/`))) continue;
      const n = this.nodes.get(path)!;
      const r = visit({ path, kind: n.kind, size: n.size, mode: n.mode });
      if ((r instanceof Promise ? await r : r) === "skip" && n.kind === "dir") skipped.push(path);
    }
  }

  /** Follows symlinks inside the image; absolute targets start at the image root. */
  resolve(path: string): string {
    if (cleanPath(path) === undefined) throw new SourceError(path, "path climbs above the root");
    const readLink = (treePath: string) => {
      const node = this.nodes.get(treePath);
      return node?.kind === "symlink" ? (node.linkTarget ?? "") : undefined;
    };
    return resolveInTree(path, readLink, "the image").join("/");
  }

  private fileNode(path: string): Node {
    const real = this.resolve(path);
    const node = this.nodes.get(real);
    if (!node) throw new SourceError(path, "no such file");
    if (node.kind !== "file") throw new SourceError(path, "not a regular file");
    return node;
  }

  /** Every retained version of a file, oldest first (for layer attribution). */
  versions(path: string): FileVersion[] {
    try {
      return this.fileNode(path).versions ?? [];
    } catch {
      return [];
    }
  }

  /** Index of the layer that last wrote a path. */
  layerOf(path: string): number | undefined {
    try {
      return this.nodes.get(this.resolve(path))?.layerIndex;
    } catch {
      return undefined;
    }
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    try {
      const real = this.resolve(path);
      const n = this.nodes.get(real);
      return n ? { path, kind: n.kind, size: n.size, mode: n.mode } : undefined;
    } catch {
      return undefined;
    }
  }

  private current(path: string): FileVersion {
    const node = this.fileNode(path);
    const v = node.versions?.at(-1);
    if (!v)
      throw new SourceError(path, "content was not retained from the image (no extractor asked for it)");
    return v;
  }

  async readFile(path: string, options?: { maxBytes?: number }): Promise<Buffer> {
    const v = this.current(path);
    const max = options?.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    if (v.size > max) throw new SourceError(path, `file is ${v.size} bytes, over the ${max}-byte limit`);
    return readVersion(v);
  }

  async open(path: string): Promise<FileHandle> {
    const v = this.current(path);
    const fd = openSync(v.contentPath, "r");
    return {
      size: v.size,
      async read(position: number, length: number): Promise<Buffer> {
        const n = Math.max(0, Math.min(length, v.size - position));
        const buf = Buffer.alloc(n);
        const got = n > 0 ? readSync(fd, buf, 0, n, v.offset + position) : 0;
        return got === n ? buf : buf.subarray(0, got);
      },
      async close(): Promise<void> {
        closeSync(fd);
      },
    };
  }

  /** Removes the retained contents. */
  close(): void {
    liveTempDirs.delete(this.tmp);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
