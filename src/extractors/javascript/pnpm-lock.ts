import type { TreeEntry } from "../../sources/types.js";
import { parseYamlMapping } from "../parse.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { baseName, npmPackage, PackageSet } from "./common.js";

/**
 * Name and version from a pnpm `packages` key: "/name/1.2.3_peer@1" (lockfile v5),
 * "/name@1.2.3(peer@1)" (v6), "name@1.2.3" (v9); scoped names included.
 */
export function parsePnpmKey(key: string): { name: string; version: string } | undefined {
  let k = key.startsWith("/") ? key.slice(1) : key;
  const paren = k.indexOf("(");
  if (paren !== -1) k = k.slice(0, paren);
  const scoped = k.startsWith("@");
  const at = k.indexOf("@", scoped ? 1 : 0);
  if (at > 0) {
    const name = k.slice(0, at);
    const slashes = name.split("/").length - 1;
    // v6/v9 keys: the name has no slash (or just the scope's) and the rest is the version.
    if (slashes === (scoped ? 1 : 0)) {
      const version = k.slice(at + 1).split("_")[0]!;
      return version ? { name, version } : undefined;
    }
  }
  // v5: name/version with the version as the last path segment.
  const slash = k.lastIndexOf("/");
  if (slash <= 0) return undefined;
  const name = k.slice(0, slash);
  const version = k.slice(slash + 1).split("_")[0]!;
  if (!name || !version || !/^\d/.test(version)) return undefined;
  return { name, version };
}

export function parsePnpmLock(text: string, location: string): Package[] {
  const lock = parseYamlMapping(text);
  const packages = lock["packages"];
  const out = new PackageSet();
  if (packages === undefined || packages === null) return [];
  if (typeof packages !== "object") throw new Error("`packages` is not a mapping");
  for (const [key, value] of Object.entries(packages as Record<string, unknown>)) {
    const entry = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const parsed = parsePnpmKey(key);
    const name = typeof entry["name"] === "string" ? entry["name"] : parsed?.name;
    const version = typeof entry["version"] === "string" ? entry["version"] : parsed?.version;
    if (!name || !version) continue;
    out.add(npmPackage(name, version, location, "pnpm-lock", entry["dev"] === true));
  }
  return out.list();
}

export const pnpmLockExtractor: Extractor = {
  name: "pnpm-lock",
  wants: (e: TreeEntry) =>
    e.kind === "file" && baseName(e.path) === "pnpm-lock.yaml" && !e.path.includes("node_modules/"),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    return parsePnpmLock((await ctx.read()).toString("utf8"), ctx.entry.path);
  },
};
