/**
 * Real OS package databases for the extractor tests, built once under .cache/os-fixtures/ with
 * the real tools (dpkg's status file of this Debian machine, rpmbuild + rpm for an rpmdb.sqlite,
 * Berkeley DB's db5.3_load for Packages hash databases holding the same header blobs).
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { adler32 } from "../../../src/extractors/os/rpm-ndb.js";
import { cacheDir, repoRoot } from "../../support/fixtures.js";

export const osFixtures = join(cacheDir, "os-fixtures");
/** Bumped whenever a generated fixture changes, so stale cached copies are not reused. */
const VERSION = "v1";
export const handFixtures = join(repoRoot, "test/fixtures/os");

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  return execFileSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

/** Builds `dir` with `make(tmp)` unless it exists already; the rename makes it all-or-nothing. */
function cached(dir: string, make: (tmp: string) => void): string {
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    make(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Test files run in parallel processes: another one may have finished the same fixture.
      if (!existsSync(dir)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------
// dpkg

/** Extra stanzas covering every dpkg package state, appended to the machine's status file. */
export const EXTRA_DPKG_STANZAS = `Package: vigil-rc
Status: deinstall ok config-files
Priority: optional
Section: misc
Architecture: amd64
Version: 1.0-1
Conffiles:
 /etc/vigil-rc.conf 0123456789abcdef0123456789abcdef
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-pn
Status: purge ok not-installed
Priority: optional
Section: misc
Architecture: amd64
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-half-installed
Status: install reinstreq half-installed
Priority: optional
Section: misc
Architecture: amd64
Version: 2.0-1
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-unpacked
Status: install ok unpacked
Priority: optional
Section: misc
Architecture: amd64
Source: vigil-src (7:2.0-3)
Version: 7:2.0-3+b1
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-half-configured
Status: install ok half-configured
Architecture: all
Source: vigil-src
Version: 1:0.1
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-triggers-awaited
Status: install ok triggers-awaited
Triggers-Awaited: vigil-triggers-pending
Architecture: all
Version: 0.2
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-triggers-pending
Status: install ok triggers-pending
Triggers-Pending: /usr/share/vigil
Architecture: all
Version: 0.3
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-held
Status: hold ok installed
Architecture: amd64
Version: 0.4~rc1
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-removing
Status: deinstall ok installed
Architecture: amd64
Multi-Arch: same
Version: 0.5
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text

Package: vigil-removing
Status: install ok installed
Architecture: i386
Multi-Arch: same
Version: 0.5
Maintainer: Vigil Tests <tests@example.org>
Description: a test stanza
 continuation line
 .
 more text
`;

/**
 * A dpkg admin directory: this machine's status file (Debian 12) plus EXTRA_DPKG_STANZAS, laid
 * out as a root filesystem so the same directory serves dpkg-query --admindir and the inventory.
 */
export function dpkgRoot(): string {
  return cached(join(osFixtures, `dpkg-root-${VERSION}`), (tmp) => {
    const admin = join(tmp, "var/lib/dpkg");
    mkdirSync(admin, { recursive: true });
    copyFileSync("/var/lib/dpkg/status", join(admin, "status"));
    // dpkg writes stanzas separated by one blank line and ends the file with one.
    const status = readFileSync(join(admin, "status"), "utf8");
    writeFileSync(join(admin, "status"), `${status.trimEnd()}\n\n${EXTRA_DPKG_STANZAS}\n`);
    // dpkg-query also reads these when present; an empty updates/ keeps it from complaining.
    mkdirSync(join(admin, "updates"), { recursive: true });
    mkdirSync(join(admin, "info"), { recursive: true });
  });
}

/** dpkg-query's view of an admin directory: every package with its state abbreviation. */
export function dpkgQuery(
  adminDir: string,
): { name: string; arch: string; version: string; source: string; sourceVersion: string; abbrev: string }[] {
  const out = run("dpkg-query", [
    `--admindir=${adminDir}`,
    "-W",
    "-f",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
    "${Package}\t${Architecture}\t${Version}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n",
  ]);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [name, arch, version, source, sourceVersion, abbrev] = l.split("\t");
      return {
        name: name!,
        arch: arch!,
        version: version!,
        source: source!,
        sourceVersion: sourceVersion!,
        abbrev: abbrev!.trim(),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// rpm

const LONG_DESCRIPTION = Array.from(
  { length: 400 },
  (_, i) => `Line ${i} of a long description that makes this header span many Berkeley DB overflow pages.`,
).join("\n");

const SPECS: Record<string, string> = {
  "vigil-alpha.spec": `Name: vigil-alpha
Version: 1.2.3
Release: 4.fc40
Epoch: 2
Summary: epoch 2, noarch
License: MIT
BuildArch: noarch
%description
A package with an epoch.
%files
`,
  "vigil-beta.spec": `Name: vigil-beta
Version: 0.9
Release: 1
Summary: no epoch, x86_64
License: MIT
BuildArch: x86_64
%description
A package without an epoch.
%files
`,
  "vigil-gamma.spec": `Name: vigil-gamma
Version: 1.0
Release: 2.el9
Epoch: 1
Summary: a source package with a subpackage
License: MIT
BuildArch: noarch
%description
The main package.
%package libs
Summary: the libraries
%description libs
A subpackage: its source rpm is vigil-gamma.
%files
%files libs
`,
  "vigil-delta.spec": `Name: vigil-delta
Version: 3.0~rc1
Release: 0.1.el9_2
Epoch: 0
Summary: explicit epoch 0, tilde version, a large header
License: MIT
BuildArch: noarch
%description
${LONG_DESCRIPTION}
%files
`,
  "vigil-epsilon.spec": `Name: vigil-epsilon
Version: 5.32
Release: 1.module+el8.4.0+1234
Summary: a modular package
License: MIT
BuildArch: noarch
ModularityLabel: perl:5.32:8040020210602095431:9fe1d287
%description
A package from a module stream.
%files
`,
};

/** The format string for `rpm -qa` used as the truth, with one package per line. */
export const RPM_QF = "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n";

export interface RpmTruth {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  sourceRpm: string;
}

/** What rpm itself lists for a database directory (bdb_ro for Berkeley DB Packages files). */
export function rpmQuery(dbDir: string, backend: "sqlite" | "bdb_ro" = "sqlite"): RpmTruth[] {
  const out = run("rpm", ["-qa", "--dbpath", dbDir, "--define", `_db_backend ${backend}`, "--qf", RPM_QF]);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [name, epoch, version, release, arch, sourceRpm] = l.split("\t");
      return {
        name: name!,
        epoch: Number(epoch),
        version: version!,
        release: release!,
        arch: arch!,
        sourceRpm: sourceRpm!,
      };
    });
}

/** A real rpmdb.sqlite made by rpm from packages made by rpmbuild, plus one imported gpg key. */
export function rpmSqliteDb(): string {
  return cached(join(osFixtures, `rpm-sqlite-${VERSION}`), (tmp) => {
    const top = join(tmp, "build");
    const specs = join(top, "SPECS");
    mkdirSync(specs, { recursive: true });
    for (const [file, text] of Object.entries(SPECS)) {
      writeFileSync(join(specs, file), text);
      run("rpmbuild", [
        "--quiet",
        "--define",
        `_topdir ${top}`,
        "--define",
        `_tmppath ${join(top, "tmp")}`,
        "-bb",
        join(specs, file),
      ]);
    }
    const rpms: string[] = [];
    for (const arch of readdirSync(join(top, "RPMS"))) {
      for (const f of readdirSync(join(top, "RPMS", arch))) rpms.push(join(top, "RPMS", arch, f));
    }
    const db = join(tmp, "db");
    mkdirSync(db);
    run("rpm", ["--dbpath", db, "--initdb"]);
    run("rpm", ["-i", "--nodeps", "--justdb", "--noscripts", "--dbpath", db, ...rpms.sort()]);
    run("rpm", ["--dbpath", db, "--import", join(handFixtures, "debian-bookworm-stable.asc")]);
    rmSync(top, { recursive: true, force: true });
  });
}

/** The header blobs of the SQLite fixture, read with SQLite directly (hnum order). */
export function sqliteBlobs(): { hnum: number; blob: Buffer }[] {
  const db = new Database(join(rpmSqliteDb(), "db/rpmdb.sqlite"), { readonly: true });
  try {
    return db.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").all() as {
      hnum: number;
      blob: Buffer;
    }[];
  } finally {
    db.close();
  }
}

export interface BdbVariant {
  /** Directory name under os-fixtures. */
  name: string;
  pageSize: number;
  bigEndian: boolean;
  /** How many times every header is stored (under distinct keys), to grow the hash table. */
  copies: number;
  checksum?: boolean;
}

export const BDB_VARIANTS: BdbVariant[] = [
  { name: "bdb-le-4096", pageSize: 4096, bigEndian: false, copies: 1 },
  { name: "bdb-be-512", pageSize: 512, bigEndian: true, copies: 1 },
  { name: "bdb-le-1024-many", pageSize: 1024, bigEndian: false, copies: 60 },
];

/** Page checksums on: a layout rpm never wrote, which the reader must refuse clearly. */
export const BDB_CHECKSUM_VARIANT: BdbVariant = {
  name: "bdb-le-4096-chksum",
  pageSize: 4096,
  bigEndian: false,
  copies: 1,
  checksum: true,
};

/**
 * A Berkeley DB hash `Packages` database with the SQLite fixture's header blobs, written by
 * db5.3_load as rpm did: 4-byte header-number keys in the writer's byte order, header blobs as
 * values, and rpm's counter record under key 0.
 */
export function rpmBdbDb(v: BdbVariant): string {
  return cached(join(osFixtures, `${v.name}-${VERSION}`), (tmp) => {
    const blobs = sqliteBlobs();
    const key = (n: number) => {
      const b = Buffer.alloc(4);
      if (v.bigEndian) b.writeUInt32BE(n);
      else b.writeUInt32LE(n);
      return b.toString("hex");
    };
    const lines = ["VERSION=3", "format=bytevalue", "type=hash", `db_pagesize=${v.pageSize}`, "HEADER=END"];
    let n = 0;
    for (let c = 0; c < v.copies; c++) {
      for (const { blob } of blobs) {
        n++;
        lines.push(` ${key(n)}`, ` ${blob.toString("hex")}`);
      }
    }
    lines.push(` ${key(0)}`, ` ${key(n + 1)}`);
    lines.push("DATA=END", "");
    const dump = join(tmp, "dump.txt");
    writeFileSync(dump, lines.join("\n"));
    const args = ["-f", dump, "-c", `db_lorder=${v.bigEndian ? 4321 : 1234}`];
    if (v.checksum) args.push("-c", "chksum=1");
    run("db5.3_load", [...args, join(tmp, "Packages")]);
    rmSync(dump);
  });
}

/** An ndb Packages.db with the SQLite fixture's header blobs, written per rpm's rpmpkg.c layout. */
export function writeNdb(blobs: readonly Buffer[]): Buffer {
  const PAGE = 4096;
  const SLOT = 16;
  const BLK = 16;
  const slotPages = Math.max(1, Math.ceil((blobs.length + 2) / (PAGE / SLOT)));
  const slotArea = Buffer.alloc(slotPages * PAGE);
  slotArea.write("RpmP", 0, "latin1");
  slotArea.writeUInt32LE(0, 4); // version
  slotArea.writeUInt32LE(1, 8); // generation
  slotArea.writeUInt32LE(slotPages, 12);
  slotArea.writeUInt32LE(blobs.length + 1, 16); // next package index
  for (let s = 2; s < slotArea.length / SLOT; s++) slotArea.write("Slot", s * SLOT, "latin1");
  const parts: Buffer[] = [slotArea];
  let block = slotArea.length / BLK;
  blobs.forEach((blob, i) => {
    const pkgIndex = i + 1;
    const blkCnt = Math.ceil((16 + blob.length + 12) / BLK);
    const rec = Buffer.alloc(blkCnt * BLK);
    rec.write("BlbS", 0, "latin1");
    rec.writeUInt32LE(pkgIndex, 4);
    rec.writeUInt32LE(1700000000, 8);
    rec.writeUInt32LE(blob.length, 12);
    blob.copy(rec, 16);
    const tail = rec.length - 12;
    rec.writeUInt32LE(adler32(rec, 0, tail), tail);
    rec.writeUInt32LE(blob.length, tail + 4);
    rec.write("BlbE", tail + 8, "latin1");
    slotArea.writeUInt32LE(pkgIndex, (i + 2) * SLOT + 4);
    slotArea.writeUInt32LE(block, (i + 2) * SLOT + 8);
    slotArea.writeUInt32LE(blkCnt, (i + 2) * SLOT + 12);
    parts.push(rec);
    block += blkCnt;
  });
  return Buffer.concat(parts);
}
