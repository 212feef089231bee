import { SourceError } from "./types.js";

const MAX_SYMLINK_HOPS = 40;

/** Splits a tree path into components, rejecting NUL bytes. */
export function components(path: string): string[] {
  if (path.includes("\0")) throw new SourceError(path, "path contains a NUL byte");
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/**
 * Resolves symbolic links of a tree path inside the tree, as a chroot would for absolute targets
 * (they start again at the root) but refusing any link or path that climbs above the root.
 * `readLink` returns a link's target, or undefined for anything that is not a link.
 * Returns the resolved components.
 */
export function resolveInTree(
  path: string,
  readLink: (treePath: string) => string | undefined,
  rootName: string,
): string[] {
  let pending = components(path);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      if (resolved.length === 0) throw new SourceError(path, "path climbs above the root");
      resolved.pop();
      continue;
    }
    const link = [...resolved, part].join("/");
    const target = readLink(link);
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw new SourceError(path, "too many levels of symbolic links");
    if (target.startsWith("/")) resolved.length = 0;
    const targetParts = components(target);
    // Relative targets resolve against the link's directory; a climb above the root is an escape.
    let depth = resolved.length;
    for (const t of targetParts) {
      depth += t === ".." ? -1 : 1;
      if (depth < 0)
        throw new SourceError(path, `symbolic link ${link} -> ${target} points outside ${rootName}`);
    }
    pending = [...targetParts, ...pending];
  }
  return resolved;
}
