import { join } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { openSqlite } from "../sqlite.js";
import { migrateService, type ServiceDialect } from "./migrations.js";
import type { ServiceTables } from "./schema.js";

export type ServiceDb = Kysely<ServiceTables>;

export interface ServiceDatabase {
  db: ServiceDb;
  dialect: ServiceDialect;
  /** Where the data lives, for messages: a file path or the URL without its password. */
  label: string;
  close(): Promise<void>;
}

export const SERVICE_DB_FILE = "vigil.db";

// bigint columns hold epoch milliseconds and counts, well inside 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

/** The URL with its password masked, safe to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable database URL>";
  }
}

/**
 * Opens the service database: `<dataDir>/vigil.db` (SQLite, WAL) unless `url` names a PostgreSQL
 * server (`postgres://user:pass@host:port/db`). The schema is migrated before returning.
 */
export async function openServiceDatabase(options: {
  dataDir: string;
  url?: string;
  /** Migrate only up to this step (for tests of data migrations). */
  migrateUpTo?: string;
}): Promise<ServiceDatabase> {
  const url = options.url;
  if (url && !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(
      `--database ${redactUrl(url)}: expected a postgres:// URL (SQLite is the default; omit --database)`,
    );
  }
  if (url) {
    const label = redactUrl(url);
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
    pool.on("error", () => {
      // An idle client lost its server; the pool replaces it. Queries report their own errors.
    });
    const db = new Kysely<ServiceTables>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migrateService(db as Kysely<unknown>, "postgres", label, options.migrateUpTo);
    } catch (e) {
      await db.destroy();
      const code = (e as { code?: string }).code;
      throw new Error(
        code === "ECONNREFUSED"
          ? `${label}: cannot connect to PostgreSQL (connection refused)`
          : `${label}: ${(e as Error).message}`,
      );
    }
    return { db, dialect: "postgres", label, close: () => db.destroy() };
  }
  const path = join(options.dataDir, SERVICE_DB_FILE);
  const sqlite = openSqlite(path);
  sqlite.pragma("foreign_keys = ON");
  const db = new Kysely<ServiceTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateService(db as Kysely<unknown>, "sqlite", path, options.migrateUpTo);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { db, dialect: "sqlite", label: path, close: () => db.destroy() };
}
