import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip, gunzipSync } from "node:zlib";

/** Whole-file reads (JSON documents) are refused beyond this, compressed or not. */
export const MAX_DOCUMENT_BYTES = 1 << 30;

const GZIP_MAGIC = [0x1f, 0x8b];

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await fh.close();
  }
}

/**
 * Reads a whole file, gunzipping it when it starts with the gzip magic (whatever its name), and
 * refuses anything larger than `maxBytes` after decompression.
 */
export async function readDocument(path: string, maxBytes = MAX_DOCUMENT_BYTES): Promise<Buffer> {
  const size = (await stat(path)).size;
  if (size > maxBytes) throw new Error(`file is ${size} bytes, more than the ${maxBytes}-byte limit`);
  const fh = await open(path, "r");
  let raw: Buffer;
  try {
    raw = await fh.readFile();
  } finally {
    await fh.close();
  }
  if (raw[0] !== GZIP_MAGIC[0] || raw[1] !== GZIP_MAGIC[1]) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new Error(`decompresses to more than ${maxBytes} bytes`);
    throw new Error(`corrupt gzip data: ${(e as Error).message}`);
  }
}

/** Parses a JSON document, turning SyntaxError into a message that says so. */
export function parseJson(buf: Buffer | string): unknown {
  try {
    return JSON.parse(typeof buf === "string" ? buf : buf.toString("utf8"));
  } catch (e) {
    throw new Error(`malformed JSON: ${(e as Error).message}`);
  }
}

/**
 * Lines of a text file (gunzipped when it is gzip), streamed. A line longer than `maxLineBytes`
 * is an error rather than unbounded memory (a gzip bomb of one endless line stops there).
 */
export async function* readLines(path: string, maxLineBytes = 1 << 20): AsyncGenerator<string> {
  const gz = await isGzip(path);
  const file = createReadStream(path);
  let source: Readable = file;
  if (gz) {
    const gunzip = createGunzip();
    file.on("error", (e) => gunzip.destroy(e));
    source = file.pipe(gunzip);
  }
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let n = 0;
  const trimCr = (line: string) => (line.endsWith("\r") ? line.slice(0, -1) : line);
  try {
    for await (const chunk of source) {
      pending += decoder.write(chunk as Buffer);
      let from = 0;
      let nl = pending.indexOf("\n", from);
      while (nl >= 0) {
        n++;
        yield trimCr(pending.slice(from, nl));
        from = nl + 1;
        nl = pending.indexOf("\n", from);
      }
      pending = pending.slice(from);
      if (pending.length > maxLineBytes) throw new Error(`line ${n + 1}: longer than ${maxLineBytes} bytes`);
    }
    pending += decoder.end();
    if (pending !== "") yield trimCr(pending);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith("Z_") || err.code === "ERR_ZLIB")
      throw new Error(`corrupt gzip data: ${err.message}`);
    throw e;
  } finally {
    source.destroy();
    file.destroy();
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export const strArray = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
