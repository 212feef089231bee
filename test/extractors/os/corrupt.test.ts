/**
 * Damaged package databases: every defect must surface as an Error naming the reason (never a
 * crash, hang or out-of-range read), and the inventory must report it and carry on.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { inventory } from "../../../src/extractors/inventory.js";
import { osExtractors } from "../../../src/extractors/os/index.js";
import { readBdbHash } from "../../../src/extractors/os/rpm-bdb.js";
import { parseRpmHeader, RPMTAG } from "../../../src/extractors/os/rpm-header.js";
import { readNdb } from "../../../src/extractors/os/rpm-ndb.js";
import { readRpmSqlite } from "../../../src/extractors/os/rpm-sqlite.js";
import type { Inventory } from "../../../src/extractors/types.js";
import { DirectoryTree } from "../../../src/sources/directory.js";
import {
  BDB_CHECKSUM_VARIANT,
  BDB_VARIANTS,
  dpkgRoot,
  rpmBdbDb,
  rpmSqliteDb,
  sqliteBlobs,
  writeNdb,
} from "./fixtures.js";

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function rootWith(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), "vigil-corrupt-"));
  roots.push(root);
  for (const [path, from] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (typeof from === "string") copyFileSync(from, join(root, path));
    else writeFileSync(join(root, path), from);
  }
  return root;
}

const scan = (root: string): Promise<Inventory> =>
  inventory(new DirectoryTree(root), { extractors: osExtractors });

/** A deterministic pseudo-random sequence (xorshift32), so failures reproduce. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** Fails when an error is a bounds-check failure of Node's Buffer rather than one of ours. */
function assertOwnError(e: unknown, context: string): void {
  assert.ok(e instanceof Error, `${context}: threw a non-Error ${String(e)}`);
  assert.ok(
    !(e instanceof RangeError) && !("code" in e && String(e.code).startsWith("ERR_")),
    `${context}: unguarded read: ${e.stack}`,
  );
}

// ---------------------------------------------------------------------------------------------

describe("corrupt rpm header blobs", () => {
  const blobs = sqliteBlobs();
  const alpha = blobs.find((b) => b.blob.includes(Buffer.from("vigil-alpha\0")))!.blob;
  const il = alpha.readUInt32BE(0);
  const dl = alpha.readUInt32BE(4);
  const entryOf = (tag: number) => {
    for (let i = 0; i < il; i++) if (alpha.readUInt32BE(8 + i * 16) === tag) return 8 + i * 16;
    throw new Error(`no tag ${tag}`);
  };
  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(alpha);
    f(b);
    return b;
  };

  it("accepts the intact blob", () => {
    assert.equal(parseRpmHeader(alpha).name, "vigil-alpha");
  });

  const cases: [string, () => Buffer, RegExp][] = [
    ["empty", () => Buffer.alloc(0), /^blob is 0 bytes, shorter than the 8-byte header intro$/],
    [
      "truncated",
      () => alpha.subarray(0, 100),
      new RegExp(`^index entry count ${il} exceeds blob size \\(100 bytes\\)$`),
    ],
    [
      "truncated data store",
      () => alpha.subarray(0, alpha.length - 1),
      new RegExp(`^data store length ${dl} exceeds`),
    ],
    [
      "huge entry count",
      () => mutate((b) => b.writeUInt32BE(99999, 0)),
      /^index entry count 99999 exceeds blob size/,
    ],
    ["no entries", () => mutate((b) => b.writeUInt32BE(0, 0)), /^header has no index entries$/],
    [
      "unknown type",
      () => mutate((b) => b.writeUInt32BE(15, entryOf(RPMTAG.NAME) + 4)),
      /^index entry \d+ \(tag 1000 \(NAME\)\): unknown type 15$/,
    ],
    [
      "wrong type",
      () => mutate((b) => b.writeUInt32BE(4, entryOf(RPMTAG.NAME) + 4)),
      /^tag 1000 \(NAME\): type 4, expected a string$/,
    ],
    [
      "offset past the data store",
      () => mutate((b) => b.writeInt32BE(dl + 5, entryOf(RPMTAG.NAME) + 8)),
      new RegExp(
        `^index entry \\d+ \\(tag 1000 \\(NAME\\)\\): offset ${dl + 5} outside the ${dl}-byte data store$`,
      ),
    ],
    [
      "negative offset",
      () => mutate((b) => b.writeInt32BE(-8, entryOf(RPMTAG.VERSION) + 8)),
      /^index entry \d+ \(tag 1001 \(VERSION\)\): offset -8 outside/,
    ],
    [
      "unterminated string",
      () =>
        mutate((b) => {
          b[b.length - 1] = 0x41;
          b.writeInt32BE(dl - 1, entryOf(RPMTAG.NAME) + 8);
        }),
      /^tag 1000 \(NAME\): string at offset \d+ is not NUL-terminated within the data store$/,
    ],
    [
      "epoch past the data store",
      () => mutate((b) => b.writeInt32BE(dl - 2, entryOf(RPMTAG.EPOCH) + 8)),
      /^tag 1003 \(EPOCH\): INT32 at offset \d+ runs past the \d+-byte data store$/,
    ],
    ["no NAME tag", () => mutate((b) => b.writeUInt32BE(999, entryOf(RPMTAG.NAME))), /^no NAME tag$/],
    [
      "broken region trailer",
      () =>
        mutate((b) => {
          const regionOffset = b.readInt32BE(8 + 8);
          b.writeInt32BE(-(il + 5) * 16, 8 + il * 16 + regionOffset + 8);
        }),
      /^region tag 63 \(HEADERIMMUTABLE\): trailer offset -\d+ does not describe 1\.\.\d+ index entries$/,
    ],
    [
      "region of the wrong size",
      () => mutate((b) => b.writeUInt32BE(12, 8 + 12)),
      /^region tag 63 \(HEADERIMMUTABLE\): type 7 count 12, expected BIN of 16 bytes$/,
    ],
  ];
  for (const [name, make, re] of cases) {
    it(`rejects a blob with ${name}`, () => {
      assert.throws(
        () => parseRpmHeader(make()),
        (e: Error) => {
          assertOwnError(e, name);
          assert.match(e.message, re);
          return true;
        },
      );
    });
  }

  it("never reads out of bounds on random damage", () => {
    const rnd = prng(42);
    let rejected = 0;
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(blobs[Math.floor(rnd() * blobs.length)]!.blob);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++)
        b[Math.floor(rnd() * Math.min(b.length, 8 + il * 16 + 64))] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.2 ? Math.floor(rnd() * b.length) : b.length;
      try {
        parseRpmHeader(b.subarray(0, cut));
      } catch (e) {
        assertOwnError(e, `mutation ${n}`);
        rejected++;
      }
    }
    assert.ok(rejected > 300 && rejected < 3000, `${rejected} of 3000 damaged blobs rejected`);
  });

  it("warns about one bad header and keeps the other packages", async () => {
    const bad = Buffer.from(blobs[2]!.blob);
    bad.writeUInt32BE(99999, 0);
    const ndb = writeNdb(blobs.map((b, i) => (i === 2 ? bad : b.blob)));
    const inv = await scan(rootWith({ "var/lib/rpm/Packages.db": ndb }));
    assert.deepEqual(inv.warnings, [
      {
        path: "var/lib/rpm/Packages.db",
        extractor: "rpm",
        reason: `header blob 3: index entry count 99999 exceeds blob size (${bad.length} bytes)`,
      },
    ]);
    assert.equal(inv.packages.length, 5); // 7 headers: one bad, one gpg-pubkey
  });

  it("rejects a database whose headers are all unreadable", async () => {
    const ndb = writeNdb([Buffer.from("garbage!"), Buffer.alloc(40)]);
    const inv = await scan(rootWith({ "var/lib/rpm/Packages.db": ndb }));
    assert.equal(inv.packages.length, 0);
    assert.equal(inv.warnings.length, 1);
    assert.match(
      inv.warnings[0]!.reason,
      /^not a valid rpm database: 2 malformed header blobs and none usable \(first: header blob 1: index entry count \d+ exceeds blob size \(8 bytes\)\)$/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** Geometry of a Berkeley DB hash file, for aiming damage at particular pages. */
function geometry(buf: Buffer) {
  const le = buf.readUInt32LE(12) === 0x061561;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const pageSize = u32(20);
  const last = u32(32);
  const pages = (type: number) => {
    const out: number[] = [];
    for (let p = 1; p <= last; p++) if (buf[p * pageSize + 25] === type) out.push(p);
    return out;
  };
  return {
    le,
    pageSize,
    last,
    u32,
    hashPages: pages(13),
    overflowPages: pages(7),
    put32(b: Buffer, value: number, offset: number) {
      if (le) b.writeUInt32LE(value, offset);
      else b.writeUInt32BE(value, offset);
    },
    put16(b: Buffer, value: number, offset: number) {
      if (le) b.writeUInt16LE(value, offset);
      else b.writeUInt16BE(value, offset);
    },
  };
}

describe("corrupt Berkeley DB Packages", () => {
  for (const variant of [BDB_VARIANTS[0]!, BDB_VARIANTS[1]!]) {
    describe(variant.name, () => {
      const good = readFileSync(join(rpmBdbDb(variant), "Packages"));
      const g = geometry(good);
      const hashPage = g.hashPages.find(
        (p) => good.readUInt16LE(p * g.pageSize + 20) > 0 || good.readUInt16BE(p * g.pageSize + 20) > 0,
      )!;
      const midChain = g.overflowPages.find((p) => g.u32(p * g.pageSize + 16) !== 0)!;
      const mutate = (f: (b: Buffer) => void) => {
        const b = Buffer.from(good);
        f(b);
        return b;
      };

      it("reads the intact file", () => {
        assert.ok(hashPage && midChain, "the fixture has hash pages and overflow chains");
        assert.equal(readBdbHash(good).records.length, 8);
      });

      const ps = g.pageSize;
      const cases: [string, () => Buffer, RegExp][] = [
        [
          "too small",
          () => good.subarray(0, 300),
          /^file is 300 bytes, too small for a Berkeley DB metadata page$/,
        ],
        [
          "truncated mid-page",
          () => good.subarray(0, good.length - 100),
          new RegExp(
            `^file is truncated: the metadata page says ${g.last + 1} pages of ${ps} bytes, the file has ${good.length - 100} bytes$`,
          ),
        ],
        [
          "not a database",
          () => mutate((b) => b.fill(0x20, 0, 64)),
          /^not a Berkeley DB hash database \(magic 0x20202020\)$/,
        ],
        ["a btree", () => mutate((b) => g.put32(b, 0x053162, 12)), /^Berkeley DB btree database/],
        [
          "an old hash version",
          () => mutate((b) => g.put32(b, 7, 16)),
          /^unsupported hash version 7 \(expected 8 to 10\)$/,
        ],
        ["a bad page size", () => mutate((b) => g.put32(b, 1000, 20)), /^invalid page size 1000$/],
        [
          "encryption",
          () => mutate((b) => (b[24] = 1)),
          /^encrypted Berkeley DB databases are not supported$/,
        ],
        [
          "a huge max bucket",
          () => mutate((b) => g.put32(b, 0xfffffff0, 72)),
          /^max bucket 4294967280 exceeds the \d+ pages of the file$/,
        ],
        [
          "a bucket chain that loops",
          () => mutate((b) => g.put32(b, hashPage, hashPage * ps + 16)),
          new RegExp(`^page ${hashPage} next: page ${hashPage} is reached twice \\(cycle or shared page\\)$`),
        ],
        [
          "an overflow chain that loops",
          () => mutate((b) => g.put32(b, midChain, midChain * ps + 16)),
          new RegExp(`page ${midChain} is reached twice \\(cycle or shared page\\)$`),
        ],
        [
          "an overflow chain that ends early",
          () => mutate((b) => g.put32(b, 0, midChain * ps + 16)),
          /overflow chain ends after \d+ of \d+ bytes$/,
        ],
        [
          "an overflow link past the last page",
          () => mutate((b) => g.put32(b, g.last + 7, midChain * ps + 16)),
          new RegExp(`page ${g.last + 7} is outside pages 1\\.\\.${g.last}$`),
        ],
        [
          "a hash page of the wrong type",
          () => mutate((b) => (b[hashPage * ps + 25] = 5)),
          new RegExp(`^page ${hashPage}: type 5, expected a hash page$`),
        ],
        [
          "a page with the wrong number",
          () => mutate((b) => g.put32(b, hashPage + 1, hashPage * ps + 8)),
          new RegExp(`^page ${hashPage}: header says it is page ${hashPage + 1}$`),
        ],
        [
          "an item offset out of range",
          () => mutate((b) => g.put16(b, 3, hashPage * ps + 26)),
          new RegExp(`^page ${hashPage}: item 0 has offsets 3/\\d+ out of order or range$`),
        ],
        [
          "an odd item count",
          () => mutate((b) => g.put16(b, 3, hashPage * ps + 20)),
          new RegExp(`^page ${hashPage}: invalid item count 3$`),
        ],
        [
          "an unknown item kind",
          () =>
            mutate((b) => {
              const keyOff = g.le ? b.readUInt16LE(hashPage * ps + 26) : b.readUInt16BE(hashPage * ps + 26);
              b[hashPage * ps + keyOff] = 9;
            }),
          new RegExp(`^page ${hashPage} item 0 key: unknown item kind 9$`),
        ],
      ];
      for (const [name, make, re] of cases) {
        it(`rejects ${name}`, () => {
          assert.throws(
            () => readBdbHash(make()),
            (e: Error) => {
              assertOwnError(e, name);
              assert.match(e.message, re);
              return true;
            },
          );
        });
      }

      it("never reads out of bounds or loops on random damage", () => {
        const rnd = prng(variant.pageSize);
        const t0 = performance.now();
        let rejected = 0;
        for (let n = 0; n < 400; n++) {
          const b = Buffer.from(good);
          const flips = 1 + Math.floor(rnd() * 8);
          for (let k = 0; k < flips; k++) {
            // Aim at page headers and item arrays, where damage changes the structure.
            const page = Math.floor(rnd() * (g.last + 1));
            b[page * ps + Math.floor(rnd() * 64)] = Math.floor(rnd() * 256);
          }
          const cut = rnd() < 0.1 ? Math.floor(rnd() * b.length) : b.length;
          try {
            for (const r of readBdbHash(b.subarray(0, cut)).records) {
              try {
                parseRpmHeader(r.value);
              } catch (e) {
                assertOwnError(e, `mutation ${n} header`);
              }
            }
          } catch (e) {
            assertOwnError(e, `mutation ${n}`);
            rejected++;
          }
        }
        assert.ok(rejected > 40 && rejected < 400, `${rejected} of 400 damaged files rejected`);
        assert.ok(performance.now() - t0 < 20_000);
      });
    });
  }

  it("refuses page checksums, which change the page layout", () => {
    const buf = readFileSync(join(rpmBdbDb(BDB_CHECKSUM_VARIANT), "Packages"));
    assert.throws(() => readBdbHash(buf), /^Error: Berkeley DB page checksums are not supported$/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("corrupt SQLite and ndb databases", () => {
  const sqlite = readFileSync(join(rpmSqliteDb(), "db/rpmdb.sqlite"));

  it("rejects a truncated rpmdb.sqlite", async () => {
    await assert.rejects(readRpmSqlite(Buffer.from(sqlite.subarray(0, sqlite.length / 2))), {
      message: "sqlite: database disk image is malformed",
    });
  });

  it("rejects a file that is not SQLite", async () => {
    await assert.rejects(readRpmSqlite(Buffer.from("Packages\n".repeat(100))), {
      message: "not an SQLite database (bad header)",
    });
  });

  it("rejects an SQLite database without a Packages table", async () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE Other (x)");
    const image = db.serialize();
    db.close();
    await assert.rejects(readRpmSqlite(image), { message: "no Packages table" });
  });

  it("rejects a Packages table whose blob column holds text", async () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL)");
    db.exec("INSERT INTO Packages VALUES (1, 'text, not a header')");
    const image = db.serialize();
    db.close();
    await assert.rejects(readRpmSqlite(image), {
      message: "Packages row 1: expected an integer hnum and a BLOB",
    });
  });

  const ndb = writeNdb(sqliteBlobs().map((b) => b.blob));
  const ndbCases: [string, () => Buffer, RegExp][] = [
    ["too short", () => ndb.subarray(0, 20), /^file is 20 bytes, shorter than the 32-byte ndb header$/],
    [
      "without magic",
      () => Buffer.concat([Buffer.from("XXXX"), ndb.subarray(4)]),
      /^not an rpm ndb database/,
    ],
    [
      "truncated",
      () => ndb.subarray(0, ndb.length - 64),
      /^slot \d+ \(package \d+\): blob at block \d+ \(\+\d+\) runs past the end of the file \(truncated\?\)$/,
    ],
    [
      "with a damaged slot",
      () => {
        const b = Buffer.from(ndb);
        b.write("Slob", 3 * 16, "latin1");
        return b;
      },
      /^slot 3: bad magic$/,
    ],
    [
      "with a flipped byte in a blob",
      () => {
        const b = Buffer.from(ndb);
        b[4096 + 100] = (b[4096 + 100]! + 1) & 0xff;
        return b;
      },
      /^slot 2 \(package 1\): blob checksum mismatch$/,
    ],
    [
      "with too many slot pages",
      () => {
        const b = Buffer.from(ndb);
        b.writeUInt32LE(100000, 12);
        return b;
      },
      /^slot page count 100000 does not fit the \d+-byte file$/,
    ],
  ];
  for (const [name, make, re] of ndbCases) {
    it(`rejects an ndb database ${name}`, () => {
      assert.throws(
        () => readNdb(make()),
        (e: Error) => {
          assertOwnError(e, name);
          assert.match(e.message, re);
          return true;
        },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe("inventory over damaged databases", () => {
  it("reports a corrupt rpmdb with its path and still inventories the dpkg packages", async () => {
    const sqlite = readFileSync(join(rpmSqliteDb(), "db/rpmdb.sqlite"));
    const bdb = readFileSync(join(rpmBdbDb(BDB_VARIANTS[0]!), "Packages"));
    const root = rootWith({
      "var/lib/dpkg/status": join(dpkgRoot(), "var/lib/dpkg/status"),
      "var/lib/rpm/rpmdb.sqlite": sqlite.subarray(0, 64 * 1024),
      "usr/lib/sysimage/rpm/Packages": bdb.subarray(0, bdb.length - 1000),
    });
    const clean = await scan(rootWith({ "var/lib/dpkg/status": join(dpkgRoot(), "var/lib/dpkg/status") }));
    const inv = await scan(root);
    assert.ok(clean.packages.length > 700);
    assert.deepEqual(
      inv.packages.map((p) => `${p.name}:${p.arch}=${p.version}`),
      clean.packages.map((p) => `${p.name}:${p.arch}=${p.version}`),
    );
    assert.deepEqual(inv.warnings, [
      {
        path: "usr/lib/sysimage/rpm/Packages",
        extractor: "rpm",
        reason: `file is truncated: the metadata page says ${bdb.length / 4096} pages of 4096 bytes, the file has ${bdb.length - 1000} bytes`,
      },
      {
        path: "var/lib/rpm/rpmdb.sqlite",
        extractor: "rpm",
        reason: "sqlite: database disk image is malformed",
      },
    ]);
  });
});
