/**
 * A client for the OCI Distribution API (Docker Registry HTTP API v2): ping, catalog, tags,
 * manifests, blobs, and resolving a reference to its per-platform images.
 *
 * Registries are treated as untrusted: every identifier that goes into a URL is validated, every
 * document is size-limited and digest-verified, index walks are bounded (depth, fan-out, cycles),
 * blob streams are checked for length and digest as they flow, credentials never follow a redirect
 * to another origin, and every request has a deadline.
 */
import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { Agent, type Dispatcher, request } from "undici";
import {
  basicAuthorization,
  type Challenge,
  isHeaderSafeToken,
  parseWwwAuthenticate,
  TokenCache,
} from "./auth.js";

export { type Challenge, parseWwwAuthenticate } from "./auth.js";

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** static bearer token (PAT / identity token) */
  token?: string;
}

export interface RegistryClientOptions {
  /** Base URL, e.g. "http://127.0.0.1:5000" or "https://ghcr.io" (no /v2 suffix; tolerate a trailing slash). */
  url: string;
  credentials?: RegistryCredentials;
  /** Skip TLS verification (self-signed registries). */
  insecure?: boolean;
  /** Per request: time to the response headers, and the longest silence while a body flows. Default 30 s. */
  timeoutMs?: number;
  /** Default 4 MiB (distribution's own limit). */
  maxManifestBytes?: number;
  /** Default 2 (index -> manifest; nested index allowed once more). */
  maxIndexDepth?: number;
  /** Default 64 manifests per index (and platform images per reference). */
  maxPlatforms?: number;
  /** Default 256. */
  maxLayers?: number;
  /** Default 8 MiB. */
  maxConfigBytes?: number;
  /** Default "vigil-registry-client". */
  userAgent?: string;
  /**
   * undici dispatcher to send requests through. Default: undici's global dispatcher (so a proxy
   * installed with `setGlobalDispatcher` applies), or a private Agent that skips TLS verification
   * when `insecure` is set.
   */
  dispatcher?: Dispatcher;
}

export type RegistryErrorKind = "auth" | "not-found" | "unreachable" | "refused" | "unsupported" | "protocol";

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly status?: number;
  constructor(kind: RegistryErrorKind, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RegistryError";
    this.kind = kind;
    if (options?.status !== undefined) this.status = options.status;
  }
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  /** Where a foreign / non-distributable layer may be fetched instead of the registry (http/https only). */
  urls?: string[];
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  json: Record<string, unknown>;
}

export interface PlatformImage {
  repository: string;
  /** digest of the image manifest for this platform */
  manifestDigest: string;
  /** digest of the index / manifest list it came from, when the reference named one */
  indexDigest?: string;
  mediaType: string;
  /** from the index entry, else from the config (os/architecture/variant) */
  platform?: Platform;
  configDigest: string;
  /** parsed image config JSON (digest-verified) */
  config: Record<string, unknown>;
  layers: Descriptor[];
  /** total compressed size of the layers */
  size: number;
}

// ---- media types ----

export const MediaTypes = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
} as const;

/** The `Accept` header sent for manifests. */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.dockerManifest,
].join(", ");

const INDEX_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
const IMAGE_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociManifest, MediaTypes.dockerManifest]);
const SCHEMA1_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.dockerSchema1,
  MediaTypes.dockerSchema1Signed,
]);
const CONFIG_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociConfig, MediaTypes.dockerConfig]);
/** Content-Types that say nothing about the document (some registries and proxies send these). */
const GENERIC_CONTENT_TYPES: ReadonlySet<string> = new Set([
  "",
  "application/json",
  "text/plain",
  "application/octet-stream",
  "binary/octet-stream",
]);

/** Layer media types an image may use (OCI, OCI non-distributable, Docker, Docker foreign). */
export const LAYER_MEDIA_TYPES: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
]);

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType);
}

// ---- identifiers ----

const DIGEST_RE = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const REPOSITORY_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;

/** `sha256:` + 64 lower-case hex digits, or `sha512:` + 128. */
export function isValidDigest(s: unknown): s is string {
  return typeof s === "string" && s.length <= 135 && DIGEST_RE.test(s);
}

/** A repository name in the distribution grammar (at most 255 characters). */
export function isValidRepository(s: unknown): s is string {
  return typeof s === "string" && s.length > 0 && s.length <= 255 && REPOSITORY_RE.test(s);
}

export function isValidTag(s: unknown): s is string {
  return typeof s === "string" && TAG_RE.test(s);
}

/** For messages: a JSON-quoted, length-capped rendering of an untrusted value. */
function show(value: unknown, max = 120): string {
  const s = typeof value === "string" ? value : String(value);
  return JSON.stringify(s.length > max ? s.slice(0, max) + "…" : s);
}

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** Parses "host[:port]/path/name[:tag][@sha256:…]" (no scheme). Returns undefined pieces when absent. */
export function parseImageReference(ref: string): {
  host?: string;
  repository: string;
  tag?: string;
  digest?: string;
} {
  if (typeof ref !== "string" || ref.length === 0 || ref.length > 1024) {
    throw new RegistryError("refused", `invalid image reference ${show(ref)}`);
  }
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isValidDigest(digest)) {
      throw new RegistryError("refused", `invalid digest ${show(digest)} in image reference ${show(ref)}`);
    }
  }
  let host: string | undefined;
  const slash = rest.indexOf("/");
  if (slash > 0) {
    const first = rest.slice(0, slash);
    // Docker's rule: the first component is a registry host when it looks like one.
    if (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) {
      if (!HOST_RE.test(first)) {
        throw new RegistryError(
          "refused",
          `invalid registry host ${show(first)} in image reference ${show(ref)}`,
        );
      }
      host = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag))
      throw new RegistryError("refused", `invalid tag ${show(tag)} in image reference ${show(ref)}`);
  }
  if (!isValidRepository(rest)) {
    throw new RegistryError(
      "refused",
      `invalid repository name ${show(rest)} in image reference ${show(ref)}`,
    );
  }
  return {
    ...(host !== undefined ? { host } : {}),
    repository: rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

// ---- small helpers ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function digestOf(bytes: Buffer, algorithm: string): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

function algorithmOf(digest: string): "sha256" | "sha512" {
  return digest.startsWith("sha512:") ? "sha512" : "sha256";
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A URL for messages: no credentials and no query (presigned blob URLs carry secrets there). */
function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function statusLine(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/** A short excerpt of an error body: distribution's `{"errors":[{code,message}]}`, else its text. */
function errorExcerpt(body: Buffer): string {
  const text = body.toString("utf8");
  try {
    const json: unknown = JSON.parse(text);
    if (isObject(json) && Array.isArray(json.errors)) {
      const parts = json.errors
        .slice(0, 3)
        .filter(isObject)
        .map((e) => [e.code, e.message].filter((x) => typeof x === "string" && x !== "").join(": "))
        .filter((s) => s !== "");
      if (parts.length > 0) return clean(parts.join("; "));
    }
  } catch {
    // not JSON: fall through to the text
  }
  return clean(text);
}

function clean(s: string, max = 300): string {
  const one = s.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return one.length > max ? one.slice(0, max) + "…" : one;
}

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur !== undefined && cur !== null; i++) {
    if (cur instanceof AggregateError && cur.errors.length > 0) {
      const inner = errorCode(cur.errors[0]);
      if (inner) return inner;
    }
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
]);

function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

const CATALOG_SCOPE = "registry:catalog:*";
const MAX_PAGES = 10_000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 16 * 1024;
const MAX_REDIRECTS = 5;

function parseLinkNext(header: string | string[] | undefined): string | undefined {
  const values = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const value of values) {
    for (const m of value.matchAll(/<([^>]*)>([^<]*)/g)) {
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2]!);
      const rels = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
      if (rels.includes("next")) return m[1]!;
    }
  }
  return undefined;
}

function parsePlatform(v: unknown): Platform | undefined {
  if (!isObject(v)) return undefined;
  const { os, architecture, variant } = v;
  if (typeof os !== "string" || typeof architecture !== "string") return undefined;
  if (os.length > 128 || architecture.length > 128) return undefined;
  return typeof variant === "string" && variant !== "" && variant.length <= 128
    ? { os, architecture, variant }
    : { os, architecture };
}

function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" ||
    d.platform?.os === "unknown" ||
    d.platform?.architecture === "unknown"
  );
}

// ---- responses ----

/** Aborts a request when its deadline passes. Restartable: headers, then (for documents) the body. */
class Deadline {
  readonly controller = new AbortController();
  timedOut = false;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly ms: number) {}
  start(): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.ms);
  }
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

type Body = Dispatcher.ResponseData["body"];

class RegistryResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly body: Body,
    readonly url: URL,
    readonly deadline: Deadline,
    private readonly fail: (e: unknown, url: URL, timedOut: boolean) => RegistryError,
  ) {
    // Errors after we stop reading (an aborted body) must not become uncaught exceptions;
    // readers still see them through their own listeners.
    body.on("error", () => {});
  }

  header(name: string): string | undefined {
    return firstHeader(this.headers[name]);
  }

  /** Content-Length when present and well-formed. */
  contentLength(): number | undefined {
    const v = this.header("content-length");
    if (v === undefined || !/^\s*\d{1,16}\s*$/.test(v)) return undefined;
    return Number(v);
  }

  /** Reads the whole body, refusing more than `max` bytes; the body gets its own deadline. */
  async read(max: number, tooBig: () => RegistryError): Promise<Buffer> {
    this.deadline.start();
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > max) throw tooBig();
        chunks.push(chunk);
      }
    } catch (e) {
      this.abort();
      if (e instanceof RegistryError) throw e;
      throw this.fail(e, this.url, this.deadline.timedOut);
    }
    this.deadline.clear();
    return Buffer.concat(chunks, total);
  }

  /** Up to `max` bytes of the body (for error messages), never failing. */
  async excerpt(max = MAX_ERROR_BODY_BYTES): Promise<string> {
    try {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of this.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        total += chunk.length;
        if (total >= max) break;
      }
      return errorExcerpt(Buffer.concat(chunks).subarray(0, max));
    } catch {
      return "";
    } finally {
      this.abort();
    }
  }

  /** Throws the body away, keeping the connection when that is cheap. */
  async discard(): Promise<void> {
    try {
      await this.body.dump({ limit: MAX_ERROR_BODY_BYTES });
    } catch {
      // nothing to keep
    } finally {
      this.abort();
    }
  }

  abort(): void {
    this.deadline.clear();
    if (!this.body.destroyed) this.body.destroy();
  }

  /**
   * The body as a stream that errors with RegistryError "refused" when it runs past `size` bytes,
   * ends short of it, or hashes to something other than `digest`. `bounded`: the whole transfer
   * must finish within the deadline (documents); otherwise only silences are timed (layers).
   */
  verified(digest: string, size: number, what: string, bounded: boolean): Readable {
    if (bounded) this.deadline.start();
    else this.deadline.clear();
    const verifier = new BlobVerifier(digest, size, what);
    const body = this.body;
    body.on("error", (e) => {
      verifier.destroy(this.fail(e, this.url, this.deadline.timedOut));
    });
    verifier.on("close", () => this.abort());
    body.pipe(verifier);
    return verifier;
  }
}

class BlobVerifier extends Transform {
  private readonly hash;
  private count = 0;
  constructor(
    private readonly digest: string,
    private readonly size: number,
    private readonly what: string,
  ) {
    super();
    this.hash = createHash(algorithmOf(digest));
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.size) {
      callback(
        new RegistryError(
          "refused",
          `${this.what}: the blob is longer than its declared size of ${this.size} bytes`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    if (this.count !== this.size) {
      callback(
        new RegistryError(
          "refused",
          `${this.what}: the blob is ${this.count} bytes, shorter than its declared size of ${this.size}`,
        ),
      );
      return;
    }
    const actual = `${algorithmOf(this.digest)}:${this.hash.digest("hex")}`;
    if (actual !== this.digest) {
      callback(
        new RegistryError("refused", `${this.what}: digest mismatch: the content hashes to ${actual}`),
      );
      return;
    }
    callback();
  }
}

// ---- the client ----

interface ExchangeRequest {
  method: "GET" | "HEAD";
  url: URL;
  /** Token scope ("" for none). */
  scope: string;
  /** What is being fetched, for messages. */
  what: string;
  accept?: string;
}

export class RegistryClient {
  /** normalized base URL */
  readonly url: string;
  /** host[:port] of the base URL, e.g. "127.0.0.1:5000" */
  readonly host: string;
  private readonly origin: string;
  private readonly credentials: RegistryCredentials;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly ownAgent: Agent | undefined;
  private readonly timeoutMs: number;
  private readonly maxManifestBytes: number;
  private readonly maxIndexDepth: number;
  private readonly maxPlatforms: number;
  private readonly maxLayers: number;
  private readonly maxConfigBytes: number;
  private readonly userAgent: string;
  private readonly tokens = new TokenCache();
  private readonly tokenRequests = new Map<string, Promise<string>>();
  /** The Bearer challenge last seen per scope, to renew expired tokens without a 401 first. */
  private readonly challenges = new Map<string, Challenge>();
  /** The registry answered a challenge with Basic: send credentials up front from now on. */
  private basic = false;
  /** The static token was refused as a bearer: exchange it at the token server instead. */
  private staticTokenRefused = false;

  constructor(options: RegistryClientOptions) {
    let raw = String(options.url ?? "").trim();
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) raw = `https://${raw}`;
    let base: URL;
    try {
      base = new URL(raw);
    } catch {
      throw new RegistryError("unsupported", `invalid registry URL ${show(options.url)}`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new RegistryError("unsupported", `registry URL ${show(options.url)} is not http or https`);
    }
    const credentials: RegistryCredentials = { ...(options.credentials ?? {}) };
    if (
      (base.username || base.password) &&
      credentials.username === undefined &&
      credentials.token === undefined
    ) {
      credentials.username = decodeURIComponent(base.username);
      credentials.password = decodeURIComponent(base.password);
    }
    const path = base.pathname.replace(/\/+$/, "").replace(/\/v2$/, "");
    this.url = `${base.protocol}//${base.host}${path}`;
    this.host = base.host;
    this.origin = base.origin;
    this.credentials = credentials;
    const positive = (v: number | undefined, d: number) =>
      typeof v === "number" && Number.isFinite(v) && v > 0 ? v : d;
    this.timeoutMs = positive(options.timeoutMs, 30_000);
    this.maxManifestBytes = positive(options.maxManifestBytes, 4 * 1024 * 1024);
    this.maxIndexDepth = positive(options.maxIndexDepth, 2);
    this.maxPlatforms = positive(options.maxPlatforms, 64);
    this.maxLayers = positive(options.maxLayers, 256);
    this.maxConfigBytes = positive(options.maxConfigBytes, 8 * 1024 * 1024);
    this.userAgent = options.userAgent ?? "vigil-registry-client";
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
    } else if (options.insecure) {
      this.ownAgent = new Agent({ connect: { rejectUnauthorized: false } });
      this.dispatcher = this.ownAgent;
    }
  }

  /** Closes the private connection pool, if the client made one (`insecure`). */
  async close(): Promise<void> {
    await this.ownAgent?.close();
  }

  // ---- API ----

  /** GET /v2/ (authenticating as needed). */
  async ping(): Promise<void> {
    const what = `API check of ${this.url}`;
    const res = await this.exchange({ method: "GET", url: this.endpoint("/v2/"), scope: "", what });
    if (res.status === 404) {
      await res.discard();
      throw new RegistryError("not-found", `${what}: ${this.url}/v2/ answered 404: not a registry v2 API`, {
        status: 404,
      });
    }
    await this.expectOk(res, what);
    await res.discard();
  }

  /** Repository names from GET /v2/_catalog?n=100, following Link rel="next" pages. */
  async *catalog(): AsyncGenerator<string> {
    const what = `catalog of ${this.url}`;
    for await (const page of this.pages(this.endpoint("/v2/_catalog?n=100"), CATALOG_SCOPE, what)) {
      const repos = page.repositories;
      if (repos === undefined || repos === null) continue;
      if (!Array.isArray(repos))
        throw new RegistryError("protocol", `${what}: "repositories" is not an array`);
      for (const r of repos) if (isValidRepository(r)) yield r;
    }
  }

  /** GET /v2/<name>/tags/list, following Link rel="next" pages. 404 -> RegistryError "not-found". */
  async tags(repository: string): Promise<string[]> {
    this.checkRepository(repository);
    const what = `tag list of ${this.url}/${repository}`;
    const tags = new Set<string>();
    for await (const page of this.pages(
      this.endpoint(`/v2/${repository}/tags/list`),
      pullScope(repository),
      what,
    )) {
      const list = page.tags;
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new RegistryError("protocol", `${what}: "tags" is not an array`);
      for (const t of list) if (isValidTag(t)) tags.add(t);
    }
    return [...tags];
  }

  async manifest(repository: string, reference: string): Promise<FetchedManifest> {
    this.checkRepository(repository);
    const byDigest = this.checkReference(repository, reference);
    const what = this.manifestWhat(repository, reference);
    const res = await this.exchange({
      method: "GET",
      url: this.endpoint(`/v2/${repository}/manifests/${reference}`),
      scope: pullScope(repository),
      what,
      accept: MANIFEST_ACCEPT,
    });
    await this.expectOk(res, what);
    const max = this.maxManifestBytes;
    const declared = res.contentLength();
    if (declared !== undefined && declared > max) {
      res.abort();
      throw new RegistryError(
        "refused",
        `${what}: the manifest is ${declared} bytes (Content-Length), over the limit of ${max}`,
      );
    }
    const bytes = await res.read(
      max,
      () => new RegistryError("refused", `${what}: the manifest body grows past the limit of ${max} bytes`),
    );
    const digest = digestOf(bytes, byDigest ? algorithmOf(reference) : "sha256");
    if (byDigest && digest !== reference) {
      throw new RegistryError(
        "refused",
        `${what}: digest mismatch: the registry sent content hashing to ${digest}`,
      );
    }
    const announced = res.header("docker-content-digest")?.trim();
    if (announced !== undefined && announced !== "") {
      if (!isValidDigest(announced)) {
        throw new RegistryError("refused", `${what}: invalid Docker-Content-Digest ${show(announced)}`);
      }
      const actual = announced.startsWith(digest.slice(0, 7))
        ? digest
        : digestOf(bytes, algorithmOf(announced));
      if (actual !== announced) {
        throw new RegistryError(
          "refused",
          `${what}: digest mismatch: Docker-Content-Digest says ${announced}, the content hashes to ${actual}`,
        );
      }
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (e) {
      throw new RegistryError("protocol", `${what}: malformed manifest JSON (${(e as Error).message})`);
    }
    if (!isObject(json)) throw new RegistryError("protocol", `${what}: the manifest is not a JSON object`);
    const mediaType = this.manifestMediaType(res.header("content-type"), json, what);
    return { digest, mediaType, bytes, json };
  }

  /** HEAD of a manifest: its digest, media type and size; undefined on 404. */
  async headManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; mediaType: string; size: number } | undefined> {
    this.checkRepository(repository);
    const byDigest = this.checkReference(repository, reference);
    const what = this.manifestWhat(repository, reference);
    const res = await this.exchange({
      method: "HEAD",
      url: this.endpoint(`/v2/${repository}/manifests/${reference}`),
      scope: pullScope(repository),
      what,
      accept: MANIFEST_ACCEPT,
    });
    if (res.status === 404) {
      await res.discard();
      return undefined;
    }
    await this.expectOk(res, what);
    await res.discard();
    const announced = res.header("docker-content-digest")?.trim();
    if (announced !== undefined && announced !== "" && !isValidDigest(announced)) {
      throw new RegistryError("refused", `${what}: invalid Docker-Content-Digest ${show(announced)}`);
    }
    const mediaType = res.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    const size = res.contentLength();
    const comparable = announced && (!byDigest || algorithmOf(announced) === algorithmOf(reference));
    if (announced && comparable && mediaType && (INDEX_TYPES.has(mediaType) || IMAGE_TYPES.has(mediaType))) {
      if (byDigest && announced !== reference) {
        throw new RegistryError(
          "refused",
          `${what}: digest mismatch: Docker-Content-Digest says ${announced}`,
        );
      }
      if (size !== undefined) return { digest: announced, mediaType, size };
    }
    // The HEAD said too little: fetch the manifest and work it out.
    try {
      const m = await this.manifest(repository, reference);
      return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    } catch (e) {
      if (e instanceof RegistryError && e.kind === "not-found") return undefined;
      throw e;
    }
  }

  /**
   * Streams a blob. The stream errors with RegistryError "refused" when the byte count differs from
   * `desc.size` (as soon as it runs over; at the end when short) or the digest differs from `desc.digest`.
   */
  async blob(repository: string, desc: { digest: string; size: number }): Promise<Readable> {
    const what = this.blobWhat(repository, desc);
    const res = await this.openBlob(repository, desc, what);
    return res.verified(desc.digest, desc.size, what, false);
  }

  /** Whole blob into memory, refusing more than maxBytes. Digest-verified. */
  async blobBuffer(
    repository: string,
    desc: { digest: string; size: number },
    maxBytes: number,
  ): Promise<Buffer> {
    this.checkBlob(repository, desc);
    const what = this.blobWhat(repository, desc);
    if (desc.size > maxBytes) {
      throw new RegistryError(
        "refused",
        `${what}: the blob is ${desc.size} bytes, over the limit of ${maxBytes}`,
      );
    }
    const res = await this.openBlob(repository, desc, what);
    const stream = res.verified(desc.digest, desc.size, what, true);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Reference (tag or digest) -> one PlatformImage per platform (a plain manifest gives one). */
  async resolveImages(repository: string, reference: string): Promise<PlatformImage[]> {
    const top = await this.manifest(repository, reference);
    const out: PlatformImage[] = [];
    if (INDEX_TYPES.has(top.mediaType)) {
      await this.walkIndex(repository, top, top.digest, 1, new Set([top.digest]), new Set([top.digest]), out);
      if (out.length === 0) {
        throw new RegistryError(
          "unsupported",
          `${this.manifestWhat(repository, reference)}: the image index lists no image manifests (only attestations or other artifacts)`,
        );
      }
    } else {
      out.push(await this.platformImage(repository, top, undefined, undefined));
    }
    return out;
  }

  // ---- resolving ----

  private async walkIndex(
    repository: string,
    index: FetchedManifest,
    topDigest: string,
    depth: number,
    ancestors: Set<string>,
    seen: Set<string>,
    out: PlatformImage[],
  ): Promise<void> {
    const what = this.manifestWhat(repository, index.digest);
    if (depth > this.maxIndexDepth) {
      throw new RegistryError(
        "refused",
        `${what}: image index nesting is deeper than ${this.maxIndexDepth} levels`,
      );
    }
    const entries = index.json.manifests;
    if (!Array.isArray(entries)) throw new RegistryError("protocol", `${what}: "manifests" is not an array`);
    if (entries.length > this.maxPlatforms) {
      throw new RegistryError(
        "refused",
        `${what}: the index lists ${entries.length} manifests, over the limit of ${this.maxPlatforms}`,
      );
    }
    for (const [i, raw] of entries.entries()) {
      const entry = this.descriptor(raw, `${what}: manifests[${i}]`);
      if (isAttestation(entry)) continue;
      if (ancestors.has(entry.digest)) {
        throw new RegistryError(
          "refused",
          `${what}: cyclic image index (manifests[${i}] is ${entry.digest})`,
        );
      }
      if (seen.has(entry.digest)) continue; // the same manifest listed twice
      const isIndex = INDEX_TYPES.has(entry.mediaType);
      if (!isIndex && !IMAGE_TYPES.has(entry.mediaType)) continue; // an artifact, not an image
      if (isIndex && depth + 1 > this.maxIndexDepth) {
        throw new RegistryError(
          "refused",
          `${what}: image index nesting is deeper than ${this.maxIndexDepth} levels (manifests[${i}] is another index)`,
        );
      }
      if (entry.size > this.maxManifestBytes) {
        throw new RegistryError(
          "refused",
          `${what}: manifests[${i}] declares ${entry.size} bytes, over the limit of ${this.maxManifestBytes}`,
        );
      }
      seen.add(entry.digest);
      const child = await this.manifest(repository, entry.digest);
      if (child.bytes.length !== entry.size) {
        throw new RegistryError(
          "refused",
          `${this.manifestWhat(repository, entry.digest)}: size mismatch: the index says ${entry.size} bytes, the registry sent ${child.bytes.length}`,
        );
      }
      if (INDEX_TYPES.has(child.mediaType)) {
        ancestors.add(child.digest);
        await this.walkIndex(repository, child, topDigest, depth + 1, ancestors, seen, out);
        ancestors.delete(child.digest);
      } else {
        if (out.length >= this.maxPlatforms) {
          throw new RegistryError(
            "refused",
            `${what}: more than ${this.maxPlatforms} platform images under ${topDigest}`,
          );
        }
        out.push(await this.platformImage(repository, child, entry.platform, topDigest));
      }
    }
  }

  private async platformImage(
    repository: string,
    m: FetchedManifest,
    platform: Platform | undefined,
    indexDigest: string | undefined,
  ): Promise<PlatformImage> {
    const what = this.manifestWhat(repository, m.digest);
    if (!IMAGE_TYPES.has(m.mediaType)) {
      throw new RegistryError("unsupported", `${what}: ${show(m.mediaType)} is not an image manifest`);
    }
    if (m.json.schemaVersion !== 2) {
      throw new RegistryError(
        "unsupported",
        `${what}: schemaVersion ${show(m.json.schemaVersion)} is not supported`,
      );
    }
    const config = this.descriptor(m.json.config, `${what}: config`);
    if (!CONFIG_TYPES.has(config.mediaType)) {
      throw new RegistryError(
        "unsupported",
        `${what}: config media type ${show(config.mediaType)} is not a container image config`,
      );
    }
    const rawLayers = m.json.layers;
    if (!Array.isArray(rawLayers)) throw new RegistryError("protocol", `${what}: "layers" is not an array`);
    if (rawLayers.length > this.maxLayers) {
      throw new RegistryError(
        "refused",
        `${what}: the manifest lists ${rawLayers.length} layers, over the limit of ${this.maxLayers}`,
      );
    }
    const layers = rawLayers.map((raw, i) => {
      const d = this.descriptor(raw, `${what}: layers[${i}]`);
      if (!LAYER_MEDIA_TYPES.has(d.mediaType)) {
        throw new RegistryError(
          "unsupported",
          `${what}: layers[${i}] has unsupported media type ${show(d.mediaType)}`,
        );
      }
      return d;
    });
    const size = layers.reduce((sum, l) => sum + l.size, 0);
    if (!Number.isSafeInteger(size)) throw new RegistryError("refused", `${what}: the layer sizes overflow`);
    const configBytes = await this.blobBuffer(repository, config, this.maxConfigBytes);
    let configJson: unknown;
    try {
      configJson = JSON.parse(configBytes.toString("utf8"));
    } catch (e) {
      throw new RegistryError(
        "protocol",
        `${this.blobWhat(repository, config)}: malformed image config JSON (${(e as Error).message})`,
      );
    }
    if (!isObject(configJson)) {
      throw new RegistryError(
        "protocol",
        `${this.blobWhat(repository, config)}: the image config is not a JSON object`,
      );
    }
    const plat = platform ?? parsePlatform(configJson);
    return {
      repository,
      manifestDigest: m.digest,
      ...(indexDigest !== undefined ? { indexDigest } : {}),
      mediaType: m.mediaType,
      ...(plat !== undefined ? { platform: plat } : {}),
      configDigest: config.digest,
      config: configJson,
      layers,
      size,
    };
  }

  /** Validates a descriptor from an untrusted document. */
  private descriptor(raw: unknown, where: string): Descriptor {
    if (!isObject(raw)) throw new RegistryError("protocol", `${where}: not a descriptor object`);
    const { mediaType, digest, size } = raw;
    if (typeof mediaType !== "string" || mediaType === "" || mediaType.length > 255) {
      throw new RegistryError("protocol", `${where}: missing or invalid mediaType`);
    }
    if (!isValidDigest(digest))
      throw new RegistryError("refused", `${where}: invalid digest ${show(digest)}`);
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw new RegistryError("refused", `${where}: invalid size ${show(size)}`);
    }
    const d: Descriptor = { mediaType, digest, size };
    const platform = parsePlatform(raw.platform);
    if (platform) d.platform = platform;
    if (isObject(raw.annotations)) {
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw.annotations)) if (typeof v === "string") annotations[k] = v;
      d.annotations = annotations;
    }
    if (Array.isArray(raw.urls)) {
      const urls = raw.urls.filter((u): u is string => typeof u === "string" && /^https?:\/\//i.test(u));
      if (urls.length > 0) d.urls = urls;
    }
    return d;
  }

  private manifestMediaType(
    contentType: string | undefined,
    json: Record<string, unknown>,
    what: string,
  ): string {
    const header = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
    const inDocument = typeof json.mediaType === "string" ? json.mediaType : undefined;
    if (
      json.schemaVersion === 1 ||
      SCHEMA1_TYPES.has(header) ||
      (inDocument && SCHEMA1_TYPES.has(inDocument))
    ) {
      const type = SCHEMA1_TYPES.has(header) ? header : (inDocument ?? MediaTypes.dockerSchema1);
      throw new RegistryError("unsupported", `${what}: schema 1 manifests (${type}) are not supported`);
    }
    let type: string;
    if (!GENERIC_CONTENT_TYPES.has(header)) type = header;
    else if (inDocument) type = inDocument;
    else if (Array.isArray(json.manifests)) type = MediaTypes.ociIndex;
    else if (isObject(json.config) && Array.isArray(json.layers)) type = MediaTypes.ociManifest;
    else
      throw new RegistryError("unsupported", `${what}: unknown manifest type (no Content-Type or mediaType)`);
    const isIndex = INDEX_TYPES.has(type);
    if (!isIndex && !IMAGE_TYPES.has(type)) {
      throw new RegistryError("unsupported", `${what}: unsupported manifest media type ${show(type)}`);
    }
    if (isIndex !== Array.isArray(json.manifests)) {
      throw new RegistryError(
        "protocol",
        `${what}: media type ${type} but the document ${isIndex ? "has no" : "has a"} "manifests" array`,
      );
    }
    if (inDocument && (INDEX_TYPES.has(inDocument) || IMAGE_TYPES.has(inDocument))) {
      if (INDEX_TYPES.has(inDocument) !== isIndex) {
        throw new RegistryError(
          "protocol",
          `${what}: Content-Type ${type} contradicts the document's mediaType ${inDocument}`,
        );
      }
    }
    return type;
  }

  // ---- plumbing ----

  private endpoint(path: string): URL {
    return new URL(this.url + path);
  }

  private manifestWhat(repository: string, reference: string): string {
    return `manifest ${this.url}/${repository}${isValidDigest(reference) ? "@" : ":"}${reference}`;
  }

  private blobWhat(repository: string, desc: { digest: string }): string {
    return `blob ${this.url}/${repository}@${desc.digest}`;
  }

  private checkRepository(repository: string): void {
    if (!isValidRepository(repository)) {
      throw new RegistryError("refused", `${this.url}: invalid repository name ${show(repository)}`);
    }
  }

  /** Validates a tag or digest; true when it is a digest. */
  private checkReference(repository: string, reference: string): boolean {
    const ref: unknown = reference;
    if (isValidDigest(ref)) return true;
    if (isValidTag(ref)) return false;
    throw new RegistryError("refused", `${this.url}/${repository}: invalid tag or digest ${show(reference)}`);
  }

  private checkBlob(repository: string, desc: { digest: string; size: number }): void {
    this.checkRepository(repository);
    if (!isValidDigest(desc.digest)) {
      throw new RegistryError(
        "refused",
        `${this.url}/${repository}: invalid blob digest ${show(desc.digest)}`,
      );
    }
    if (typeof desc.size !== "number" || !Number.isSafeInteger(desc.size) || desc.size < 0) {
      throw new RegistryError(
        "refused",
        `${this.blobWhat(repository, desc)}: invalid size ${show(desc.size)}`,
      );
    }
  }

  private async openBlob(repository: string, desc: { digest: string; size: number }, what: string) {
    this.checkBlob(repository, desc);
    const res = await this.exchange({
      method: "GET",
      url: this.endpoint(`/v2/${repository}/blobs/${desc.digest}`),
      scope: pullScope(repository),
      what,
    });
    await this.expectOk(res, what);
    const declared = res.contentLength();
    if (declared !== undefined && declared !== desc.size) {
      res.abort();
      throw new RegistryError(
        "refused",
        `${what}: the registry announces ${declared} bytes (Content-Length), the descriptor says ${desc.size}`,
      );
    }
    return res;
  }

  /** JSON pages of a paginated list (catalog, tags). */
  private async *pages(first: URL, scope: string, what: string): AsyncGenerator<Record<string, unknown>> {
    const visited = new Set<string>();
    let url: URL | undefined = first;
    while (url !== undefined) {
      if (visited.has(url.href) || visited.size >= MAX_PAGES) {
        throw new RegistryError("protocol", `${what}: pagination loops or never ends (at ${safeUrl(url)})`);
      }
      visited.add(url.href);
      const res = await this.exchange({ method: "GET", url, scope, what });
      await this.expectOk(res, what);
      const body = await res.read(
        MAX_PAGE_BYTES,
        () => new RegistryError("refused", `${what}: a page is larger than ${MAX_PAGE_BYTES} bytes`),
      );
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        throw new RegistryError("protocol", `${what}: malformed JSON at ${safeUrl(res.url)}`);
      }
      if (!isObject(json)) throw new RegistryError("protocol", `${what}: the response is not a JSON object`);
      yield json;
      const next = parseLinkNext(res.headers.link);
      url = undefined;
      if (next !== undefined) {
        let nextUrl: URL;
        try {
          nextUrl = new URL(next, res.url);
        } catch {
          throw new RegistryError("protocol", `${what}: invalid Link ${show(next)}`);
        }
        if (nextUrl.origin !== this.origin) {
          throw new RegistryError(
            "protocol",
            `${what}: the next page is on another origin (${nextUrl.origin})`,
          );
        }
        url = nextUrl;
      }
    }
  }

  /** Throws for a non-2xx response (reading a short excerpt of its body). */
  private async expectOk(res: RegistryResponse, what: string): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    const excerpt = await res.excerpt();
    const detail = `${statusLine(res.status)}${excerpt ? `: ${excerpt}` : ""}`;
    if (res.status === 404) {
      throw new RegistryError("not-found", `${what}: not found (${detail})`, { status: 404 });
    }
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError("auth", `authentication failed for ${safeUrl(res.url)}: ${detail} (${what})`, {
        status: res.status,
      });
    }
    throw new RegistryError("protocol", `${what}: unexpected HTTP ${detail}`, { status: res.status });
  }

  private transportError(what: string) {
    return (e: unknown, url: URL, timedOut: boolean): RegistryError => {
      if (e instanceof RegistryError) return e;
      const code = errorCode(e);
      const message = e instanceof Error ? e.message : String(e);
      if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
        return new RegistryError(
          "unreachable",
          `${what}: ${safeUrl(url)} did not answer within ${this.timeoutMs} ms (${timedOut ? "ETIMEDOUT" : code})`,
          { cause: e },
        );
      }
      return new RegistryError(
        "unreachable",
        `${what}: cannot reach ${safeUrl(url)}: ${code ?? "error"} (${clean(message, 200)})`,
        { cause: e },
      );
    };
  }

  /** One request, following redirects; `authorization` goes only to `authOrigin`. */
  private async send(
    method: "GET" | "HEAD",
    start: URL,
    headers: Record<string, string>,
    authorization: string | undefined,
    what: string,
  ): Promise<RegistryResponse> {
    const fail = this.transportError(what);
    const authOrigin = start.origin;
    let url = start;
    for (let hop = 0; ; hop++) {
      const h: Record<string, string> = { "user-agent": this.userAgent, ...headers };
      if (authorization !== undefined && url.origin === authOrigin) h.authorization = authorization;
      const deadline = new Deadline(this.timeoutMs);
      deadline.start();
      let data: Dispatcher.ResponseData;
      try {
        data = await request(url, {
          method,
          headers: h,
          signal: deadline.controller.signal,
          dispatcher: this.dispatcher,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          maxRedirections: 0,
        });
      } catch (e) {
        deadline.clear();
        throw fail(e, url, deadline.timedOut);
      }
      const res = new RegistryResponse(data.statusCode, data.headers, data.body, url, deadline, fail);
      const location = res.header("location");
      if ([301, 302, 303, 307, 308].includes(res.status) && location !== undefined) {
        await res.discard();
        if (hop >= MAX_REDIRECTS) {
          throw new RegistryError(
            "protocol",
            `${what}: more than ${MAX_REDIRECTS} redirects (last ${safeUrl(url)})`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new RegistryError("protocol", `${what}: invalid redirect Location ${show(location)}`);
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          throw new RegistryError("refused", `${what}: redirect to a non-HTTP URL (${next.protocol})`);
        }
        url = next;
        continue;
      }
      return res;
    }
  }

  /** A request to the registry, answering an authentication challenge once. */
  private async exchange(req: ExchangeRequest): Promise<RegistryResponse> {
    const headers: Record<string, string> = req.accept ? { accept: req.accept } : {};
    let sent = this.authorizationFor(req.scope);
    const known = this.challenges.get(req.scope);
    if (known !== undefined && this.tokens.get(req.scope) === undefined) {
      // The token for this scope expired: renew it up front rather than collect another 401.
      sent = `Bearer ${await this.token(known, req.scope, req.what)}`;
    }
    let res = await this.send(req.method, req.url, headers, sent, req.what);
    if (res.status === 401 && res.url.origin === this.origin) {
      const challenges = parseWwwAuthenticate(res.headers["www-authenticate"]);
      await res.discard();
      const answer = await this.answer(challenges, req, sent);
      res = await this.send(req.method, req.url, headers, answer, req.what);
      if (res.status === 401 || res.status === 403) {
        await this.throwAuth(res, req.what);
      }
    } else if (res.status === 401 || res.status === 403) {
      await this.throwAuth(res, req.what);
    }
    return res;
  }

  private async throwAuth(res: RegistryResponse, what: string): Promise<never> {
    const excerpt = await res.excerpt();
    throw new RegistryError(
      "auth",
      `authentication failed for ${res.url.origin === this.origin ? this.url : safeUrl(res.url)}: ${statusLine(res.status)}${excerpt ? `: ${excerpt}` : ""} (${what})`,
      { status: res.status },
    );
  }

  /** What to send up front: a cached token for the scope, Basic once the registry asked for it, or the static token. */
  private authorizationFor(scope: string): string | undefined {
    const token = this.tokens.get(scope);
    if (token !== undefined) return `Bearer ${token}`;
    if (this.basic) return this.basicCredentials();
    const { token: staticToken } = this.credentials;
    if (staticToken && !this.staticTokenRefused && isHeaderSafeToken(staticToken))
      return `Bearer ${staticToken}`;
    return undefined;
  }

  private basicCredentials(): string | undefined {
    const { username, password, token } = this.credentials;
    if (username !== undefined && username !== "") return basicAuthorization(username, password ?? "");
    if (token) return basicAuthorization("<token>", token);
    return undefined;
  }

  /** The Authorization to retry with after a 401, or an "auth" error. */
  private async answer(
    challenges: Challenge[],
    req: ExchangeRequest,
    sent: string | undefined,
  ): Promise<string> {
    const fail = (why: string, status = 401) =>
      new RegistryError(
        "auth",
        `authentication failed for ${this.url}: ${statusLine(status)} (${req.what}): ${why}`,
        {
          status,
        },
      );
    if (sent !== undefined && sent === `Bearer ${this.credentials.token}`) this.staticTokenRefused = true;
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    if (bearer) {
      this.tokens.delete(req.scope);
      this.challenges.set(req.scope, bearer);
      return `Bearer ${await this.token(bearer, req.scope, req.what)}`;
    }
    if (challenges.some((c) => c.scheme === "basic")) {
      const basic = this.basicCredentials();
      if (basic === undefined) throw fail("the registry requires credentials and none were given");
      if (sent === basic) throw fail("the registry refused the credentials");
      this.basic = true;
      return basic;
    }
    const schemes = challenges.map((c) => c.scheme).join(", ");
    throw fail(
      schemes ? `unsupported authentication scheme (${schemes})` : "no usable WWW-Authenticate challenge",
    );
  }

  /** A bearer token from the challenge's realm (one request at a time per scope). */
  private token(challenge: Challenge, scope: string, what: string): Promise<string> {
    const key = `${challenge.params.realm}\n${challenge.params.service ?? ""}\n${challenge.params.scope ?? ""}\n${scope}`;
    let pending = this.tokenRequests.get(key);
    if (pending === undefined) {
      pending = this.fetchToken(challenge, scope, what).finally(() => this.tokenRequests.delete(key));
      this.tokenRequests.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(challenge: Challenge, scope: string, what: string): Promise<string> {
    const realm = challenge.params.realm!;
    const fail = (why: string, status?: number) =>
      new RegistryError("auth", `authentication failed for ${this.url} (${what}): ${why}`, {
        ...(status !== undefined ? { status } : {}),
      });
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw fail(`invalid token realm ${show(realm)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw fail(`token realm ${show(realm)} is not HTTP`);
    const basic = this.basicCredentials();
    if (basic !== undefined && url.protocol === "http:" && this.origin.startsWith("https:")) {
      throw fail(`refusing to send credentials to the plain-HTTP token realm ${safeUrl(url)}`);
    }
    const service = challenge.params.service;
    const tokenScope = challenge.params.scope ?? scope;
    if (service) url.searchParams.set("service", service);
    if (tokenScope) url.searchParams.set("scope", tokenScope);
    const res = await this.send("GET", url, { accept: "application/json" }, basic, what);
    if (res.status !== 200) {
      const excerpt = await res.excerpt();
      throw fail(
        `token endpoint ${safeUrl(res.url)} answered ${statusLine(res.status)}${excerpt ? `: ${excerpt}` : ""}`,
        res.status,
      );
    }
    const body = await res.read(MAX_TOKEN_RESPONSE_BYTES, () => fail("the token response is too large"));
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw fail(`the token endpoint ${safeUrl(res.url)} sent malformed JSON`);
    }
    const token = isObject(json) ? (json.token ?? json.access_token) : undefined;
    if (typeof token !== "string" || !isHeaderSafeToken(token)) {
      throw fail(`the token endpoint ${safeUrl(res.url)} sent no usable token`);
    }
    const expires =
      isObject(json) && typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : 60;
    this.tokens.set(scope, token, expires);
    return token;
  }
}
