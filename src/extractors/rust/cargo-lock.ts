import type { TreeEntry } from "../../sources/types.js";
import { tomlPackages } from "../parse.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

export function cratePackage(
  name: string,
  version: string,
  location: string,
  extractor: string,
  metadata?: Package["metadata"],
): Package {
  return {
    name,
    version,
    type: "cargo",
    ecosystem: "crates.io",
    location,
    extractor,
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

/** Cargo.lock (v1–v4): every [[package]]; path/workspace crates (no `source`) are marked local. */
export function parseCargoLock(text: string, location: string): Package[] {
  const out: Package[] = [];
  for (const p of tomlPackages(text)) {
    if (typeof p["name"] !== "string" || typeof p["version"] !== "string") continue;
    const local = typeof p["source"] !== "string";
    out.push(
      cratePackage(p["name"], p["version"], location, "cargo-lock", local ? { local: true } : undefined),
    );
  }
  return out;
}

export const cargoLockExtractor: Extractor = {
  name: "cargo-lock",
  wants: (e: TreeEntry) => e.kind === "file" && (e.path === "Cargo.lock" || e.path.endsWith("/Cargo.lock")),
  extract: async (ctx: ExtractContext) => parseCargoLock((await ctx.read()).toString("utf8"), ctx.entry.path),
};
