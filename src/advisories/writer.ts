import { createHash } from "node:crypto";
import type { SqliteDatabase } from "../db/sqlite.js";
import type { Feed, FeedSink } from "./feeds/feed.js";
import { normalizeEcosystem, normalizePackageName } from "./normalize.js";
import type { Advisory, AffectedEntry, CvssEntry, EpssEntry, KevEntry } from "./types.js";

/** What one feed's import did. */
export interface FeedCounts {
  /** Records new to the store. */
  added: number;
  /** Records whose content (or `modified`) differs from the stored version; rewritten. */
  changed: number;
  /** Records identical to the stored version; not written. */
  unchanged: number;
  /** Records that became withdrawn in this run (new records already withdrawn included). */
  withdrawn: number;
  /** Stored records the feed no longer has; deleted (snapshot feeds only). */
  removed: number;
  /** Records that could not be read or conflict with another feed; see the warnings. */
  skipped: number;
}

export const zeroCounts = (): FeedCounts => ({
  added: 0,
  changed: 0,
  unchanged: 0,
  withdrawn: 0,
  removed: 0,
  skipped: 0,
});

const sha1 = (s: string) => createHash("sha1").update(s).digest("base64");

/** Statements prepared once per import run. */
export class WriteStatements {
  readonly advisoryState;
  readonly advisoryOwner;
  readonly upsertAdvisory;
  readonly deleteAdvisory;
  readonly deleteAffected;
  readonly insertAffected;
  readonly deleteAliases;
  readonly insertAlias;
  readonly kevState;
  readonly upsertKev;
  readonly deleteKev;
  readonly epssState;
  readonly upsertEpss;
  readonly deleteEpss;
  readonly cvssHash;
  readonly upsertCvss;
  readonly affectedKeys;
  readonly recordChange;

  constructor(db: SqliteDatabase) {
    this.advisoryState = db
      .prepare<[string], [string, string, number]>(
        "SELECT id, hash, withdrawn IS NOT NULL FROM advisories WHERE source = ?",
      )
      .raw();
    this.advisoryOwner = db.prepare<[string], string>("SELECT source FROM advisories WHERE id = ?").pluck();
    this.upsertAdvisory = db.prepare(
      `INSERT OR REPLACE INTO advisories
         (id, source, aliases, related, summary, details, published, modified, withdrawn, severity, refs, cwes, hash)
       VALUES (@id, @source, @aliases, @related, @summary, @details, @published, @modified, @withdrawn, @severity, @refs, @cwes, @hash)`,
    );
    this.deleteAdvisory = db.prepare("DELETE FROM advisories WHERE id = ?");
    this.deleteAffected = db.prepare("DELETE FROM affected WHERE advisory_id = ?");
    this.insertAffected = db.prepare(
      "INSERT INTO affected (advisory_id, ecosystem, name, raw_name, ranges, versions, severity) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.deleteAliases = db.prepare("DELETE FROM aliases WHERE advisory_id = ?");
    this.insertAlias = db.prepare("INSERT OR IGNORE INTO aliases (alias, advisory_id) VALUES (?, ?)");
    this.kevState = db.prepare<[], [string, string]>("SELECT cve_id, hash FROM kev").raw();
    this.upsertKev = db.prepare(
      `INSERT OR REPLACE INTO kev
         (cve_id, vendor_project, product, vulnerability_name, date_added, due_date, ransomware, required_action, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteKev = db.prepare("DELETE FROM kev WHERE cve_id = ?");
    this.epssState = db
      .prepare<[], [string, number, number]>("SELECT cve_id, score, percentile FROM epss")
      .raw();
    this.upsertEpss = db.prepare(
      "INSERT OR REPLACE INTO epss (cve_id, score, percentile, date) VALUES (?, ?, ?, ?)",
    );
    this.deleteEpss = db.prepare("DELETE FROM epss WHERE cve_id = ?");
    this.cvssHash = db.prepare<[string], string>("SELECT hash FROM nvd_cvss WHERE cve_id = ?").pluck();
    this.upsertCvss = db.prepare(
      `INSERT OR REPLACE INTO nvd_cvss
         (cve_id, base_score, vector, version, metrics, published, last_modified, description, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.affectedKeys = db
      .prepare<[string], [string, string]>(
        "SELECT DISTINCT ecosystem, name FROM affected WHERE advisory_id = ?",
      )
      .raw();
    // The whole import is one transaction, so MAX(seq)+1 cannot race with another writer.
    this.recordChange = db.prepare<[string, string, string]>(
      `INSERT INTO changes (kind, ecosystem, name, seq)
       VALUES (?, ?, ?, (SELECT IFNULL(MAX(seq), 0) + 1 FROM changes))
       ON CONFLICT (kind, ecosystem, name) DO UPDATE SET seq = excluded.seq`,
    );
  }

  /** Records that the packages an advisory names (before or after a change) need re-evaluation. */
  packagesChanged(advisoryId: string): void {
    for (const [ecosystem, name] of this.affectedKeys.all(advisoryId))
      this.recordChange.run("pkg", ecosystem, name);
  }

  cveChanged(cveId: string): void {
    this.recordChange.run("cve", "", cveId);
  }
}

const MAX_WARNINGS = 200;

/**
 * Receives one feed's records inside the import transaction and writes only what changed:
 * each record is compared with the stored version by a hash of its normalized content (which
 * includes `modified`), so an unchanged record costs one map lookup. For snapshot feeds, stored
 * records the run did not see are removed at the end.
 */
export class FeedWriter implements FeedSink {
  readonly counts = zeroCounts();
  readonly warnings: string[] = [];
  private warningsDropped = 0;
  /** Stored state of this feed's records: id → [hash, withdrawn]. */
  private readonly existing = new Map<string, [string, boolean]>();
  private readonly kevExisting = new Map<string, string>();
  private readonly epssExisting = new Map<string, string>();
  private readonly seen = new Set<string>();
  private readonly epssDates = new Set<string>();
  signal?: AbortSignal;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly st: WriteStatements,
    private readonly feed: Feed,
    /** Timestamp for records whose feed carries no `modified` (Debian tracker, Alpine). */
    private readonly now: string,
    private readonly onProgress: (done: number, total?: number) => void = () => {},
  ) {
    if (feed.kind === "advisories") {
      for (const [id, hash, withdrawn] of st.advisoryState.all(feed.name))
        this.existing.set(id, [hash, withdrawn === 1]);
    } else if (feed.kind === "kev") {
      for (const [id, hash] of st.kevState.all()) this.kevExisting.set(id, hash);
    } else if (feed.kind === "epss") {
      for (const [id, score, pct] of st.epssState.all()) this.epssExisting.set(id, `${score}|${pct}`);
    }
  }

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.warningsDropped++;
  }

  progress(done: number, total?: number): void {
    this.onProgress(done, total);
  }

  skip(where: string, reason: string, id?: string): void {
    this.counts.skipped++;
    if (id !== undefined) this.seen.add(id);
    this.warn(`${where}: ${reason}${id !== undefined ? " (stored version kept)" : ""}`);
  }

  advisory(a: Advisory, affected: AffectedEntry[]): void {
    if (a.source !== this.feed.name)
      throw new Error(`${a.id}: record of ${a.source} given to feed ${this.feed.name}`);
    if (this.seen.has(a.id)) {
      this.counts.skipped++;
      this.warn(`${a.id}: appears more than once in the feed; the first one is kept`);
      return;
    }
    this.seen.add(a.id);
    const hash = sha1(JSON.stringify([a, affected]));
    const prev = this.existing.get(a.id);
    if (prev === undefined) {
      const owner = this.st.advisoryOwner.get(a.id);
      if (owner !== undefined) {
        this.counts.skipped++;
        this.warn(`${a.id}: already provided by feed ${owner}; this feed's record is not imported`);
        return;
      }
    } else if (prev[0] === hash) {
      this.counts.unchanged++;
      return;
    }
    this.st.upsertAdvisory.run({
      id: a.id,
      source: a.source,
      aliases: JSON.stringify(a.aliases),
      related: JSON.stringify(a.related),
      summary: a.summary ?? null,
      details: a.details ?? null,
      published: a.published ?? null,
      modified: a.modified || this.now,
      withdrawn: a.withdrawn ?? null,
      severity: JSON.stringify(a.severity),
      refs: JSON.stringify(a.references),
      cwes: a.cwes ? JSON.stringify(a.cwes) : null,
      hash,
    });
    if (prev !== undefined) {
      this.st.packagesChanged(a.id);
      this.st.deleteAffected.run(a.id);
      this.st.deleteAliases.run(a.id);
    }
    for (const e of affected) {
      const ecosystem = normalizeEcosystem(e.ecosystem);
      this.st.insertAffected.run(
        a.id,
        ecosystem,
        normalizePackageName(ecosystem, e.packageName),
        e.packageName,
        e.ranges ? JSON.stringify(e.ranges) : null,
        e.versions ? JSON.stringify(e.versions) : null,
        e.severity ?? null,
      );
    }
    for (const alias of a.aliases) this.st.insertAlias.run(alias, a.id);
    this.st.packagesChanged(a.id);
    if (prev === undefined) this.counts.added++;
    else this.counts.changed++;
    if (a.withdrawn && !prev?.[1]) this.counts.withdrawn++;
  }

  kev(k: KevEntry): void {
    const hash = sha1(JSON.stringify(k));
    const first = !this.seen.has(k.cveId);
    this.seen.add(k.cveId);
    const prev = this.kevExisting.get(k.cveId);
    if (prev === hash) {
      if (first) this.counts.unchanged++;
      return;
    }
    this.st.upsertKev.run(
      k.cveId,
      k.vendorProject ?? null,
      k.product ?? null,
      k.vulnerabilityName ?? null,
      k.dateAdded,
      k.dueDate ?? null,
      k.knownRansomwareCampaignUse ?? null,
      k.requiredAction ?? null,
      hash,
    );
    this.st.cveChanged(k.cveId);
    this.kevExisting.set(k.cveId, hash);
    if (!first) return;
    if (prev === undefined) this.counts.added++;
    else this.counts.changed++;
  }

  epss(e: EpssEntry): void {
    // The score date changes daily for every row; it is compared separately (see finish()).
    const state = `${e.score}|${e.percentile}`;
    const first = !this.seen.has(e.cveId);
    this.seen.add(e.cveId);
    if (e.date) this.epssDates.add(e.date);
    const prev = this.epssExisting.get(e.cveId);
    if (prev === state) {
      if (first) this.counts.unchanged++;
      return;
    }
    this.st.upsertEpss.run(e.cveId, e.score, e.percentile, e.date ?? null);
    this.st.cveChanged(e.cveId);
    this.epssExisting.set(e.cveId, state);
    if (!first) return;
    if (prev === undefined) this.counts.added++;
    else this.counts.changed++;
  }

  cvss(c: CvssEntry): void {
    const hash = sha1(JSON.stringify(c));
    const first = !this.seen.has(c.cveId);
    this.seen.add(c.cveId);
    const prev = this.st.cvssHash.get(c.cveId);
    if (prev === hash) {
      if (first) this.counts.unchanged++;
      return;
    }
    this.st.upsertCvss.run(
      c.cveId,
      c.baseScore ?? null,
      c.vector ?? null,
      c.version ?? null,
      JSON.stringify(c.metrics),
      c.published ?? null,
      c.lastModified ?? null,
      c.description ?? null,
      hash,
    );
    this.st.cveChanged(c.cveId);
    if (!first) return;
    if (prev === undefined) this.counts.added++;
    else this.counts.changed++;
  }

  /** Removes what a snapshot feed no longer carries; returns the feed's record count. */
  finish(): { counts: FeedCounts; records: number; warnings: string[] } {
    const stored = this.existing.size + this.kevExisting.size + this.epssExisting.size;
    if (this.feed.snapshot && stored > 0 && this.seen.size === 0) {
      // An empty snapshot is far likelier a broken download than a feed that emptied overnight.
      throw new Error(`the new data has no records; refusing to remove all ${stored} stored records`);
    }
    if (this.feed.snapshot) {
      if (this.feed.kind === "advisories") {
        for (const id of this.existing.keys()) {
          if (this.seen.has(id)) continue;
          this.st.packagesChanged(id);
          this.st.deleteAffected.run(id);
          this.st.deleteAliases.run(id);
          this.st.deleteAdvisory.run(id);
          this.counts.removed++;
        }
      } else if (this.feed.kind === "kev") {
        for (const id of this.kevExisting.keys()) {
          if (!this.seen.has(id)) {
            this.st.deleteKev.run(id);
            this.st.cveChanged(id);
            this.counts.removed++;
          }
        }
      } else if (this.feed.kind === "epss") {
        for (const id of this.epssExisting.keys()) {
          if (!this.seen.has(id)) {
            this.st.deleteEpss.run(id);
            this.st.cveChanged(id);
            this.counts.removed++;
          }
        }
      }
    }
    if (this.feed.kind === "epss" && this.epssDates.size === 1) {
      const [date] = this.epssDates;
      this.db.prepare("UPDATE epss SET date = ? WHERE date IS NOT ?").run(date, date);
    }
    if (this.warningsDropped > 0) this.warnings.push(`… and ${this.warningsDropped} more warnings`);
    return { counts: this.counts, records: this.recordCount(), warnings: this.warnings };
  }

  private recordCount(): number {
    const table = { advisories: "advisories", kev: "kev", epss: "epss", cvss: "nvd_cvss" }[this.feed.kind];
    const sql =
      this.feed.kind === "advisories"
        ? "SELECT COUNT(*) FROM advisories WHERE source = ?"
        : `SELECT COUNT(*) FROM ${table}`;
    const stmt = this.db.prepare(sql).pluck();
    return (this.feed.kind === "advisories" ? stmt.get(this.feed.name) : stmt.get()) as number;
  }
}
