import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./fixtures.js";

export interface VigilProcess {
  child: ChildProcess;
  stderr: () => string;
  /** The bootstrap key the first start printed (undefined on later starts). */
  key?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * `vigil serve --no-update` in its own process on `port` (tests kill it with SIGKILL and start it
 * again on the same data directory); resolves once it serves.
 */
export function startVigilServe(
  dataDir: string,
  port: number,
  extraArgs: string[] = [],
): Promise<VigilProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repoRoot, "src/cli/bin.ts"),
      "--data-dir",
      dataDir,
      "serve",
      "--no-update",
      "--port",
      String(port),
      ...extraArgs,
    ],
    { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start: ${err}`)), 60_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString("utf8");
      if (err.includes("Vigil is serving")) {
        clearTimeout(timer);
        const id = /AWS_ACCESS_KEY_ID=(\S+)/.exec(err)?.[1];
        const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(err)?.[1];
        resolve({
          child,
          stderr: () => err,
          ...(id && secret ? { key: { accessKeyId: id, secretAccessKey: secret } } : {}),
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited with ${code}: ${err}`));
    });
  });
}

/**
 * `vigil worker` in its own process on `dataDir` (and `--database`); resolves once it takes jobs.
 * Tests SIGKILL it in the middle of its work.
 */
export function startVigilWorker(dataDir: string, extraArgs: string[] = []): Promise<VigilProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "src/cli/bin.ts"), "--data-dir", dataDir, "worker", ...extraArgs],
    { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil worker did not start: ${err}`)), 60_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString("utf8");
      if (err.includes("vigil worker:")) {
        clearTimeout(timer);
        resolve({ child, stderr: () => err });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil worker exited with ${code}: ${err}`));
    });
  });
}
