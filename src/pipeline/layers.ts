import { allExtractors } from "../extractors/registry.js";
import type { Extractor, Inventory, Package } from "../extractors/types.js";
import { type FileVersion, type ImageTree, readVersion } from "../sources/image-tree.js";
import type { FileHandle, FileTree } from "../sources/types.js";

/** The image tree, except that one path reads as an older version of itself. */
function treeAtVersion(tree: ImageTree, path: string, version: FileVersion): FileTree {
  const content = () => readVersion(version);
  return {
    description: tree.description,
    walk: (v) => tree.walk(v),
    stat: (p) => tree.stat(p),
    readFile: async (p, o) => (p === path ? content() : tree.readFile(p, o)),
    open: async (p): Promise<FileHandle> => {
      if (p !== path) return tree.open(p);
      const buf = content();
      return {
        size: buf.length,
        read: async (pos, len) => buf.subarray(pos, pos + len),
        close: async () => {},
      };
    },
  };
}

const key = (p: Package) => `${p.type}\0${p.name}\0${p.version}`;

/**
 * Names the layer that introduced each package. A package database rewritten by later layers
 * (dpkg status, say) is read as each layer left it; a package belongs to the first layer whose
 * version of the file lists it at that version. Other files: the layer that wrote the file.
 */
export async function attributeLayers(
  inv: Inventory,
  tree: ImageTree,
  extractors: readonly Extractor[] = allExtractors,
): Promise<void> {
  const byLocation = new Map<string, Package[]>();
  for (const p of inv.packages) {
    const list = byLocation.get(p.location) ?? [];
    list.push(p);
    byLocation.set(p.location, list);
  }
  for (const [location, pkgs] of byLocation) {
    // Packages found inside nested archives ("app.war!/lib/x.jar") belong to the outer file.
    const path = location.split("!/")[0]!;
    const versions = tree.versions(path);
    if (versions.length <= 1) {
      const layer = tree.layerOf(path);
      if (layer !== undefined) for (const p of pkgs) p.layerDigest = tree.layerDigest(layer);
      continue;
    }
    const extractor = extractors.find((e) => e.name === pkgs[0]!.extractor);
    const seenAt = new Map<string, string>();
    for (const v of versions) {
      if (!extractor) break;
      const entry = { path, kind: "file" as const, size: v.size, mode: 0o644 };
      const view = treeAtVersion(tree, path, v);
      try {
        const r = await extractor.extract({
          entry,
          tree: view,
          read: () => view.readFile(path),
          warn: () => {},
        });
        for (const p of Array.isArray(r) ? r : r.packages)
          if (!seenAt.has(key(p))) seenAt.set(key(p), v.layerDigest);
      } catch {
        // An older version that does not parse cannot claim packages.
      }
    }
    const last = versions.at(-1)!.layerDigest;
    for (const p of pkgs) p.layerDigest = seenAt.get(key(p)) ?? last;
  }
}
