import type { FileHandle } from "../../sources/types.js";

/** The parts of an ELF file we need to find sections and map virtual addresses to file offsets. */
export interface ElfFile {
  is64: boolean;
  littleEndian: boolean;
  sections: ElfSection[];
  segments: ElfSegment[];
}

export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
}

export const PT_LOAD = 1;
const PF_W = 2;
const SHT_NOBITS = 8;
const MAX_SECTIONS = 65535;
const MAX_SHSTRTAB = 1 << 20;

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Whether the first bytes of a file are ELF's magic (cheap pre-check before parsing). */
export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC);
}

function toNumber(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`ELF ${what} ${v} is out of range`);
  return Number(v);
}

/**
 * Reads the ELF header, program headers and section headers (with names). Every offset and
 * size is checked against the file size; a malformed file throws an Error naming the field.
 */
export async function readElf(fh: FileHandle, head?: Buffer): Promise<ElfFile> {
  const h = head && head.length >= 64 ? head : await fh.read(0, 64);
  if (!isElf(h)) throw new Error("not an ELF file");
  const cls = h[4];
  const data = h[5];
  if (cls !== 1 && cls !== 2) throw new Error(`ELF class ${cls} is not 32 or 64 bit`);
  if (data !== 1 && data !== 2) throw new Error(`ELF data encoding ${data} is not little or big endian`);
  const is64 = cls === 2;
  const le = data === 1;
  if (h.length < (is64 ? 64 : 52)) throw new Error("ELF header is truncated");
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number) => (le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const addr = (b: Buffer, o: number) => (is64 ? u64(b, o) : BigInt(u32(b, o)));

  const phoff = toNumber(addr(h, is64 ? 32 : 28), "program header offset");
  const shoff = toNumber(addr(h, is64 ? 40 : 32), "section header offset");
  const phentsize = u16(h, is64 ? 54 : 42);
  const phnum = u16(h, is64 ? 56 : 44);
  const shentsize = u16(h, is64 ? 58 : 46);
  const shnum = u16(h, is64 ? 60 : 48);
  const shstrndx = u16(h, is64 ? 62 : 50);

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) throw new Error(`ELF program header size ${phentsize} is too small`);
    if (phoff + phnum * phentsize > fh.size)
      throw new Error("ELF program headers extend past the end of the file");
    const ph = await fh.read(phoff, phnum * phentsize);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      segments.push(
        is64
          ? {
              type: u32(ph, o),
              flags: u32(ph, o + 4),
              offset: toNumber(u64(ph, o + 8), "segment offset"),
              vaddr: u64(ph, o + 16),
              filesz: toNumber(u64(ph, o + 32), "segment size"),
            }
          : {
              type: u32(ph, o),
              offset: u32(ph, o + 4),
              vaddr: BigInt(u32(ph, o + 8)),
              filesz: u32(ph, o + 16),
              flags: u32(ph, o + 24),
            },
      );
    }
  }

  const sections: ElfSection[] = [];
  if (shnum > 0 && shoff > 0) {
    if (shnum > MAX_SECTIONS) throw new Error(`ELF section count ${shnum} is too large`);
    if (shentsize < (is64 ? 64 : 40)) throw new Error(`ELF section header size ${shentsize} is too small`);
    if (shoff + shnum * shentsize > fh.size)
      throw new Error("ELF section headers extend past the end of the file");
    const sh = await fh.read(shoff, shnum * shentsize);
    const raw: (ElfSection & { nameOffset: number })[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      raw.push({
        name: "",
        nameOffset: u32(sh, o),
        type: u32(sh, o + 4),
        flags: is64 ? u64(sh, o + 8) : BigInt(u32(sh, o + 8)),
        addr: addr(sh, is64 ? o + 16 : o + 12),
        offset: toNumber(addr(sh, is64 ? o + 24 : o + 16), "section offset"),
        size: toNumber(is64 ? u64(sh, o + 32) : BigInt(u32(sh, o + 20)), "section size"),
      });
    }
    const strtab = raw[shstrndx];
    let names: Buffer | undefined;
    if (strtab && strtab.size <= MAX_SHSTRTAB && strtab.offset + strtab.size <= fh.size) {
      names = await fh.read(strtab.offset, strtab.size);
    }
    for (const s of raw) {
      let name = "";
      if (names && s.nameOffset < names.length) {
        const end = names.indexOf(0, s.nameOffset);
        name = names.toString("latin1", s.nameOffset, end === -1 ? names.length : end);
      }
      sections.push({ name, type: s.type, flags: s.flags, addr: s.addr, offset: s.offset, size: s.size });
    }
  }
  return { is64, littleEndian: le, sections, segments };
}

/** Reads a section's bytes, at most `maxBytes`; throws when the section lies outside the file. */
export async function readSection(fh: FileHandle, section: ElfSection, maxBytes: number): Promise<Buffer> {
  if (section.type === SHT_NOBITS) return Buffer.alloc(0);
  if (section.offset + section.size > fh.size) {
    throw new Error(
      `section ${section.name} (offset ${section.offset}, size ${section.size}) extends past the end of the file`,
    );
  }
  return fh.read(section.offset, Math.min(section.size, maxBytes));
}

/** Maps a virtual address to a file offset through the PT_LOAD segments. */
export function fileOffsetOf(elf: ElfFile, vaddr: bigint, length: number): number | undefined {
  for (const seg of elf.segments) {
    if (seg.type !== PT_LOAD) continue;
    if (vaddr >= seg.vaddr && vaddr + BigInt(length) <= seg.vaddr + BigInt(seg.filesz)) {
      return seg.offset + Number(vaddr - seg.vaddr);
    }
  }
  return undefined;
}

/** The first writable loadable segment: where Go keeps build info when sections are stripped. */
export function firstWritableSegment(elf: ElfFile): ElfSegment | undefined {
  return elf.segments.find((s) => s.type === PT_LOAD && (s.flags & PF_W) !== 0);
}
