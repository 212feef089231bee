import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type SqliteDatabase = Database.Database;

export interface OpenSqliteOptions {
  /** Open for reading only; the file must exist. */
  readonly?: boolean;
  /** How long a statement waits for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
}

/**
 * Opens a SQLite file with the settings every Vigil database uses: WAL (readers never block the
 * writer and see the last committed state), NORMAL sync (durable at checkpoints, safe with WAL),
 * and a busy timeout so a concurrent writer makes us wait instead of failing at once.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  const readonly = options.readonly === true;
  if (readonly && !existsSync(path)) throw new Error(`${path}: no such database`);
  if (!readonly) mkdirSync(dirname(path), { recursive: true });
  let db: SqliteDatabase;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? 10_000 });
  } catch (e) {
    throw new Error(`${path}: cannot open database: ${(e as Error).message}`);
  }
  try {
    if (!readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    // Fail fast on a file that is not SQLite at all rather than at the first query.
    db.pragma("schema_version");
    db.pragma("cache_size = -32000");
    db.pragma("temp_store = MEMORY");
  } catch (e) {
    db.close();
    throw new Error(`${path}: not a usable SQLite database: ${(e as Error).message}`);
  }
  return db;
}
