/**
 * rpm's SQLite backend (rpm >= 4.16: Fedora 33+, RHEL 9, Amazon Linux 2023...): rpmdb.sqlite with
 * a table Packages(hnum INTEGER PRIMARY KEY, blob BLOB) of header blobs.
 *
 * The database is opened from memory (sqlite3_deserialize through better-sqlite3), so nothing is
 * written to disk. rpm runs the database in WAL mode; an in-memory image cannot use a WAL, so the
 * copy's header is switched back to the rollback-journal format, which changes nothing about the
 * stored pages. When the tree also holds a non-empty rpmdb.sqlite-wal (changes not yet
 * checkpointed), both files go to a private temporary directory instead so SQLite applies it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

export interface SqliteBlob {
  hnum: number;
  blob: Buffer;
}

const SQLITE_MAGIC = "SQLite format 3\0";

function readRows(db: Database.Database): SqliteBlob[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'Packages'").get();
  if (!table) throw new Error("no Packages table");
  const rows = db.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").all() as {
    hnum: unknown;
    blob: unknown;
  }[];
  return rows.map((r, i) => {
    if (typeof r.hnum !== "number" || !Buffer.isBuffer(r.blob)) {
      throw new Error(`Packages row ${i + 1}: expected an integer hnum and a BLOB`);
    }
    return { hnum: r.hnum, blob: r.blob };
  });
}

/** SQLite's own errors ("database disk image is malformed") get a prefix saying where they came from. */
function sqliteError(e: unknown): unknown {
  return e instanceof Database.SqliteError ? new Error(`sqlite: ${e.message}`) : e;
}

/**
 * Reads every header blob of an rpmdb.sqlite image (and its write-ahead log, when one is given).
 * `image` is modified in place: its header is switched to rollback-journal mode.
 */
export async function readRpmSqlite(image: Buffer, wal?: Buffer): Promise<SqliteBlob[]> {
  if (image.length < 100 || image.toString("latin1", 0, 16) !== SQLITE_MAGIC) {
    throw new Error("not an SQLite database (bad header)");
  }
  if (wal && wal.length > 0) return readWithWal(image, wal);
  // Bytes 18 and 19 are the read / write format versions: 2 means WAL, 1 rollback journal.
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  let db: Database.Database | undefined;
  try {
    db = new Database(image, { readonly: true });
    return readRows(db);
  } catch (e) {
    throw sqliteError(e);
  } finally {
    db?.close();
  }
}

async function readWithWal(image: Buffer, wal: Buffer): Promise<SqliteBlob[]> {
  const dir = await mkdtemp(join(tmpdir(), "vigil-rpmdb-"));
  let db: Database.Database | undefined;
  try {
    const file = join(dir, "rpmdb.sqlite");
    await writeFile(file, image, { mode: 0o600 });
    await writeFile(`${file}-wal`, wal, { mode: 0o600 });
    try {
      // Read-only, yet SQLite may create the -shm index beside the copy, in our directory.
      db = new Database(file, { readonly: true, fileMustExist: true });
      return readRows(db);
    } catch (e) {
      throw sqliteError(e);
    }
  } finally {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
