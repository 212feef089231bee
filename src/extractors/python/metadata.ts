import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

/** Core metadata headers sit at the top; 64 KiB is plenty and keeps long descriptions unread. */
const HEADER_BYTES = 64 * 1024;

/** Name and Version from core metadata (RFC 822 style headers, ending at the first blank line). */
export function parseCoreMetadata(text: string): { name: string; version: string } {
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split("\n")) {
    const l = line.replace(/\r$/, "");
    if (l === "") break;
    if (name === undefined && /^name:/i.test(l)) name = l.slice(5).trim();
    else if (version === undefined && /^version:/i.test(l)) version = l.slice(8).trim();
    if (name !== undefined && version !== undefined) break;
  }
  if (!name) throw new Error("no Name: header");
  if (!version) throw new Error(`no Version: header for ${name}`);
  return { name, version };
}

/** Installed distributions: *.dist-info/METADATA, *.egg-info/PKG-INFO and bare *.egg-info files. */
export const pythonMetadataExtractor: Extractor = {
  name: "python-metadata",
  wants: (e: TreeEntry) =>
    e.kind === "file" &&
    (e.path.endsWith(".dist-info/METADATA") ||
      e.path.endsWith(".egg-info/PKG-INFO") ||
      e.path.endsWith(".egg-info")),
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const fh = await ctx.tree.open(ctx.entry.path);
    let head: Buffer;
    try {
      head = await fh.read(0, HEADER_BYTES);
    } finally {
      await fh.close();
    }
    const { name, version } = parseCoreMetadata(head.toString("utf8"));
    return [
      {
        name,
        version,
        type: "pypi",
        ecosystem: "PyPI",
        location: ctx.entry.path,
        extractor: "python-metadata",
      },
    ];
  },
};
