import { existsSync } from "node:fs";
import { join } from "node:path";
import { migrate, requireVersion } from "../db/migrations.js";
import { openSqlite, type SqliteDatabase } from "../db/sqlite.js";
import type { OsvRange } from "../versions/ranges.js";
import { normalizeEcosystem, normalizePackageName } from "./normalize.js";
import { ADVISORY_DB_FILE, ADVISORY_MIGRATIONS } from "./schema.js";
import type { Advisory, AdvisoryReader, AffectedEntry, CvssEntry, EpssEntry, KevEntry } from "./types.js";

export function advisoryDbPath(dataDir: string): string {
  return join(dataDir, ADVISORY_DB_FILE);
}

/** Opens (creating and migrating as needed) the advisory database for writing. */
export function openAdvisoryDatabase(dataDir: string): SqliteDatabase {
  const path = advisoryDbPath(dataDir);
  const db = openSqlite(path);
  try {
    migrate(db, ADVISORY_MIGRATIONS, path);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

export interface StoreCounts {
  advisories: number;
  withdrawn: number;
  affected: number;
  kev: number;
  epss: number;
  cvss: number;
}

/** The read side matching uses, plus what the CLI needs around it. */
export interface AdvisoryStore extends AdvisoryReader {
  readonly path: string;
  /** Ids of the advisories that list `alias` (a CVE id, a GHSA id …) among their aliases. */
  advisoriesWithAlias(alias: string): string[];
  counts(): StoreCounts;
  /**
   * What imports changed after sequence `after`: package keys whose advisories were added,
   * changed or removed, and CVEs whose KEV, EPSS or NVD data changed. `seq` is the new cursor.
   */
  changesSince(after: number): StoreChanges;
  /** Forgets cached lookups, so reads after an import see the new data. */
  refresh(): void;
  close(): void;
}

export interface StoreChanges {
  seq: number;
  packages: { ecosystem: string; name: string }[];
  cves: string[];
}

export interface OpenStoreOptions {
  /**
   * Read only (for scans): the database must exist and be at the current schema version.
   * Otherwise it is created or upgraded as needed.
   */
  readonly?: boolean;
}

interface AdvisoryRow {
  id: string;
  source: string;
  aliases: string;
  related: string;
  summary: string | null;
  details: string | null;
  published: string | null;
  modified: string;
  withdrawn: string | null;
  severity: string;
  refs: string;
  cwes: string | null;
}

interface AffectedRow {
  advisory_id: string;
  ecosystem: string;
  raw_name: string;
  ranges: string | null;
  versions: string | null;
  severity: string | null;
}

interface KevRow {
  cve_id: string;
  vendor_project: string | null;
  product: string | null;
  vulnerability_name: string | null;
  date_added: string;
  due_date: string | null;
  ransomware: string | null;
  required_action: string | null;
}

interface CvssRow {
  cve_id: string;
  base_score: number | null;
  vector: string | null;
  version: string | null;
  metrics: string;
  published: string | null;
  last_modified: string | null;
  description: string | null;
}

/** A map that forgets everything when full: lookups repeat within a scan, not across scans. */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  clear(): void {
    this.map.clear();
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
}

function toAffected(r: AffectedRow): AffectedEntry {
  const e: AffectedEntry = { advisoryId: r.advisory_id, ecosystem: r.ecosystem, packageName: r.raw_name };
  if (r.ranges !== null) e.ranges = JSON.parse(r.ranges) as OsvRange[];
  if (r.versions !== null) e.versions = JSON.parse(r.versions) as string[];
  if (r.severity !== null) e.severity = r.severity;
  return e;
}

function toAdvisory(r: AdvisoryRow): Advisory {
  const a: Advisory = {
    id: r.id,
    aliases: JSON.parse(r.aliases) as string[],
    related: JSON.parse(r.related) as string[],
    modified: r.modified,
    severity: JSON.parse(r.severity) as Advisory["severity"],
    references: JSON.parse(r.refs) as Advisory["references"],
    source: r.source,
  };
  if (r.summary !== null) a.summary = r.summary;
  if (r.details !== null) a.details = r.details;
  if (r.published !== null) a.published = r.published;
  if (r.withdrawn !== null) a.withdrawn = r.withdrawn;
  if (r.cwes !== null) a.cwes = JSON.parse(r.cwes) as string[];
  return a;
}

function toKev(r: KevRow): KevEntry {
  const k: KevEntry = { cveId: r.cve_id, dateAdded: r.date_added };
  if (r.vendor_project !== null) k.vendorProject = r.vendor_project;
  if (r.product !== null) k.product = r.product;
  if (r.vulnerability_name !== null) k.vulnerabilityName = r.vulnerability_name;
  if (r.due_date !== null) k.dueDate = r.due_date;
  if (r.ransomware !== null) k.knownRansomwareCampaignUse = r.ransomware;
  if (r.required_action !== null) k.requiredAction = r.required_action;
  return k;
}

function toCvss(r: CvssRow): CvssEntry {
  const c: CvssEntry = { cveId: r.cve_id, metrics: JSON.parse(r.metrics) as CvssEntry["metrics"] };
  if (r.base_score !== null) c.baseScore = r.base_score;
  if (r.vector !== null) c.vector = r.vector;
  if (r.version !== null) c.version = r.version;
  if (r.published !== null) c.published = r.published;
  if (r.last_modified !== null) c.lastModified = r.last_modified;
  if (r.description !== null) c.description = r.description;
  return c;
}

/**
 * Opens the advisory store in `<dataDir>/advisories.db`. Lookups are prepared statements on
 * indexed columns with a small in-process cache, since matching asks once per package and again
 * per source package (many binary packages share one source).
 */
export function openAdvisoryStore(dataDir: string, options: OpenStoreOptions = {}): AdvisoryStore {
  const path = advisoryDbPath(dataDir);
  let db: SqliteDatabase;
  if (options.readonly) {
    if (!existsSync(path))
      throw new Error(`no advisory database in ${dataDir}: run \`vigil db update\` first`);
    db = openSqlite(path, { readonly: true });
    try {
      requireVersion(db, ADVISORY_MIGRATIONS, path);
    } catch (e) {
      db.close();
      throw e;
    }
  } else {
    db = openAdvisoryDatabase(dataDir);
  }

  const qAffected = db.prepare<[string, string], AffectedRow>(
    "SELECT advisory_id, ecosystem, raw_name, ranges, versions, severity FROM affected WHERE ecosystem = ? AND name = ? ORDER BY advisory_id",
  );
  const qAdvisory = db.prepare<[string], AdvisoryRow>(
    "SELECT id, source, aliases, related, summary, details, published, modified, withdrawn, severity, refs, cwes FROM advisories WHERE id = ?",
  );
  const qKev = db.prepare<[string], KevRow>("SELECT * FROM kev WHERE cve_id = ?");
  const qEpss = db.prepare<
    [string],
    { cve_id: string; score: number; percentile: number; date: string | null }
  >("SELECT cve_id, score, percentile, date FROM epss WHERE cve_id = ?");
  const qCvss = db.prepare<[string], CvssRow>(
    "SELECT cve_id, base_score, vector, version, metrics, published, last_modified, description FROM nvd_cvss WHERE cve_id = ?",
  );
  const qAlias = db.prepare<[string], { advisory_id: string }>(
    "SELECT advisory_id FROM aliases WHERE alias = ? ORDER BY advisory_id",
  );

  const qChanges = db.prepare<[number], { kind: string; ecosystem: string; name: string; seq: number }>(
    "SELECT kind, ecosystem, name, seq FROM changes WHERE seq > ?",
  );

  const affectedCache = new BoundedCache<AffectedEntry[]>(50_000);
  const advisoryCache = new BoundedCache<Advisory | undefined>(50_000);
  let open = true;
  const check = () => {
    if (!open) throw new Error("advisory store is closed");
  };

  return {
    path,
    affected(ecosystem, name) {
      check();
      const eco = normalizeEcosystem(ecosystem);
      const key = `${eco}\0${normalizePackageName(eco, name)}`;
      let hit = affectedCache.get(key);
      if (!hit) {
        hit = qAffected.all(eco, normalizePackageName(eco, name)).map(toAffected);
        affectedCache.set(key, hit);
      }
      // Callers get their own array; the entries themselves are shared and must not be mutated.
      return hit.slice();
    },
    advisory(id) {
      check();
      if (advisoryCache.has(id)) return advisoryCache.get(id);
      const row = qAdvisory.get(id);
      const a = row ? toAdvisory(row) : undefined;
      advisoryCache.set(id, a);
      return a;
    },
    kev(cveId) {
      check();
      const row = qKev.get(cveId);
      return row ? toKev(row) : undefined;
    },
    epss(cveId) {
      check();
      const row = qEpss.get(cveId);
      if (!row) return undefined;
      const e: EpssEntry = { cveId: row.cve_id, score: row.score, percentile: row.percentile };
      if (row.date !== null) e.date = row.date;
      return e;
    },
    cvss(cveId) {
      check();
      const row = qCvss.get(cveId);
      return row ? toCvss(row) : undefined;
    },
    advisoriesWithAlias(alias) {
      check();
      return qAlias.all(alias).map((r) => r.advisory_id);
    },
    counts() {
      check();
      return storeCounts(db);
    },
    changesSince(after) {
      check();
      const out: StoreChanges = { seq: after, packages: [], cves: [] };
      for (const r of qChanges.iterate(after)) {
        if (r.seq > out.seq) out.seq = r.seq;
        if (r.kind === "pkg") out.packages.push({ ecosystem: r.ecosystem, name: r.name });
        else out.cves.push(r.name);
      }
      return out;
    },
    refresh() {
      affectedCache.clear();
      advisoryCache.clear();
    },
    close() {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}

export function storeCounts(db: SqliteDatabase): StoreCounts {
  const n = (sql: string) => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  return {
    advisories: n("SELECT COUNT(*) FROM advisories"),
    withdrawn: n("SELECT COUNT(*) FROM advisories WHERE withdrawn IS NOT NULL"),
    affected: n("SELECT COUNT(*) FROM affected"),
    kev: n("SELECT COUNT(*) FROM kev"),
    epss: n("SELECT COUNT(*) FROM epss"),
    cvss: n("SELECT COUNT(*) FROM nvd_cvss"),
  };
}
