import type { Migration } from "../db/migrations.js";

/** File name of the advisory database inside Vigil's data directory. */
export const ADVISORY_DB_FILE = "advisories.db";

/**
 * The advisory database schema, as numbered steps. JSON columns hold the feed's structures as
 * they are (ranges, severity, references); lookups only ever use the indexed scalar columns.
 */
export const ADVISORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "advisories, affected, aliases, kev, epss, nvd_cvss, feeds",
    sql: `
      CREATE TABLE advisories (
        id         TEXT PRIMARY KEY,
        source     TEXT NOT NULL,
        aliases    TEXT NOT NULL,
        related    TEXT NOT NULL,
        summary    TEXT,
        details    TEXT,
        published  TEXT,
        modified   TEXT NOT NULL,
        withdrawn  TEXT,
        severity   TEXT NOT NULL,
        refs       TEXT NOT NULL,
        cwes       TEXT,
        hash       TEXT NOT NULL
      );
      CREATE INDEX advisories_source ON advisories (source);

      CREATE TABLE affected (
        advisory_id TEXT NOT NULL,
        ecosystem   TEXT NOT NULL,
        name        TEXT NOT NULL,
        raw_name    TEXT NOT NULL,
        ranges      TEXT,
        versions    TEXT,
        severity    TEXT
      );
      CREATE INDEX affected_package ON affected (ecosystem, name);
      CREATE INDEX affected_advisory ON affected (advisory_id);

      CREATE TABLE aliases (
        alias       TEXT NOT NULL,
        advisory_id TEXT NOT NULL,
        PRIMARY KEY (alias, advisory_id)
      ) WITHOUT ROWID;
      CREATE INDEX aliases_advisory ON aliases (advisory_id);

      CREATE TABLE kev (
        cve_id             TEXT PRIMARY KEY,
        vendor_project     TEXT,
        product            TEXT,
        vulnerability_name TEXT,
        date_added         TEXT NOT NULL,
        due_date           TEXT,
        ransomware         TEXT,
        required_action    TEXT,
        hash               TEXT NOT NULL
      );

      CREATE TABLE epss (
        cve_id     TEXT PRIMARY KEY,
        score      REAL NOT NULL,
        percentile REAL NOT NULL,
        date       TEXT
      );

      CREATE TABLE nvd_cvss (
        cve_id        TEXT PRIMARY KEY,
        base_score    REAL,
        vector        TEXT,
        version       TEXT,
        metrics       TEXT NOT NULL,
        published     TEXT,
        last_modified TEXT,
        description   TEXT,
        hash          TEXT NOT NULL
      );

      CREATE TABLE feeds (
        name          TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        source        TEXT,
        etag          TEXT,
        last_modified TEXT,
        cursor        TEXT,
        last_update   TEXT,
        last_attempt  TEXT,
        records       INTEGER NOT NULL DEFAULT 0,
        added         INTEGER NOT NULL DEFAULT 0,
        changed       INTEGER NOT NULL DEFAULT 0,
        unchanged     INTEGER NOT NULL DEFAULT 0,
        withdrawn     INTEGER NOT NULL DEFAULT 0,
        removed       INTEGER NOT NULL DEFAULT 0,
        skipped       INTEGER NOT NULL DEFAULT 0,
        status        TEXT NOT NULL,
        error         TEXT
      );

      CREATE TABLE feed_files (
        feed          TEXT NOT NULL,
        url           TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        path          TEXT NOT NULL,
        bytes         INTEGER NOT NULL,
        fetched_at    TEXT NOT NULL,
        PRIMARY KEY (feed, url)
      );
    `,
  },
  {
    version: 2,
    name: "changes (re-evaluation log)",
    // What each import changed, for the service's re-evaluation: one row per package key
    // ("pkg", ecosystem, name) or CVE key ("cve", id), carrying the sequence of its latest change.
    // Bounded by the number of distinct keys, however often the feeds are imported.
    sql: `
      CREATE TABLE changes (
        kind      TEXT NOT NULL,
        ecosystem TEXT NOT NULL,
        name      TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        PRIMARY KEY (kind, ecosystem, name)
      );
      CREATE INDEX changes_seq ON changes (seq);
    `,
  },
];
