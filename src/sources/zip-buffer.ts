import yauzl from "yauzl";

export interface ZipReadLimits {
  /** Entries larger than this (declared or inflated) fail the read. */
  maxEntryBytes: number;
  /** More entries than this fail the read (a zip-bomb of tiny files). */
  maxEntries: number;
}

export const DEFAULT_ZIP_READ_LIMITS: ZipReadLimits = { maxEntryBytes: 64 << 20, maxEntries: 200_000 };

export interface ZipEntryData {
  name: string;
  data: Buffer;
}

/**
 * Reads the entries of an in-memory zip whose names `want` accepts. yauzl validates entry names
 * (no absolute paths, no "..") and the inflated size against the declared one; we bound both.
 */
export function readZipBuffer(
  buf: Buffer,
  want: (name: string) => boolean,
  limits: ZipReadLimits = DEFAULT_ZIP_READ_LIMITS,
): Promise<{ entries: ZipEntryData[]; names: string[] }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) {
        reject(new Error(`not a readable zip archive: ${err?.message ?? "unknown error"}`));
        return;
      }
      const entries: ZipEntryData[] = [];
      const names: string[] = [];
      const fail = (e: Error) => {
        zip.close();
        reject(e);
      };
      zip.on("error", (e: Error) => fail(new Error(`corrupt zip archive: ${e.message}`)));
      zip.on("end", () => resolve({ entries, names }));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (names.length >= limits.maxEntries)
          return fail(new Error(`more than ${limits.maxEntries} entries`));
        names.push(entry.fileName);
        if (entry.fileName.endsWith("/") || !want(entry.fileName)) {
          zip.readEntry();
          return;
        }
        if (entry.uncompressedSize > limits.maxEntryBytes) {
          return fail(
            new Error(
              `entry ${entry.fileName} is ${entry.uncompressedSize} bytes, over the ${limits.maxEntryBytes}-byte limit`,
            ),
          );
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(new Error(`entry ${entry.fileName}: ${e?.message ?? "cannot read"}`));
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on("data", (c: Buffer) => {
            size += c.length;
            if (size > limits.maxEntryBytes) {
              stream.destroy();
              fail(new Error(`entry ${entry.fileName} inflates past ${limits.maxEntryBytes} bytes`));
              return;
            }
            chunks.push(c);
          });
          stream.on("error", (se: Error) => fail(new Error(`entry ${entry.fileName}: ${se.message}`)));
          stream.on("end", () => {
            entries.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
