/**
 * Code scanning of function packages and source trees: every Python / JavaScript / TypeScript
 * file is parsed, lowered to the IR, analysed by the taint engine with the pattern detectors as
 * hooks, and searched for credentials of known formats. Problems with single files (too large,
 * binary, unparseable, too deeply nested, over the analysis budget) are reported, never thrown.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Severity } from "../scoring/cvss.js";
import { DirectoryTree } from "../sources/directory.js";
import { isZipFile, openFunctionPackage } from "../sources/function-package.js";
import type { FileTree, TreeEntry } from "../sources/types.js";
import { DETECTOR_BY_KEY, type Detector, detectorId, ruleIdOf } from "./detectors.js";
import { analyzeModule, DEFAULT_ENGINE_LIMITS, type RawFinding } from "./engine.js";
import type { Module } from "./ir.js";
import { lowerJs } from "./lower-js.js";
import { lowerPython } from "./lower-python.js";
import { DEFAULT_PARSE_LIMITS, familyOf, type LanguageFamily, languageOf, parseSource } from "./parse.js";
import { patternHooks } from "./patterns.js";
import { findTextSecrets } from "./secrets.js";

/** One file offered to the scanner. */
export interface CodeFile {
  /** Path relative to the scanned root ("src/app.py"). */
  path: string;
  /** Size in bytes when known before reading (lets oversize files be skipped unread). */
  size?: number;
  read(): Promise<Buffer>;
}

/** Anything that lists files: the scanner's input. */
export interface CodeTree {
  files(): AsyncIterable<CodeFile>;
}

export interface CodeScanOptions {
  /** Scan dependency directories too (node_modules, site-packages, vendor …). Default false. */
  includeDependencies?: boolean;
  /** Files larger than this are skipped (default 1 MiB). */
  maxFileBytes?: number;
  /** Parse budget per file in milliseconds (default 5000). */
  parseTimeoutMs?: number;
  /** Analysis budget per file in interpretation steps. */
  maxSteps?: number;
  /** Only these detectors: keys ("sql-injection") or ids ("python/sql-injection"). */
  detectors?: readonly string[];
  /** Layer zips of a function package (when scanning a .zip path). */
  functionLayers?: readonly string[];
  /** Called after each file. */
  onProgress?: (done: number, path: string) => void;
}

export interface CodeFinding {
  detectorId: string;
  detectorName: string;
  detectorTags: string[];
  cwes: string[];
  severity: Severity;
  title: string;
  description: string;
  remediation: string;
  referenceUrls: string[];
  ruleId: string;
  language: LanguageFamily;
  filePath: string;
  startLine: number;
  endLine: number;
  /** The flagged lines with a little context (at most 20 lines). */
  snippet: { lines: { lineNumber: number; content: string }[] };
  /** What exactly was found ("Untrusted input from event (line 3) reaches os.system."). */
  message: string;
  /**
   * Stable identity within the scanned tree: detector, file, the flagged code with whitespace
   * normalised, and its occurrence among identical code in that file — not line numbers.
   */
  fingerprint: string;
}

export interface CodeScanResult {
  findings: CodeFinding[];
  files: {
    scanned: number;
    skipped: { path: string; reason: string }[];
    partial: { path: string; reason: string }[];
  };
  /** Files analysed per language family. */
  languages: Record<LanguageFamily, number>;
  /** Bytes of source analysed. */
  bytes: number;
}

/** Directories holding dependencies (the package scanner's job) or generated files. */
const DEPENDENCY_DIRS = new Set([
  "node_modules",
  "bower_components",
  "jspm_packages",
  "site-packages",
  "dist-packages",
  "vendor",
  ".venv",
  "venv",
  "__pycache__",
  ".git",
  ".hg",
  ".svn",
  ".tox",
  ".mypy_cache",
  ".pytest_cache",
]);

/** Whether a tree path lies under a dependency directory. */
export function inDependencyDir(path: string): boolean {
  const parts = path.split("/");
  for (let i = 0; i < parts.length - 1; i++) if (DEPENDENCY_DIRS.has(parts[i]!)) return true;
  return false;
}

/** Whether a tree entry is a source file the code scanner wants (for readers that retain selectively). */
export function wantsCodeFile(
  entry: TreeEntry,
  options: Pick<CodeScanOptions, "includeDependencies" | "maxFileBytes"> = {},
): boolean {
  if (entry.kind !== "file" || languageOf(entry.path) === undefined) return false;
  if (entry.size > (options.maxFileBytes ?? DEFAULT_PARSE_LIMITS.maxFileBytes)) return false;
  return options.includeDependencies === true || !inDependencyDir(entry.path);
}

/** The source files of a read-only file tree, optionally with a path prefix removed ("var/task/"). */
export function codeFilesOf(
  tree: FileTree,
  options: Pick<CodeScanOptions, "includeDependencies"> & { stripPrefix?: string } = {},
): CodeTree {
  return {
    async *files() {
      const found: TreeEntry[] = [];
      await tree.walk((e) => {
        if (e.kind === "dir") {
          const name = e.path.slice(e.path.lastIndexOf("/") + 1);
          if (!options.includeDependencies && DEPENDENCY_DIRS.has(name)) return "skip";
          return undefined;
        }
        if (e.kind !== "file" || languageOf(e.path) === undefined) return undefined;
        if (!options.includeDependencies && inDependencyDir(e.path)) return undefined;
        found.push(e);
        return undefined;
      });
      const strip = options.stripPrefix;
      for (const e of found) {
        const path = strip && e.path.startsWith(strip) ? e.path.slice(strip.length) : e.path;
        yield { path, size: e.size, read: () => tree.readFile(e.path) };
      }
    },
  };
}

function isFileTree(t: unknown): t is FileTree {
  return typeof t === "object" && t !== null && "walk" in t && "readFile" in t;
}

/**
 * Scans source code for vulnerabilities. `target`: a directory or function .zip path, a single
 * source file, a FileTree (as the scan pipeline opens targets), or any CodeTree.
 */
export async function scanCode(
  target: CodeTree | FileTree | string,
  options: CodeScanOptions = {},
): Promise<CodeScanResult> {
  if (typeof target === "string") {
    const abs = resolve(target);
    const st = statSync(abs);
    if (st.isDirectory()) return scanCode(codeFilesOf(new DirectoryTree(abs), options), options);
    const head = Buffer.alloc(4);
    const fd = openSync(abs, "r");
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
    if (isZipFile(head)) {
      const tree = await openFunctionPackage(
        abs,
        (options.functionLayers ?? []).map((l) => resolve(l)),
        (e) => wantsCodeFile(e, options),
      );
      try {
        return await scanCode(codeFilesOf(tree, { ...options, stripPrefix: "var/task/" }), options);
      } finally {
        tree.close();
      }
    }
    const single: CodeTree = {
      async *files() {
        yield { path: basename(abs), size: st.size, read: async () => readFileSync(abs) };
      },
    };
    return scanCode(single, options);
  }
  const tree = isFileTree(target) ? codeFilesOf(target, options) : target;
  return scanFiles(tree, options);
}

async function scanFiles(tree: CodeTree, options: CodeScanOptions): Promise<CodeScanResult> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_PARSE_LIMITS.maxFileBytes;
  const result: CodeScanResult = {
    findings: [],
    files: { scanned: 0, skipped: [], partial: [] },
    languages: { python: 0, javascript: 0, typescript: 0 },
    bytes: 0,
  };
  const hooks = patternHooks();
  const wanted = options.detectors ? new Set(options.detectors) : undefined;
  let done = 0;
  for await (const { file, data } of readAhead(tree.files(), maxBytes)) {
    const lang = languageOf(file.path);
    if (!lang) continue;
    const skip = (reason: string) => result.files.skipped.push({ path: file.path, reason });
    try {
      if (file.size !== undefined && file.size > maxBytes) {
        skip(`file is ${file.size} bytes, over the ${maxBytes}-byte limit`);
        continue;
      }
      const got = await data!;
      if (!got.buf) {
        skip(`cannot be read: ${got.error?.message ?? "unknown error"}`);
        continue;
      }
      const buf = got.buf;
      if (buf.length > maxBytes) {
        skip(`file is ${buf.length} bytes, over the ${maxBytes}-byte limit`);
        continue;
      }
      if (buf.subarray(0, 8192).includes(0)) {
        skip("not a text file");
        continue;
      }
      let text = buf.toString("utf8");
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const family = familyOf(lang);
      const parsed = await parseSource(text, lang, {
        parseTimeoutMs: options.parseTimeoutMs ?? DEFAULT_PARSE_LIMITS.parseTimeoutMs,
      });
      if (!parsed.ok) {
        skip(parsed.reason);
        continue;
      }
      let mod: Module;
      let ids = 0;
      const nextId = () => ++ids;
      try {
        const root = parsed.tree.rootNode;
        mod = family === "python" ? lowerPython(root, text, nextId) : lowerJs(root, text, family, nextId);
      } finally {
        parsed.tree.delete();
      }
      const partial: string[] = [];
      if (parsed.partial) partial.push("the file has syntax errors; the parts that parsed were analysed");
      if (mod.truncated) partial.push("nesting deeper than the analysis follows was skipped");
      const maxSteps = options.maxSteps ?? DEFAULT_ENGINE_LIMITS.maxSteps;
      let analysis: ReturnType<typeof analyzeModule>;
      try {
        analysis = analyzeModule(mod, hooks, { maxSteps });
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        // Too deep for the stack: again without following calls into local functions.
        analysis = analyzeModule(mod, hooks, { maxSteps, maxCallDepth: 0 });
        partial.push("calls into local functions were not followed (the code nests too deeply)");
      }
      if (analysis.exhausted) partial.push("the analysis budget ran out before the whole file was analysed");
      const raw: RawFinding[] = [...analysis.findings];
      const lines = text.split(/\r\n|\r|\n/);
      const lineStarts = lineStartsOf(text);
      for (const s of findTextSecrets(text)) {
        const line = lineAt(lineStarts, s.index);
        raw.push({
          key: "hardcoded-credentials",
          loc: { line, endLine: line },
          message: `The code contains ${s.what}.`,
          ...(s.generic ? { generic: true } : {}),
        });
      }
      if (partial.length > 0) result.files.partial.push({ path: file.path, reason: partial.join("; ") });
      result.files.scanned++;
      result.languages[family]++;
      result.bytes += buf.length;
      // Test code is full of made-up passwords: only definite credential formats count there.
      const kept = isTestFile(file.path) ? raw.filter((r) => !r.generic) : raw;
      result.findings.push(...toCodeFindings(kept, family, file.path, lines, wanted));
    } catch (e) {
      // Whatever one file does to the analysis, the scan goes on.
      skip(`analysis failed: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      options.onProgress?.(++done, file.path);
    }
  }
  result.findings.sort(
    (a, b) =>
      a.filePath.localeCompare(b.filePath) ||
      a.startLine - b.startLine ||
      a.detectorId.localeCompare(b.detectorId),
  );
  return result;
}

type Read = { buf?: Buffer; error?: Error };

/** Files with their contents being read a few ahead of the analysis (which is CPU-bound). */
async function* readAhead(
  files: AsyncIterable<CodeFile>,
  maxBytes: number,
  depth = 8,
): AsyncGenerator<{ file: CodeFile; data?: Promise<Read> }> {
  const it = files[Symbol.asyncIterator]();
  const queue: { file: CodeFile; data?: Promise<Read> }[] = [];
  let exhausted = false;
  const start = (file: CodeFile) => {
    const wanted = languageOf(file.path) !== undefined && !(file.size !== undefined && file.size > maxBytes);
    if (!wanted) return { file };
    let data: Promise<Read>;
    try {
      data = file.read().then(
        (buf) => ({ buf }),
        (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
      );
    } catch (error) {
      data = Promise.resolve({ error: error instanceof Error ? error : new Error(String(error)) });
    }
    return { file, data };
  };
  for (;;) {
    while (!exhausted && queue.length < depth) {
      const n = await it.next();
      if (n.done) exhausted = true;
      else queue.push(start(n.value));
    }
    const next = queue.shift();
    if (!next) return;
    yield next;
  }
}

/** Test files and fixtures, by the usual naming conventions. */
export function isTestFile(path: string): boolean {
  return (
    /(^|\/)(tests?|__tests__|__mocks__|spec|specs|fixtures?|testdata|test_data)\//i.test(path) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/i.test(path) ||
    /(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/i.test(path)
  );
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

function lineAt(starts: number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const MAX_SNIPPET_LINES = 20;
/** inspector2 CodeLine content is at most 240 characters. */
const MAX_LINE_CHARS = 240;

function toCodeFindings(
  raw: RawFinding[],
  family: LanguageFamily,
  filePath: string,
  lines: string[],
  wanted: Set<string> | undefined,
): CodeFinding[] {
  // one finding per detector and line span
  const unique = new Map<string, RawFinding>();
  for (const r of raw) {
    const k = `${r.key}\0${r.loc.line}`;
    const prev = unique.get(k);
    if (!prev || r.loc.endLine < prev.loc.endLine) unique.set(k, r);
  }
  const sorted = [...unique.values()].sort((a, b) => a.loc.line - b.loc.line || a.key.localeCompare(b.key));
  const occurrences = new Map<string, number>();
  const out: CodeFinding[] = [];
  for (const r of sorted) {
    const det = DETECTOR_BY_KEY.get(r.key);
    if (!det) continue;
    const id = detectorId(family, det.key);
    if (wanted && !wanted.has(det.key) && !wanted.has(id)) continue;
    const startLine = Math.max(1, Math.min(r.loc.line, lines.length));
    const endLine = Math.max(startLine, Math.min(r.loc.endLine, lines.length));
    const flagged = lines
      .slice(startLine - 1, endLine)
      .join("\n")
      .replace(/\s+/g, " ")
      .trim();
    const occKey = `${id}\0${flagged}`;
    const occurrence = occurrences.get(occKey) ?? 0;
    occurrences.set(occKey, occurrence + 1);
    const fingerprint = createHash("sha256")
      .update([id, filePath, flagged, String(occurrence)].join("\0"))
      .digest("hex");
    const from = Math.max(1, startLine - 2);
    const to = Math.min(lines.length, Math.max(endLine + 2, from), from + MAX_SNIPPET_LINES - 1);
    const snippet = [];
    for (let n = from; n <= to; n++) {
      const content = lines[n - 1] ?? "";
      snippet.push({
        lineNumber: n,
        content: content.length > MAX_LINE_CHARS ? content.slice(0, MAX_LINE_CHARS) : content,
      });
    }
    out.push(codeFinding(det, family, id, filePath, startLine, endLine, snippet, r.message, fingerprint));
  }
  return out;
}

function codeFinding(
  det: Detector,
  family: LanguageFamily,
  id: string,
  filePath: string,
  startLine: number,
  endLine: number,
  lines: { lineNumber: number; content: string }[],
  message: string,
  fingerprint: string,
): CodeFinding {
  const nums = det.cwes.map((c) => c.replace(/^CWE-/, ""));
  return {
    detectorId: id,
    detectorName: det.name,
    detectorTags: det.tags,
    cwes: det.cwes,
    severity: det.severity,
    title: `CWE-${nums.join(",")} - ${det.name}`,
    // inspector2 descriptions are at most 1024 characters
    description: `${det.description} ${message}`.slice(0, 1024),
    remediation: det.remediation,
    referenceUrls: det.references,
    ruleId: ruleIdOf(family, det.key),
    language: family,
    filePath,
    startLine,
    endLine,
    snippet: { lines },
    message,
    fingerprint,
  };
}
