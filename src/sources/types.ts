/** What kind of node a tree entry is. Symlinks are reported, not followed, during a walk. */
export type EntryKind = "file" | "dir" | "symlink" | "other";

export interface TreeEntry {
  /** POSIX path relative to the tree root, without a leading slash ("usr/bin/ls"). */
  path: string;
  kind: EntryKind;
  size: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
}

/** Random access to one file, for formats that must not be read whole (ELF binaries, rpmdb). */
export interface FileHandle {
  readonly size: number;
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * A read-only file tree: a directory, a rootfs, later an image or an archive.
 * Every path is relative to the root; implementations must never resolve a path (or a symlink
 * target) to anything outside the root.
 */
export interface FileTree {
  /** Human-readable name used in messages ("directory /srv/rootfs"). */
  readonly description: string;
  /** Visits every entry once, depth first. Returning "skip" for a directory skips its contents. */
  walk(visit: (entry: TreeEntry) => undefined | "skip" | Promise<undefined | "skip">): Promise<void>;
  /** Metadata of a path after resolving symlinks inside the tree, or undefined when absent. */
  stat(path: string): Promise<TreeEntry | undefined>;
  /** Reads a whole file, resolving symlinks inside the tree. Fails past `maxBytes`. */
  readFile(path: string, options?: { maxBytes?: number }): Promise<Buffer>;
  /** Opens a file for random access, resolving symlinks inside the tree. */
  open(path: string): Promise<FileHandle>;
}

/** Raised for anything a tree refuses to do: escapes, oversize files, missing paths. */
export class SourceError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "SourceError";
  }
}

/** Default ceiling for files read whole (lockfiles, package databases). */
export const DEFAULT_MAX_READ_BYTES = 512 * 1024 * 1024;
