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
