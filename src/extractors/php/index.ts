import type { TreeEntry } from "../../sources/types.js";
import { baseName } from "../javascript/common.js";
import { parseJsonText } from "../parse.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

function composerPackages(list: unknown, location: string, extractor: string, dev: boolean): Package[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error("package list is not an array");
  const out: Package[] = [];
  for (const p of list as Record<string, unknown>[]) {
    if (typeof p?.["name"] !== "string" || typeof p["version"] !== "string") continue;
    // Branch aliases ("dev-main") name no release.
    if (p["version"].startsWith("dev-")) continue;
    out.push({
      name: p["name"],
      version: p["version"].replace(/^v/, ""),
      type: "composer",
      ecosystem: "Packagist",
      location,
      extractor,
      ...(dev ? { metadata: { dev: true } } : {}),
    });
  }
  return out;
}

/** composer.lock: `packages` and `packages-dev`. */
export function parseComposerLock(text: string, location: string): Package[] {
  const doc = parseJsonText(text) as Record<string, unknown> | null;
  if (typeof doc !== "object" || doc === null) throw new Error("not a JSON object");
  return [
    ...composerPackages(doc["packages"], location, "composer-lock", false),
    ...composerPackages(doc["packages-dev"], location, "composer-lock", true),
  ];
}

/** vendor/composer/installed.json: an array (Composer 1) or {packages: [...]} (Composer 2). */
export function parseComposerInstalled(text: string, location: string): Package[] {
  const doc = parseJsonText(text);
  const list = Array.isArray(doc) ? doc : (doc as Record<string, unknown> | null)?.["packages"];
  return composerPackages(list, location, "composer-installed", false);
}

export const composerLockExtractor: Extractor = {
  name: "composer-lock",
  wants: (e: TreeEntry) => e.kind === "file" && baseName(e.path) === "composer.lock",
  extract: async (ctx: ExtractContext) =>
    parseComposerLock((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const composerInstalledExtractor: Extractor = {
  name: "composer-installed",
  wants: (e: TreeEntry) => e.kind === "file" && e.path.endsWith("vendor/composer/installed.json"),
  extract: async (ctx: ExtractContext) =>
    parseComposerInstalled((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const phpExtractors: readonly Extractor[] = [composerLockExtractor, composerInstalledExtractor];
