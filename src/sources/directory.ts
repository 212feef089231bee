import { constants, type Dirent, lstatSync, opendirSync, readlinkSync } from "node:fs";
import { readFile as fsReadFile, lstat, open } from "node:fs/promises";
import { join } from "node:path";
import { resolveInTree } from "./resolve.js";
import {
  DEFAULT_MAX_READ_BYTES,
  type EntryKind,
  type FileHandle,
  type FileTree,
  SourceError,
  type TreeEntry,
} from "./types.js";

function kindOf(d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "dir";
  if (d.isSymbolicLink()) return "symlink";
  return "other";
}

/**
 * A directory on the local disk treated as a root filesystem: absolute symlink targets are
 * re-rooted here, and a link that climbs above the root is refused rather than followed.
 */
export class DirectoryTree implements FileTree {
  readonly description: string;
  private readonly excluded: Set<string>;

  /** `exclude`: tree paths of directories not to descend into (a live host's /proc, say). */
  constructor(
    readonly root: string,
    options: { exclude?: readonly string[] } = {},
  ) {
    this.description = `directory ${root}`;
    this.excluded = new Set(options.exclude ?? []);
  }

  async walk(visit: (entry: TreeEntry) => undefined | "skip" | Promise<undefined | "skip">): Promise<void> {
    // Synchronous directory reads are markedly faster than the promise API for many small
    // directories; the visitor is still allowed to be async.
    const stack: string[] = [""];
    while (stack.length > 0) {
      const rel = stack.pop()!;
      const abs = rel === "" ? this.root : join(this.root, rel);
      let dir: ReturnType<typeof opendirSync>;
      try {
        dir = opendirSync(abs);
      } catch {
        continue; // unreadable directory: nothing we can inventory there
      }
      const children: string[] = [];
      const next = (): Dirent | null => {
        try {
          return dir.readSync();
        } catch {
          return null; // unreadable directory (EACCES in /proc, say): stop listing it
        }
      };
      try {
        let d: Dirent | null = next();
        while (d !== null) {
          const childRel = rel === "" ? d.name : `${rel}/${d.name}`;
          const kind = kindOf(d);
          let size = 0;
          let mode = 0;
          if (kind === "file") {
            try {
              const st = lstatSync(join(abs, d.name));
              size = st.size;
              mode = st.mode & 0o7777;
            } catch {
              // vanished between readdir and lstat
            }
          }
          const r = visit({ path: childRel, kind, size, mode });
          const verdict = r instanceof Promise ? await r : r;
          if (kind === "dir" && verdict !== "skip" && !this.excluded.has(childRel)) children.push(childRel);
          d = next();
        }
      } finally {
        dir.closeSync();
      }
      // Reverse so the walk visits directories in readdir order.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }

  /** Resolves a tree path to an absolute host path, following symlinks inside the root only. */
  resolve(path: string): string {
    const readLink = (treePath: string) => {
      const abs = join(this.root, treePath);
      try {
        return lstatSync(abs).isSymbolicLink() ? readlinkSync(abs) : undefined;
      } catch {
        return undefined; // absent: the open/read that follows reports it
      }
    };
    return join(this.root, ...resolveInTree(path, readLink, "the root"));
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    let abs: string;
    try {
      abs = this.resolve(path);
    } catch {
      return undefined;
    }
    try {
      const st = await lstat(abs);
      return { path, kind: kindOf(st), size: st.size, mode: st.mode & 0o7777 };
    } catch {
      return undefined;
    }
  }

  async readFile(path: string, options?: { maxBytes?: number }): Promise<Buffer> {
    const max = options?.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    const abs = this.resolve(path);
    const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
      throw new SourceError(path, e.code === "ENOENT" ? "no such file" : e.message);
    });
    if (!st.isFile()) throw new SourceError(path, "not a regular file");
    if (st.size > max) throw new SourceError(path, `file is ${st.size} bytes, over the ${max}-byte limit`);
    return fsReadFile(abs, { flag: constants.O_RDONLY | constants.O_NOFOLLOW });
  }

  async open(path: string): Promise<FileHandle> {
    const abs = this.resolve(path);
    const fh = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
      (e: NodeJS.ErrnoException) => {
        throw new SourceError(path, e.code === "ENOENT" ? "no such file" : e.message);
      },
    );
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw new SourceError(path, "not a regular file");
    }
    return {
      size: st.size,
      async read(position: number, length: number): Promise<Buffer> {
        const n = Math.max(0, Math.min(length, st.size - position));
        const buf = Buffer.alloc(n);
        let done = 0;
        while (done < n) {
          const { bytesRead } = await fh.read(buf, done, n - done, position + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === n ? buf : buf.subarray(0, done);
      },
      close: () => fh.close(),
    };
  }
}
