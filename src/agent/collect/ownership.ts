/**
 * Which installed OS package owns a file, from the package managers' file lists on a root filesystem,
 * and from that which packages running processes actually use.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type ProcessInfo, YIELD_EVERY, yieldToEventLoop } from "./procfs.js";

/** File lists larger than this are skipped (no real package comes close). */
const MAX_LIST_BYTES = 64 << 20;

/** Small local files: synchronous reads cost a fraction of the thread pool's round trips. */
function readBounded(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > MAX_LIST_BYTES) return undefined;
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** dpkg: <root>/var/lib/dpkg/info/<package>[:<arch>].list, one absolute path per line. */
async function dpkgOwners(
  root: string,
  owners: Map<string, string>,
  only?: ReadonlySet<string>,
): Promise<void> {
  const info = join(root, "var/lib/dpkg/info");
  let names: string[];
  try {
    names = readdirSync(info)
      .filter((n) => n.endsWith(".list"))
      .sort();
  } catch {
    return;
  }
  const parents = new Set<string>();
  for (let i = 0; i < names.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const name = names[i]!;
    const text = readBounded(join(info, name));
    if (text === undefined) continue;
    const pkg = name.slice(0, -".list".length).split(":")[0]!;
    let parent = "";
    for (const raw of text.split("\n")) {
      const path = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (!path.startsWith("/") || path === "/.") continue;
      // Asked about a few files only (those running processes use): keep just those, skip the rest.
      if (only) {
        if (only.has(path) && !owners.has(path)) owners.set(path, pkg);
        continue;
      }
      if (!owners.has(path)) owners.set(path, pkg);
      // Siblings follow each other in a list: only note a parent when it changes.
      const slash = path.lastIndexOf("/");
      if (slash > 0 && !(slash === parent.length && path.startsWith(parent))) {
        parent = path.slice(0, slash);
        parents.add(parent);
      }
    }
  }
  // The lists name directories too, shared by many packages: a path that is the parent of another
  // listed path is a directory, not a file any one package owns.
  for (const dir of parents) owners.delete(dir);
}

/** apk: <root>/lib/apk/db/installed, records of "P:" package, "F:" folder and "R:" file (in that folder). */
function apkOwners(root: string, owners: Map<string, string>, only?: ReadonlySet<string>): void {
  const text = readBounded(join(root, "lib/apk/db/installed"));
  if (text === undefined) return;
  let pkg: string | undefined;
  let folder = "";
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") {
      pkg = undefined;
      folder = "";
    } else if (line.startsWith("P:")) {
      pkg = line.slice(2);
      folder = "";
    } else if (line.startsWith("F:")) {
      folder = line.slice(2).replace(/^\/+|\/+$/g, "");
    } else if (line.startsWith("R:") && pkg) {
      const path = folder === "" ? `/${line.slice(2)}` : `/${folder}/${line.slice(2)}`;
      if ((!only || only.has(path)) && !owners.has(path)) owners.set(path, pkg);
    }
  }
}

/**
 * Which installed OS package owns each file: dpkg (<root>/var/lib/dpkg/info/*.list, package name from the
 * file name minus ":arch" and ".list") and apk (<root>/lib/apk/db/installed). Keys are absolute paths
 * inside `root`, values package names; directories are not included, and where two packages list the
 * same file the first (by .list file name) wins. Missing databases give an empty map; .list files over
 * 64 MiB are skipped.
 */
export async function fileOwners(root = "/", only?: Iterable<string>): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  // Each path is also asked for under its merged-/usr twin, as ownerOf looks it up.
  const wanted = only
    ? new Set(
        [...only].flatMap((p) =>
          USR_MERGED.test(p) ? [p, p.startsWith("/usr/") ? p.slice(4) : `/usr${p}`] : [p],
        ),
      )
    : undefined;
  await dpkgOwners(root, owners, wanted);
  apkOwners(root, owners, wanted);
  return owners;
}

/** Merged-/usr twins: Debian's lists say /lib/… where the running system may map /usr/lib/…, and back. */
const USR_MERGED = /^\/(?:usr\/)?(?:bin|sbin|lib|lib32|lib64|libx32|libo32)\//;

function ownerOf(path: string, owners: ReadonlyMap<string, string>): string | undefined {
  const direct = owners.get(path);
  if (direct !== undefined || !USR_MERGED.test(path)) return direct;
  return owners.get(path.startsWith("/usr/") ? path.slice(4) : `/usr${path}`);
}

/** The packages owning a process's executable or any file it maps, sorted. */
export function packagesOfProcess(process: ProcessInfo, owners: ReadonlyMap<string, string>): string[] {
  const pkgs = new Set<string>();
  for (const path of process.exe === undefined ? process.mapped : [process.exe, ...process.mapped]) {
    const pkg = ownerOf(path, owners);
    if (pkg !== undefined) pkgs.add(pkg);
  }
  return [...pkgs].sort();
}

/**
 * The packages "in use": those owning a running executable or a mapped library, each with the pids
 * (ascending) using it. Paths are looked up as-is and with /usr merged (/lib ↔ /usr/lib, /bin ↔ /usr/bin,
 * /sbin ↔ /usr/sbin, /lib64 ↔ /usr/lib64, …).
 */
export function packagesInUse(processes: ProcessInfo[], owners: Map<string, string>): Map<string, number[]> {
  const inUse = new Map<string, number[]>();
  for (const p of [...processes].sort((a, b) => a.pid - b.pid)) {
    for (const pkg of packagesOfProcess(p, owners)) {
      const pids = inUse.get(pkg);
      if (pids === undefined) inUse.set(pkg, [p.pid]);
      else if (pids.at(-1) !== p.pid) pids.push(p.pid);
    }
  }
  return inUse;
}
