import { inflateSync } from "node:zlib";
import type { TreeEntry } from "../../sources/types.js";
import { isElf, readElf, readSection } from "../binary/elf.js";
import type { ExtractContext, Extractor, Package } from "../types.js";
import { cratePackage } from "./cargo-lock.js";

/** Compressed and inflated bounds for the `.dep-v0` section (real ones are a few KiB). */
const MAX_SECTION = 4 << 20;
const MAX_INFLATED = 8 << 20;

/** Decodes cargo-auditable's zlib-compressed JSON dependency list. */
export function parseAuditableSection(section: Buffer, location: string): Package[] {
  let json: Buffer;
  try {
    json = inflateSync(section, { maxOutputLength: MAX_INFLATED });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || /maxOutputLength|larger than/.test((e as Error).message)) {
      throw new Error(`.dep-v0 section inflates past ${MAX_INFLATED} bytes`);
    }
    throw new Error(`.dep-v0 section is not valid zlib data: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString("utf8"));
  } catch (e) {
    throw new Error(`.dep-v0 section is not valid JSON: ${(e as Error).message}`);
  }
  const packages = (doc as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(packages)) throw new Error(".dep-v0 JSON has no packages array");
  const out: Package[] = [];
  for (const p of packages as Record<string, unknown>[]) {
    if (typeof p?.["name"] !== "string" || typeof p["version"] !== "string") continue;
    const meta: Package["metadata"] = {};
    if (p["root"] === true) meta["root"] = true;
    if (p["kind"] === "build") meta["build"] = true;
    if (p["source"] !== "crates.io" && typeof p["source"] === "string") meta["source"] = p["source"];
    out.push(cratePackage(p["name"], p["version"], location, "cargo-auditable", meta));
  }
  return out;
}

export const cargoAuditableExtractor: Extractor = {
  name: "cargo-auditable",
  wants: (e: TreeEntry) => e.kind === "file" && (e.mode & 0o111) !== 0 && e.size >= 16 * 1024,
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const fh = await ctx.tree.open(ctx.entry.path);
    try {
      const head = await fh.read(0, 64);
      if (!isElf(head)) return [];
      const elf = await readElf(fh, head);
      const section = elf.sections.find((s) => s.name === ".dep-v0");
      if (!section) return [];
      if (section.size > MAX_SECTION)
        throw new Error(`.dep-v0 section is ${section.size} bytes, over the limit`);
      return parseAuditableSection(await readSection(fh, section, MAX_SECTION), ctx.entry.path);
    } finally {
      await fh.close();
    }
  },
};
