import type { TreeEntry } from "../../sources/types.js";
import { baseName } from "../javascript/common.js";
import { parseJsonText } from "../parse.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function nuget(name: string, version: string, location: string, extractor: string): Package {
  return { name, version, type: "nuget", ecosystem: "NuGet", location, extractor };
}

/** *.deps.json: `libraries` keyed "Name/Version"; only type "package" comes from NuGet. */
export function parseDepsJson(text: string, location: string): Package[] {
  const doc = parseJsonText(text);
  if (!isObject(doc)) throw new Error("not a JSON object");
  const libraries = doc["libraries"];
  if (libraries === undefined) return [];
  if (!isObject(libraries)) throw new Error("`libraries` is not an object");
  const out: Package[] = [];
  for (const [key, lib] of Object.entries(libraries)) {
    if (!isObject(lib) || lib["type"] !== "package") continue;
    const slash = key.lastIndexOf("/");
    if (slash <= 0) continue;
    out.push(nuget(key.slice(0, slash), key.slice(slash + 1), location, "dotnet-deps"));
  }
  return out;
}

/** packages.lock.json: per target framework, name → {type, resolved}; projects skipped. */
export function parsePackagesLock(text: string, location: string): Package[] {
  const doc = parseJsonText(text);
  if (!isObject(doc) || !isObject(doc["dependencies"])) throw new Error("no `dependencies` object");
  const seen = new Set<string>();
  const out: Package[] = [];
  for (const framework of Object.values(doc["dependencies"])) {
    if (!isObject(framework)) continue;
    for (const [name, dep] of Object.entries(framework)) {
      if (!isObject(dep) || dep["type"] === "Project" || typeof dep["resolved"] !== "string") continue;
      const key = `${name}@${dep["resolved"]}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(nuget(name, dep["resolved"], location, "nuget-lock"));
    }
  }
  return out;
}

export const depsJsonExtractor: Extractor = {
  name: "dotnet-deps",
  wants: (e: TreeEntry) => e.kind === "file" && e.path.endsWith(".deps.json"),
  extract: async (ctx: ExtractContext) => parseDepsJson((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const packagesLockExtractor: Extractor = {
  name: "nuget-lock",
  wants: (e: TreeEntry) => e.kind === "file" && baseName(e.path) === "packages.lock.json",
  extract: async (ctx: ExtractContext) =>
    parsePackagesLock((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const dotnetExtractors: readonly Extractor[] = [depsJsonExtractor, packagesLockExtractor];
