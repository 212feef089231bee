/**
 * Read-only reader for the Berkeley DB hash databases that rpm used before 4.16
 * (var/lib/rpm/Packages on RHEL/CentOS 7 and 8, Amazon Linux 2, SLES 12...).
 *
 * Layout facts (Berkeley DB 4.x/5.x, hash versions 8-10), in the byte order of the machine that
 * wrote the file, which the metadata page's magic reveals:
 * - page 0, the metadata page: magic at 12, version at 16, page size at 20, encryption at 24,
 *   page type at 25 (8 = hash metadata), flags at 26, last page number at 32, max bucket at 72,
 *   and at 96 the 32 "spares" that map a bucket to its page: page = bucket + spares[bits(bucket)];
 * - every other page starts with a 26-byte header: its own number at 8, previous / next page at
 *   12 / 16, the number of items at 20, a page-specific 16-bit field at 22, the type at 25;
 * - hash pages (type 2 or 13) hold an array of 16-bit item offsets at 26, items alternating key
 *   and data and packed downwards from the end of the page; an item starts with its kind:
 *   1 = inline bytes, 3 = "off-page" (page number at 4, total length at 8);
 * - overflow pages (type 7) carry their byte count at 22 and the bytes at 26, chained by the
 *   next-page field.
 * A bucket's pages are chained by the next-page field too. Every page is visited at most once, so
 * a corrupt chain that loops is reported instead of followed.
 */

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;
const PAGE_HEADER = 26;

export interface BdbRecord {
  key: Buffer;
  value: Buffer;
}

export interface BdbHash {
  /** Byte order of the machine that wrote the file (rpm's keys are native integers too). */
  littleEndian: boolean;
  records: BdbRecord[];
}

/** Reads every key/value pair of a Berkeley DB hash database held in `buf`. */
export function readBdbHash(buf: Buffer): BdbHash {
  if (buf.length < 512)
    throw new Error(`file is ${buf.length} bytes, too small for a Berkeley DB metadata page`);
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else if (buf.readUInt32LE(12) === BTREE_MAGIC || buf.readUInt32BE(12) === BTREE_MAGIC) {
    throw new Error("Berkeley DB btree database; rpm's Packages database is a hash database");
  } else {
    throw new Error(`not a Berkeley DB hash database (magic 0x${buf.readUInt32LE(12).toString(16)})`);
  }
  const u32 = le ? (o: number) => buf.readUInt32LE(o) : (o: number) => buf.readUInt32BE(o);
  const u16 = le ? (o: number) => buf.readUInt16LE(o) : (o: number) => buf.readUInt16BE(o);

  const version = u32(16);
  if (version < 8 || version > 10) throw new Error(`unsupported hash version ${version} (expected 8 to 10)`);
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new Error(`invalid page size ${pageSize}`);
  }
  if (buf[24] !== 0) throw new Error("encrypted Berkeley DB databases are not supported");
  if (buf[25] !== P_HASHMETA)
    throw new Error(`metadata page has type ${buf[25]}, expected ${P_HASHMETA} (hash metadata)`);
  // With page checksums the item offsets start after the checksum, at an offset this reader does
  // not model; rpm never enabled them.
  if ((buf[26]! & 1) !== 0) throw new Error("Berkeley DB page checksums are not supported");
  const lastPage = u32(32);
  const pages = lastPage + 1;
  if (pages * pageSize > buf.length) {
    throw new Error(
      `file is truncated: the metadata page says ${pages} pages of ${pageSize} bytes, the file has ${buf.length} bytes`,
    );
  }
  const maxBucket = u32(72);
  // Every bucket has a page of its own, which bounds the work below by the file size.
  if (maxBucket >= pages) throw new Error(`max bucket ${maxBucket} exceeds the ${pages} pages of the file`);
  const spares: number[] = [];
  for (let i = 0; i < 32; i++) spares.push(u32(96 + i * 4));

  const visited = new Uint8Array(pages);
  /** Checks and claims page `pg` (reached from `from`) and returns its byte offset. */
  const claim = (pg: number, from: string): number => {
    if (pg === 0 || pg > lastPage) throw new Error(`${from}: page ${pg} is outside pages 1..${lastPage}`);
    if (visited[pg]) throw new Error(`${from}: page ${pg} is reached twice (cycle or shared page)`);
    visited[pg] = 1;
    const at = pg * pageSize;
    const stored = u32(at + 8);
    if (stored !== pg) throw new Error(`page ${pg}: header says it is page ${stored}`);
    return at;
  };

  const overflow = (first: number, total: number, from: string): Buffer => {
    // Every byte comes from a distinct page of this file, so a larger claim is corrupt.
    if (total === 0 || total > buf.length)
      throw new Error(`${from}: off-page item length ${total} is impossible`);
    const out = Buffer.allocUnsafe(total);
    let done = 0;
    let pg = first;
    while (done < total) {
      if (pg === 0) throw new Error(`${from}: overflow chain ends after ${done} of ${total} bytes`);
      const at = claim(pg, from);
      if (buf[at + 25] !== P_OVERFLOW)
        throw new Error(`page ${pg}: type ${buf[at + 25]}, expected an overflow page`);
      const n = u16(at + 22);
      if (PAGE_HEADER + n > pageSize || n > total - done) {
        throw new Error(`page ${pg}: overflow page holds ${n} bytes, more than fit or remain`);
      }
      buf.copy(out, done, at + PAGE_HEADER, at + PAGE_HEADER + n);
      done += n;
      pg = u32(at + 16);
    }
    return out;
  };

  const item = (at: number, off: number, len: number, what: string): Buffer => {
    const kind = buf[at + off];
    switch (kind) {
      case H_KEYDATA:
        return buf.subarray(at + off + 1, at + off + len);
      case H_OFFPAGE:
        if (len !== 12) throw new Error(`${what}: off-page item of ${len} bytes, expected 12`);
        return overflow(u32(at + off + 4), u32(at + off + 8), what);
      case H_DUPLICATE:
      case H_OFFDUP:
        throw new Error(`${what}: duplicate-key items are not used by rpm and not supported`);
      default:
        throw new Error(`${what}: unknown item kind ${kind}`);
    }
  };

  const records: BdbRecord[] = [];
  for (let bucket = 0; bucket <= maxBucket; bucket++) {
    const bits = bucket === 0 ? 0 : 32 - Math.clz32(bucket);
    let pg = bucket + (spares[bits] ?? 0);
    let from = `bucket ${bucket}`;
    while (pg !== 0) {
      const at = claim(pg, from);
      const type = buf[at + 25];
      if (type !== P_HASH && type !== P_HASH_UNSORTED) {
        throw new Error(`page ${pg}: type ${type}, expected a hash page`);
      }
      const n = u16(at + 20);
      const minOffset = PAGE_HEADER + n * 2;
      if (n % 2 !== 0 || minOffset > pageSize) throw new Error(`page ${pg}: invalid item count ${n}`);
      let prev = pageSize; // items are packed downwards from the end of the page
      for (let i = 0; i < n; i += 2) {
        const keyOff = u16(at + PAGE_HEADER + i * 2);
        const valOff = u16(at + PAGE_HEADER + i * 2 + 2);
        if (keyOff < minOffset || keyOff >= prev || valOff < minOffset || valOff >= keyOff) {
          throw new Error(`page ${pg}: item ${i} has offsets ${keyOff}/${valOff} out of order or range`);
        }
        const what = `page ${pg} item ${i}`;
        const key = item(at, keyOff, prev - keyOff, `${what} key`);
        const value = item(at, valOff, keyOff - valOff, `${what} value`);
        records.push({ key, value });
        prev = valOff;
      }
      from = `page ${pg} next`;
      pg = u32(at + 16);
    }
  }
  return { littleEndian: le, records };
}
