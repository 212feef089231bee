import type { SqliteDatabase } from "./sqlite.js";

/** One schema step. Versions start at 1 and increase by one; a step is never edited once shipped. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run inside the migration's transaction. */
  sql: string;
}

const TABLE = "schema_migrations";

/** The highest applied migration, 0 for a fresh database. */
export function schemaVersion(db: SqliteDatabase): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(TABLE);
  if (!exists) return 0;
  const row = db.prepare(`SELECT MAX(version) AS v FROM ${TABLE}`).get() as { v: number | null };
  return row.v ?? 0;
}

/** The version a migration list brings a database to. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration list out of order at ${m.name}: expected version ${i + 1}`);
  });
}

/**
 * Applies the pending migrations in order, each in its own transaction together with its row in
 * schema_migrations, so an interrupted upgrade resumes at the first step not recorded.
 * A database newer than this code is refused rather than guessed at.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[], label = "database"): number {
  checkList(migrations);
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
  );
  const current = schemaVersion(db);
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new Error(`${label} has schema version ${current}, newer than this Vigil understands (${latest})`);
  }
  const record = db.prepare(`INSERT INTO ${TABLE} (version, name, applied_at) VALUES (?, ?, ?)`);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
  db.pragma(`user_version = ${latest}`);
  return latest;
}

/** For read-only opens: the schema must be exactly what this code expects. */
export function requireVersion(
  db: SqliteDatabase,
  migrations: readonly Migration[],
  label = "database",
): void {
  const current = schemaVersion(db);
  const latest = latestVersion(migrations);
  if (current < latest) {
    throw new Error(
      `${label} has schema version ${current}, older than ${latest}: run \`vigil db update\` to upgrade it`,
    );
  }
  if (current > latest) {
    throw new Error(`${label} has schema version ${current}, newer than this Vigil understands (${latest})`);
  }
}
