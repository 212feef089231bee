/**
 * Parsing of application source for code scanning: language detection by file extension and one
 * lazily initialised tree-sitter parser per language (Microsoft's prebuilt web-tree-sitter
 * runtime and grammars from @vscode/tree-sitter-wasm).
 *
 * Pathological input must never hang or crash a scan: files over the size limit are refused,
 * parsing is cancelled through the progress callback once a per-file deadline passes, and a tree
 * with syntax errors is still returned (the caller reports the file as partially parsed).
 */
import { createRequire } from "node:module";
import type * as TreeSitter from "@vscode/tree-sitter-wasm";

export type SyntaxTree = TreeSitter.Tree;
export type SyntaxNode = TreeSitter.Node;

/** Grammar a file is parsed with. */
export type Language = "python" | "javascript" | "typescript" | "tsx";

/** Detector family a language belongs to ("python/…", "javascript/…", "typescript/…"). */
export type LanguageFamily = "python" | "javascript" | "typescript";

export const familyOf = (lang: Language): LanguageFamily => (lang === "tsx" ? "typescript" : lang);

const EXTENSIONS: Record<string, Language> = {
  ".py": "python",
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".jsx": "javascript",
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".tsx": "tsx",
};

/**
 * The language of a path from its extension, or undefined for anything we do not scan
 * (TypeScript declaration files hold types only: no code runs from them).
 */
export function languageOf(path: string): Language | undefined {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return undefined;
  if (/\.d\.[cm]?ts$/i.test(path)) return undefined;
  return EXTENSIONS[path.slice(dot).toLowerCase()];
}

export interface ParseLimits {
  /** Files larger than this are skipped with a reason (default 1 MiB). */
  maxFileBytes: number;
  /** Wall-clock budget for parsing one file; parsing is cancelled past it (default 5 s). */
  parseTimeoutMs: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxFileBytes: 1 << 20, parseTimeoutMs: 5_000 };

export type ParseOutcome = { ok: true; tree: SyntaxTree; partial: boolean } | { ok: false; reason: string };

const require = createRequire(import.meta.url);
const GRAMMARS: Record<Language, string> = {
  python: "tree-sitter-python.wasm",
  javascript: "tree-sitter-javascript.wasm",
  typescript: "tree-sitter-typescript.wasm",
  tsx: "tree-sitter-tsx.wasm",
};

let runtime: Promise<typeof TreeSitter> | undefined;
const parsers = new Map<Language, Promise<TreeSitter.Parser>>();

/** The web-tree-sitter runtime, initialised once per process. */
function loadRuntime(): Promise<typeof TreeSitter> {
  runtime ??= (async () => {
    const ts = require("@vscode/tree-sitter-wasm") as typeof TreeSitter;
    await ts.Parser.init();
    return ts;
  })();
  return runtime;
}

/** The parser of one language, created on first use and reused afterwards. */
export function parserFor(lang: Language): Promise<TreeSitter.Parser> {
  let p = parsers.get(lang);
  if (!p) {
    p = (async () => {
      const ts = await loadRuntime();
      const wasm = require.resolve(`@vscode/tree-sitter-wasm/wasm/${GRAMMARS[lang]}`);
      const language = await ts.Language.load(wasm);
      const parser = new ts.Parser();
      parser.setLanguage(language);
      return parser;
    })();
    // A failed load is not cached: the next file may try again (and report the same reason).
    p.catch(() => parsers.delete(lang));
    parsers.set(lang, p);
  }
  return p;
}

/**
 * Parses one file. Returns the tree (the caller must `delete()` it) or the reason it could not be
 * parsed. Never throws for bad input.
 */
export async function parseSource(
  text: string,
  lang: Language,
  limits: Partial<ParseLimits> = {},
): Promise<ParseOutcome> {
  const timeoutMs = limits.parseTimeoutMs ?? DEFAULT_PARSE_LIMITS.parseTimeoutMs;
  let parser: TreeSitter.Parser;
  try {
    parser = await parserFor(lang);
  } catch (e) {
    return { ok: false, reason: `the ${lang} grammar could not be loaded: ${(e as Error).message}` };
  }
  const deadline = performance.now() + timeoutMs;
  let timedOut = false;
  let tree: SyntaxTree | null;
  try {
    // The d.ts types the callback as returning void, but the runtime cancels on `true`.
    const progressCallback = (() => {
      if (performance.now() > deadline) timedOut = true;
      return timedOut;
    }) as unknown as (state: TreeSitter.ParseState) => void;
    tree = parser.parse(text, null, { progressCallback });
  } catch (e) {
    parser.reset();
    return { ok: false, reason: `parser failed: ${(e as Error).message}` };
  }
  if (!tree) {
    // A cancelled parse would otherwise resume where it stopped on the next call.
    parser.reset();
    return {
      ok: false,
      reason: timedOut ? `parsing took longer than ${timeoutMs} ms` : "the parser returned no tree",
    };
  }
  return { ok: true, tree, partial: tree.rootNode.hasError };
}
