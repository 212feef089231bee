import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

function gem(name: string, version: string, location: string, extractor: string): Package {
  return { name, version, type: "gem", ecosystem: "RubyGems", location, extractor };
}

/** Gemfile.lock: the `specs:` of GEM sections, "    name (version[-platform])" at four spaces. */
export function parseGemfileLock(text: string, location: string): Package[] {
  const out: Package[] = [];
  let section = "";
  let inSpecs = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^[A-Z]/.test(line)) {
      section = line.trim();
      inSpecs = false;
      continue;
    }
    if (line.trim() === "specs:") {
      inSpecs = true;
      continue;
    }
    // GIT and PATH gems are not from rubygems.org: nothing to match them against.
    if (!inSpecs || section !== "GEM") continue;
    const m = /^ {4}([^\s(]+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    // Platform gems: "nokogiri (1.15.4-x86_64-linux)" is version 1.15.4.
    const version = m[2]!.replace(/-(x86|x64|arm|aarch|java|universal|mingw|mswin|darwin|linux)[\w.-]*$/, "");
    out.push(gem(m[1]!, version, location, "gemfile-lock"));
  }
  return out;
}

/** An installed gem's specification: `s.name = "x"` / `s.version = "1.2.3"` lines. */
export function parseGemspec(text: string, location: string): Package[] {
  const name = /\.name\s*=\s*["']([^"']+)["']/.exec(text)?.[1];
  const version =
    /\.version\s*=\s*["']([^"']+)["']/.exec(text)?.[1] ??
    /\.version\s*=\s*Gem::Version\.new\(\s*["']([^"']+)["']/.exec(text)?.[1];
  if (!name || !version) throw new Error(`no ${name ? "version" : "name"} in the gem specification`);
  return [gem(name, version, location, "gemspec")];
}

export const gemfileLockExtractor: Extractor = {
  name: "gemfile-lock",
  wants: (e: TreeEntry) =>
    e.kind === "file" && (e.path === "Gemfile.lock" || e.path.endsWith("/Gemfile.lock")),
  extract: async (ctx: ExtractContext) =>
    parseGemfileLock((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const gemspecExtractor: Extractor = {
  name: "gemspec",
  wants: (e: TreeEntry) =>
    e.kind === "file" && e.path.endsWith(".gemspec") && e.path.includes("specifications/"),
  extract: async (ctx: ExtractContext) => parseGemspec((await ctx.read()).toString("utf8"), ctx.entry.path),
};

export const rubyExtractors: readonly Extractor[] = [gemfileLockExtractor, gemspecExtractor];
