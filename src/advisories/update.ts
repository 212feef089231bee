import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { schemaVersion } from "../db/migrations.js";
import { openSqlite, type SqliteDatabase } from "../db/sqlite.js";
import {
  cancellableSleep,
  downloadFile,
  getText,
  type HttpOptions,
  HttpStatusError,
  NetworkError,
} from "./download.js";
import type { Feed, FeedInput, FeedKind, FeedOptions, FetchContext } from "./feeds/feed.js";
import { FIXED_FEEDS, selectFeeds } from "./feeds/index.js";
import { advisoryDbPath, openAdvisoryDatabase, type StoreCounts, storeCounts } from "./store.js";
import { type FeedCounts, FeedWriter, WriteStatements, zeroCounts } from "./writer.js";

export type { FeedCounts } from "./writer.js";

/** Progress of an update, per feed: bytes while fetching, records while importing. */
export interface UpdateProgress {
  feed: string;
  phase: "fetch" | "import";
  done: number;
  total?: number;
  unit: "bytes" | "records";
}

export interface UpdateOptions {
  /** Vigil's data directory; the database is `<dataDir>/advisories.db`, downloads go to `<dataDir>/downloads/`. */
  dataDir: string;
  /** Import from this directory (laid out like the public sources, see README.md) instead of the network. */
  mirror?: string;
  /** Feed names (see selectFeeds); default: every feed. */
  feeds?: string[];
  /** The fetch to use (tests point it at a local server); default: the global fetch. */
  fetch?: typeof fetch;
  onProgress?: (progress: UpdateProgress) => void;
  /** Cancels the run; nothing of it is committed. */
  signal?: AbortSignal;
  /** Timeouts and retries for HTTP. */
  http?: Pick<HttpOptions, "responseTimeoutMs" | "idleTimeoutMs" | "retries" | "retryDelayMs">;
  /** Feed-specific options (NVD API key …). */
  feedOptions?: FeedOptions;
}

/**
 * What happened to one feed: "updated" (imported; see the counts), "not-modified" (the public
 * source said nothing changed), "absent" (the mirror does not carry it), "failed" (see `error`;
 * the feed's previous data is untouched).
 */
export type FeedRunStatus = "updated" | "not-modified" | "absent" | "failed";

export interface FeedUpdateResult extends FeedCounts {
  name: string;
  kind: FeedKind;
  /** URL, or the mirror files read. */
  source: string;
  status: FeedRunStatus;
  /** Records the store holds for this feed after the run. */
  records: number;
  error?: string;
  /** The failure was the network: DNS, a refused or timed-out connection. */
  unreachable?: boolean;
  /** Skipped records and other things worth telling (bounded). */
  warnings: string[];
  /** Bytes transferred from the network. */
  bytes: number;
  fetchMs: number;
  importMs: number;
}

export interface UpdateResult {
  dbPath: string;
  mode: "public" | "mirror";
  feeds: FeedUpdateResult[];
  /** No feed failed. */
  ok: boolean;
  /** Public mode, and no feed could be fetched because the network could not be reached. */
  unreachable: boolean;
  totals: StoreCounts;
  durationMs: number;
}

interface FeedRow {
  name: string;
  kind: string;
  source: string | null;
  etag: string | null;
  last_modified: string | null;
  cursor: string | null;
  last_update: string | null;
  last_attempt: string | null;
  records: number;
  added: number;
  changed: number;
  unchanged: number;
  withdrawn: number;
  removed: number;
  skipped: number;
  status: string;
  error: string | null;
}

interface FileRow {
  feed: string;
  url: string;
  etag: string | null;
  last_modified: string | null;
}

interface Fetched {
  feed: Feed;
  result: FeedUpdateResult;
  inputs?: FeedInput[];
  files: { url: string; etag?: string; lastModified?: string; path: string; bytes: number }[];
  cursor?: string;
}

/**
 * Remembers network failures within one run, so an offline machine is not waited on feed after
 * feed: a host that could not be reached is not tried again, and once two different hosts have
 * failed with nothing reached at all, the remaining feeds are not tried.
 */
class NetworkGate {
  private readonly failed = new Map<string, NetworkError>();
  private reached = 0;

  async run<T>(url: string, fn: () => Promise<T>): Promise<T> {
    const host = new URL(url).host;
    const known = this.failed.get(host);
    if (known) throw new NetworkError(known.message, host);
    try {
      const value = await fn();
      this.reached++;
      return value;
    } catch (e) {
      if (e instanceof NetworkError) this.failed.set(e.host, e);
      else this.reached++;
      throw e;
    }
  }

  offline(): NetworkError | undefined {
    return this.reached === 0 && this.failed.size >= 2 ? this.failed.values().next().value : undefined;
  }
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** Cache file name for a URL: its path (and a digest of its query), flattened. */
function cacheFileName(url: string): string {
  const u = new URL(url);
  let name = decodeURIComponent(u.pathname).split("/").filter(Boolean).join("_") || "index";
  if (u.search) name += `_${Buffer.from(u.search).toString("base64url").slice(0, 40)}`;
  return safeName(name);
}

/** One update at a time per data directory; a lock left by a dead process is taken over. */
function acquireLock(dataDir: string): () => void {
  const path = join(dataDir, "update.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (err) {
          alive = (err as NodeJS.ErrnoException).code === "EPERM";
        }
      }
      if (alive) throw new Error(`another advisory update is running (pid ${pid}; lock file ${path})`);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the update lock ${path}`);
}

function describeMirrorSource(mirror: string, inputs: FeedInput[]): string {
  if (inputs.length === 1) return join(mirror, inputs[0]!.label);
  const list = inputs.map((i) => i.label).join(", ");
  return `${mirror}: ${list.length > 300 ? `${list.slice(0, 300)}…` : list}`;
}

/**
 * Brings the advisory database up to date: fetches every selected feed (or reads it from a
 * mirror), then imports them all in ONE transaction — each feed inside its own savepoint, so a
 * feed that fails leaves its previous data as it was while the others still commit, and a crash
 * or cancellation commits nothing. Unchanged records are not rewritten.
 */
export async function updateAdvisories(options: UpdateOptions): Promise<UpdateResult> {
  const started = performance.now();
  const { dataDir, mirror } = options;
  if (mirror && !existsSync(mirror)) throw new Error(`mirror directory ${mirror} does not exist`);
  mkdirSync(dataDir, { recursive: true });
  const release = acquireLock(dataDir);
  let db: SqliteDatabase | undefined;
  try {
    db = openAdvisoryDatabase(dataDir);
    const feedRows = new Map(
      (db.prepare("SELECT * FROM feeds").all() as FeedRow[]).map((r) => [r.name, r] as const),
    );
    const fileRows = new Map(
      (db.prepare("SELECT feed, url, etag, last_modified FROM feed_files").all() as FileRow[]).map(
        (r) => [`${r.feed}\0${r.url}`, r] as const,
      ),
    );
    const nvd = feedRows.get("nvd");
    const feeds = selectFeeds({
      ...(mirror ? { mirror } : {}),
      ...(options.feeds ? { names: options.feeds } : {}),
      nvdStarted: nvd?.cursor != null,
    });
    const explicit = new Set(options.feeds ?? []);

    // Phase 1: fetch (network or mirror listing). Nothing is written to the database yet.
    const fetched: Fetched[] = [];
    const gate = new NetworkGate();
    for (const feed of feeds) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      fetched.push(await fetchFeed(feed, options, feedRows.get(feed.name), fileRows, explicit, gate));
    }

    // Phase 2: import, all feeds in one transaction.
    const now = new Date().toISOString();
    const st = new WriteStatements(db);
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const f of fetched) {
        if (options.signal?.aborted) throw abortReason(options.signal);
        await importFeed(db, st, f, now, options, feedRows.get(f.feed.name));
      }
      db.exec("COMMIT");
    } catch (e) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw e;
    }
    try {
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.pragma("optimize");
    } catch {
      // A reader holding the WAL only delays the checkpoint.
    }
    const results = fetched.map((f) => f.result);
    const failed = results.filter((r) => r.status === "failed");
    return {
      dbPath: advisoryDbPath(dataDir),
      mode: mirror ? "mirror" : "public",
      feeds: results,
      ok: failed.length === 0,
      unreachable:
        !mirror && results.length > 0 && results.every((r) => r.status === "failed" && r.unreachable),
      totals: storeCounts(db),
      durationMs: performance.now() - started,
    };
  } finally {
    db?.close();
    release();
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("update cancelled");
}

function newResult(feed: Feed, source: string, prev: FeedRow | undefined): FeedUpdateResult {
  return {
    name: feed.name,
    kind: feed.kind,
    source,
    status: "updated",
    records: prev?.records ?? 0,
    ...zeroCounts(),
    warnings: [],
    bytes: 0,
    fetchMs: 0,
    importMs: 0,
  };
}

async function fetchFeed(
  feed: Feed,
  options: UpdateOptions,
  prev: FeedRow | undefined,
  fileRows: Map<string, FileRow>,
  explicit: Set<string>,
  gate: NetworkGate,
): Promise<Fetched> {
  const t0 = performance.now();
  const { mirror } = options;
  const result = newResult(feed, mirror ? join(mirror, feed.mirrorLayout) : feed.url, prev);
  const fetched: Fetched = { feed, result, files: [] };
  if (mirror) {
    const inputs = feed.mirrorInputs(mirror);
    if (inputs.length === 0) {
      if (explicit.has(feed.name)) {
        result.status = "failed";
        result.error = `the mirror ${mirror} has no ${feed.mirrorLayout}`;
      } else {
        result.status = "absent";
      }
    } else {
      result.source = describeMirrorSource(mirror, inputs);
      fetched.inputs = inputs;
    }
    result.fetchMs = performance.now() - t0;
    return fetched;
  }

  const http: HttpOptions = { fetch: options.fetch ?? globalThis.fetch, ...options.http };
  if (options.signal) http.signal = options.signal;
  const cacheDir = join(options.dataDir, "downloads", safeName(feed.name));
  const progress = (done: number, total?: number) =>
    options.onProgress?.({
      feed: feed.name,
      phase: "fetch",
      done,
      unit: "bytes",
      ...(total !== undefined ? { total } : {}),
    });
  const ctx: FetchContext = {
    async download(url, opts) {
      const prevFile = fileRows.get(`${feed.name}\0${url}`);
      const dest = join(cacheDir, cacheFileName(url));
      try {
        const r = await gate.run(url, () =>
          downloadFile(
            {
              url,
              dest,
              ...(prevFile?.etag ? { etag: prevFile.etag } : {}),
              ...(prevFile?.last_modified ? { lastModified: prevFile.last_modified } : {}),
              onBytes: progress,
            },
            http,
          ),
        );
        if (r.changed) result.bytes += r.bytes - r.resumedFrom;
        if (r.resumedFrom > 0)
          result.warnings.push(`${url}: resumed an interrupted download at byte ${r.resumedFrom}`);
        fetched.files.push({
          url,
          path: dest,
          bytes: r.bytes,
          ...(r.etag ? { etag: r.etag } : {}),
          ...(r.lastModified ? { lastModified: r.lastModified } : {}),
        });
        return { input: { label: url, path: dest }, changed: r.changed };
      } catch (e) {
        if (opts?.optional && e instanceof HttpStatusError && e.status === 404) return undefined;
        throw e;
      }
    },
    getText: (url, headers) => gate.run(url, () => getText(url, headers ?? {}, http)),
    cachePath(name) {
      mkdirSync(cacheDir, { recursive: true });
      return join(cacheDir, name);
    },
    ...(prev?.cursor ? { cursor: prev.cursor } : {}),
    setCursor(cursor) {
      fetched.cursor = cursor;
    },
    progress,
    sleep: (ms) => cancellableSleep(ms, options.signal),
    ...(options.signal ? { signal: options.signal } : {}),
    options: options.feedOptions ?? {},
  };
  const down = gate.offline();
  if (down) {
    result.status = "failed";
    result.unreachable = true;
    result.error = `${feed.name}: not tried, the network looks unreachable (${down.message})`;
    return fetched;
  }
  try {
    const got = await feed.fetchInputs(ctx);
    if (got === "not-modified") result.status = "not-modified";
    else if (got.length === 0) throw new Error(`${feed.url}: the source offered no files`);
    else fetched.inputs = got;
  } catch (e) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    result.status = "failed";
    result.error = `${feed.name}: ${(e as Error).message}`;
    if (e instanceof NetworkError) result.unreachable = true;
  }
  result.fetchMs = performance.now() - t0;
  return fetched;
}

const UPSERT_FEED = `
  INSERT INTO feeds (name, kind, source, etag, last_modified, cursor, last_update, last_attempt, records,
                     added, changed, unchanged, withdrawn, removed, skipped, status, error)
  VALUES (@name, @kind, @source, @etag, @last_modified, @cursor, @last_update, @last_attempt, @records,
          @added, @changed, @unchanged, @withdrawn, @removed, @skipped, @status, @error)
  ON CONFLICT (name) DO UPDATE SET
    kind = excluded.kind, source = excluded.source, etag = excluded.etag, last_modified = excluded.last_modified,
    cursor = excluded.cursor, last_update = excluded.last_update, last_attempt = excluded.last_attempt,
    records = excluded.records, added = excluded.added, changed = excluded.changed, unchanged = excluded.unchanged,
    withdrawn = excluded.withdrawn, removed = excluded.removed, skipped = excluded.skipped,
    status = excluded.status, error = excluded.error`;

function feedRowValues(f: Fetched, prev: FeedRow | undefined, now: string, ok: boolean) {
  const r = f.result;
  const single = f.files.length === 1 ? f.files[0] : undefined;
  return {
    name: r.name,
    kind: r.kind,
    source: ok ? r.source : (prev?.source ?? r.source),
    etag: ok ? (single?.etag ?? null) : (prev?.etag ?? null),
    last_modified: ok ? (single?.lastModified ?? null) : (prev?.last_modified ?? null),
    cursor: ok && f.cursor ? f.cursor : (prev?.cursor ?? null),
    last_update: ok ? now : (prev?.last_update ?? null),
    last_attempt: now,
    records: r.records,
    // A failed run keeps the counts of the last successful one.
    added: ok ? r.added : (prev?.added ?? 0),
    changed: ok ? r.changed : (prev?.changed ?? 0),
    unchanged: ok ? r.unchanged : (prev?.unchanged ?? 0),
    withdrawn: ok ? r.withdrawn : (prev?.withdrawn ?? 0),
    removed: ok ? r.removed : (prev?.removed ?? 0),
    skipped: ok ? r.skipped : (prev?.skipped ?? 0),
    status: ok ? "ok" : "failed",
    error: ok ? null : (r.error ?? null),
  };
}

async function importFeed(
  db: SqliteDatabase,
  st: WriteStatements,
  f: Fetched,
  now: string,
  options: UpdateOptions,
  prev: FeedRow | undefined,
): Promise<void> {
  const r = f.result;
  const upsert = db.prepare(UPSERT_FEED);
  if (r.status === "absent") return;
  if (r.status === "failed") {
    upsert.run(feedRowValues(f, prev, now, false));
    return;
  }
  if (r.status === "not-modified" || !f.inputs) {
    upsert.run(feedRowValues(f, prev, now, true));
    return;
  }
  const t0 = performance.now();
  db.exec("SAVEPOINT feed");
  try {
    const writer = new FeedWriter(db, st, f.feed, now, (done, total) =>
      options.onProgress?.({
        feed: f.feed.name,
        phase: "import",
        done,
        unit: "records",
        ...(total !== undefined ? { total } : {}),
      }),
    );
    if (options.signal) writer.signal = options.signal;
    await f.feed.parse(f.inputs, writer);
    const done = writer.finish();
    Object.assign(r, done.counts);
    r.records = done.records;
    r.warnings.push(...done.warnings);
    r.status = "updated";
    upsert.run(feedRowValues(f, prev, now, true));
    db.prepare("DELETE FROM feed_files WHERE feed = ?").run(f.feed.name);
    const insertFile = db.prepare(
      "INSERT INTO feed_files (feed, url, etag, last_modified, path, bytes, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const file of f.files) {
      insertFile.run(
        f.feed.name,
        file.url,
        file.etag ?? null,
        file.lastModified ?? null,
        file.path,
        file.bytes,
        now,
      );
    }
    db.exec("RELEASE feed");
  } catch (e) {
    db.exec("ROLLBACK TO feed");
    db.exec("RELEASE feed");
    if (options.signal?.aborted) throw abortReason(options.signal);
    Object.assign(r, zeroCounts());
    r.status = "failed";
    r.error = (e as Error).message;
    r.records = prev?.records ?? 0;
    upsert.run(feedRowValues(f, prev, now, false));
  } finally {
    r.importMs = performance.now() - t0;
  }
}

/** One feed as `vigil db status` shows it. */
export interface FeedStatus {
  name: string;
  kind: string;
  source?: string;
  records: number;
  /** When the feed was last brought up to date (ISO time). */
  lastUpdate?: string;
  lastAttempt?: string;
  /** "ok", or "failed" when the last attempt failed (the data of the update before stays). */
  status: string;
  error?: string;
  /** Counts of the last successful run (zeros after a "not modified"). */
  last: FeedCounts;
}

export interface AdvisoryStatus {
  dbPath: string;
  exists: boolean;
  schemaVersion: number;
  sizeBytes: number;
  feeds: FeedStatus[];
  totals: StoreCounts;
}

/** The state of the advisory database, read-only; a missing database is reported, not created. */
export function advisoryStatus(dataDir: string): AdvisoryStatus {
  const dbPath = advisoryDbPath(dataDir);
  const empty: StoreCounts = { advisories: 0, withdrawn: 0, affected: 0, kev: 0, epss: 0, cvss: 0 };
  if (!existsSync(dbPath))
    return { dbPath, exists: false, schemaVersion: 0, sizeBytes: 0, feeds: [], totals: empty };
  const db = openSqlite(dbPath, { readonly: true });
  try {
    const version = schemaVersion(db);
    if (version === 0)
      return {
        dbPath,
        exists: true,
        schemaVersion: 0,
        sizeBytes: statSync(dbPath).size,
        feeds: [],
        totals: empty,
      };
    // OSV feeds first, then the others in their usual order (as `vigil db update` lists them).
    const rank = (name: string) =>
      name.startsWith("osv:") ? -1 : FIXED_FEEDS.indexOf(name as (typeof FIXED_FEEDS)[number]);
    const rows = (db.prepare("SELECT * FROM feeds ORDER BY name").all() as FeedRow[]).sort(
      (a, b) => rank(a.name) - rank(b.name),
    );
    let size = statSync(dbPath).size;
    if (existsSync(`${dbPath}-wal`)) size += statSync(`${dbPath}-wal`).size;
    return {
      dbPath,
      exists: true,
      schemaVersion: version,
      sizeBytes: size,
      feeds: rows.map((r) => {
        const s: FeedStatus = {
          name: r.name,
          kind: r.kind,
          records: r.records,
          status: r.status,
          last: {
            added: r.added,
            changed: r.changed,
            unchanged: r.unchanged,
            withdrawn: r.withdrawn,
            removed: r.removed,
            skipped: r.skipped,
          },
        };
        if (r.source !== null) s.source = r.source;
        if (r.last_update !== null) s.lastUpdate = r.last_update;
        if (r.last_attempt !== null) s.lastAttempt = r.last_attempt;
        if (r.error !== null) s.error = r.error;
        return s;
      }),
      totals: storeCounts(db),
    };
  } finally {
    db.close();
  }
}
