import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { npmPackage, parseJsonFile } from "./common.js";

// node_modules/<name>/package.json or node_modules/@scope/<name>/package.json, at any depth.
const INSTALLED = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@.][^/]*\/package\.json$/;

/** Packages installed under node_modules, read from their own package.json. */
export const nodeModulesExtractor: Extractor = {
  name: "node-modules",
  wants: (e: TreeEntry) => e.kind === "file" && e.path.endsWith("/package.json") && INSTALLED.test(e.path),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const json = parseJsonFile((await ctx.read()).toString("utf8"));
    if (typeof json !== "object" || json === null) throw new Error("package.json is not a JSON object");
    const { name, version } = json as Record<string, unknown>;
    if (typeof name !== "string" || typeof version !== "string" || name === "" || version === "") return [];
    return [npmPackage(name, version, ctx.entry.path, "node-modules")];
  },
};
