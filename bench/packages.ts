/**
 * Real package lists for the matching and re-evaluation benchmarks.
 *
 * The main source is Debian's apt index on this machine (`/var/lib/apt/lists/*_Packages*`, present
 * after `apt-get update`): every binary package of bookworm (main, updates, security) with its real
 * version and source package, parsed by Vigil's own dpkg parser (the index is deb822 like dpkg's
 * status file). Where one name appears in several lists the highest version wins, as apt would
 * install it. Without an index the fallback is the dpkg status of the bench rootfs (debootstrap
 * minbase) — far fewer names, and the report says which one was used.
 *
 * Go modules come from Debian's Go programs (docker-registry, skopeo: their real build info).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fillOsEcosystem } from "../src/extractors/inventory.js";
import { parseDpkgStatus } from "../src/extractors/os/dpkg.js";
import { purlOf } from "../src/extractors/purl.js";
import type { OsInfo, Package } from "../src/extractors/types.js";
import { inventoryTarget, openTarget } from "../src/pipeline/scan.js";
import { schemeFor } from "../src/versions/index.js";

const APT_LISTS = "/var/lib/apt/lists";

export const BOOKWORM: OsInfo = {
  id: "debian",
  versionId: "12",
  codename: "bookworm",
  prettyName: "Debian GNU/Linux 12 (bookworm)",
  ecosystem: "Debian:12",
};

export interface PackageSource {
  /** What the packages were read from, for the report. */
  description: string;
  files: string[];
  packages: Package[];
}

/** Text of an apt list file, decompressed as apt stores it (lz4, gz, xz or plain). */
function readAptList(path: string): string | undefined {
  if (path.endsWith("_Packages")) return readFileSync(path, "utf8");
  // apt-helper decompresses whatever apt itself wrote; lz4/gzip/xz binaries are the fallback.
  const helper = "/usr/lib/apt/apt-helper";
  const attempts: [string, string[]][] = [[helper, ["cat-file", path]]];
  if (path.endsWith(".lz4")) attempts.push(["lz4", ["-dc", path]]);
  if (path.endsWith(".gz")) attempts.push(["gzip", ["-dc", path]]);
  if (path.endsWith(".xz")) attempts.push(["xz", ["-dc", path]]);
  for (const [cmd, args] of attempts) {
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status === 0 && r.stdout) return r.stdout;
  }
  return undefined;
}

/** The binary packages of the apt index on this machine (highest version per name), or undefined. */
export function aptIndexPackages(os: OsInfo = BOOKWORM): PackageSource | undefined {
  if (!existsSync(APT_LISTS)) return undefined;
  const files = readdirSync(APT_LISTS)
    .filter((f) => /_binary-[a-z0-9]+_Packages(\.lz4|\.gz|\.xz)?$/.test(f))
    .map((f) => join(APT_LISTS, f))
    .sort();
  if (files.length === 0) return undefined;
  const scheme = schemeFor(os.ecosystem ?? "Debian")!;
  const byName = new Map<string, Package>();
  const used: string[] = [];
  for (const file of files) {
    const text = readAptList(file);
    if (!text) continue;
    used.push(file);
    const pkgs = parseDpkgStatus(
      text,
      { location: "var/lib/dpkg/status", extractor: "dpkg", requireStatus: false },
      () => {},
    );
    for (const p of pkgs) {
      const prev = byName.get(p.name);
      if (prev && scheme.compare(prev.version, p.version) >= 0) continue;
      byName.set(p.name, p);
    }
  }
  if (byName.size === 0) return undefined;
  const packages = [...byName.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => withPurl(fillOsEcosystem(p, os), os));
  return {
    description: `Debian apt index on this machine (${used.length} lists: ${used.map((f) => f.slice(APT_LISTS.length + 1).replace(/_binary-.*$/, "")).join(", ")}), ${packages.length} binary packages, highest version per name`,
    files: used,
    packages,
  };
}

function withPurl(p: Package, os: OsInfo | undefined): Package {
  if (!p.purl) {
    const purl = purlOf(p, os);
    if (purl) p.purl = purl;
  }
  return p;
}

/** The packages of a directory tree as `vigil inventory` finds them (OS ecosystem and purls filled). */
export async function treePackages(dir: string): Promise<{ os: OsInfo | undefined; packages: Package[] }> {
  const target = await openTarget(dir);
  try {
    const inv = await inventoryTarget(target);
    return {
      os: inv.os,
      packages: inv.packages.map((p) => withPurl(fillOsEcosystem({ ...p }, inv.os), inv.os)),
    };
  } finally {
    target.close();
  }
}

/** Debian's Go programs' packages (Go modules and toolchain from build info), per program. */
export async function goProgramPackages(goDir: string): Promise<Map<string, Package[]>> {
  const { packages } = await treePackages(goDir);
  const out = new Map<string, Package[]>();
  for (const p of packages) {
    if (p.type !== "golang") continue;
    const program = p.location.split("/").pop()!;
    const list = out.get(program) ?? [];
    list.push(p);
    out.set(program, list);
  }
  return out;
}
