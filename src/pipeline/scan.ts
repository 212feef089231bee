import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { AdvisoryReader } from "../advisories/types.js";
import { type InventoryOptions, inventory } from "../extractors/inventory.js";
import type { Inventory } from "../extractors/types.js";
import { type Finding, type FindingResource, toFinding } from "../findings/finding.js";
import { type MatchStats, matchInventory } from "../matching/match.js";
import { severityRank } from "../scoring/cvss.js";
import { DirectoryTree } from "../sources/directory.js";
import type { FileTree } from "../sources/types.js";

export interface ScanOptions {
  accountId?: string;
  region?: string;
  onProgress?: InventoryOptions["onProgress"];
}

export interface ScanResult {
  target: string;
  resource: FindingResource;
  inventory: Inventory;
  findings: Finding[];
  matchStats: MatchStats;
  timings: { inventoryMs: number; matchMs: number };
}

const LIVE_HOST_EXCLUDES = ["proc", "sys", "dev", "run"];

export const DEFAULT_ACCOUNT_ID = "000000000000";
export const DEFAULT_REGION = "local";

/** Opens a scan target as a file tree. Directories only for now; images and archives come later. */
export function openTarget(target: string): FileTree {
  const abs = resolve(target);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `scan target ${target}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`,
    );
  }
  if (!st.isDirectory()) throw new Error(`scan target ${target}: not a directory`);
  // A live host's kernel and device filesystems hold no packages, only slow or endless files.
  return new DirectoryTree(abs, abs === "/" ? { exclude: LIVE_HOST_EXCLUDES } : {});
}

/** Resource record for a scanned root filesystem or directory. */
function resourceFor(target: string, inv: Inventory, region: string): FindingResource {
  const details: Record<string, unknown> = {};
  if (inv.os) {
    details["awsEc2Instance"] = {
      platform: inv.os.prettyName ?? `${inv.os.id} ${inv.os.versionId ?? ""}`.trim(),
    };
  }
  return { type: "AWS_EC2_INSTANCE", id: resolve(target), partition: "vigil", region, details };
}

/** Inventory → match → findings for one target, sorted most severe first. */
export async function scanTree(
  target: string,
  tree: FileTree,
  store: AdvisoryReader,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const t0 = performance.now();
  const inv = await inventory(tree, options.onProgress ? { onProgress: options.onProgress } : {});
  const t1 = performance.now();
  const { matches, stats } = matchInventory(inv.packages, store);
  const region = options.region ?? DEFAULT_REGION;
  const resource = resourceFor(target, inv, region);
  const now = new Date().toISOString();
  const ctx = {
    accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    region,
    resource,
    now,
    ...(inv.os ? { os: inv.os } : {}),
  };
  const findings = matches.map((m) => toFinding(m, store, ctx));
  findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (b.inspectorScore ?? 0) - (a.inspectorScore ?? 0) ||
      a.title.localeCompare(b.title),
  );
  const t2 = performance.now();
  return {
    target,
    resource,
    inventory: inv,
    findings,
    matchStats: stats,
    timings: { inventoryMs: t1 - t0, matchMs: t2 - t1 },
  };
}
