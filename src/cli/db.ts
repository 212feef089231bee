import { mkdirSync } from "node:fs";
import Table from "cli-table3";
import {
  type AdvisoryStore,
  advisoryStatus,
  type FeedUpdateResult,
  openAdvisoryStore,
  type UpdateResult,
  updateAdvisories,
} from "../advisories/index.js";
import { Progress } from "./progress.js";

export interface DbUpdateOptions {
  mirror?: string;
  feeds?: string[];
  quiet: boolean;
}

function countsCell(f: FeedUpdateResult): string {
  if (f.status === "failed") return f.error ?? "failed";
  if (f.status === "absent") return "not in the mirror";
  if (f.status === "not-modified") return "not modified";
  return `+${f.added} ~${f.changed} =${f.unchanged} withdrawn ${f.withdrawn}${f.removed ? ` removed ${f.removed}` : ""}`;
}

/** Runs an update, printing progress and a per-feed summary on stderr. */
export async function dbUpdate(dataDir: string, options: DbUpdateOptions): Promise<UpdateResult> {
  mkdirSync(dataDir, { recursive: true });
  const progress = new Progress(!options.quiet);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  let result: UpdateResult;
  try {
    result = await updateAdvisories({
      dataDir,
      ...(options.mirror ? { mirror: options.mirror } : {}),
      ...(options.feeds ? { feeds: options.feeds } : {}),
      signal: controller.signal,
      ...(process.env["NVD_API_KEY"] ? { feedOptions: { nvdApiKey: process.env["NVD_API_KEY"] } } : {}),
      onProgress: (p) => progress.update(`${p.feed} ${p.phase}`, p.done, p.total),
    });
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
  }
  if (!options.quiet) {
    const table = new Table({
      head: ["Feed", "Status", "Records", "Changes"],
      style: { head: [], border: [] },
    });
    for (const f of result.feeds) table.push([f.name, f.status, String(f.records), countsCell(f)]);
    process.stderr.write(`${table.toString()}\n`);
  }
  for (const f of result.feeds) {
    if (f.status === "failed") process.stderr.write(`error: feed ${f.name}: ${f.error ?? "failed"}\n`);
  }
  if (result.unreachable) {
    process.stderr.write(
      "The public advisory feeds cannot be reached from this machine. Use `vigil db update --mirror DIR` with an offline mirror.\n",
    );
  }
  return result;
}

/** `vigil db status` as text or JSON. */
export function dbStatus(dataDir: string, json: boolean): string {
  const status = advisoryStatus(dataDir);
  if (json) return JSON.stringify(status, null, 2) + "\n";
  if (!status.exists) return `No advisory database at ${status.dbPath} yet: run \`vigil db update\`.\n`;
  const t = status.totals;
  const lines = [
    `Advisory database: ${status.dbPath} (${(status.sizeBytes / 1048576).toFixed(1)} MiB, schema ${status.schemaVersion})`,
    `${t.advisories} advisories (${t.withdrawn} withdrawn), ${t.affected} affected packages, ${t.kev} known exploited, ${t.epss} EPSS scores, ${t.cvss} NVD CVSS records`,
  ];
  const table = new Table({
    head: ["Feed", "Records", "Last update", "Status"],
    style: { head: [], border: [] },
  });
  for (const f of status.feeds) {
    table.push([
      f.name,
      String(f.records),
      f.lastUpdate ?? "never",
      f.error ? `${f.status}: ${f.error}` : f.status,
    ]);
  }
  return `${lines.join("\n")}\n${table.toString()}\n`;
}

/** Opens the store read-only for a scan, with a clear message when there is no data yet. */
export function openStoreForScan(dataDir: string): AdvisoryStore {
  let status: ReturnType<typeof advisoryStatus>;
  try {
    status = advisoryStatus(dataDir);
  } catch (e) {
    throw new Error(`${(e as Error).message} (move the file aside and rebuild it with \`vigil db update\`)`);
  }
  if (!status.exists || status.totals.advisories === 0) {
    throw new Error(
      `no advisory data in ${dataDir}: run \`vigil db update\` (or \`vigil db update --mirror DIR\` offline) first`,
    );
  }
  return openAdvisoryStore(dataDir, { readonly: true });
}
