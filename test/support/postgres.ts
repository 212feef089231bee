import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./net.js";

/** A throwaway PostgreSQL server on loopback, started from Debian's `postgresql` binaries. */
export interface TestPostgres {
  url: string;
  /** The cluster's data directory (postmaster.pid names the server process). */
  dataDir: string;
  stop(): void;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root))
    throw new Error("PostgreSQL is not installed (Debian package `postgresql`; see .ci/apt-packages)");
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return join(root, versions[0]!, "bin");
}

function run(cmd: string, args: string[], asPostgres: boolean): void {
  // PostgreSQL refuses to run as root; CI runs as root, so the server runs as the `postgres` user.
  const full = asPostgres ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const r = spawnSync(full[0] as string, full[1] as string[], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "vigil-pg-"));
  const data = join(dir, "data");
  if (asRoot) {
    const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    chownSync(dir, Number(id.stdout.trim()), Number(gid.stdout.trim()));
  }
  run(join(bin, "initdb"), ["-D", data, "-U", "vigil", "--auth=trust", "-E", "UTF8", "--no-sync"], asRoot);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  run(join(bin, "pg_ctl"), ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"], asRoot);
  run(join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "vigil", "vigil"], false);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once("exit", stop);
  return { url: `postgres://vigil@127.0.0.1:${port}/vigil`, dataDir: data, stop };
}
