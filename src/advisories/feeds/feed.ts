import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Advisory, AffectedEntry, CvssEntry, EpssEntry, KevEntry } from "../types.js";

/** Which table a feed fills. */
export type FeedKind = "advisories" | "kev" | "epss" | "cvss";

/** One local file a feed parses: a mirror file or a finished download. */
export interface FeedInput {
  /** Where it came from, for messages: the URL or the path relative to the mirror. */
  label: string;
  /** Local path to read. */
  path: string;
}

/** Conditional-request state of one downloaded URL, kept between runs. */
export interface FileValidators {
  etag?: string;
  lastModified?: string;
}

/** What the update driver gives a feed for fetching from its public source. */
export interface FetchContext {
  /**
   * Downloads `url` into the feed's cache, conditional on the validators of the last successful
   * import and resumable. `changed` is false when the server said the cached copy is current
   * (the input then points at that copy). With `optional`, a 404 resolves to undefined.
   */
  download(
    url: string,
    options?: { optional?: boolean },
  ): Promise<{ input: FeedInput; changed: boolean } | undefined>;
  /** Fetches a small text resource (an index page, an API page) with the same error handling. */
  getText(url: string, headers?: Record<string, string>): Promise<string>;
  /** A file in this feed's cache directory, for feeds that assemble their own inputs. */
  cachePath(name: string): string;
  /** Feed-specific state saved by the previous successful import (e.g. NVD's last fetch time). */
  cursor?: string;
  /** Sets the state to save if this run's import succeeds. */
  setCursor(cursor: string): void;
  /** Reports download progress. */
  progress(done: number, total?: number): void;
  /** Waits (cancellably) — for rate-limited APIs. */
  sleep(ms: number): Promise<void>;
  signal?: AbortSignal;
  options: FeedOptions;
}

/** Options some feeds take, passed through from updateAdvisories. */
export interface FeedOptions {
  /** NVD API key (raises the rate limit from 5 to 50 requests per 30 s). */
  nvdApiKey?: string;
  /** Pause between NVD API requests; defaults follow NVD's published rate limits. */
  nvdRequestDelayMs?: number;
  /** NVD page size (at most 2000). */
  nvdPageSize?: number;
}

/** Where parsed records go. Calls are synchronous: the sink writes inside the open transaction. */
export interface FeedSink {
  advisory(advisory: Advisory, affected: AffectedEntry[]): void;
  kev(entry: KevEntry): void;
  epss(entry: EpssEntry): void;
  cvss(entry: CvssEntry): void;
  /**
   * A record that could not be read and is left out. `where` names the file or archive entry;
   * `id`, when known, keeps the stored version of that record instead of removing it.
   */
  skip(where: string, reason: string, id?: string): void;
  /** Records read so far (and the total when known). */
  progress(done: number, total?: number): void;
  signal?: AbortSignal;
}

/** One advisory feed: where it lives publicly and in a mirror, and how to read it. */
export interface Feed {
  /** "osv:Go", "debian-tracker", "alpine-secdb", "kev", "epss", "nvd". */
  readonly name: string;
  readonly kind: FeedKind;
  /** Public location, shown by `vigil db status`. */
  readonly url: string;
  /** Mirror paths this feed reads, relative to the mirror root (documentation and messages). */
  readonly mirrorLayout: string;
  /**
   * Whether a run replaces the feed's records (records no longer present are removed) or only
   * adds and updates (NVD's incremental API).
   */
  readonly snapshot: boolean;
  /** The feed's files in a mirror directory; empty when the mirror does not carry it. */
  mirrorInputs(mirrorDir: string): FeedInput[];
  /** Fetches from the public source; "not-modified" when nothing changed since the last import. */
  fetchInputs(ctx: FetchContext): Promise<FeedInput[] | "not-modified">;
  /** Reads the inputs and hands every record to the sink. Throws when an input is unusable. */
  parse(inputs: FeedInput[], sink: FeedSink): Promise<void>;
}

/**
 * Mirror files of a feed: every file in `<mirror>/<dir>` matching `pattern`, or else the sample
 * files in `<mirror>/samples` matching `samplePattern` (so a demo mirror has some data).
 */
export function mirrorFiles(
  mirrorDir: string,
  dir: string,
  pattern: RegExp,
  samplePattern: RegExp,
): FeedInput[] {
  const list = (sub: string, re: RegExp): FeedInput[] => {
    const abs = join(mirrorDir, sub);
    if (!existsSync(abs)) return [];
    return readdirSync(abs)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => ({ label: `${sub}/${f}`, path: join(abs, f) }));
  };
  const main = list(dir, pattern);
  return main.length > 0 ? main : list("samples", samplePattern);
}
