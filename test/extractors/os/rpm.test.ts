import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { inventory } from "../../../src/extractors/inventory.js";
import { osExtractors } from "../../../src/extractors/os/index.js";
import { parseSourceRpm } from "../../../src/extractors/os/rpm-header.js";
import { adler32 } from "../../../src/extractors/os/rpm-ndb.js";
import { readRpmSqlite } from "../../../src/extractors/os/rpm-sqlite.js";
import type { Inventory } from "../../../src/extractors/types.js";
import { DirectoryTree } from "../../../src/sources/directory.js";
import {
  BDB_VARIANTS,
  type RpmTruth,
  rpmBdbDb,
  rpmQuery,
  rpmSqliteDb,
  sqliteBlobs,
  writeNdb,
} from "./fixtures.js";

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A fresh root filesystem holding the given files (host path or contents). */
function rootWith(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), "vigil-rpm-"));
  roots.push(root);
  for (const [path, from] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (typeof from === "string") copyFileSync(from, join(root, path));
    else writeFileSync(join(root, path), from);
  }
  return root;
}

/** rpm's view turned into our Package fields: gpg keys dropped, epoch 0 not shown. */
function expected(truth: RpmTruth[]): string[] {
  return truth
    .filter((t) => t.name !== "gpg-pubkey")
    .map((t) => {
      const e = t.epoch ? `${t.epoch}:` : "";
      const m = /^(.+)-([^-]+)-([^-]+)\.src\.rpm$/.exec(t.sourceRpm);
      assert.ok(m, t.sourceRpm);
      return `${t.name} ${e}${t.version}-${t.release} ${t.arch} src=${m[1]} ${e}${m[2]}-${m[3]}`;
    })
    .sort();
}

function actual(inv: Inventory): string[] {
  return inv.packages
    .map((p) => `${p.name} ${p.version} ${p.arch} src=${p.source?.name} ${p.source?.version}`)
    .sort();
}

async function scan(root: string): Promise<Inventory> {
  return inventory(new DirectoryTree(root), { extractors: osExtractors });
}

describe("rpm SQLite database", () => {
  const dbDir = join(rpmSqliteDb(), "db");
  const truth = rpmQuery(dbDir);

  it("lists what rpm -qa lists, except gpg-pubkey", async () => {
    assert.equal(truth.length, 7);
    const root = rootWith({
      "var/lib/rpm/rpmdb.sqlite": join(dbDir, "rpmdb.sqlite"),
      "var/lib/rpm/rpmdb.sqlite-wal": join(dbDir, "rpmdb.sqlite-wal"), // empty, as rpm leaves it
    });
    const inv = await scan(root);
    assert.deepEqual(inv.warnings, []);
    assert.deepEqual(actual(inv), expected(truth));
    assert.ok(!inv.packages.some((p) => p.name === "gpg-pubkey"));
    for (const p of inv.packages) {
      assert.equal(p.type, "rpm");
      assert.equal(p.location, "var/lib/rpm/rpmdb.sqlite");
      assert.equal(p.extractor, "rpm");
    }
    const byName = new Map(inv.packages.map((p) => [p.name, p]));
    assert.equal(byName.get("vigil-alpha")?.version, "2:1.2.3-4.fc40");
    assert.equal(byName.get("vigil-delta")?.version, "3.0~rc1-0.1.el9_2", "an explicit epoch 0 is not shown");
    assert.deepEqual(byName.get("vigil-gamma-libs")?.source, { name: "vigil-gamma", version: "1:1.0-2.el9" });
    assert.deepEqual(byName.get("vigil-epsilon")?.metadata, {
      modularityLabel: "perl:5.32:8040020210602095431:9fe1d287",
    });
  });

  it("reads /usr/lib/sysimage/rpm once when /var/lib/rpm links to it", async () => {
    const root = rootWith({ "usr/lib/sysimage/rpm/rpmdb.sqlite": join(dbDir, "rpmdb.sqlite") });
    mkdirSync(join(root, "var/lib"), { recursive: true });
    symlinkSync("../../usr/lib/sysimage/rpm", join(root, "var/lib/rpm"));
    const inv = await scan(root);
    assert.deepEqual(inv.warnings, []);
    assert.deepEqual(actual(inv), expected(truth));
    assert.ok(inv.packages.every((p) => p.location === "usr/lib/sysimage/rpm/rpmdb.sqlite"));
  });

  it("applies a write-ahead log that was not checkpointed, and cleans up its temporary copy", async () => {
    // Copy the database while a writer holds uncheckpointed changes in rpmdb.sqlite-wal.
    const work = mkdtempSync(join(tmpdir(), "vigil-rpmwal-"));
    roots.push(work);
    copyFileSync(join(dbDir, "rpmdb.sqlite"), join(work, "rpmdb.sqlite"));
    const snap = join(work, "snapshot");
    mkdirSync(snap);
    const db = new Database(join(work, "rpmdb.sqlite"));
    try {
      db.pragma("wal_autocheckpoint = 0");
      const beta = sqliteBlobs().find((b) => b.blob.includes(Buffer.from("vigil-beta\0")));
      assert.ok(beta);
      // What `rpm -e` does: drop the index rows pointing at the header, then the header.
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'Packages'")
        .all() as {
        name: string;
      }[];
      for (const { name } of tables) {
        const cols = db.prepare(`PRAGMA table_info('${name}')`).all() as { name: string }[];
        if (cols.some((c) => c.name === "hnum"))
          db.prepare(`DELETE FROM '${name}' WHERE hnum = ?`).run(beta.hnum);
      }
      db.prepare("DELETE FROM Packages WHERE hnum = ?").run(beta.hnum);
      copyFileSync(join(work, "rpmdb.sqlite"), join(snap, "rpmdb.sqlite"));
      copyFileSync(join(work, "rpmdb.sqlite-wal"), join(snap, "rpmdb.sqlite-wal"));
    } finally {
      db.close();
    }
    // The main file alone still holds vigil-beta: only the log has the deletion.
    const mainOnly = await readRpmSqlite(readFileSync(join(snap, "rpmdb.sqlite")));
    assert.ok(mainOnly.some((r) => r.blob.includes(Buffer.from("vigil-beta\0"))));
    const root = rootWith({
      "var/lib/rpm/rpmdb.sqlite": join(snap, "rpmdb.sqlite"),
      "var/lib/rpm/rpmdb.sqlite-wal": join(snap, "rpmdb.sqlite-wal"),
    });
    const privateTmp = mkdtempSync(join(tmpdir(), "vigil-tmpdir-"));
    roots.push(privateTmp);
    const saved = process.env["TMPDIR"];
    process.env["TMPDIR"] = privateTmp;
    let inv: Inventory;
    try {
      inv = await scan(root);
    } finally {
      if (saved === undefined) delete process.env["TMPDIR"];
      else process.env["TMPDIR"] = saved;
    }
    assert.deepEqual(readdirSync(privateTmp), [], "the temporary copy is removed");
    assert.deepEqual(inv.warnings, []);
    assert.ok(!inv.packages.some((p) => p.name === "vigil-beta"));
    assert.deepEqual(actual(inv), expected(rpmQuery(snap)));
    assert.equal(inv.packages.length, 5);
  });
});

describe("rpm Berkeley DB database", () => {
  for (const v of BDB_VARIANTS) {
    it(`lists what rpm's bdb_ro backend lists (${v.name})`, async () => {
      const dir = rpmBdbDb(v);
      const truth = rpmQuery(dir, "bdb_ro");
      assert.equal(truth.length, 7 * v.copies);
      const inv = await scan(rootWith({ "var/lib/rpm/Packages": join(dir, "Packages") }));
      assert.deepEqual(inv.warnings, []);
      assert.deepEqual(actual(inv), expected(truth));
      assert.ok(inv.packages.every((p) => p.location === "var/lib/rpm/Packages"));
    });
  }
});

describe("rpm ndb database", () => {
  it("lists the same packages as the SQLite database it was built from", async () => {
    const ndb = writeNdb(sqliteBlobs().map((b) => b.blob));
    const inv = await scan(rootWith({ "usr/lib/sysimage/rpm/Packages.db": ndb }));
    assert.deepEqual(inv.warnings, []);
    assert.deepEqual(actual(inv), expected(rpmQuery(join(rpmSqliteDb(), "db"))));
  });

  it("computes Adler-32 as RFC 1950 does", () => {
    // Known values: "Wikipedia" from the RFC's worked example, and zlib's checksum of "abc".
    assert.equal(adler32(Buffer.from("Wikipedia"), 0, 9), 0x11e60398);
    assert.equal(adler32(Buffer.from("abc"), 0, 3), 0x024d0127);
    const big = Buffer.alloc(100_000, 0xff);
    // Runs longer than the 5552-byte modulo window must still be reduced correctly.
    let a = 1;
    let b = 0;
    for (const x of big) {
      a = (a + x) % 65521;
      b = (b + a) % 65521;
    }
    assert.equal(adler32(big, 0, big.length), ((b << 16) | a) >>> 0);
  });
});

describe("source rpm names", () => {
  it("splits name, version and release from the right", () => {
    assert.deepEqual(parseSourceRpm("bash-5.1.8-6.el9.src.rpm"), {
      name: "bash",
      version: "5.1.8",
      release: "6.el9",
    });
    assert.deepEqual(parseSourceRpm("python-setuptools-wheel-53.0.0-12.el9.src.rpm"), {
      name: "python-setuptools-wheel",
      version: "53.0.0",
      release: "12.el9",
    });
    assert.deepEqual(parseSourceRpm("kernel-5.14.0-362.8.1.el9_3.nosrc.rpm"), {
      name: "kernel",
      version: "5.14.0",
      release: "362.8.1.el9_3",
    });
    assert.equal(parseSourceRpm("(none)"), undefined);
    assert.equal(parseSourceRpm("noversion.src.rpm"), undefined);
    assert.equal(parseSourceRpm("a-1.src.rpm"), undefined);
    assert.equal(parseSourceRpm("-1-2.src.rpm"), undefined);
  });
});
