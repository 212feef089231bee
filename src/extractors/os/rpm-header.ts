/**
 * The rpm header as stored in every rpm database backend (the "header blob"; no lead, no magic):
 *
 *   il (u32 BE)  number of index entries
 *   dl (u32 BE)  size of the data store
 *   il × 16 bytes of index entries: tag, type, offset (into the data store), count (all BE)
 *   dl bytes of data store
 *
 * The first entry is normally a region tag (HEADERIMMUTABLE) whose 16-byte trailer in the data
 * store is itself an index entry with offset -(entries in region × 16). Entries added after
 * install ("dribbles") follow the region and replace region entries with the same tag, so the
 * last entry for a tag wins. Every offset and count is checked against the blob before use.
 */

const HEADER_IMAGE = 61;
const HEADER_SIGNATURES = 62;
const HEADER_IMMUTABLE = 63;

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  ARCH: 1022,
  SOURCERPM: 1044,
  MODULARITYLABEL: 5096,
} as const;

const TAG_NAMES = new Map<number, string>(Object.entries(RPMTAG).map(([k, v]) => [v, k]));
const LABELS = new Map<number, string>([
  ...TAG_NAMES,
  [HEADER_IMAGE, "HEADERIMAGE"],
  [HEADER_SIGNATURES, "HEADERSIGNATURES"],
  [HEADER_IMMUTABLE, "HEADERIMMUTABLE"],
]);

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_BIN = 7;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
const TYPE_MAX = 9;

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
  modularityLabel?: string;
}

interface Entry {
  type: number;
  offset: number;
  count: number;
}

function tagLabel(tag: number): string {
  const n = LABELS.get(tag);
  return n ? `tag ${tag} (${n})` : `tag ${tag}`;
}

/** Reads the tags we need from one header blob; throws an Error naming the defect. */
export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new Error(`blob is ${blob.length} bytes, shorter than the 8-byte header intro`);
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  if (il === 0) throw new Error("header has no index entries");
  const dataStart = 8 + il * 16;
  if (dataStart > blob.length) {
    throw new Error(`index entry count ${il} exceeds blob size (${blob.length} bytes)`);
  }
  if (dataStart + dl > blob.length) {
    throw new Error(`data store length ${dl} exceeds blob size (${blob.length} bytes, ${il} index entries)`);
  }

  const wanted = new Map<number, Entry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    const type = blob.readUInt32BE(at + 4);
    const offset = blob.readInt32BE(at + 8);
    const count = blob.readUInt32BE(at + 12);
    if (type > TYPE_MAX) throw new Error(`index entry ${i} (${tagLabel(tag)}): unknown type ${type}`);
    if (offset < 0 || offset > dl) {
      throw new Error(
        `index entry ${i} (${tagLabel(tag)}): offset ${offset} outside the ${dl}-byte data store`,
      );
    }
    if (i === 0 && (tag === HEADER_IMAGE || tag === HEADER_SIGNATURES || tag === HEADER_IMMUTABLE)) {
      checkRegion(blob, dataStart, dl, il, tag, type, offset, count);
      continue;
    }
    if (TAG_NAMES.has(tag)) wanted.set(tag, { type, offset, count });
  }

  const str = (tag: number): string | undefined => {
    const e = wanted.get(tag);
    if (!e) return undefined;
    if (e.type !== TYPE_STRING && e.type !== TYPE_STRING_ARRAY && e.type !== TYPE_I18NSTRING) {
      throw new Error(`${tagLabel(tag)}: type ${e.type}, expected a string`);
    }
    if (e.count === 0) throw new Error(`${tagLabel(tag)}: empty string array`);
    // A string array's (or i18n table's) first element is the value we report.
    const start = dataStart + e.offset;
    const nul = blob.indexOf(0, start);
    if (nul === -1 || nul >= dataStart + dl) {
      throw new Error(
        `${tagLabel(tag)}: string at offset ${e.offset} is not NUL-terminated within the data store`,
      );
    }
    return blob.toString("utf8", start, nul);
  };
  const int32 = (tag: number): number | undefined => {
    const e = wanted.get(tag);
    if (!e) return undefined;
    if (e.type !== TYPE_INT32) throw new Error(`${tagLabel(tag)}: type ${e.type}, expected INT32`);
    if (e.count === 0 || e.offset + 4 > dl) {
      throw new Error(`${tagLabel(tag)}: INT32 at offset ${e.offset} runs past the ${dl}-byte data store`);
    }
    return blob.readUInt32BE(dataStart + e.offset);
  };

  const name = str(RPMTAG.NAME);
  const version = str(RPMTAG.VERSION);
  const release = str(RPMTAG.RELEASE);
  if (name === undefined) throw new Error("no NAME tag");
  if (version === undefined) throw new Error(`no VERSION tag (package ${name})`);
  if (release === undefined) throw new Error(`no RELEASE tag (package ${name})`);
  const h: RpmHeader = { name, version, release };
  const epoch = int32(RPMTAG.EPOCH);
  if (epoch !== undefined) h.epoch = epoch;
  const arch = str(RPMTAG.ARCH);
  if (arch !== undefined) h.arch = arch;
  const sourceRpm = str(RPMTAG.SOURCERPM);
  if (sourceRpm !== undefined) h.sourceRpm = sourceRpm;
  const label = str(RPMTAG.MODULARITYLABEL);
  if (label) h.modularityLabel = label;
  return h;
}

/** Validates a region tag and its trailer, the way rpm does before trusting a header. */
function checkRegion(
  blob: Buffer,
  dataStart: number,
  dl: number,
  il: number,
  tag: number,
  type: number,
  offset: number,
  count: number,
): void {
  if (type !== TYPE_BIN || count !== 16) {
    throw new Error(`region ${tagLabel(tag)}: type ${type} count ${count}, expected BIN of 16 bytes`);
  }
  if (offset + 16 > dl)
    throw new Error(`region ${tagLabel(tag)}: trailer at offset ${offset} runs past the data store`);
  const at = dataStart + offset;
  const tTag = blob.readUInt32BE(at);
  const tOffset = blob.readInt32BE(at + 8);
  if (tTag !== HEADER_IMAGE && tTag !== HEADER_SIGNATURES && tTag !== HEADER_IMMUTABLE) {
    throw new Error(`region ${tagLabel(tag)}: trailer has tag ${tTag}, expected a region tag`);
  }
  const entries = -tOffset / 16;
  if (tOffset >= 0 || !Number.isInteger(entries) || entries > il) {
    throw new Error(
      `region ${tagLabel(tag)}: trailer offset ${tOffset} does not describe 1..${il} index entries`,
    );
  }
}

/** Splits a source rpm file name ("bash-5.1.8-6.el9.src.rpm") into name, version and release. */
export function parseSourceRpm(file: string): { name: string; version: string; release: string } | undefined {
  let base = file;
  if (base.endsWith(".src.rpm")) base = base.slice(0, -".src.rpm".length);
  else if (base.endsWith(".nosrc.rpm")) base = base.slice(0, -".nosrc.rpm".length);
  else return undefined;
  const r = base.lastIndexOf("-");
  if (r <= 0) return undefined;
  const v = base.lastIndexOf("-", r - 1);
  if (v <= 0) return undefined;
  const name = base.slice(0, v);
  const version = base.slice(v + 1, r);
  const release = base.slice(r + 1);
  if (version === "" || release === "") return undefined;
  return { name, version, release };
}
