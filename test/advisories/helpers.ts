/** Shared helpers for the advisory tests: temp dirs, a zip writer, mirror copies. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import zlib from "node:zlib";
import { readZipEntries } from "../../src/advisories/zip.js";
import { vulndataDir } from "../support/fixtures.js";

export { vulndataDir };

export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface ZipInput {
  name: string;
  data: Buffer | string;
  /** 0 stored, 8 deflate (default). */
  method?: 0 | 8;
}

/** Writes a plain (non-ZIP64) zip archive. */
export function makeZip(entries: ZipInput[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = typeof e.data === "string" ? Buffer.from(e.data) : e.data;
    const method = e.method ?? 8;
    const body = method === 8 ? zlib.deflateRawSync(data) : data;
    const name = Buffer.from(e.name);
    const crc = zlib.crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += local.length + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, eocd]);
}

/** All entries of a real archive, in order. */
export async function zipEntries(path: string): Promise<{ name: string; data: Buffer }[]> {
  const out: { name: string; data: Buffer }[] = [];
  for await (const e of readZipEntries(path)) {
    if (e.error !== undefined) throw new Error(e.error);
    out.push({ name: e.name, data: e.data });
  }
  return out;
}

/**
 * A mirror directory that links to the real vulndata for everything except the files given,
 * which are written as real files. Only what `include` names is linked (default: all of it).
 */
export function mirrorWith(
  root: string,
  files: Record<string, Buffer | string>,
  include = ["osv/Go", "osv/PyPI", "osv/crates.io", "osv/Debian", "alpine-secdb", "kev", "samples"],
): string {
  const dir = join(root, `mirror-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  for (const rel of include) {
    if (Object.keys(files).some((f) => f.startsWith(`${rel}/`))) continue;
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    symlinkSync(join(vulndataDir, rel), join(dir, rel));
  }
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

/** An OSV record as JSON text. */
export function osvRecord(fields: Record<string, unknown>): string {
  return JSON.stringify({ schema_version: "1.6.0", modified: "2024-01-01T00:00:00Z", ...fields });
}
