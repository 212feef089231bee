/**
 * The code scanning corpus (test/code/corpus/<language>/<detector>/{vulnerable,fixed}/…) and its
 * inline expectations. A finding is expected where a comment says so:
 *
 *   cur.execute(q)  # expect: python/sql-injection          (this line)
 *   // expect-next-line: javascript/hardcoded-credentials   (the line below)
 *   # expect-line 2: python/hardcoded-credentials           (line 2 of the file)
 *
 * Several detector ids may be listed, separated by commas. Every other line is expected to have
 * no finding; files under fixed/ carry no expectations at all.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export interface Expected {
  /** Path relative to the corpus root ("python/sql-injection/vulnerable/flask_format.py"). */
  file: string;
  detectorId: string;
  line: number;
}

const MARKER = /(?:#|\/\/)\s*expect(?:-(next-line)|-line\s+(\d+))?:\s*([\w/.,\s-]+?)\s*$/;

/**
 * The corpus directory of the repository, found from this file (source) or its compiled copy
 * (dist/test/code, which also holds compiled TypeScript cases: never the corpus itself).
 */
export function corpusRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, "test", "code", "corpus");
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("test/code/corpus not found");
}

const SOURCE = /\.(py|js|mjs|cjs|jsx|ts|mts|cts|tsx)$/;

/** Source files of the corpus, relative to its root, sorted. */
export function corpusFiles(root = corpusRoot()): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (SOURCE.test(name)) out.push(relative(root, p).split("\\").join("/"));
    }
  };
  walk(root);
  return out;
}

/** The expectations written in one file's text. */
export function expectationsIn(file: string, text: string): Expected[] {
  const out: Expected[] = [];
  text.split(/\r?\n/).forEach((lineText, i) => {
    const m = MARKER.exec(lineText);
    if (!m) return;
    const line = m[2] ? Number(m[2]) : m[1] ? i + 2 : i + 1;
    for (const id of m[3]!.split(",")) {
      const detectorId = id.trim();
      if (detectorId) out.push({ file, detectorId, line });
    }
  });
  return out;
}

/** Every expectation of the corpus. */
export function corpusExpectations(root = corpusRoot()): Expected[] {
  return corpusFiles(root).flatMap((f) => expectationsIn(f, readFileSync(join(root, f), "utf8")));
}

/** Where a corpus file sits: its language, detector and whether it is a vulnerable or fixed case. */
export function caseOf(file: string): { language: string; detector: string; kind: "vulnerable" | "fixed" } {
  const [language, detector, kind] = file.split("/");
  if (!language || !detector || (kind !== "vulnerable" && kind !== "fixed"))
    throw new Error(`${file}: not under <language>/<detector>/{vulnerable,fixed}/`);
  return { language, detector, kind };
}

export const key = (e: { file: string; detectorId: string; line: number }) =>
  `${e.file}:${e.line} ${e.detectorId}`;
