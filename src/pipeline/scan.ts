import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { AdvisoryReader } from "../advisories/types.js";
import { type InventoryOptions, inventory } from "../extractors/inventory.js";
import { allExtractors } from "../extractors/registry.js";
import type { Extractor, Inventory } from "../extractors/types.js";
import { type Finding, type FindingResource, toFinding } from "../findings/finding.js";
import { readSbom } from "../formats/sbom-input.js";
import { type MatchStats, matchInventory } from "../matching/match.js";
import { severityRank } from "../scoring/cvss.js";
import { DirectoryTree } from "../sources/directory.js";
import { isZipFile, openFunctionPackage } from "../sources/function-package.js";
import { type ImageSource, isOciLayout, openImageArchive, openOciLayout } from "../sources/image.js";
import { type ImageLimits, ImageTree } from "../sources/image-tree.js";
import type { FileTree, TreeEntry } from "../sources/types.js";
import { attributeLayers } from "./layers.js";

/** Files code scanning analysed, skipped and analysed only in part (src/code). */
export interface CodeScanSummary {
  scanned: number;
  skipped: { path: string; reason: string }[];
  partial: { path: string; reason: string }[];
  languages: Record<string, number>;
  bytes: number;
  /** The code around each code finding, as BatchGetCodeSnippet returns it. */
  snippets: {
    findingArn: string;
    startLine: number;
    endLine: number;
    codeSnippet: { lineNumber: number; content: string }[];
  }[];
}

export interface ScanOptions {
  accountId?: string;
  region?: string;
  onProgress?: InventoryOptions["onProgress"];
}

export interface ScanResult {
  target: string;
  image?: ImageSource;
  resource: FindingResource;
  inventory: Inventory;
  findings: Finding[];
  matchStats: MatchStats;
  timings: { inventoryMs: number; matchMs: number; codeMs?: number };
  /** What code scanning covered, when it ran (`vigil scan --code`); its findings are in `findings`. */
  code?: CodeScanSummary;
}

const LIVE_HOST_EXCLUDES = ["proc", "sys", "dev", "run"];
const MAX_SBOM_BYTES = 512 << 20;

/** The file tree of a target that has none (an SBOM states its inventory). */
const EMPTY_TREE: FileTree = {
  description: "no files",
  walk: async () => {},
  stat: async () => undefined,
  readFile: async (p) => {
    throw new Error(`${p}: no such file`);
  },
  open: async (p) => {
    throw new Error(`${p}: no such file`);
  },
};

export const DEFAULT_ACCOUNT_ID = "000000000000";
export const DEFAULT_REGION = "local";

/** An opened scan target: its file tree and, for images, what the image says about itself. */
export interface ScanTarget {
  name: string;
  tree: FileTree;
  image?: ImageSource;
  /** For an SBOM: the inventory it states (no file tree to walk). */
  presetInventory?: Inventory;
  /** For a function package: the deployment zip and its layer zips. */
  functionPackage?: { zip: string; layers: string[] };
  /** Removes anything opening it left behind (an image's retained files). */
  close(): void;
}

function head512(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const isTar = (head: Buffer) => head.length === 512 && head.toString("latin1", 257, 262) === "ustar";

/**
 * Opens a scan target: a directory or root filesystem, an OCI image layout directory, or an
 * image archive (`docker save` tar, OCI archive tar).
 */
export async function openTarget(
  target: string,
  options: {
    extractors?: readonly Extractor[];
    onLayer?: (index: number, total: number) => void;
    limits?: Partial<ImageLimits>;
    /** Layer zips of a function package, applied under /opt in order. */
    functionLayers?: string[];
    /** Files to retain besides what the extractors want (source files for code scanning). */
    alsoWants?: (e: TreeEntry) => boolean;
  } = {},
): Promise<ScanTarget> {
  let abs = resolve(target);
  let tag: string | undefined;
  // "<layout dir>:<tag>" names one image of an OCI layout, as skopeo and umoci write it.
  const colon = abs.lastIndexOf(":");
  if (colon > 0 && !existsSync(abs) && isOciLayout(abs.slice(0, colon))) {
    tag = abs.slice(colon + 1);
    abs = abs.slice(0, colon);
  }
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `scan target ${target}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`,
    );
  }
  let image: ImageSource | undefined;
  if (st.isDirectory()) {
    if (isOciLayout(abs)) image = openOciLayout(abs, tag);
    // A live host's kernel and device filesystems hold no packages, only slow or endless files.
    else {
      if (options.functionLayers?.length)
        throw new Error("--layer applies to function packages (zip files) only");
      const tree = new DirectoryTree(abs, abs === "/" ? { exclude: LIVE_HOST_EXCLUDES } : {});
      return { name: target, tree, close: () => {} };
    }
  }
  const extractors = options.extractors ?? allExtractors;
  const wants = (e: TreeEntry) => extractors.some((x) => x.wants(e)) || (options.alsoWants?.(e) ?? false);
  const head = st.isFile() ? head512(abs) : Buffer.alloc(0);
  if (!image && isZipFile(head)) {
    const layers = (options.functionLayers ?? []).map((l) => resolve(l));
    const tree = await openFunctionPackage(abs, layers, wants, options.limits ?? {});
    return { name: target, tree, functionPackage: { zip: abs, layers }, close: () => tree.close() };
  }
  if (options.functionLayers?.length)
    throw new Error("--layer applies to function packages (zip files) only");
  if (!image && head.toString("utf8").trimStart().startsWith("{")) {
    if (st.size > MAX_SBOM_BYTES)
      throw new Error(`scan target ${target}: ${st.size} bytes is too large for an SBOM`);
    const inv = readSbom(readFileSync(abs, "utf8"), target);
    return { name: target, tree: EMPTY_TREE, presetInventory: inv, close: () => {} };
  }
  if (!image && isTar(head)) image = openImageArchive(abs);
  if (!image) {
    throw new Error(
      `scan target ${target}: not a directory, an OCI image layout, an image archive, a function zip or an SBOM`,
    );
  }
  const tree = await ImageTree.build(image, wants, {
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.onLayer ? { onLayer: options.onLayer } : {}),
  });
  return { name: target, tree, image, close: () => tree.close() };
}

/** Resource record for a scanned root filesystem, directory or image. */
export function resourceFor(target: ScanTarget, inv: Inventory, region: string): FindingResource {
  const platform = inv.os
    ? (inv.os.prettyName ?? `${inv.os.id} ${inv.os.versionId ?? ""}`.trim())
    : undefined;
  if (target.image) {
    const img = target.image;
    const tag = img.repoTags[0];
    const colon = tag ? tag.lastIndexOf(":") : -1;
    const repositoryName = tag
      ? colon > tag.lastIndexOf("/")
        ? tag.slice(0, colon)
        : tag
      : basename(target.name);
    const imageHash = img.configDigest ?? img.layers.at(-1)?.digest ?? "unknown";
    const details = {
      awsEcrContainerImage: {
        registry: "local",
        repositoryName,
        imageHash,
        imageTags: img.repoTags.map((t) => t.slice(t.lastIndexOf(":") + 1)),
        ...(img.config.architecture ? { architecture: img.config.architecture } : {}),
        ...(platform ? { platform } : {}),
        ...(img.config.created ? { pushedAt: img.config.created } : {}),
      },
    };
    return {
      type: "AWS_ECR_CONTAINER_IMAGE",
      id: `${repositoryName}@${imageHash}`,
      partition: "vigil",
      region,
      details,
    };
  }
  if (target.functionPackage) {
    const fp = target.functionPackage;
    const functionName = basename(fp.zip).replace(/\.zip$/i, "");
    const codeSha256 = createHash("sha256").update(readFileSync(fp.zip)).digest("base64");
    const runtimes: Record<string, string> = {
      npm: "nodejs",
      pypi: "python",
      maven: "java",
      nuget: "dotnet",
      gem: "ruby",
      golang: "go",
    };
    const runtime = inv.packages.map((p) => runtimes[p.type]).find((r) => r) ?? "unknown";
    const details = {
      awsLambdaFunction: {
        functionName,
        codeSha256,
        runtime,
        version: "$LATEST",
        executionRoleArn: "unknown",
        layers: fp.layers.map((l) => basename(l)),
      },
    };
    return { type: "AWS_LAMBDA_FUNCTION", id: functionName, partition: "vigil", region, details };
  }
  const details: Record<string, unknown> = {};
  if (platform) details["awsEc2Instance"] = { platform };
  return { type: "AWS_EC2_INSTANCE", id: resolve(target.name), partition: "vigil", region, details };
}

/** Inventory of a target; for images each package also names the layer that introduced it. */
export async function inventoryTarget(
  target: ScanTarget,
  onProgress?: InventoryOptions["onProgress"],
): Promise<Inventory> {
  if (target.presetInventory) return target.presetInventory;
  const inv = await inventory(target.tree, onProgress ? { onProgress } : {});
  if (target.tree instanceof ImageTree) {
    await attributeLayers(inv, target.tree);
    for (const w of target.tree.warnings)
      inv.warnings.push({ path: w.path, extractor: "image", reason: w.reason });
  }
  return inv;
}

/** Inventory → match → findings for one target, sorted most severe first. */
export async function scanTree(
  target: ScanTarget,
  store: AdvisoryReader,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const t0 = performance.now();
  const inv = await inventoryTarget(target, options.onProgress);
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
    target: target.name,
    ...(target.image ? { image: target.image } : {}),
    resource,
    inventory: inv,
    findings,
    matchStats: stats,
    timings: { inventoryMs: t1 - t0, matchMs: t2 - t1 },
  };
}
