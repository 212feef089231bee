/**
 * Reader for rpm's "ndb" package database, Packages.db (SUSE, openSUSE), per rpm's
 * lib/backend/ndb/rpmpkg.c. Everything is little-endian:
 * - a 32-byte file header: magic "RpmP", version 0, generation, number of 4096-byte slot pages;
 * - slot pages: 16-byte slots "Slot", package index, block offset, block count (blocks are 16
 *   bytes; offset 0 marks a free slot); the header occupies the first two slots of page 0;
 * - each blob at its block offset: "BlbS", package index, timestamp, length, then the header
 *   blob, zero padding, and a 12-byte tail: adler32 of everything before it, length, "BlbE".
 */

const PKGDB_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_HEAD_MAGIC = 0x53626c42; // "BlbS"
const BLOB_TAIL_MAGIC = 0x45626c42; // "BlbE"
const PAGE_SIZE = 4096;
const SLOT_SIZE = 16;
const BLK_SIZE = 16;
const HEAD_SIZE = 16;
const TAIL_SIZE = 12;

export interface NdbBlob {
  pkgIndex: number;
  blob: Buffer;
}

/** Adler-32 (RFC 1950) of buf[start, end), the checksum ndb stores in each blob's tail. */
export function adler32(buf: Buffer, start: number, end: number): number {
  let a = 1;
  let b = 0;
  let i = start;
  while (i < end) {
    // 5552 is the largest run for which the sums cannot overflow 2^53 before the modulo.
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Reads the header blobs of an ndb Packages.db held in `buf`. */
export function readNdb(buf: Buffer): NdbBlob[] {
  if (buf.length < 32) throw new Error(`file is ${buf.length} bytes, shorter than the 32-byte ndb header`);
  if (buf.readUInt32LE(0) !== PKGDB_MAGIC) throw new Error("not an rpm ndb database (no RpmP magic)");
  const version = buf.readUInt32LE(4);
  if (version !== 0) throw new Error(`unsupported ndb version ${version}`);
  const slotPages = buf.readUInt32LE(12);
  if (slotPages === 0 || slotPages * PAGE_SIZE > buf.length) {
    throw new Error(`slot page count ${slotPages} does not fit the ${buf.length}-byte file`);
  }
  const fileBlocks = Math.floor(buf.length / BLK_SIZE);
  const firstDataBlock = (slotPages * PAGE_SIZE) / BLK_SIZE;
  const out: NdbBlob[] = [];
  const seen = new Set<number>();
  const slots = (slotPages * PAGE_SIZE) / SLOT_SIZE;
  for (let slot = 2; slot < slots; slot++) {
    const at = slot * SLOT_SIZE;
    if (buf.readUInt32LE(at) !== SLOT_MAGIC) throw new Error(`slot ${slot}: bad magic`);
    const blkOff = buf.readUInt32LE(at + 8);
    if (blkOff === 0) continue; // free slot
    const pkgIndex = buf.readUInt32LE(at + 4);
    const blkCnt = buf.readUInt32LE(at + 12);
    const where = `slot ${slot} (package ${pkgIndex})`;
    if (pkgIndex === 0 || blkCnt === 0 || blkOff < firstDataBlock)
      throw new Error(`${where}: invalid slot entry`);
    if (blkOff + blkCnt > fileBlocks) {
      throw new Error(
        `${where}: blob at block ${blkOff} (+${blkCnt}) runs past the end of the file (truncated?)`,
      );
    }
    if (seen.has(pkgIndex)) throw new Error(`${where}: package index used by two slots`);
    seen.add(pkgIndex);
    const start = blkOff * BLK_SIZE;
    const end = (blkOff + blkCnt) * BLK_SIZE;
    if (buf.readUInt32LE(start) !== BLOB_HEAD_MAGIC) throw new Error(`${where}: blob has no BlbS magic`);
    if (buf.readUInt32LE(start + 4) !== pkgIndex)
      throw new Error(`${where}: blob belongs to package ${buf.readUInt32LE(start + 4)}`);
    const len = buf.readUInt32LE(start + 12);
    if (Math.ceil((HEAD_SIZE + len + TAIL_SIZE) / BLK_SIZE) !== blkCnt) {
      throw new Error(`${where}: blob length ${len} does not match its ${blkCnt} blocks`);
    }
    const tail = end - TAIL_SIZE;
    if (buf.readUInt32LE(tail + 8) !== BLOB_TAIL_MAGIC || buf.readUInt32LE(tail + 4) !== len) {
      throw new Error(`${where}: blob tail is damaged`);
    }
    if (adler32(buf, start, tail) !== buf.readUInt32LE(tail))
      throw new Error(`${where}: blob checksum mismatch`);
    out.push({ pkgIndex, blob: buf.subarray(start + HEAD_SIZE, start + HEAD_SIZE + len) });
  }
  return out;
}
