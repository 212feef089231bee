import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { OsvEvent } from "../../versions/ranges.js";
import { isObject, parseJson, readDocument, str } from "../input.js";
import type { Advisory, AffectedEntry } from "../types.js";
import type { Feed, FeedInput, FeedSink } from "./feed.js";

export const ALPINE_SECDB_URL = "https://secdb.alpinelinux.org";
const REPOS = ["main", "community"];
const CVES = /CVE-\d{4}-\d{4,}/g;
const HAS_CVE = /CVE-\d{4}-\d{4,}/;

interface Pending {
  aliases: Set<string>;
  /** "<ecosystem>\0<package>" → fixed versions; null once the package is marked never affected. */
  fixes: Map<string, Set<string> | null>;
}

/**
 * Advisory ids for one secfixes line. Lines are usually a CVE id but also "CVE-2016-6258 XSA-182",
 * "CVE-2017-17434-1", "CVE-2017-8073.patch" or a vendor id alone ("wnpa-sec-2017-18"). Each CVE
 * found becomes `ALPINE-<CVE>` (the OSV convention, which keeps these apart from the Debian
 * tracker's plain CVE ids); the other words on a line become aliases; a line without a CVE
 * becomes `ALPINE-<its first word>`.
 */
function idsOfLine(line: string): { ids: string[]; aliases: string[] } {
  const cves = [...new Set(line.match(CVES) ?? [])];
  const words = line.split(/\s+/).filter((w) => w !== "");
  if (cves.length > 0) {
    const others = words.filter((w) => !HAS_CVE.test(w) && /^[A-Za-z][\w.-]*-\d/.test(w));
    return { ids: cves.map((c) => `ALPINE-${c}`), aliases: [...cves, ...others] };
  }
  const first = words[0];
  return first && /^[\w.-]+$/.test(first)
    ? { ids: [`ALPINE-${first}`], aliases: [first] }
    : { ids: [], aliases: [] };
}

/** The branch a file belongs to: its distroversion, else its directory ("v3.10/main.json"). */
function branchOf(doc: Record<string, unknown>, label: string): string {
  const dv = str(doc["distroversion"])?.trim();
  if (dv) return dv.startsWith("v") ? dv : `v${dv}`;
  const m = /(v\d+\.\d+|edge)\//.exec(label);
  if (m?.[1]) return m[1];
  throw new Error("no distroversion and no v3.x directory to take the branch from");
}

function collectFile(doc: unknown, label: string, byId: Map<string, Pending>, sink: FeedSink): void {
  if (!isObject(doc)) throw new Error("expected a JSON object with distroversion and packages");
  const ecosystem = `Alpine:${branchOf(doc, label)}`;
  const packages = doc["packages"];
  // An empty repository is written as "packages": null or [].
  if (packages === null || packages === undefined) return;
  if (!Array.isArray(packages)) throw new Error("packages is not a list");
  packages.forEach((p, i) => {
    const pkg = isObject(p) ? p["pkg"] : undefined;
    const name = isObject(pkg) ? str(pkg["name"]) : undefined;
    if (!isObject(pkg) || !name) {
      sink.skip(`${label} packages[${i}]`, "no pkg.name");
      return;
    }
    const secfixes = pkg["secfixes"];
    if (secfixes === null || secfixes === undefined) return;
    if (!isObject(secfixes)) {
      sink.skip(`${label} ${name}`, "secfixes is not a map of version → ids");
      return;
    }
    const key = `${ecosystem}\0${name}`;
    for (const [rawVersion, lines] of Object.entries(secfixes)) {
      const version = rawVersion.trim();
      if (!Array.isArray(lines)) continue;
      for (const line of lines) {
        if (typeof line !== "string") continue;
        const { ids, aliases } = idsOfLine(line);
        for (const id of ids) {
          let pending = byId.get(id);
          if (!pending) {
            pending = { aliases: new Set(), fixes: new Map() };
            byId.set(id, pending);
          }
          for (const a of aliases) pending.aliases.add(a);
          // Version "0": this branch's package was never affected — that overrides any fix.
          if (version === "0") {
            pending.fixes.set(key, null);
            continue;
          }
          const fixes = pending.fixes.get(key);
          if (fixes === null) continue;
          if (fixes) fixes.add(version);
          else pending.fixes.set(key, new Set([version]));
        }
      }
    }
  });
}

/**
 * Reads Alpine secdb files into one advisory per id with an entry per (branch, package).
 * When a package lists the same CVE under several versions (a fix, then a later upgrade that
 * also mentions it), the entry gets one range `introduced 0` with a `fixed` event for each: under
 * OSV evaluation that is exactly "fixed from the smallest of them", without needing apk version
 * ordering at import time.
 */
export async function parseAlpineSecdb(inputs: FeedInput[], source: string, sink: FeedSink): Promise<void> {
  const byId = new Map<string, Pending>();
  for (const input of inputs) {
    try {
      collectFile(parseJson(await readDocument(input.path, 256 << 20)), input.label, byId, sink);
    } catch (e) {
      throw new Error(`${input.label}: ${(e as Error).message}`);
    }
  }
  let n = 0;
  for (const id of [...byId.keys()].sort()) {
    const pending = byId.get(id)!;
    const affected: AffectedEntry[] = [];
    for (const key of [...pending.fixes.keys()].sort()) {
      const fixes = pending.fixes.get(key);
      if (!fixes) continue;
      const [ecosystem, packageName] = key.split("\0") as [string, string];
      const events: OsvEvent[] = [{ introduced: "0" }, ...[...fixes].sort().map((fixed) => ({ fixed }))];
      affected.push({ advisoryId: id, ecosystem, packageName, ranges: [{ type: "ECOSYSTEM", events }] });
    }
    if (affected.length === 0) continue;
    const upstream = id.slice("ALPINE-".length);
    const advisory: Advisory = {
      id,
      aliases: [...pending.aliases].sort(),
      related: [],
      modified: "",
      severity: [],
      references: upstream.startsWith("CVE-")
        ? [{ type: "ADVISORY", url: `https://security.alpinelinux.org/vuln/${upstream}` }]
        : [],
      source,
    };
    sink.advisory(advisory, affected);
    if (++n % 1000 === 0) sink.progress(n);
  }
  sink.progress(n, n);
}

const MIRROR_DIR = "alpine-secdb";

function branchSortKey(b: string): number[] {
  return b
    .replace(/^v/, "")
    .split(".")
    .map((x) => Number(x) || 0);
}

/** Alpine's security database: `v3.x/{main,community}.json` per branch. */
export function alpineSecdbFeed(): Feed {
  const name = "alpine-secdb";
  return {
    name,
    kind: "advisories",
    url: `${ALPINE_SECDB_URL}/`,
    mirrorLayout: `${MIRROR_DIR}/v3.x/{main,community}.json`,
    snapshot: true,
    mirrorInputs(mirrorDir) {
      const dir = join(mirrorDir, MIRROR_DIR);
      if (!existsSync(dir)) return [];
      const out: FeedInput[] = [];
      const branches = readdirSync(dir).filter((b) => /^v\d+\.\d+$/.test(b));
      branches.sort((a, b) => {
        const x = branchSortKey(a);
        const y = branchSortKey(b);
        return (x[0]! - y[0]!) * 1000 + (x[1]! - y[1]!);
      });
      for (const branch of branches) {
        for (const repo of REPOS) {
          const path = join(dir, branch, `${repo}.json`);
          if (existsSync(path)) out.push({ label: `${MIRROR_DIR}/${branch}/${repo}.json`, path });
        }
      }
      return out;
    },
    async fetchInputs(ctx) {
      // The index is a plain directory listing; every "v3.N/" link is a branch.
      const index = await ctx.getText(`${ALPINE_SECDB_URL}/`);
      const branches = [...new Set([...index.matchAll(/href="(v\d+\.\d+)\/"/g)].map((m) => m[1]!))];
      if (branches.length === 0) throw new Error(`${ALPINE_SECDB_URL}/: no v3.x branches listed`);
      const inputs: FeedInput[] = [];
      let changed = false;
      for (const branch of branches) {
        for (const repo of REPOS) {
          const got = await ctx.download(`${ALPINE_SECDB_URL}/${branch}/${repo}.json`, { optional: true });
          if (!got) continue;
          inputs.push(got.input);
          changed ||= got.changed;
        }
      }
      return changed ? inputs : "not-modified";
    },
    async parse(inputs, sink) {
      await parseAlpineSecdb(inputs, name, sink);
    },
  };
}
