/**
 * dpkg's database of installed packages: var/lib/dpkg/status, and the per-package files under
 * var/lib/dpkg/status.d/ that distroless images write instead.
 *
 * Both are deb822 stanzas ("Field: value" lines, continuation lines starting with a space or tab,
 * stanzas separated by blank lines). Only the five fields we need are decoded, in a single pass
 * over the text without a regular expression per line.
 */
import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { RecordProblems } from "./stanzas.js";

/**
 * Status words (the third word of `Status:`) for which the package's files are on disk. dpkg(1):
 * "unpacked", "half-configured", "triggers-awaited", "triggers-pending" and "installed" all
 * follow a complete unpack; "half-installed" is an interrupted unpack or removal, "config-files"
 * keeps only conffiles, "not-installed" nothing. The want word (install/hold/deinstall/purge) is
 * only a selection and does not change what is on disk, so it is ignored.
 */
const PRESENT_STATUSES = new Set([
  "installed",
  "unpacked",
  "half-configured",
  "triggers-awaited",
  "triggers-pending",
]);
const ABSENT_STATUSES = new Set(["not-installed", "config-files", "half-installed"]);

export interface DpkgParseOptions {
  /** Tree path of the file, recorded as each package's `location`. */
  location: string;
  extractor: string;
  /**
   * Whether a stanza must carry `Status:`. dpkg's own status file always does; distroless
   * status.d files are the packages' control files, which have none and mean "installed".
   */
  requireStatus: boolean;
}

interface Stanza {
  line: number;
  fields: number;
  pkg?: string;
  version?: string;
  arch?: string;
  source?: string;
  status?: string;
  bad?: string;
}

/** Parses `Source: name` or `Source: name (version)`. */
function parseSource(value: string, version: string): { name: string; version: string } {
  const sp = value.indexOf(" ");
  if (sp === -1) return { name: value, version };
  const name = value.slice(0, sp);
  const rest = value.slice(sp + 1).trim();
  if (rest.startsWith("(") && rest.endsWith(")")) {
    const v = rest.slice(1, -1).trim();
    if (v !== "") return { name, version: v };
  }
  return { name, version };
}

/**
 * Parses a dpkg status text into its installed packages. Stanzas that are malformed, lack
 * Package or Version, or carry an unreadable Status are skipped with a warning; the others are
 * kept. A non-empty file in which no stanza is usable throws.
 */
export function parseDpkgStatus(
  text: string,
  options: DpkgParseOptions,
  warn: (reason: string) => void,
): Package[] {
  const packages: Package[] = [];
  const problems = new RecordProblems();
  let usable = 0;
  let cur: Stanza = { line: 1, fields: 0 };

  const finish = (s: Stanza) => {
    if (s.fields === 0 && !s.bad) return;
    const where = s.pkg ? `stanza at line ${s.line} (${s.pkg})` : `stanza at line ${s.line}`;
    if (s.bad) return problems.add(`${where}: ${s.bad}`);
    if (!s.pkg) return problems.add(`${where}: no Package field`);
    if (s.status === undefined) {
      if (options.requireStatus) return problems.add(`${where}: no Status field`);
    } else {
      const words = s.status.split(/\s+/);
      const state = words[2];
      if (words.length !== 3 || state === undefined)
        return problems.add(`${where}: malformed Status "${s.status}"`);
      if (ABSENT_STATUSES.has(state)) {
        usable++; // a well-formed record of a package that is not on disk
        return;
      }
      if (!PRESENT_STATUSES.has(state)) return problems.add(`${where}: unknown package state "${state}"`);
    }
    if (!s.version) return problems.add(`${where}: no Version field`);
    usable++;
    const pkg: Package = {
      name: s.pkg,
      version: s.version,
      type: "deb",
      source: s.source ? parseSource(s.source, s.version) : { name: s.pkg, version: s.version },
      location: options.location,
      extractor: options.extractor,
    };
    if (s.arch) pkg.arch = s.arch;
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
    if (end > pos && text.charCodeAt(end - 1) === 13) end--; // tolerate CRLF
    const c = text.charCodeAt(pos);
    if (end === pos) {
      finish(cur);
      cur = { line: lineNo + 1, fields: 0 };
    } else if (c === 32 || c === 9) {
      // Continuation of the previous field (Description, Conffiles...): nothing we read.
      if (cur.fields === 0 && !cur.bad) {
        // Whitespace-only lines between stanzas are blank lines to dpkg's parser too.
        if (text.slice(pos, end).trim() !== "") cur.bad = `line ${lineNo}: continuation line without a field`;
        else {
          finish(cur);
          cur = { line: lineNo + 1, fields: 0 };
        }
      }
    } else if (c === 35) {
      // "#" comment lines are allowed in deb822 files; dpkg never writes them.
    } else {
      const colon = text.indexOf(":", pos);
      if (colon === -1 || colon >= end || colon === pos) {
        cur.bad ??= `line ${lineNo}: not a "Field: value" line`;
      } else {
        cur.fields++;
        const keyLen = colon - pos;
        // Only the lengths of the fields we read are worth a slice and a case fold (deb822 field
        // names are case-insensitive).
        if (keyLen === 6 || keyLen === 7 || keyLen === 12) {
          const key = text.slice(pos, colon).toLowerCase();
          switch (key) {
            case "package":
              cur.pkg = text.slice(colon + 1, end).trim();
              break;
            case "version":
              cur.version = text.slice(colon + 1, end).trim();
              break;
            case "architecture":
              cur.arch = text.slice(colon + 1, end).trim();
              break;
            case "source":
              cur.source = text.slice(colon + 1, end).trim();
              break;
            case "status":
              cur.status = text.slice(colon + 1, end).trim();
              break;
          }
        }
      }
    }
    pos = eol + 1;
  }
  finish(cur);
  problems.report(warn, usable, "stanza", "dpkg status file");
  return packages;
}

const STATUS_PATH = "var/lib/dpkg/status";
const STATUS_D = "var/lib/dpkg/status.d/";

/** var/lib/dpkg/status. */
export const dpkgExtractor: Extractor = {
  name: "dpkg",
  wants: (e: TreeEntry) => e.kind === "file" && e.path === STATUS_PATH,
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const text = (await ctx.read()).toString("utf8");
    return parseDpkgStatus(
      text,
      { location: ctx.entry.path, extractor: "dpkg", requireStatus: true },
      ctx.warn,
    );
  },
};

/** Distroless var/lib/dpkg/status.d/<package> files (their *.md5sums companions are not stanzas). */
export const dpkgDistrolessExtractor: Extractor = {
  name: "dpkg-distroless",
  wants: (e: TreeEntry) =>
    e.kind === "file" &&
    e.path.startsWith(STATUS_D) &&
    e.path.indexOf("/", STATUS_D.length) === -1 &&
    !e.path.endsWith(".md5sums"),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const text = (await ctx.read()).toString("utf8");
    return parseDpkgStatus(
      text,
      { location: ctx.entry.path, extractor: "dpkg-distroless", requireStatus: false },
      ctx.warn,
    );
  },
};
