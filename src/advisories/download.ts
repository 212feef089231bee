import { existsSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** The network could not be used at all: DNS, refused or timed-out connection, no route. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly host: string,
  ) {
    super(message);
    this.name = "NetworkError";
  }
}

/** The server answered with a status we cannot use. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`GET ${url}: HTTP ${status}${statusText ? ` ${statusText}` : ""}`);
    this.name = "HttpStatusError";
  }
}

export interface HttpOptions {
  fetch: typeof fetch;
  signal?: AbortSignal;
  /** Give up when the response headers take longer than this. */
  responseTimeoutMs?: number;
  /** Give up when the body stops flowing for this long. */
  idleTimeoutMs?: number;
  /** How many times a failed transfer (5xx, 429, reset, truncated body) is retried. */
  retries?: number;
  /** Base pause before a retry; doubled each time. */
  retryDelayMs?: number;
}

const DEFAULTS = { responseTimeoutMs: 30_000, idleTimeoutMs: 60_000, retries: 2, retryDelayMs: 1_000 };
const USER_AGENT = "vigil-advisory-updater (+https://github.com/)";

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found (no DNS, or no network)",
  EAI_AGAIN: "DNS lookup failed (no network?)",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  ENETUNREACH: "network is unreachable",
  EHOSTUNREACH: "host is unreachable",
  ENETDOWN: "network is down",
  EADDRNOTAVAIL: "address not available",
};

const RETRYABLE_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_BODY_TIMEOUT"]);

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function causeMessage(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return e instanceof Error ? e.message : String(e);
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error ? reason : new Error("update cancelled");
}

/** A fetch with a response timeout, the caller's signal, and network failures named plainly. */
async function request(url: string, headers: Record<string, string>, opts: HttpOptions) {
  const timeouts = { ...DEFAULTS, ...opts };
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) throw abortError(opts.signal);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeouts.responseTimeoutMs);
  const host = hostOf(url);
  try {
    const response = await opts.fetch(url, {
      headers: { "user-agent": USER_AGENT, "accept-encoding": "identity", ...headers },
      signal: controller.signal,
      redirect: "follow",
    });
    return { response, controller, release: () => opts.signal?.removeEventListener("abort", onAbort) };
  } catch (e) {
    opts.signal?.removeEventListener("abort", onAbort);
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (timedOut) {
      throw new NetworkError(
        `cannot reach ${host}: no response within ${timeouts.responseTimeoutMs / 1000} s`,
        host,
      );
    }
    const code = errorCode(e);
    const known = code ? CONNECT_ERRORS[code] : undefined;
    if (known) throw new NetworkError(`cannot reach ${host}: ${known}`, host);
    if (code && /CERT|SSL|TLS/.test(code))
      throw new NetworkError(`cannot reach ${host}: TLS error: ${causeMessage(e)}`, host);
    throw new NetworkError(`cannot reach ${host}: ${causeMessage(e)}`, host);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export { sleep as cancellableSleep };

function retryAfterMs(response: Response, fallback: number): number {
  const h = response.headers.get("retry-after");
  const secs = h ? Number(h) : Number.NaN;
  return Number.isFinite(secs) ? Math.min(secs * 1000, 60_000) : fallback;
}

/** GET a small text resource (API page, index listing), with retries on 5xx / 429. */
export async function getText(
  url: string,
  headers: Record<string, string>,
  opts: HttpOptions,
  maxBytes = 256 << 20,
): Promise<string> {
  const retries = opts.retries ?? DEFAULTS.retries;
  const delay = opts.retryDelayMs ?? DEFAULTS.retryDelayMs;
  for (let attempt = 0; ; attempt++) {
    const { response, release } = await request(url, headers, opts);
    try {
      if (response.ok) {
        const body = Buffer.from(await response.arrayBuffer());
        if (body.length > maxBytes) throw new Error(`GET ${url}: response larger than ${maxBytes} bytes`);
        return body.toString("utf8");
      }
      await response.body?.cancel().catch(() => {});
      if ((response.status >= 500 || response.status === 429) && attempt < retries) {
        await sleep(retryAfterMs(response, delay * 2 ** attempt), opts.signal);
        continue;
      }
      throw new HttpStatusError(url, response.status, response.statusText);
    } finally {
      release();
    }
  }
}

export interface DownloadRequest {
  url: string;
  /** Final location; the transfer goes to `<dest>.part` and is renamed when complete. */
  dest: string;
  /** Validators of the copy at `dest`, sent only when that copy exists. */
  etag?: string;
  lastModified?: string;
  maxBytes?: number;
  onBytes?: (done: number, total?: number) => void;
}

export interface DownloadResult {
  /** False when the server answered 304 and `dest` is current. */
  changed: boolean;
  path: string;
  etag?: string;
  lastModified?: string;
  bytes: number;
  /** Bytes already on disk from an interrupted transfer that were not fetched again. */
  resumedFrom: number;
}

interface PartMeta {
  url: string;
  /** False when the body came content-encoded: offsets in the partial file mean nothing then. */
  resumable?: boolean;
  etag?: string;
  lastModified?: string;
}

async function readPartMeta(path: string): Promise<PartMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(path, "utf8")) as PartMeta;
    return typeof meta.url === "string" ? meta : undefined;
  } catch {
    return undefined;
  }
}

const sizeOf = async (path: string) => (await stat(path).catch(() => undefined))?.size ?? 0;

/**
 * Downloads a URL to a file. Conditional (If-None-Match / If-Modified-Since) when a previous copy
 * exists; resumes an interrupted transfer with Range + If-Range when the partial file's validator
 * is known (the server sends the whole file again if it changed meanwhile); retries transient
 * failures, resuming each time. The finished file replaces `dest` atomically.
 */
export async function downloadFile(req: DownloadRequest, opts: HttpOptions): Promise<DownloadResult> {
  const part = `${req.dest}.part`;
  const metaPath = `${part}.json`;
  await mkdir(dirname(req.dest), { recursive: true });
  const retries = opts.retries ?? DEFAULTS.retries;
  const delay = opts.retryDelayMs ?? DEFAULTS.retryDelayMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await transfer(req, part, metaPath, opts);
    } catch (e) {
      const transient =
        e instanceof TransferError ||
        (e instanceof HttpStatusError && (e.status >= 500 || e.status === 429)) ||
        RETRYABLE_CODES.has(errorCode(e) ?? "");
      if (!transient || attempt >= retries || opts.signal?.aborted) {
        throw e instanceof TransferError ? new Error(e.message) : e;
      }
      await sleep(delay * 2 ** attempt, opts.signal);
    }
  }
}

/** A transfer that broke off after the response started; the partial file stays for resuming. */
class TransferError extends Error {}

/** The resource is larger than we accept: not worth retrying. */
class LimitError extends Error {}

async function transfer(
  req: DownloadRequest,
  part: string,
  metaPath: string,
  opts: HttpOptions,
): Promise<DownloadResult> {
  const headers: Record<string, string> = {};
  const meta = await readPartMeta(metaPath);
  let have = await sizeOf(part);
  // Only a strong ETag may be used with If-Range; else the Last-Modified date.
  const strongEtag = meta?.etag && !meta.etag.startsWith("W/") ? meta.etag : undefined;
  const validator =
    meta?.url === req.url && meta.resumable !== false ? (strongEtag ?? meta.lastModified) : undefined;
  if (have > 0 && validator) {
    headers["range"] = `bytes=${have}-`;
    headers["if-range"] = validator;
  } else {
    have = 0;
    if (existsSync(req.dest)) {
      if (req.etag) headers["if-none-match"] = req.etag;
      if (req.lastModified) headers["if-modified-since"] = req.lastModified;
    }
  }
  const idleMs = opts.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
  const { response, controller, release } = await request(req.url, headers, opts);
  try {
    if (response.status === 304) {
      await response.body?.cancel().catch(() => {});
      return {
        changed: false,
        path: req.dest,
        bytes: await sizeOf(req.dest),
        resumedFrom: 0,
        ...(req.etag ? { etag: req.etag } : {}),
        ...(req.lastModified ? { lastModified: req.lastModified } : {}),
      };
    }
    if (response.status === 416) {
      // Our partial file does not fit the resource any more: start over.
      await response.body?.cancel().catch(() => {});
      await rm(part, { force: true });
      await rm(metaPath, { force: true });
      throw new TransferError(`GET ${req.url}: range not satisfiable, restarting`);
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel().catch(() => {});
      throw new HttpStatusError(req.url, response.status, response.statusText);
    }
    let offset = 0;
    let total: number | undefined;
    if (response.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== have) {
        await response.body?.cancel().catch(() => {});
        await rm(part, { force: true });
        throw new TransferError(`GET ${req.url}: unexpected Content-Range, restarting`);
      }
      offset = have;
      if (m[3] !== "*") total = Number(m[3]);
    } else {
      // fetch decodes a Content-Encoding itself: then the length (and any resume offset) would
      // count encoded bytes, so neither is used.
      const encoded = !["identity", ""].includes(
        (response.headers.get("content-encoding") ?? "").toLowerCase(),
      );
      const len = response.headers.get("content-length");
      if (!encoded && len !== null && /^\d+$/.test(len)) total = Number(len);
      const next: PartMeta = { url: req.url, resumable: !encoded };
      const etag = response.headers.get("etag");
      const lastModified = response.headers.get("last-modified");
      if (etag) next.etag = etag;
      if (lastModified) next.lastModified = lastModified;
      await writeFile(metaPath, JSON.stringify(next));
    }
    const max = req.maxBytes ?? 8 * 1024 ** 3;
    if (total !== undefined && total > max)
      throw new LimitError(`GET ${req.url}: ${total} bytes is over the ${max}-byte limit`);
    const fh = await open(part, offset > 0 ? "a" : "w");
    let done = offset;
    let idleTimer: NodeJS.Timeout | undefined;
    let stalled = false;
    const arm = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, idleMs);
    };
    try {
      arm();
      if (response.body) {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          arm();
          await fh.write(chunk);
          done += chunk.length;
          if (done > max) throw new LimitError(`GET ${req.url}: more than ${max} bytes`);
          req.onBytes?.(done, total);
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (e instanceof LimitError) throw e;
      const why = stalled ? `no data for ${idleMs / 1000} s` : causeMessage(e);
      throw new TransferError(`download of ${req.url} broke off after ${done} bytes: ${why}`);
    } finally {
      clearTimeout(idleTimer);
      await fh.close();
    }
    if (total !== undefined && done !== total) {
      throw new TransferError(`download of ${req.url} is truncated: ${done} of ${total} bytes`);
    }
    const finalMeta = (await readPartMeta(metaPath)) ?? { url: req.url };
    await rename(part, req.dest);
    await rm(metaPath, { force: true });
    return {
      changed: true,
      path: req.dest,
      bytes: done,
      resumedFrom: offset,
      ...(finalMeta.etag ? { etag: finalMeta.etag } : {}),
      ...(finalMeta.lastModified ? { lastModified: finalMeta.lastModified } : {}),
    };
  } finally {
    release();
  }
}
