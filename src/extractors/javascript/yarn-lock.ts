import type { TreeEntry } from "../../sources/types.js";
import { parseYamlMapping } from "../parse.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { baseName, npmPackage, PackageSet } from "./common.js";

/** "name@range" → name (scoped names keep their leading "@"). */
function specName(spec: string): string {
  const s = spec.trim().replace(/^"|"$/g, "");
  const at = s.indexOf("@", 1);
  return at === -1 ? s : s.slice(0, at);
}

/** Yarn v1's own format: unindented key lines, indented `version "x"` fields. */
export function parseYarnV1(text: string, location: string): Package[] {
  const out = new PackageSet();
  let name: string | undefined;
  let lineNo = 0;
  let sawEntry = false;
  for (const raw of text.split("\n")) {
    lineNo++;
    const line = raw.replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) continue;
    if (!line.startsWith(" ")) {
      if (!line.endsWith(":"))
        throw new Error(
          `line ${lineNo}: expected "<package>@<range>:" but found ${JSON.stringify(line.slice(0, 80))}`,
        );
      const first = line.slice(0, -1).split(",")[0]!.trim();
      const spec = first.replace(/^"|"$/g, "");
      // An alias ("alias@npm:real@^1") installs the real package.
      const alias = /^(?:@[^@/]+\/)?[^@]+@npm:((?:@[^@/]+\/)?[^@]+)@/.exec(spec);
      name = alias ? alias[1]! : specName(spec);
      sawEntry = true;
      continue;
    }
    const m = /^ {2}version:? +"?([^"]+)"?$/.exec(line);
    if (m && name) {
      out.add(npmPackage(name, m[1]!, location, "yarn-lock"));
      name = undefined;
    }
  }
  if (!sawEntry && text.trim() !== "" && !text.includes("yarn lockfile"))
    throw new Error("no yarn.lock entries found");
  return out.list();
}

const SKIPPED_PROTOCOLS = /^(workspace|link|portal|file|exec|git|github|https?):/;

/** Yarn berry (v2+): YAML keyed by descriptors, with `resolution: "name@npm:1.2.3"`. */
export function parseYarnBerry(text: string, location: string): Package[] {
  const doc = parseYamlMapping(text);
  const out = new PackageSet();
  for (const [key, value] of Object.entries(doc)) {
    if (key === "__metadata" || typeof value !== "object" || value === null) continue;
    const entry = value as Record<string, unknown>;
    const resolution = typeof entry["resolution"] === "string" ? entry["resolution"] : undefined;
    const version = entry["version"];
    if (!resolution || typeof version !== "string") continue;
    const at = resolution.indexOf("@", 1);
    if (at === -1) continue;
    const name = resolution.slice(0, at);
    const reference = resolution.slice(at + 1);
    if (SKIPPED_PROTOCOLS.test(reference) || version === "0.0.0-use.local") continue;
    out.add(npmPackage(name, version, location, "yarn-lock"));
  }
  return out.list();
}

export const yarnLockExtractor: Extractor = {
  name: "yarn-lock",
  wants: (e: TreeEntry) =>
    e.kind === "file" && baseName(e.path) === "yarn.lock" && !e.path.includes("node_modules/"),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const text = (await ctx.read()).toString("utf8");
    return /^__metadata:/m.test(text)
      ? parseYarnBerry(text, ctx.entry.path)
      : parseYarnV1(text, ctx.entry.path);
  },
};
