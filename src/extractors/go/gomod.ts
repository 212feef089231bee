import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

interface Requirement {
  path: string;
  version: string;
  indirect: boolean;
}

/** Strips a // comment, remembering whether it was "// indirect". */
function splitComment(line: string): [code: string, comment: string] {
  const i = line.indexOf("//");
  return i === -1 ? [line.trim(), ""] : [line.slice(0, i).trim(), line.slice(i + 2).trim()];
}

const unquote = (s: string) => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

/** Parses go.mod: require (single and block), replace (applied), exclude ignored. */
export function parseGoMod(text: string): Package[] {
  const requires: Requirement[] = [];
  const replaces = new Map<string, { fromVersion?: string; path: string; version?: string }>();
  let block: string | undefined;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const [code, comment] = splitComment(lines[n]!);
    if (code === "") continue;
    if (block) {
      if (code === ")") {
        block = undefined;
        continue;
      }
      handle(block, code.split(/\s+/), comment, n + 1);
      continue;
    }
    const words = code.split(/\s+/);
    const verb = words[0]!;
    if (words[1] === "(" && words.length === 2) {
      block = verb;
      continue;
    }
    handle(verb, words.slice(1), comment, n + 1);
  }
  if (block) throw new Error(`unterminated ${block} ( block`);

  function handle(verb: string, args: string[], comment: string, line: number): void {
    if (verb === "require") {
      if (args.length < 2) throw new Error(`line ${line}: require needs a module path and a version`);
      requires.push({ path: unquote(args[0]!), version: args[1]!, indirect: /^indirect\b/.test(comment) });
    } else if (verb === "replace") {
      const arrow = args.indexOf("=>");
      if (arrow < 1 || arrow === args.length - 1)
        throw new Error(`line ${line}: malformed replace directive`);
      const from = args.slice(0, arrow);
      const to = args.slice(arrow + 1);
      const entry: { fromVersion?: string; path: string; version?: string } = { path: unquote(to[0]!) };
      if (from[1]) entry.fromVersion = from[1];
      if (to[1]) entry.version = to[1];
      replaces.set(unquote(from[0]!), entry);
    }
  }

  const out: Package[] = [];
  for (const r of requires) {
    const rep = replaces.get(r.path);
    const applies = rep && (rep.fromVersion === undefined || rep.fromVersion === r.version);
    // A replacement by a local directory has no version: nothing to match.
    if (applies && !rep.version) continue;
    const path = applies ? rep.path : r.path;
    const version = applies ? rep.version! : r.version;
    const metadata: Package["metadata"] = {};
    if (r.indirect) metadata["indirect"] = true;
    if (applies) metadata["replaces"] = r.path;
    out.push({
      name: path,
      version,
      type: "golang",
      ecosystem: "Go",
      location: "",
      extractor: "go-mod",
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
  }
  return out;
}

export const goModExtractor: Extractor = {
  name: "go-mod",
  wants: (e: TreeEntry) => e.kind === "file" && (e.path === "go.mod" || e.path.endsWith("/go.mod")),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const pkgs = parseGoMod((await ctx.read()).toString("utf8"));
    for (const p of pkgs) p.location = ctx.entry.path;
    return pkgs;
  },
};
