import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./fixtures.js";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `vigil` command line (from source, through tsx) and captures its output. */
export function runVigil(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repoRoot, "src/cli/bin.ts"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 256 << 20,
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 300_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same, asynchronously: for commands that talk to a server running in the test's own process
 * (a synchronous child would block the server it is waiting on).
 */
export async function runVigilAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliResult> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "src/cli/bin.ts"), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}
