import type { TreeEntry } from "../../sources/types.js";
import { readZipBuffer } from "../../sources/zip-buffer.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

const ARCHIVE = /\.(jar|war|ear|jpi|hpi|par|sar)$/i;
/** Nested archives inside archives (WEB-INF/lib/*.jar in a war in an ear): bounded depth. */
const MAX_DEPTH = 3;
const MAX_ARCHIVE_BYTES = 512 << 20;

interface Coordinates {
  groupId?: string;
  artifactId: string;
  version: string;
}

function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** MANIFEST.MF main section, with 72-column continuation lines joined. */
export function parseManifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const joined = text.replace(/\r?\n /g, "");
  for (const line of joined.split(/\r?\n/)) {
    if (line === "") break; // end of the main section
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** "commons-lang3-3.12.0.jar" → artifact and version, the last resort. */
export function coordinatesFromFileName(fileName: string): Coordinates | undefined {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1).replace(ARCHIVE, "");
  const m = /^(.+?)-(\d[^/\s]*)$/.exec(base);
  return m ? { artifactId: m[1]!, version: m[2]! } : undefined;
}

function mavenPackage(c: Coordinates, location: string, how: string): Package {
  const name = c.groupId ? `${c.groupId}:${c.artifactId}` : c.artifactId;
  return {
    name,
    version: c.version,
    type: "maven",
    ecosystem: "Maven",
    location,
    extractor: "java-archive",
    metadata: { from: how },
  };
}

/**
 * Packages of one Java archive: every pom.properties (a shaded jar carries several), else the
 * manifest, else the file name; then the same for each archive nested inside, recursively.
 */
export async function inspectArchive(buf: Buffer, location: string, depth = 0): Promise<Package[]> {
  const { entries } = await readZipBuffer(
    buf,
    (n) =>
      /^META-INF\/maven\/.+\/pom\.properties$/.test(n) ||
      n === "META-INF/MANIFEST.MF" ||
      (depth < MAX_DEPTH && ARCHIVE.test(n)),
  );
  const out: Package[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (!e.name.endsWith("pom.properties")) continue;
    const p = parseProperties(e.data.toString("utf8"));
    if (!p["artifactId"] || !p["version"]) continue;
    const pkg = mavenPackage(
      {
        artifactId: p["artifactId"],
        version: p["version"],
        ...(p["groupId"] ? { groupId: p["groupId"] } : {}),
      },
      location,
      "pom.properties",
    );
    if (!seen.has(pkg.name)) {
      seen.add(pkg.name);
      out.push(pkg);
    }
  }
  if (out.length === 0) {
    const mf = entries.find((e) => e.name === "META-INF/MANIFEST.MF");
    const m = mf ? parseManifest(mf.data.toString("utf8")) : {};
    const manifestVersion = m["Implementation-Version"] ?? m["Bundle-Version"];
    const title = m["Implementation-Title"] ?? m["Bundle-SymbolicName"]?.split(";")[0];
    const fromName = coordinatesFromFileName(location.slice(location.lastIndexOf("/") + 1));
    const artifactId = fromName?.artifactId ?? title;
    const version = manifestVersion ?? fromName?.version;
    const groupId = m["Implementation-Vendor-Id"];
    if (artifactId && version) {
      out.push(
        mavenPackage(
          { artifactId, version, ...(groupId ? { groupId } : {}) },
          location,
          manifestVersion ? "manifest" : "file name",
        ),
      );
    }
  }
  for (const e of entries) {
    if (!ARCHIVE.test(e.name)) continue;
    try {
      out.push(...(await inspectArchive(e.data, `${location}!/${e.name}`, depth + 1)));
    } catch (err) {
      throw new Error(`nested archive ${e.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

export const javaArchiveExtractor: Extractor = {
  name: "java-archive",
  wants: (e: TreeEntry) => e.kind === "file" && ARCHIVE.test(e.path),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const buf = await ctx.tree.readFile(ctx.entry.path, { maxBytes: MAX_ARCHIVE_BYTES });
    return inspectArchive(buf, ctx.entry.path);
  },
};
