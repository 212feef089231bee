/**
 * Alpine's database of installed packages, lib/apk/db/installed (usr/lib/apk/db/installed on
 * newer releases): one record per package, records separated by blank lines, every line a
 * one-letter field, a colon and the value ("P:musl", "V:1.2.4-r2", "A:x86_64", "o:musl").
 * The file lists (F:, R:, Z:...) make up most of the text and are skipped.
 */
import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { RecordProblems } from "./stanzas.js";

interface ApkRecord {
  line: number;
  fields: number;
  name?: string;
  version?: string;
  arch?: string;
  origin?: string;
  commit?: string;
  bad?: string;
}

export function parseApkInstalled(
  text: string,
  location: string,
  extractor: string,
  warn: (reason: string) => void,
): Package[] {
  const packages: Package[] = [];
  const problems = new RecordProblems();
  let usable = 0;
  let cur: ApkRecord = { line: 1, fields: 0 };

  const finish = (r: ApkRecord) => {
    if (r.fields === 0 && !r.bad) return;
    const where = r.name ? `record at line ${r.line} (${r.name})` : `record at line ${r.line}`;
    if (r.bad) return problems.add(`${where}: ${r.bad}`);
    if (!r.name) return problems.add(`${where}: no P: (name) field`);
    if (!r.version) return problems.add(`${where}: no V: (version) field`);
    usable++;
    // The origin is the aport (source package) the package was built from; its version is
    // the binary's, since one aport build produces all its subpackages.
    const pkg: Package = {
      name: r.name,
      version: r.version,
      type: "apk",
      source: { name: r.origin || r.name, version: r.version },
      location,
      extractor,
    };
    if (r.arch) pkg.arch = r.arch;
    if (r.commit) pkg.metadata = { commit: r.commit };
    packages.push(pkg);
  };

  const len = text.length;
  let pos = 0;
  let lineNo = 0;
  while (pos < len) {
    lineNo++;
    let eol = text.indexOf("\n", pos);
    if (eol === -1) eol = len;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end === pos) {
      finish(cur);
      cur = { line: lineNo + 1, fields: 0 };
    } else if (end - pos < 2 || text.charCodeAt(pos + 1) !== 58 /* ":" */) {
      cur.bad ??= `line ${lineNo}: not a "X:value" line`;
    } else {
      cur.fields++;
      switch (text.charCodeAt(pos)) {
        case 80: // P
          cur.name = text.slice(pos + 2, end);
          break;
        case 86: // V
          cur.version = text.slice(pos + 2, end);
          break;
        case 65: // A
          cur.arch = text.slice(pos + 2, end);
          break;
        case 111: // o
          cur.origin = text.slice(pos + 2, end);
          break;
        case 99: // c
          cur.commit = text.slice(pos + 2, end);
          break;
      }
    }
    pos = eol + 1;
  }
  finish(cur);
  problems.report(warn, usable, "record", "apk installed database");
  return packages;
}

const PATHS = new Set(["lib/apk/db/installed", "usr/lib/apk/db/installed"]);

export const apkExtractor: Extractor = {
  name: "apk",
  // Only regular files: where one path is a symlink to the other, the package list counts once.
  wants: (e: TreeEntry) => e.kind === "file" && PATHS.has(e.path),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const text = (await ctx.read()).toString("utf8");
    return parseApkInstalled(text, ctx.entry.path, "apk", ctx.warn);
  },
};
