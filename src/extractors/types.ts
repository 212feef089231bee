import type { FileTree, TreeEntry } from "../sources/types.js";

/** purl types of the packages we inventory. */
export type PackageType =
  | "deb"
  | "rpm"
  | "apk"
  | "npm"
  | "pypi"
  | "golang"
  | "cargo"
  | "maven"
  | "gem"
  | "nuget"
  | "composer";

/** One installed (or locked) package, as found in the tree. */
export interface Package {
  name: string;
  version: string;
  type: PackageType;
  /**
   * OSV ecosystem the package is matched in ("npm", "PyPI", "Go", "crates.io", "Debian:12").
   * Language extractors set it; for OS packages the inventory fills it from the detected OS.
   */
  ecosystem?: string;
  /** Source package of an OS package (dpkg Source:, rpm SOURCERPM, apk origin). */
  source?: { name: string; version?: string };
  /** CPU architecture where the format records it. */
  arch?: string;
  /** Path (in the tree) of the file this package was read from. */
  location: string;
  /** Name of the extractor that produced it. */
  extractor: string;
  /** Package URL, filled by the inventory when not set by the extractor. */
  purl?: string;
  /** Layer digest that introduced the package (image sources). */
  layerDigest?: string;
  /** Format-specific facts worth keeping (e.g. a Go binary's main module, dev dependency). */
  metadata?: Record<string, string | boolean | number>;
}

/** The operating system the tree belongs to, from os-release and friends. */
export interface OsInfo {
  /** os-release ID ("debian", "alpine", "ubuntu", "rhel", "amzn", "rocky", "almalinux"). */
  id: string;
  versionId?: string;
  codename?: string;
  prettyName?: string;
  /** OSV ecosystem for its packages ("Debian:12", "Alpine:v3.18"), when we know one. */
  ecosystem?: string;
}

export interface ExtractContext {
  entry: TreeEntry;
  tree: FileTree;
  /** Reads the entry's file whole (bounded by the tree's read limit). */
  read(): Promise<Buffer>;
  /** Records a problem with this input; the scan continues. Name the reason, not the file. */
  warn(reason: string): void;
}

export interface ExtractResult {
  packages: Package[];
  /** Only the OS detector sets this. */
  os?: OsInfo;
}

/**
 * One package format. The inventory walks the tree once and offers every entry to every
 * extractor's `wants`; `extract` then runs on the chosen files.
 */
export interface Extractor {
  readonly name: string;
  /** Cheap test on path and metadata; called for every entry of the tree, so keep it fast. */
  wants(entry: TreeEntry): boolean;
  extract(ctx: ExtractContext): Promise<ExtractResult | Package[]>;
}

/** A problem with one input file that did not stop the scan. */
export interface InventoryWarning {
  path: string;
  extractor: string;
  reason: string;
}

export interface Inventory {
  os?: OsInfo;
  packages: Package[];
  warnings: InventoryWarning[];
  /** Number of tree entries walked. */
  entries: number;
}

/** Error type for malformed input: extractors throw it (or any Error) and the inventory warns. */
export class ExtractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtractError";
  }
}
