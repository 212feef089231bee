import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { baseName, npmPackage, PackageSet, parseJsonFile } from "./common.js";

interface V1Dependency {
  version?: unknown;
  dev?: unknown;
  bundled?: unknown;
  dependencies?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Name of a v2/v3 `packages` key: the part after the last "node_modules/". */
function nameFromKey(key: string): string | undefined {
  const i = key.lastIndexOf("node_modules/");
  return i === -1 ? undefined : key.slice(i + "node_modules/".length);
}

/** package-lock.json / npm-shrinkwrap.json (v1, v2, v3) and node_modules/.package-lock.json. */
export function parsePackageLock(text: string, location: string): Package[] {
  const lock = parseJsonFile(text);
  if (!isObject(lock)) throw new Error("not a JSON object");
  const out = new PackageSet();
  const packages = lock["packages"];
  if (isObject(packages)) {
    for (const [key, raw] of Object.entries(packages)) {
      if (key === "" || !isObject(raw)) continue;
      if (raw["link"] === true) continue; // workspace symlink: the target has its own entry
      const name = typeof raw["name"] === "string" ? raw["name"] : nameFromKey(key);
      const version = raw["version"];
      if (!name || typeof version !== "string" || version === "") continue;
      out.add(npmPackage(name, version, location, "package-lock", raw["dev"] === true));
    }
    return out.list();
  }
  const deps = lock["dependencies"];
  if (deps !== undefined && !isObject(deps)) throw new Error("`dependencies` is not an object");
  // v1: nested dependencies; walk iteratively so deep trees cannot overflow the stack.
  const stack: Record<string, unknown>[] = deps ? [deps] : [];
  while (stack.length > 0) {
    const level = stack.pop()!;
    for (const [name, raw] of Object.entries(level)) {
      if (!isObject(raw)) continue;
      const dep = raw as V1Dependency;
      if (typeof dep.version === "string" && dep.version !== "" && !dep.version.startsWith("file:")) {
        // Aliases ("npm:real@1.2.3") name the package really installed.
        const alias = /^npm:((?:@[^/]+\/)?[^@]+)@(.+)$/.exec(dep.version);
        if (alias) out.add(npmPackage(alias[1]!, alias[2]!, location, "package-lock", dep.dev === true));
        else out.add(npmPackage(name, dep.version, location, "package-lock", dep.dev === true));
      }
      if (isObject(dep.dependencies)) stack.push(dep.dependencies);
    }
  }
  return out.list();
}

const LOCK_NAMES = new Set(["package-lock.json", "npm-shrinkwrap.json"]);

export const packageLockExtractor: Extractor = {
  name: "package-lock",
  wants: (e: TreeEntry) =>
    e.kind === "file" &&
    (LOCK_NAMES.has(baseName(e.path)) || e.path.endsWith("node_modules/.package-lock.json")) &&
    // Lockfiles shipped inside installed packages describe their own development, not what is installed.
    !/node_modules\/.+\/(package-lock|npm-shrinkwrap)\.json$/.test(e.path),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    return parsePackageLock((await ctx.read()).toString("utf8"), ctx.entry.path);
  },
};
