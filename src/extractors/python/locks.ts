import type { TreeEntry } from "../../sources/types.js";
import { baseName } from "../javascript/common.js";
import { parseJsonText, tomlPackages } from "../parse.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

function pypi(name: string, version: string, location: string, extractor: string, dev = false): Package {
  return {
    name,
    version,
    type: "pypi",
    ecosystem: "PyPI",
    location,
    extractor,
    ...(dev ? { metadata: { dev: true } } : {}),
  };
}

/** poetry.lock: [[package]] tables with name, version and (Poetry < 1.5) category. */
export function parsePoetryLock(text: string, location: string): Package[] {
  const out: Package[] = [];
  for (const p of tomlPackages(text)) {
    if (typeof p["name"] !== "string" || typeof p["version"] !== "string") continue;
    out.push(pypi(p["name"], p["version"], location, "poetry-lock", p["category"] === "dev"));
  }
  return out;
}

/** Pipfile.lock: `default` and `develop` maps of name → {version: "==1.2.3"}. */
export function parsePipfileLock(text: string, location: string): Package[] {
  const doc = parseJsonText(text);
  if (typeof doc !== "object" || doc === null) throw new Error("not a JSON object");
  const out: Package[] = [];
  for (const section of ["default", "develop"] as const) {
    const deps = (doc as Record<string, unknown>)[section];
    if (deps === undefined) continue;
    if (typeof deps !== "object" || deps === null) throw new Error(`\`${section}\` is not an object`);
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      const v = (spec as Record<string, unknown> | null)?.["version"];
      if (typeof v !== "string" || !v.startsWith("==")) continue;
      out.push(pypi(name, v.replace(/^===?/, ""), location, "pipfile-lock", section === "develop"));
    }
  }
  return out;
}

/** Pinned lines of a requirements file: `name[extras]==version ; markers  # comment`. */
export function parseRequirements(text: string, location: string): Package[] {
  const out: Package[] = [];
  // Join continuation lines first.
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "" || line.startsWith("-")) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9!+._*-]+)/.exec(line);
    if (!m || m[2]!.includes("*")) continue; // only exact pins name a version
    out.push(pypi(m[1]!, m[2]!, location, "requirements"));
  }
  return out;
}

export const poetryLockExtractor: Extractor = {
  name: "poetry-lock",
  wants: (e: TreeEntry) => e.kind === "file" && baseName(e.path) === "poetry.lock",
  extract: async (ctx: ExtractContext) =>
    parsePoetryLock((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const pipfileLockExtractor: Extractor = {
  name: "pipfile-lock",
  wants: (e: TreeEntry) => e.kind === "file" && baseName(e.path) === "Pipfile.lock",
  extract: async (ctx: ExtractContext) =>
    parsePipfileLock((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const requirementsExtractor: Extractor = {
  name: "requirements",
  wants: (e: TreeEntry) => {
    if (e.kind !== "file") return false;
    const b = baseName(e.path);
    return b.endsWith(".txt") && b.includes("requirements") && !e.path.includes("site-packages/");
  },
  extract: async (ctx: ExtractContext) =>
    parseRequirements((await ctx.read()).toString("utf8"), ctx.entry.path),
};
