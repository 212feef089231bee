import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Decompress } from "fzstd";
import tar from "tar-stream";
import { isObject, parseJson, readDocument, str } from "../input.js";
import type { Advisory, AffectedEntry, SeverityEntry } from "../types.js";
import { type Feed, type FeedInput, type FeedSink, mirrorFiles } from "./feed.js";

const MIRROR_DIR = "redhat/csaf";
export const REDHAT_CSAF_URL = "https://security.access.redhat.com/data/csaf/v2/advisories/";

/** "python3.9-0:3.9.18-3.el9_4.5.src" → name and [epoch:]version-release. */
export function parseProductVersion(ref: string): { name: string; evr: string; arch: string } | undefined {
  const m = /^(.+)-(\d+):([^-]+)-(.+)\.([A-Za-z0-9_]+)$/.exec(ref);
  if (!m) return undefined;
  const epoch = m[2] === "0" ? "" : `${m[2]}:`;
  return { name: m[1]!, evr: `${epoch}${m[3]}-${m[4]}`, arch: m[5]! };
}

/** Product ids of platforms ("AppStream-9.4.0.Z.MAIN.EUS") → RHEL major from their CPE. */
function platformMajors(tree: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isObject(node)) continue;
    for (const b of Array.isArray(node["branches"]) ? node["branches"] : []) stack.push(b);
    const product = node["product"];
    if (!isObject(product)) continue;
    const id = str(product["product_id"]);
    const helper = product["product_identification_helper"];
    const cpe = isObject(helper) ? str(helper["cpe"]) : undefined;
    const major = cpe ? /^cpe:\/[ao]:redhat:enterprise_linux:(\d+)/.exec(cpe)?.[1] : undefined;
    if (id && major) out.set(id, major);
  }
  return out;
}

/**
 * One CSAF VEX advisory (RHSA): its CVEs, CVSS vectors, and for each fixed product id
 * ("<platform>:<name>-<epoch>:<version>-<release>.<arch>") a fixed EVR in "Red Hat:<major>".
 * Module stream builds ("…module+el9…") are left out: they only replace packages of an enabled
 * stream, which an rpm inventory cannot tell.
 */
export function parseCsafDocument(doc: unknown, label: string, sink: FeedSink): void {
  if (!isObject(doc) || !isObject(doc["document"])) throw new Error(`${label}: not a CSAF document`);
  const tracking = (doc["document"] as Record<string, unknown>)["tracking"];
  const id = isObject(tracking) ? str(tracking["id"]) : undefined;
  if (!id) throw new Error(`${label}: no document.tracking.id`);
  const majors = platformMajors(doc["product_tree"]);
  const cves: string[] = [];
  const severity: SeverityEntry[] = [];
  const fixed = new Map<string, { ecosystem: string; name: string; evr: string }>();
  for (const v of Array.isArray(doc["vulnerabilities"]) ? doc["vulnerabilities"] : []) {
    if (!isObject(v)) continue;
    const cve = str(v["cve"]);
    if (cve) cves.push(cve);
    for (const s of Array.isArray(v["scores"]) ? v["scores"] : []) {
      const vector = isObject(s) && isObject(s["cvss_v3"]) ? str(s["cvss_v3"]["vectorString"]) : undefined;
      if (vector && !severity.some((x) => x.score === vector))
        severity.push({ type: "CVSS_V3", score: vector });
    }
    const status = v["product_status"];
    const list = isObject(status) && Array.isArray(status["fixed"]) ? status["fixed"] : [];
    for (const productId of list) {
      if (typeof productId !== "string") continue;
      const colon = productId.indexOf(":");
      if (colon <= 0) continue;
      const major = majors.get(productId.slice(0, colon));
      const pv = parseProductVersion(productId.slice(colon + 1));
      if (!major || !pv || pv.evr.includes("module+")) continue;
      const ecosystem = `Red Hat:${major}`;
      fixed.set(`${ecosystem}\0${pv.name}`, { ecosystem, name: pv.name, evr: pv.evr });
    }
  }
  if (fixed.size === 0) {
    sink.skip(label, "no fixed packages for a RHEL platform", id);
    return;
  }
  const current = isObject(tracking) ? str(tracking["current_release_date"]) : undefined;
  const initial = isObject(tracking) ? str(tracking["initial_release_date"]) : undefined;
  const title = str((doc["document"] as Record<string, unknown>)["title"]);
  const advisory: Advisory = {
    id,
    aliases: [...new Set(cves)].sort(),
    related: [],
    modified: current ?? initial ?? "1970-01-01T00:00:00Z",
    severity,
    references: [{ type: "ADVISORY", url: `https://access.redhat.com/errata/${id}` }],
    source: "redhat-csaf",
    ...(initial ? { published: initial } : {}),
    ...(title ? { summary: title } : {}),
  };
  const affected: AffectedEntry[] = [...fixed.values()].map((f) => ({
    advisoryId: id,
    ecosystem: f.ecosystem,
    packageName: f.name,
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: f.evr }] }],
  }));
  sink.advisory(advisory, affected);
}

export function redhatCsafFeed(): Feed {
  return {
    name: "redhat-csaf",
    kind: "advisories",
    url: REDHAT_CSAF_URL,
    mirrorLayout: `${MIRROR_DIR}/*.json[.gz] (else samples/rhel-csaf-*.json)`,
    snapshot: true,
    mirrorInputs: (mirrorDir) => mirrorFiles(mirrorDir, MIRROR_DIR, /\.json(\.gz)?$/, /^rhel-csaf-.*\.json$/),
    async fetchInputs(ctx) {
      // Red Hat publishes every advisory in one dated tar.zst archive named by archive_latest.txt.
      const latest = (await ctx.getText(`${REDHAT_CSAF_URL}archive_latest.txt`)).trim();
      if (!/^[\w.-]+\.tar\.zst$/.test(latest))
        throw new Error(`archive_latest.txt names ${JSON.stringify(latest)}, not a .tar.zst`);
      const got = await ctx.download(`${REDHAT_CSAF_URL}${latest}`);
      if (!got) return [];
      return got.changed ? [{ label: latest, path: got.input.path }] : "not-modified";
    },
    async parse(inputs: FeedInput[], sink) {
      for (const input of inputs) {
        if (input.label.endsWith(".tar.zst")) {
          await parseArchive(input, sink);
          continue;
        }
        let doc: unknown;
        try {
          doc = parseJson(await readDocument(input.path, 256 << 20));
        } catch (e) {
          throw new Error(`${input.label}: ${(e as Error).message}`);
        }
        parseCsafDocument(doc, input.label, sink);
      }
    },
  };
}

/** Every advisory JSON inside Red Hat's tar.zst archive, streamed (never unpacked to disk). */
async function parseArchive(input: FeedInput, sink: FeedSink): Promise<void> {
  const extract = tar.extract();
  let count = 0;
  extract.on("entry", (header, stream, next) => {
    if (header.type !== "file" || !header.name.endsWith(".json") || (header.size ?? 0) > 64 << 20) {
      stream.resume();
      next();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on("end", () => {
      const where = `${input.label}!/${header.name}`;
      try {
        parseCsafDocument(parseJson(Buffer.concat(chunks)), where, sink);
      } catch (e) {
        sink.skip(where, (e as Error).message);
      }
      sink.progress(++count);
      next();
    });
  });
  let decoder: Decompress | undefined;
  const unzstd = new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        decoder ??= new Decompress((out) => this.push(Buffer.from(out)));
        decoder.push(chunk);
        done();
      } catch (e) {
        done(new Error(`corrupt zstd data: ${(e as Error).message}`));
      }
    },
    flush(done) {
      try {
        decoder?.push(new Uint8Array(0), true);
        done();
      } catch (e) {
        done(new Error(`corrupt zstd data: ${(e as Error).message}`));
      }
    },
  });
  try {
    await pipeline(createReadStream(input.path), unzstd, extract);
  } catch (e) {
    throw new Error(`${input.label}: ${(e as Error).message}`);
  }
}
