import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inventory } from "../extractors/inventory.js";
import type { Inventory, OsInfo, Package } from "../extractors/types.js";
import { DirectoryTree } from "../sources/directory.js";
import type { FileTree, TreeEntry } from "../sources/types.js";

/**
 * What a host reports: its OS packages (always) and language packages found under the "deep
 * inspection" paths (Inspector's default four, plus /opt), walked once.
 */
export const DEFAULT_DEEP_PATHS = ["/usr/lib", "/usr/lib64", "/usr/local/lib", "/usr/local/lib64", "/opt"];

/** Where OS package databases and the OS identity live: always read, whatever the deep paths. */
const OS_PATHS = [
  "etc",
  "var/lib/dpkg",
  "var/lib/rpm",
  "usr/lib/sysimage/rpm",
  "lib/apk/db",
  "usr/lib/os-release",
];

/** A live host's kernel and device filesystems hold no packages. */
const LIVE_EXCLUDES = ["proc", "sys", "dev", "run"];

const rel = (p: string) => p.replace(/^\/+/, "").replace(/\/+$/, "");

/** A tree that walks only the given paths (and the directories leading to them). */
export function scopedTree(tree: FileTree, paths: readonly string[]): FileTree {
  const scope = [...new Set([...OS_PATHS, ...paths.map(rel)])].filter((p) => p !== "");
  const inScope = (p: string) => scope.some((s) => p === s || p.startsWith(`${s}/`));
  const leadsTo = (p: string) => scope.some((s) => s.startsWith(`${p}/`));
  return {
    description: tree.description,
    stat: (p) => tree.stat(p),
    readFile: (p, o) => tree.readFile(p, o),
    open: (p) => tree.open(p),
    walk: (visit) =>
      tree.walk((e: TreeEntry) => {
        if (inScope(e.path)) return visit(e);
        if (e.kind === "dir" && leadsTo(e.path)) return undefined;
        return e.kind === "dir" ? "skip" : undefined;
      }),
  };
}

export interface HostIdentity {
  hostname: string;
  machineId?: string;
}

function readTrimmed(path: string): string | undefined {
  try {
    const s = readFileSync(path, "utf8").trim();
    return s === "" ? undefined : s;
  } catch {
    return undefined;
  }
}

/** The host's name and machine id as its root filesystem records them. */
export function hostIdentity(root: string, fallbackHostname: string): HostIdentity {
  const machineId = readTrimmed(join(root, "etc/machine-id"));
  const hostname = readTrimmed(join(root, "etc/hostname")) ?? fallbackHostname;
  return machineId ? { hostname, machineId } : { hostname };
}

/** The stable resource id of a host: from its machine id, so agent and disk scans agree. */
export function hostResourceId(machineId: string): string {
  return `h-${createHash("sha256").update(`vigil-host\0${machineId}`).digest("hex").slice(0, 17)}`;
}

export const isHostId = (s: string) => /^h-[0-9a-f]{17}$/.test(s);

/** Inventory of a host's root filesystem within the deep-inspection paths. */
export async function hostInventory(
  root: string,
  deepPaths: readonly string[] = DEFAULT_DEEP_PATHS,
  options: { concurrency?: number } = {},
): Promise<Inventory> {
  const tree = new DirectoryTree(root, root === "/" ? { exclude: LIVE_EXCLUDES } : {});
  return inventory(
    scopedTree(tree, deepPaths),
    options.concurrency ? { concurrency: options.concurrency } : {},
  );
}

/** The identity of one package within an inventory: what a delta adds or removes. */
export function packageKey(p: Package): string {
  return [
    p.type,
    p.name,
    p.version,
    p.location,
    p.source?.name ?? "",
    p.source?.version ?? "",
    p.arch ?? "",
    p.metadata?.["inUse"] === true ? "in-use" : "",
  ].join("\0");
}

/**
 * The digest both ends compute over an inventory (OS + package keys): an agent's delta must bring
 * the server's copy to the same digest, else the agent sends everything again.
 */
export function inventoryHash(os: OsInfo | undefined, packages: readonly Package[]): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(os ? [os.id, os.versionId ?? "", os.codename ?? ""] : []));
  for (const k of packages.map(packageKey).sort()) h.update(`\n${k}`);
  return h.digest("hex");
}
