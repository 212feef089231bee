import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import yauzl from "yauzl";
import { type ImageLimits, ImageTree, type RawEntry } from "./image-tree.js";
import type { TreeEntry } from "./types.js";

/** Lambda's limits: 250 MB unzipped for function + layers; zips themselves are smaller. */
export const DEFAULT_FUNCTION_LIMITS = {
  maxZipBytes: 1 << 30,
  maxEntries: 200_000,
  maxExpandedBytes: 2 * 1024 ** 3,
};

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

type ZipFileSet = { digest: string; entries: (RawEntry & { data?: Buffer })[] };

/** Reads one zip into entries under `prefix`, keeping the bytes of what `wants` asks for. */
function readZip(
  path: string,
  prefix: string,
  wants: (e: TreeEntry) => boolean,
  budget: { entries: number; bytes: number },
): Promise<ZipFileSet> {
  const size = statSync(path).size;
  if (size > DEFAULT_FUNCTION_LIMITS.maxZipBytes)
    throw new Error(`${path}: ${size} bytes is over the zip size limit`);
  const buf = readFileSync(path);
  const digest = `sha256:${createHash("sha256").update(buf).digest("hex")}`;
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buf,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) {
          reject(new Error(`${path}: not a readable zip archive: ${err?.message ?? "unknown error"}`));
          return;
        }
        const entries: ZipFileSet["entries"] = [];
        const fail = (e: Error) => {
          zip.close();
          reject(new Error(`${path}: ${e.message}`));
        };
        zip.on("error", (e: Error) => fail(new Error(`corrupt zip archive: ${e.message}`)));
        zip.on("end", () => resolve({ digest, entries }));
        zip.on("entry", (entry: yauzl.Entry) => {
          if (--budget.entries < 0)
            return fail(new Error("the package has more entries than the limit allows"));
          budget.bytes -= entry.uncompressedSize;
          if (budget.bytes < 0)
            return fail(new Error(`entry ${entry.fileName} takes the package past its expanded-size limit`));
          const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const kind =
            (unixMode & S_IFMT) === S_IFLNK
              ? "symlink"
              : entry.fileName.endsWith("/") || (unixMode & S_IFMT) === S_IFDIR
                ? "directory"
                : "file";
          const name = `${prefix}/${entry.fileName}`;
          const mode = unixMode & 0o7777 || (kind === "directory" ? 0o755 : 0o644);
          const raw: RawEntry = {
            name,
            type: kind,
            size: kind === "file" ? entry.uncompressedSize : 0,
            mode,
            linkname: "",
          };
          const wanted =
            kind === "symlink" ||
            (kind === "file" &&
              wants({ path: name.replace(/^\/+/, ""), kind: "file", size: raw.size, mode }));
          if (!wanted) {
            entries.push(raw);
            zip.readEntry();
            return;
          }
          zip.openReadStream(entry, (e, stream) => {
            if (e || !stream)
              return fail(new Error(`entry ${entry.fileName}: ${e?.message ?? "cannot read"}`));
            const chunks: Buffer[] = [];
            stream.on("data", (c: Buffer) => chunks.push(c));
            stream.on("error", (se: Error) => fail(new Error(`entry ${entry.fileName}: ${se.message}`)));
            stream.on("end", () => {
              const data = Buffer.concat(chunks);
              if (kind === "symlink") raw.linkname = data.toString("utf8");
              entries.push(kind === "symlink" ? raw : { ...raw, data });
              zip.readEntry();
            });
          });
        });
        zip.readEntry();
      },
    );
  });
}

/**
 * A function package as its runtime sees it: the deployment zip under /var/task and each layer
 * zip under /opt, later layers over earlier ones (Lambda's layout).
 */
export async function openFunctionPackage(
  zipPath: string,
  layerZips: readonly string[],
  wants: (e: TreeEntry) => boolean,
  limits: Partial<ImageLimits> = {},
): Promise<ImageTree> {
  const budget = {
    entries: limits.maxEntries ?? DEFAULT_FUNCTION_LIMITS.maxEntries,
    bytes: limits.maxExpandedBytes ?? DEFAULT_FUNCTION_LIMITS.maxExpandedBytes,
  };
  const sets: ZipFileSet[] = [];
  for (const layer of layerZips) sets.push(await readZip(layer, "opt", wants, budget));
  sets.push(await readZip(zipPath, "var/task", wants, budget));
  return ImageTree.fromFileSets(`function package ${zipPath}`, sets, wants, limits);
}

/** Whether a file starts like a zip archive. */
export function isZipFile(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5);
}
