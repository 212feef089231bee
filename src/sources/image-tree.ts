import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import tar from "tar-stream";
import type { ImageSource } from "./image.js";
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
  contentPath: string;
  size: number;
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

const MAX_SYMLINK_HOPS = 40;

function cleanPath(name: string): string | undefined {
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === ".." || p.includes("\0"))) return undefined;
  return parts.join("/");
}

/** Decompresses by magic number: gzip, zstd, or plain tar. */
function decompressor(): Transform {
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
export class ImageTree implements FileTree {
  readonly description: string;
  readonly warnings: { path: string; reason: string }[] = [];
  private readonly nodes = new Map<string, Node>();
  private readonly tmp: string;
  private counter = 0;
  private expanded = 0;
  private entries = 0;

  private constructor(
    readonly image: ImageSource,
    private readonly wants: (e: TreeEntry) => boolean,
    private readonly limits: ImageLimits,
  ) {
    this.description = image.description;
    this.tmp = mkdtempSync(join(tmpdir(), "vigil-image-"));
  }

  static async build(
    image: ImageSource,
    wants: (e: TreeEntry) => boolean,
    options: { limits?: Partial<ImageLimits>; onLayer?: (index: number, total: number) => void } = {},
  ): Promise<ImageTree> {
    const tree = new ImageTree(image, wants, { ...DEFAULT_IMAGE_LIMITS, ...options.limits });
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
    return this.image.layers[index]!.digest;
  }

  /** Deletes a path and everything below it. */
  private removeTree(path: string): void {
    this.nodes.delete(path);
    const prefix = `${path}/`;
    for (const key of [...this.nodes.keys()]) if (key.startsWith(prefix)) this.nodes.delete(key);
  }

  private async applyLayer(index: number): Promise<void> {
    const layer = this.image.layers[index]!;
    const extract = tar.extract();
    const where = `layer ${index + 1} (${layer.digest})`;
    extract.on("entry", (header, stream, next) => {
      // The entry's body stream is destroyed along with the layer on failure; the layer's
      // pipeline reports the error, so the body must not raise it a second time.
      stream.on("error", () => {});
      const fail = (e: Error) => {
        // Stop the whole layer: the pipeline below rejects with this error.
        extract.destroy(e);
      };
      this.entries++;
      if (this.entries > this.limits.maxEntries)
        return fail(new Error(`image has more than ${this.limits.maxEntries} entries`));
      this.expanded += header.size ?? 0;
      if (this.expanded > this.limits.maxExpandedBytes) {
        return fail(new Error(`image expands past ${this.limits.maxExpandedBytes} bytes`));
      }
      const path = cleanPath(header.name);
      if (path === undefined) {
        this.warnings.push({
          path: header.name,
          reason: `${where}: entry path climbs out of the image; ignored`,
        });
        stream.resume();
        return next();
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
        stream.resume();
        return next();
      }
      if (base.startsWith(".wh.")) {
        const victim = (dir ? `${dir}/` : "") + base.slice(4);
        this.removeTree(victim);
        stream.resume();
        return next();
      }
      const mode = (header.mode ?? 0) & 0o7777;
      const type = header.type;
      if (type === "directory") {
        const prev = this.nodes.get(path);
        if (prev && prev.kind !== "dir") this.removeTree(path);
        this.nodes.set(path, { kind: "dir", size: 0, mode, layerIndex: index });
        stream.resume();
        return next();
      }
      // A file, link or other replaces whatever was there, including a whole directory.
      const prev = this.nodes.get(path);
      this.removeTree(path);
      if (type === "symlink") {
        this.nodes.set(path, {
          kind: "symlink",
          size: 0,
          mode,
          layerIndex: index,
          linkTarget: header.linkname ?? "",
        });
        stream.resume();
        return next();
      }
      if (type === "link") {
        const target = cleanPath(header.linkname ?? "");
        const t = target === undefined ? undefined : this.nodes.get(target);
        if (t?.kind !== "file") {
          this.warnings.push({
            path,
            reason: `${where}: hard link to ${header.linkname} which is not a file in the image`,
          });
        } else {
          this.nodes.set(path, {
            ...t,
            layerIndex: index,
            ...(t.versions ? { versions: [...t.versions] } : {}),
          });
        }
        stream.resume();
        return next();
      }
      if (type !== "file" && type !== "contiguous-file") {
        this.nodes.set(path, { kind: "other", size: 0, mode, layerIndex: index });
        stream.resume();
        return next();
      }
      const size = header.size ?? 0;
      const node: Node = { kind: "file", size, mode, layerIndex: index };
      const entry: TreeEntry = { path, kind: "file", size, mode };
      if (!this.wants(entry) || size > this.limits.maxFileBytes) {
        this.nodes.set(path, node);
        stream.resume();
        return next();
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
        const version: FileVersion = {
          layerIndex: index,
          layerDigest: layer.digest,
          contentPath,
          size: written,
        };
        node.versions = [...(prev?.kind === "file" && prev.versions ? prev.versions : []), version];
        this.nodes.set(path, node);
        next();
      });
    });
    try {
      await pipeline(layer.open(), decompressor(), extract);
    } catch (e) {
      throw new Error(`${this.description}: ${where}: ${(e as Error).message}`);
    }
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
    let pending = (cleanPath(path) ?? "").split("/").filter((p) => p !== "");
    if (cleanPath(path) === undefined) throw new SourceError(path, "path climbs above the root");
    const resolved: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === "..") {
        if (resolved.length === 0) throw new SourceError(path, "path climbs above the root");
        resolved.pop();
        continue;
      }
      const candidate = [...resolved, part].join("/");
      const node = this.nodes.get(candidate);
      if (node?.kind !== "symlink") {
        resolved.push(part);
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) throw new SourceError(path, "too many levels of symbolic links");
      const target = node.linkTarget ?? "";
      if (target.startsWith("/")) resolved.length = 0;
      const parts = target.split("/").filter((p) => p !== "" && p !== ".");
      let depth = resolved.length;
      for (const t of parts) {
        depth += t === ".." ? -1 : 1;
        if (depth < 0)
          throw new SourceError(path, `symbolic link ${candidate} -> ${target} points outside the image`);
      }
      pending = [...parts, ...pending];
    }
    return resolved.join("/");
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
    const fh = await openFile(v.contentPath, "r");
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async open(path: string): Promise<FileHandle> {
    const v = this.current(path);
    const fd = openSync(v.contentPath, "r");
    return {
      size: v.size,
      async read(position: number, length: number): Promise<Buffer> {
        const n = Math.max(0, Math.min(length, v.size - position));
        const buf = Buffer.alloc(n);
        const got = n > 0 ? readSync(fd, buf, 0, n, position) : 0;
        return got === n ? buf : buf.subarray(0, got);
      },
      async close(): Promise<void> {
        closeSync(fd);
      },
    };
  }

  /** Removes the retained contents. */
  close(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
