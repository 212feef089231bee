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

/**
 * Indexes the regular files of an uncompressed tar on disk without reading their contents, so
 * that members (image layers, blobs) can be read at random. Every header is checked: a
 * truncated or corrupt archive fails with the offset and the reason.
 */
export function indexTar(path: string, fileSize: number): Map<string, TarMember> {
  const fd = openSync(path, "r");
  const members = new Map<string, TarMember>();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  try {
    while (pos + BLOCK <= fileSize) {
      if (readSync(fd, header, 0, BLOCK, pos) !== BLOCK)
        throw new Error(`truncated tar header at offset ${pos}`);
      if (header.every((b) => b === 0)) break; // end-of-archive marker
      if (!checksumOk(header)) throw new Error(`corrupt tar header at offset ${pos} (checksum mismatch)`);
      const type = String.fromCharCode(header[156]!);
      let size = parseSize(header, 124, 12);
      if (pax["size"]) size = Number(pax["size"]);
      const dataStart = pos + BLOCK;
      if (dataStart + size > fileSize)
        throw new Error(`tar member at offset ${pos} runs past the end of the file`);
      const readData = () => {
        if (size > 1 << 20) throw new Error(`tar metadata header at offset ${pos} is implausibly large`);
        const b = Buffer.alloc(size);
        readSync(fd, b, 0, size, dataStart);
        return b;
      };
      if (type === "L") {
        longName = cString(readData(), 0, size);
      } else if (type === "x") {
        pax = paxRecords(readData());
      } else if (type === "g") {
        // global pax header: nothing we need
      } else {
        const prefix = header.subarray(257, 263).toString("latin1").startsWith("ustar")
          ? cString(header, 345, 155)
          : "";
        const base = cString(header, 0, 100);
        let name = pax["path"] ?? longName ?? (prefix ? `${prefix}/${base}` : base);
        name = name.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
        if (type === "0" || type === "\0" || type === "7")
          members.set(name, { name, offset: dataStart, size });
        longName = undefined;
        pax = {};
      }
      pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    closeSync(fd);
  }
  return members;
}
