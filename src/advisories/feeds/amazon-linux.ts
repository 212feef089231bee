import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { readDocument } from "../input.js";
import type { Advisory, AffectedEntry } from "../types.js";
import type { Feed, FeedInput, FeedSink } from "./feed.js";

const MIRROR_DIR = "amazon";
/** Amazon Linux releases and the mirror list of their core repository. */
const RELEASES: Record<string, string> = {
  "2": "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list",
  "2023": "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
};

interface FixedPackage {
  name: string;
  evr: string;
}

/** "kpartx-0.8.7-16.amzn2023.0.1.x86_64" → name and version-release (the page gives no epoch). */
export function parseNvra(nvra: string): FixedPackage | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.([A-Za-z0-9_]+)$/.exec(nvra.trim());
  return m ? { name: m[1]!, evr: `${m[2]}-${m[3]}` } : undefined;
}

function toRecord(
  release: string,
  id: string,
  cves: string[],
  severity: string | undefined,
  dates: { issued?: string; updated?: string },
  packages: FixedPackage[],
  extra: { summary?: string; details?: string; url?: string },
): { advisory: Advisory; affected: AffectedEntry[] } {
  const ecosystem = `Amazon Linux:${release}`;
  const modified = dates.updated ?? dates.issued ?? "1970-01-01T00:00:00Z";
  const advisory: Advisory = {
    id,
    aliases: [...new Set(cves)].sort(),
    related: [],
    modified,
    severity: severity ? [{ type: "Amazon", score: severity.toLowerCase() }] : [],
    references: extra.url ? [{ type: "ADVISORY", url: extra.url }] : [],
    source: "amazon-linux",
    ...(dates.issued ? { published: dates.issued } : {}),
    ...(extra.summary ? { summary: extra.summary } : {}),
    ...(extra.details ? { details: extra.details } : {}),
  };
  // One entry per package name; the same name across architectures has the same fix.
  const byName = new Map<string, string>();
  for (const p of packages) byName.set(p.name, p.evr);
  const affected: AffectedEntry[] = [...byName].map(([name, evr]) => ({
    advisoryId: id,
    ecosystem,
    packageName: name,
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: evr }] }],
    ...(severity ? { severity: severity.toLowerCase() } : {}),
  }));
  return { advisory, affected };
}

const isoDate = (s: string | undefined) => {
  if (!s) return undefined;
  const d = new Date(s.replace(" ", "T").replace(/( Pacific| UTC)$/, ""));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A yum `updateinfo.xml`: every security update with its CVEs and fixed package EVRs. */
export function parseUpdateinfo(xml: string, release: string, label: string, sink: FeedSink): void {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", processEntities: false });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml, true) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${label}: malformed XML: ${(e as Error).message.split("\n")[0]}`);
  }
  const updates = asArray((doc["updates"] as { update?: unknown } | undefined)?.update) as Record<
    string,
    unknown
  >[];
  if (!doc["updates"]) throw new Error(`${label}: not an updateinfo document (no <updates>)`);
  for (const [i, u] of updates.entries()) {
    const id = typeof u["id"] === "string" ? u["id"] : undefined;
    if (!id) {
      sink.skip(`${label} update[${i}]`, "no <id>");
      continue;
    }
    if (u["type"] !== "security") continue;
    const refs = asArray((u["references"] as { reference?: unknown } | undefined)?.reference) as Record<
      string,
      string
    >[];
    const cves = refs.filter((r) => r["type"] === "cve" && r["id"]).map((r) => r["id"]!);
    const packages: FixedPackage[] = [];
    for (const c of asArray((u["pkglist"] as { collection?: unknown } | undefined)?.collection) as Record<
      string,
      unknown
    >[]) {
      for (const p of asArray(c["package"]) as Record<string, string>[]) {
        if (!p["name"] || !p["version"] || !p["release"]) continue;
        const epoch = p["epoch"] && p["epoch"] !== "0" ? `${p["epoch"]}:` : "";
        packages.push({ name: p["name"], evr: `${epoch}${p["version"]}-${p["release"]}` });
      }
    }
    if (packages.length === 0) {
      sink.skip(`${label} ${id}`, "no packages listed", id);
      continue;
    }
    const issued = isoDate((u["issued"] as Record<string, string> | undefined)?.["date"]);
    const updated = isoDate((u["updated"] as Record<string, string> | undefined)?.["date"]);
    const r = toRecord(
      release,
      id,
      cves,
      typeof u["severity"] === "string" ? u["severity"] : undefined,
      { ...(issued ? { issued } : {}), ...(updated ? { updated } : {}) },
      packages,
      {
        ...(typeof u["title"] === "string" ? { summary: u["title"] } : {}),
        ...(typeof u["description"] === "string" ? { details: u["description"] } : {}),
      },
    );
    sink.advisory(r.advisory, r.affected);
  }
}

/** An ALAS bulletin page (alas.aws.amazon.com/…/ALAS….html): id, severity, CVEs, new packages. */
export function parseAlasPage(html: string, release: string, label: string, sink: FeedSink): void {
  const text = html.replace(/&nbsp;/g, " ");
  const id = /\b(ALAS[0-9A-Z]*-\d{4}-\d+)\b/.exec(text)?.[1];
  if (!id) throw new Error(`${label}: no ALAS id on the page`);
  // Markup is dropped so that the labelled fields read as plain "Label: value" text.
  const plain = text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
  const severity = /Severity: ([A-Za-z]+)/.exec(plain)?.[1];
  const cves = [...new Set([...text.matchAll(/CVE-\d{4}-\d{4,}/g)].map((m) => m[0]))];
  const newPackages = text.split(/New Packages:/)[1] ?? "";
  const packages = [
    ...newPackages.matchAll(/([A-Za-z0-9_.+-]+-[^-\s<]+-[^-\s<]+\.(?:x86_64|aarch64|i686|noarch|src))/g),
  ]
    .map((m) => parseNvra(m[1]!))
    .filter((p): p is FixedPackage => !!p);
  if (packages.length === 0) {
    sink.skip(label, "no packages listed", id);
    return;
  }
  const updated = isoDate(/Advisory Updated Date: ([0-9-]+ [0-9:]+)/.exec(plain)?.[1]);
  const issued = isoDate(/Advisory Release Date: ([0-9-]+ [0-9:]+)/.exec(plain)?.[1]);
  const folder = release === "2023" ? "AL2023/" : release === "2" ? "AL2/" : "";
  const r = toRecord(
    release,
    id,
    cves,
    severity,
    { ...(issued ? { issued } : {}), ...(updated ? { updated } : {}) },
    packages,
    {
      url: `https://alas.aws.amazon.com/${folder}${id}.html`,
    },
  );
  sink.advisory(r.advisory, r.affected);
}

function releaseOf(label: string): string {
  return /amazon\/([^/]+)\//.exec(label)?.[1] ?? /Amazon Linux (\S+)/.exec(label)?.[1] ?? "2";
}

export function amazonLinuxFeed(): Feed {
  return {
    name: "amazon-linux",
    kind: "advisories",
    url: Object.values(RELEASES).join(" "),
    mirrorLayout: `${MIRROR_DIR}/<release>/updateinfo.xml[.gz] or ${MIRROR_DIR}/<release>/ALAS*.html`,
    snapshot: true,
    mirrorInputs(mirrorDir) {
      const base = join(mirrorDir, MIRROR_DIR);
      const out: FeedInput[] = [];
      if (existsSync(base)) {
        for (const release of readdirSync(base).sort()) {
          const dir = join(base, release);
          for (const f of readdirSync(dir).sort()) {
            if (/^updateinfo\.xml(\.gz)?$/.test(f) || /^ALAS.*\.html$/.test(f)) {
              out.push({ label: `${MIRROR_DIR}/${release}/${f}`, path: join(dir, f) });
            }
          }
        }
      }
      // The shared sample of a bulletin page counts as Amazon Linux 2023.
      const sample = join(mirrorDir, "samples", "amazon-alas-2023-126.html");
      if (out.length === 0 && existsSync(sample))
        out.push({ label: `${MIRROR_DIR}/2023/samples/amazon-alas-2023-126.html`, path: sample });
      return out;
    },
    async fetchInputs(ctx) {
      const inputs: FeedInput[] = [];
      let changed = false;
      for (const [release, mirrorList] of Object.entries(RELEASES)) {
        const base = (await ctx.getText(mirrorList))
          .split("\n")
          .map((l) => l.trim())
          .find((l) => l.startsWith("http"));
        if (!base) throw new Error(`${mirrorList}: no mirror listed`);
        const repomd = await ctx.getText(`${base.replace(/\/$/, "")}/repodata/repomd.xml`);
        const href = /<data type="updateinfo">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
        if (!href) throw new Error(`${base}: repomd.xml lists no updateinfo`);
        const got = await ctx.download(`${base.replace(/\/$/, "")}/${href}`);
        if (!got) continue;
        inputs.push({ label: `${MIRROR_DIR}/${release}/${got.input.label}`, path: got.input.path });
        changed ||= got.changed;
      }
      return changed ? inputs : "not-modified";
    },
    async parse(inputs, sink) {
      for (const input of inputs) {
        let text: string;
        try {
          text = (await readDocument(input.path, 512 << 20)).toString("utf8");
        } catch (e) {
          throw new Error(`${input.label}: ${(e as Error).message}`);
        }
        const release = releaseOf(input.label);
        if (/\.html$/.test(input.label)) parseAlasPage(text, release, input.label, sink);
        else parseUpdateinfo(text, release, input.label, sink);
      }
    },
  };
}
