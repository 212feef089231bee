import { closeSync, openSync, readSync } from "node:fs";

/** One regular-file member of a tar file: where its bytes are. */
export interface TarMember {
  name: string;
  offset: number;
  size: number;
}

const BLOCK = 512;

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString("utf8", start, end === -1 || end > start + len ? start + len : end);
}

/** Octal, or GNU base-256 for sizes past 8 GiB. */
function parseSize(buf: Buffer, start: number, len: number): number {
  if ((buf[start]! & 0x80) !== 0) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  const text = cString(buf, start, len).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad size field ${JSON.stringify(text)}`);
  return Number.parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = cString(header, 148, 8).trim();
  if (stored === "") return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === Number.parseInt(stored, 8);
}

/** "path=..." records of a pax extended header. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(data.toString("ascii", pos, space));
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) throw new Error("malformed pax header");
    const record = data.toString("utf8", space + 1, pos + len - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** One entry of an uncompressed tar, as its headers (ustar, GNU long names, pax) describe it. */
export interface TarEntry {
  name: string;
  type: "file" | "directory" | "symlink" | "link" | "other";
  size: number;
  mode: number;
  linkname: string;
  /** File offset of the entry's data. */
  dataOffset: number;
}

const TYPES: Record<string, TarEntry["type"]> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "5": "directory",
  "2": "symlink",
  "1": "link",
};

/**
 * Visits the entries of the uncompressed tar stored in `[start, end)` of an open file, reading
 * headers only. Every header is checked: a truncated or corrupt archive fails with the offset and
 * the reason.
 */
export function forEachTarEntry(fd: number, start: number, end: number, visit: (e: TarEntry) => void): void {
  const header = Buffer.alloc(BLOCK);
  let pos = start;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (pos + BLOCK <= end) {
    if (readSync(fd, header, 0, BLOCK, pos) !== BLOCK)
      throw new Error(`truncated tar header at offset ${pos}`);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(header)) throw new Error(`corrupt tar header at offset ${pos} (checksum mismatch)`);
    const type = String.fromCharCode(header[156]!);
    let size = parseSize(header, 124, 12);
    if (pax["size"]) size = Number(pax["size"]);
    const dataStart = pos + BLOCK;
    if (dataStart + size > end) throw new Error(`tar member at offset ${pos} runs past the end of the file`);
    const readData = () => {
      if (size > 1 << 20) throw new Error(`tar metadata header at offset ${pos} is implausibly large`);
      const b = Buffer.alloc(size);
      readSync(fd, b, 0, size, dataStart);
      return b;
    };
    if (type === "L") longName = cString(readData(), 0, size);
    else if (type === "K") longLink = cString(readData(), 0, size);
    else if (type === "x") pax = paxRecords(readData());
    else if (type !== "g") {
      const prefix = header.subarray(257, 263).toString("latin1").startsWith("ustar")
        ? cString(header, 345, 155)
        : "";
      const base = cString(header, 0, 100);
      const name = pax["path"] ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      const linkname = pax["linkpath"] ?? longLink ?? cString(header, 157, 100);
      const mode = Number.parseInt(cString(header, 100, 8).trim() || "0", 8) & 0o7777;
      visit({
        name,
        type: TYPES[type] ?? "other",
        size: TYPES[type] === "file" ? size : 0,
        mode,
        linkname,
        dataOffset: dataStart,
      });
      longName = undefined;
      longLink = undefined;
      pax = {};
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** Indexes the regular files of an uncompressed tar on disk, for random access to members. */
export function indexTar(path: string, fileSize: number): Map<string, TarMember> {
  const fd = openSync(path, "r");
  const members = new Map<string, TarMember>();
  try {
    forEachTarEntry(fd, 0, fileSize, (e) => {
      if (e.type !== "file") return;
      const name = e.name.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
      members.set(name, { name, offset: e.dataOffset, size: e.size });
    });
  } finally {
    closeSync(fd);
  }
  return members;
}
