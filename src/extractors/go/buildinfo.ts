import type { FileHandle, TreeEntry } from "../../sources/types.js";
import {
  type ElfFile,
  fileOffsetOf,
  firstWritableSegment,
  isElf,
  readElf,
  readSection,
} from "../binary/elf.js";
import type { ExtractContext, Extractor, Package } from "../types.js";

const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
/** Go's debug/buildinfo reads at most this much of the data segment when searching. */
const SEARCH_BYTES = 64 * 1024;
const MAX_STRING = 4 << 20;
/** The smallest Go programs are over a megabyte; this floor keeps the hot path cheap. */
const MIN_SIZE = 512 * 1024;

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: Record<string, string>;
}

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

function readUvarint(buf: Buffer, pos: number): [value: number, next: number] {
  let x = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    const b = buf[i]!;
    x += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [x, i + 1];
    shift += 7;
  }
  throw new Error("build info: truncated varint");
}

/** Reads a Go string header (pointer, length) at `vaddr` and then the string it points to. */
async function readGoString(
  fh: FileHandle,
  elf: ElfFile,
  ptrSize: number,
  le: boolean,
  vaddr: bigint,
): Promise<string> {
  const hdrOff = fileOffsetOf(elf, vaddr, ptrSize * 2);
  if (hdrOff === undefined)
    throw new Error(`build info: string header address 0x${vaddr.toString(16)} is not in the file`);
  const hdr = await fh.read(hdrOff, ptrSize * 2);
  const word = (o: number) =>
    ptrSize === 8
      ? le
        ? hdr.readBigUInt64LE(o)
        : hdr.readBigUInt64BE(o)
      : BigInt(le ? hdr.readUInt32LE(o) : hdr.readUInt32BE(o));
  const dataAddr = word(0);
  const len = Number(word(ptrSize));
  if (len === 0) return "";
  if (len > MAX_STRING) throw new Error(`build info: string length ${len} is implausible`);
  const off = fileOffsetOf(elf, dataAddr, len);
  if (off === undefined)
    throw new Error(`build info: string data address 0x${dataAddr.toString(16)} is not in the file`);
  return (await fh.read(off, len)).toString("utf8");
}

/** Finds and decodes Go build info in an ELF binary; undefined when the binary is not Go. */
export async function readGoBuildInfo(fh: FileHandle, head: Buffer): Promise<GoBuildInfo | undefined> {
  const elf = await readElf(fh, head);
  let data: Buffer | undefined;
  const section = elf.sections.find((s) => s.name === ".go.buildinfo");
  if (section) data = await readSection(fh, section, SEARCH_BYTES);
  else {
    const seg = firstWritableSegment(elf);
    if (!seg || seg.filesz === 0) return undefined;
    if (seg.offset + seg.filesz > fh.size)
      throw new Error("writable segment extends past the end of the file");
    data = await fh.read(seg.offset, Math.min(seg.filesz, SEARCH_BYTES));
  }
  let at = -1;
  for (let i = 0; i + MAGIC.length <= data.length; i += 16) {
    if (data.compare(MAGIC, 0, MAGIC.length, i, i + MAGIC.length) === 0) {
      at = i;
      break;
    }
  }
  if (at === -1) return undefined;
  const header = data.subarray(at);
  if (header.length < 32) throw new Error("build info header is truncated");
  const ptrSize = header[14]!;
  const flags = header[15]!;
  let version: string;
  let modinfo: string;
  if ((flags & 2) !== 0) {
    // Go 1.18+: two varint-prefixed strings right after the 32-byte header.
    let pos = 32;
    const [vlen, p1] = readUvarint(header, pos);
    if (p1 + vlen > header.length) throw new Error("build info: version string runs past the data read");
    version = header.toString("utf8", p1, p1 + vlen);
    pos = p1 + vlen;
    const [mlen, p2] = readUvarint(header, pos);
    let modBuf: Buffer;
    if (p2 + mlen <= header.length) modBuf = header.subarray(p2, p2 + mlen);
    else {
      if (mlen > MAX_STRING) throw new Error(`build info: module info length ${mlen} is implausible`);
      // Long module lists run past the first read: fetch the rest from the file.
      const base = section ? section.offset : firstWritableSegment(elf)!.offset;
      const start = base + at + p2;
      if (start + mlen > fh.size) throw new Error("build info: module info runs past the end of the file");
      modBuf = await fh.read(start, mlen);
    }
    modinfo = modBuf.toString("utf8");
  } else {
    if (ptrSize !== 4 && ptrSize !== 8) throw new Error(`build info: pointer size ${ptrSize} is invalid`);
    const le = (flags & 1) === 0;
    const word = (o: number) =>
      ptrSize === 8
        ? le
          ? header.readBigUInt64LE(o)
          : header.readBigUInt64BE(o)
        : BigInt(le ? header.readUInt32LE(o) : header.readUInt32BE(o));
    version = await readGoString(fh, elf, ptrSize, le, word(16));
    modinfo = await readGoString(fh, elf, ptrSize, le, word(16 + ptrSize));
  }
  // The module info is framed by 16-byte sentinels.
  if (modinfo.length >= 33 && modinfo[modinfo.length - 17] === "\n") modinfo = modinfo.slice(16, -16);
  else modinfo = "";
  return parseModinfo(version, modinfo);
}

/** Parses the text form of runtime/debug.BuildInfo. */
export function parseModinfo(goVersion: string, text: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split("\n")) {
    const f = line.split("\t");
    switch (f[0]) {
      case "path":
        if (f[1] !== undefined) info.path = f[1];
        break;
      case "mod":
      case "dep": {
        if (!f[1]) break;
        const m: GoModule = { path: f[1], version: f[2] ?? "" };
        if (f[3]) m.sum = f[3];
        if (f[0] === "mod") info.main = m;
        else info.deps.push(m);
        last = m;
        break;
      }
      case "=>":
        if (last && f[1]) {
          last.replace = { path: f[1], version: f[2] ?? "" };
          if (f[3]) last.replace.sum = f[3];
        }
        break;
      case "build": {
        const kv = f.slice(1).join("\t");
        const eq = kv.indexOf("=");
        if (eq > 0) info.settings[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
    }
  }
  return info;
}

/** "go1.21.4 X:boringcrypto" → "1.21.4"; undefined for development toolchains. */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)/.exec(goVersion.trim());
  return m?.[1];
}

function goPackage(name: string, version: string, location: string, extra?: Package["metadata"]): Package {
  return {
    name,
    version,
    type: "golang",
    ecosystem: "Go",
    location,
    extractor: "go-binary",
    ...(extra ? { metadata: extra } : {}),
  };
}

export const goBinaryExtractor: Extractor = {
  name: "go-binary",
  wants: (e: TreeEntry) => e.kind === "file" && (e.mode & 0o111) !== 0 && e.size >= MIN_SIZE,
  async extract(ctx: ExtractContext): Promise<Package[]> {
    const fh = await ctx.tree.open(ctx.entry.path);
    try {
      const head = await fh.read(0, 64);
      if (!isElf(head)) return [];
      const info = await readGoBuildInfo(fh, head);
      if (!info) return [];
      const out: Package[] = [];
      const where = ctx.entry.path;
      const std = stdlibVersion(info.goVersion);
      if (std) out.push(goPackage("stdlib", std, where, { goVersion: info.goVersion }));
      // The main module of a local build is "(devel)": there is no released version to match.
      const main = info.main?.replace ?? info.main;
      if (main?.version && main.version !== "(devel)")
        out.push(goPackage(main.path, main.version, where, { main: true }));
      for (const dep of info.deps) {
        // A replacement is what was really compiled in; a local-path replacement has no version.
        const real = dep.replace ?? dep;
        if (!real.version || real.path.startsWith(".") || real.path.startsWith("/")) continue;
        out.push(goPackage(real.path, real.version, where, dep.replace ? { replaces: dep.path } : undefined));
      }
      return out;
    } finally {
      await fh.close();
    }
  },
};
