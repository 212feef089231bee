import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import zlib from "node:zlib";
import yauzl from "yauzl";

export interface ZipLimits {
  /** An entry larger than this (declared or actual) is reported, not read. */
  maxEntryBytes: number;
  /** Stop with an error beyond this many entries or this much uncompressed data in total. */
  maxEntries: number;
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntryBytes: 32 << 20,
  maxEntries: 5_000_000,
  maxTotalBytes: 16 * 1024 ** 3,
};

/** One file entry: its bytes, or why it was not read (the archive itself is still fine). */
export type ZipEntryResult =
  | { name: string; data: Buffer; error?: undefined }
  | { name: string; error: string };

// zlib.crc32 exists from Node 20.15; older runtimes skip the check (sizes are still checked).
const crc32: ((data: Buffer) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === "function" ? (d) => zlib.crc32(d) : undefined;

/**
 * yauzl reads the archive structure through this. yauzl's own file reader does one thread-pool
 * read per directory record, which makes a 10,000-entry archive take seconds; archive structure
 * reads are tiny, so plain synchronous reads are an order of magnitude faster.
 */
class SyncFileReader extends yauzl.RandomAccessReader {
  private closed = false;
  constructor(readonly fd: number) {
    super();
  }
  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null, bytesRead?: number) => void,
  ): void {
    let n: number;
    try {
      n = readSync(this.fd, buffer, offset, length, position);
    } catch (e) {
      setImmediate(callback, e as Error);
      return;
    }
    setImmediate(callback, null, n);
  }
  override close(callback: (err: Error | null) => void): void {
    this.closeNow();
    setImmediate(callback, null);
  }
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/**
 * Reads the file entries of a zip archive one at a time (never the whole archive in memory).
 * yauzl reads the structure (central directory, ZIP64, local headers, name checks); entry data is
 * inflated here with a hard output limit. A broken archive — truncated, bad directory, data that
 * does not inflate, a size or CRC mismatch — throws with the reason (and the entry's name); an
 * oversized, encrypted or unsupported entry is yielded as an error so the caller can skip it.
 */
export async function* readZipEntries(
  path: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): AsyncGenerator<ZipEntryResult> {
  const fd = openSync(path, "r");
  const reader = new SyncFileReader(fd);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(reader, fstatSync(fd).size, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
    });
  } catch (e) {
    reader.closeNow();
    throw new Error(`not a readable zip archive (truncated or corrupt?): ${(e as Error).message}`);
  }
  let entries = 0;
  let total = 0;
  try {
    const iterator = zip.eachEntry();
    while (true) {
      let step: IteratorResult<yauzl.Entry>;
      try {
        step = await iterator.next();
      } catch (e) {
        throw new Error(`corrupt zip directory after ${entries} entries: ${(e as Error).message}`);
      }
      if (step.done) break;
      const entry = step.value;
      if (entry.fileName.endsWith("/")) continue;
      if (++entries > limits.maxEntries) throw new Error(`more than ${limits.maxEntries} entries`);
      const problem = unreadable(entry, limits.maxEntryBytes);
      if (problem) {
        yield { name: entry.fileName, error: problem };
        continue;
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes)
        throw new Error(`more than ${limits.maxTotalBytes} bytes uncompressed in total`);
      yield { name: entry.fileName, data: await readEntry(zip, reader, entry, limits.maxEntryBytes) };
    }
  } finally {
    zip.close();
    reader.closeNow();
  }
}

function unreadable(entry: yauzl.Entry, max: number): string | undefined {
  if (entry.generalPurposeBitFlag & 0x1) return "entry is encrypted";
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return `unsupported compression method ${entry.compressionMethod}`;
  }
  if (entry.uncompressedSize > max)
    return `entry is ${entry.uncompressedSize} bytes, over the ${max}-byte limit`;
  // Deflate never grows data by more than a few bytes per 16 KiB block.
  if (entry.compressedSize > max + (max >> 10) + 64)
    return `entry is ${entry.compressedSize} bytes compressed, over the limit`;
  return undefined;
}

async function readEntry(
  zip: yauzl.ZipFile,
  reader: SyncFileReader,
  entry: yauzl.Entry,
  max: number,
): Promise<Buffer> {
  const fail = (why: string) => new Error(`${entry.fileName}: ${why}`);
  let start: number;
  try {
    start = (await zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
  } catch (e) {
    throw fail((e as Error).message);
  }
  const raw = Buffer.allocUnsafe(entry.compressedSize);
  const got = readSync(reader.fd, raw, 0, raw.length, start);
  if (got !== raw.length) throw fail(`archive ends inside the entry's data (${got} of ${raw.length} bytes)`);
  let data: Buffer;
  if (entry.compressionMethod === 0) {
    data = raw;
  } else {
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(max, 1) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw fail(
        code === "ERR_BUFFER_TOO_LARGE"
          ? `inflates to more than ${max} bytes`
          : `cannot decompress: ${(e as Error).message}`,
      );
    }
  }
  if (data.length !== entry.uncompressedSize) {
    throw fail(`size mismatch: ${data.length} bytes, the directory says ${entry.uncompressedSize}`);
  }
  if (crc32 && crc32(data) >>> 0 !== entry.crc32 >>> 0) throw fail("CRC mismatch (corrupt archive data)");
  return data;
}
