import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import type { Selectable } from "kysely";
import type { RegistriesTable, RegistryImagesTable } from "../db/service/schema.js";
import { Lease } from "../jobs/lease.js";
import { expireSeconds, type JobQueue, type RunningJob } from "../jobs/queue.js";
import { extractorLayerCache, inventoryRegistryImage } from "../pipeline/registry-image.js";
import { describeZodIssue } from "../server/shapes.js";
import { notFound, ServiceError, validation } from "../service/errors.js";
import { seal, unseal } from "../service/keys.js";
import type { Principal, ResourceCoverage, VigilService } from "../service/service.js";
import type { LayerCache } from "../sources/layer-cache.js";
import {
  type PlatformImage,
  RegistryClient,
  type RegistryCredentials,
  RegistryError,
} from "../sources/registry/client.js";
import {
  isManifestEvent,
  isOwnRequest,
  OWN_USER_AGENT,
  parseEnvelope,
  type RegistryEvent,
} from "./notifications.js";
import {
  eligibilityExpired,
  modeFor,
  type RegistrySettings,
  RegistrySettingsShape,
  type RescanDuration,
  type ScanMode,
} from "./settings.js";

type RegistryRow = Selectable<RegistriesTable>;
type ImageRow = Selectable<RegistryImagesTable>;

/** A registry as the API shows it: never its credentials. */
export interface RegistryRecord {
  registryId: string;
  name: string;
  url: string;
  settings: RegistrySettings;
  authenticated: boolean;
  status: string;
  statusDetail?: string;
  lastPolledAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  /** Path (on this server) the registry's notifications endpoint should POST to. */
  notificationsPath: string;
}

export interface RegistryImageRecord {
  repository: string;
  digest: string;
  tags: string[];
  resourceIds: string[];
  mode: string;
  pushedAt: Date;
  lastPulledAt?: Date;
  lastScannedAt?: Date;
  expired: boolean;
  scanStatus: { statusCode: string; reason: string; detail?: string }[];
}

export interface ScannerOptions {
  /** Where pulled layers are indexed once per digest. */
  cacheDir: string;
  /** Kept layer content past which least recently used layers are dropped. */
  cacheMaxBytes?: number;
  /** Images scanned at once by this process (0: none; `vigil worker` processes scan). */
  workers?: number;
  /** The job queue image scans go through (shared with `vigil worker` processes). */
  jobs: JobQueue;
  /** Images whose layers (compressed) add up to more are not pulled (IMAGE_SIZE_EXCEEDED). */
  maxImageBytes?: number;
  /** Per-request timeout towards registries. */
  requestTimeoutMs?: number;
  /** Seconds between looks at the queue, the poll schedule and rescan expiry. */
  tickSeconds?: number;
}

export interface ScannerStats {
  /** Platform images inventoried (pulled or assembled from cached layers). */
  imagesScanned: number;
  /** Pushes of an already-scanned digest handled without scanning (tag moves). */
  tagOnlyUpdates: number;
  layerHits: number;
  layerMisses: number;
  jobsFailed: number;
}

/** An image scan job: what to scan and why (the payload of an "image-scan" job). */
export interface ImageScanData {
  accountId: string;
  registryId: string;
  repository: string;
  reference: string;
  tag: string | null;
  reason: string;
}

/** The job as the scan reads it; `attempts` counts this one. */
interface ScanJob {
  account_id: string;
  registry_id: string;
  repository: string;
  reference: string;
  tag: string | null;
  reason: string;
  attempts: number;
}

/** Another process is scanning the repository: the job comes back after this. */
const REPOSITORY_BUSY_DELAY_MS = 1_000;
const UNTAGGED_PUSH_DELAY_MS = 1_500;
const PING_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 ** 3;

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
const isDigest = (ref: string) => /^sha(256|512):[a-f0-9]+$/.test(ref);
const json = <T>(text: string) => JSON.parse(text) as T;

function coverageFor(mode: ScanMode): ResourceCoverage {
  switch (mode) {
    case "continuous":
      return { status: "ACTIVE", reason: "SUCCESSFUL", monitored: true };
    case "scan-on-push":
      return {
        status: "INACTIVE",
        reason: "SCAN_FREQUENCY_SCAN_ON_PUSH",
        detail: "scanned when pushed; advisory updates do not re-evaluate it (scan-on-push)",
        monitored: false,
      };
    case "manual":
      return {
        status: "INACTIVE",
        reason: "SCAN_FREQUENCY_MANUAL",
        detail: "scanned only on request (manual)",
        monitored: false,
      };
  }
}

/** Coverage reason and words for a failed pull or scan. */
function failureCoverage(e: unknown): ResourceCoverage {
  const detail = e instanceof Error ? e.message : String(e);
  if (e instanceof RegistryError && e.kind === "auth")
    return { status: "INACTIVE", reason: "ACCESS_DENIED", detail, monitored: false };
  if (e instanceof ImageTooLarge)
    return { status: "INACTIVE", reason: "IMAGE_SIZE_EXCEEDED", detail, monitored: false };
  return { status: "INACTIVE", reason: "INTERNAL_ERROR", detail, monitored: false };
}

class ImageTooLarge extends Error {}

function parseSettings(input: unknown): RegistrySettings {
  const r = RegistrySettingsShape.safeParse(input);
  if (r.success) return r.data;
  const fields = describeZodIssue(r.error).fields.map((f) => ({
    name: f.name ? `settings.${f.name}` : "settings",
    message: f.message,
  }));
  throw validation(fields.map((f) => `${f.name}: ${f.message}`).join("; "), fields);
}

/**
 * Container registries: registration, notifications (scan on push), catalog polls, a durable
 * scan queue, the pulls through the layer cache, and Inspector's monitoring rules (scan modes,
 * rescan durations, tag moves without rescans, deletes closing findings).
 */
export class RegistryScanner {
  readonly stats: ScannerStats = {
    imagesScanned: 0,
    tagOnlyUpdates: 0,
    layerHits: 0,
    layerMisses: 0,
    jobsFailed: 0,
  };
  readonly cache: LayerCache;
  private readonly jobs: JobQueue;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;

  constructor(
    private readonly service: VigilService,
    private readonly masterKey: Buffer,
    private readonly options: ScannerOptions & { log?: (line: string) => void },
  ) {
    this.cache = extractorLayerCache(options.cacheDir, {
      ...(options.cacheMaxBytes !== undefined ? { maxBytes: options.cacheMaxBytes } : {}),
    });
    this.jobs = options.jobs;
    this.log = options.log ?? (() => {});
  }

  private get db() {
    return this.service.db;
  }

  private now(): number {
    return this.service.now();
  }

  // --- registration --------------------------------------------------------------------------

  private record(r: RegistryRow): RegistryRecord {
    return {
      registryId: r.registry_id,
      name: r.name,
      url: r.url,
      settings: json<RegistrySettings>(r.settings),
      authenticated: r.credentials_sealed !== null,
      status: r.status,
      ...(r.status_detail ? { statusDetail: r.status_detail } : {}),
      ...(r.last_polled_at ? { lastPolledAt: new Date(Number(r.last_polled_at)) } : {}),
      createdAt: new Date(Number(r.created_at)),
      updatedAt: new Date(Number(r.updated_at)),
      notificationsPath: `/v1/registry-notifications/${r.registry_id}`,
    };
  }

  private async row(accountId: string, name: string): Promise<RegistryRow> {
    const r = await this.db
      .selectFrom("registries")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("name", "=", name)
      .executeTakeFirst();
    if (!r) throw notFound(`registry ${JSON.stringify(name)} is not registered in account ${accountId}`);
    return r;
  }

  private static checkUrl(url: string): string {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw validation(`url: ${JSON.stringify(url)} is not a URL`, [{ name: "url", message: "not a URL" }]);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:")
      throw validation("url: must be http:// or https://", [{ name: "url", message: "scheme" }]);
    if (u.username || u.password)
      throw validation("url: give credentials separately, not in the URL", [
        { name: "url", message: "credentials in URL" },
      ]);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  }

  async addRegistry(
    p: Principal,
    input: { name: string; url: string; credentials?: RegistryCredentials; settings?: unknown },
  ): Promise<{ registry: RegistryRecord; notificationsToken: string }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(input.name))
      throw validation("name: 1-64 letters, digits, . _ - (starting with a letter or digit)", [
        { name: "name", message: "invalid" },
      ]);
    const url = RegistryScanner.checkUrl(input.url);
    const settings = parseSettings(input.settings ?? {});
    const existing = await this.db
      .selectFrom("registries")
      .select("registry_id")
      .where("account_id", "=", p.accountId)
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (existing) throw new ServiceError("ConflictException", `registry ${input.name} is already registered`);
    const token = randomBytes(24).toString("base64url");
    const now = this.now();
    const row: RegistryRow = {
      registry_id: `reg-${randomBytes(8).toString("hex")}`,
      account_id: p.accountId,
      name: input.name,
      url,
      settings: JSON.stringify(settings),
      credentials_sealed: input.credentials ? seal(this.masterKey, JSON.stringify(input.credentials)) : null,
      webhook_token_hash: tokenHash(token),
      status: "PENDING",
      status_detail: null,
      last_polled_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto("registries").values(row).execute();
    await this.service.audit(p, "AddRegistry", input.name, { url, settings });
    // First contact right away, so a wrong URL or password shows on the registry at once.
    await this.checkRegistry(row);
    return { registry: this.record(await this.row(p.accountId, input.name)), notificationsToken: token };
  }

  async updateRegistry(
    p: Principal,
    name: string,
    input: { url?: string; credentials?: RegistryCredentials | null; settings?: unknown },
  ): Promise<RegistryRecord> {
    const r = await this.row(p.accountId, name);
    const settings = input.settings
      ? parseSettings({ ...json<object>(r.settings), ...(input.settings as object) })
      : json<RegistrySettings>(r.settings);
    const update: Partial<RegistryRow> = {
      settings: JSON.stringify(settings),
      updated_at: this.now(),
    };
    if (input.url) update.url = RegistryScanner.checkUrl(input.url);
    if (input.credentials === null) update.credentials_sealed = null;
    else if (input.credentials)
      update.credentials_sealed = seal(this.masterKey, JSON.stringify(input.credentials));
    await this.db.updateTable("registries").set(update).where("registry_id", "=", r.registry_id).execute();
    await this.service.audit(p, "UpdateRegistry", name, { url: input.url, settings: input.settings });
    const updated = await this.row(p.accountId, name);
    await this.checkRegistry(updated);
    return this.record(await this.row(p.accountId, name));
  }

  async listRegistries(accountId: string): Promise<RegistryRecord[]> {
    const rows = await this.db
      .selectFrom("registries")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("name")
      .execute();
    return rows.map((r) => this.record(r));
  }

  async getRegistry(accountId: string, name: string): Promise<RegistryRecord> {
    return this.record(await this.row(accountId, name));
  }

  /** Unregisters a registry: its images leave coverage and their findings close. */
  async removeRegistry(p: Principal, name: string): Promise<{ imagesRemoved: number }> {
    const r = await this.row(p.accountId, name);
    const images = await this.db
      .selectFrom("registry_images")
      .selectAll()
      .where("registry_id", "=", r.registry_id)
      .execute();
    for (const img of images) await this.removeImage(r, img, p);
    await this.db.deleteFrom("registries").where("registry_id", "=", r.registry_id).execute();
    await this.service.audit(p, "RemoveRegistry", name);
    return { imagesRemoved: images.length };
  }

  async listImages(accountId: string, name: string): Promise<RegistryImageRecord[]> {
    const r = await this.row(accountId, name);
    const rows = await this.db
      .selectFrom("registry_images")
      .selectAll()
      .where("registry_id", "=", r.registry_id)
      .orderBy("repository")
      .orderBy("pushed_at")
      .execute();
    const out: RegistryImageRecord[] = [];
    for (const i of rows) {
      const ids = json<string[]>(i.resource_ids);
      const resources = ids.length
        ? await this.db
            .selectFrom("resources")
            .select(["resource_id", "scan_status", "scan_status_reason", "scan_status_detail"])
            .where("account_id", "=", accountId)
            .where("resource_id", "in", ids)
            .execute()
        : [];
      out.push({
        repository: i.repository,
        digest: i.digest,
        tags: json<string[]>(i.tags),
        resourceIds: ids,
        mode: i.mode,
        pushedAt: new Date(Number(i.pushed_at)),
        ...(i.last_pulled_at ? { lastPulledAt: new Date(Number(i.last_pulled_at)) } : {}),
        ...(i.last_scanned_at ? { lastScannedAt: new Date(Number(i.last_scanned_at)) } : {}),
        expired: i.expired === 1,
        scanStatus: resources.map((s) => ({
          statusCode: s.scan_status,
          reason: s.scan_status_reason,
          ...(s.scan_status_detail ? { detail: s.scan_status_detail } : {}),
        })),
      });
    }
    return out;
  }

  private client(r: RegistryRow, timeoutMs = this.options.requestTimeoutMs): RegistryClient {
    const settings = json<RegistrySettings>(r.settings);
    const credentials = r.credentials_sealed
      ? json<RegistryCredentials>(unseal(this.masterKey, r.credentials_sealed))
      : undefined;
    return new RegistryClient({
      url: r.url,
      ...(credentials ? { credentials } : {}),
      insecure: settings.insecure,
      userAgent: OWN_USER_AGENT,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  }

  /** A client for one piece of work, closed after it (an insecure client owns a connection pool). */
  private async withClient<T>(
    r: RegistryRow,
    fn: (client: RegistryClient) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    const client = this.client(r, timeoutMs);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  private async setRegistryStatus(r: RegistryRow, status: "OK" | "ERROR", detail: string | null) {
    await this.db
      .updateTable("registries")
      .set({ status, status_detail: detail })
      .where("registry_id", "=", r.registry_id)
      .execute();
  }

  /** Pings the registry (authenticating) and records the outcome on it. */
  async checkRegistry(r: RegistryRow): Promise<boolean> {
    try {
      // Registration answers within seconds; a registry that slow is reported, not waited for.
      const timeout = Math.min(this.options.requestTimeoutMs ?? PING_TIMEOUT_MS, PING_TIMEOUT_MS);
      await this.withClient(r, (client) => client.ping(), timeout);
      await this.setRegistryStatus(r, "OK", null);
      return true;
    } catch (e) {
      await this.setRegistryStatus(r, "ERROR", (e as Error).message);
      return false;
    }
  }

  // --- events --------------------------------------------------------------------------------

  /**
   * A notification envelope from the registry: manifest pushes queue scans, pulls extend
   * monitoring (the pull-date clock), deletes close the image's findings.
   */
  async notify(
    registryId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ events: number; queued: number; deleted: number; pulls: number }> {
    const r = await this.db
      .selectFrom("registries")
      .selectAll()
      .where("registry_id", "=", registryId)
      .executeTakeFirst();
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    const expected = r ? Buffer.from(r.webhook_token_hash, "hex") : Buffer.alloc(32);
    const given = Buffer.from(tokenHash(bearer ?? ""), "hex");
    if (!r || !bearer || !timingSafeEqual(expected, given))
      throw new ServiceError(
        "AccessDeniedException",
        "notifications: unknown registry or wrong bearer token",
      );
    const parsed = parseEnvelope(body);
    if ("error" in parsed) throw validation(parsed.error);
    const settings = json<RegistrySettings>(r.settings);
    const out = { events: parsed.events.length, queued: 0, deleted: 0, pulls: 0 };
    for (const e of parsed.events) {
      if (!modeFor(settings, e.target.repository)) continue;
      if (e.action === "push" && isManifestEvent(e) && e.target.digest) {
        // An untagged manifest is often one platform of an index pushed right after it: wait a
        // moment so the index (tagged) is scanned first and the platform is found inside it.
        const delay = e.target.tag ? 0 : UNTAGGED_PUSH_DELAY_MS;
        if (
          await this.enqueue(
            r,
            e.target.repository,
            e.target.digest,
            e.target.tag ?? null,
            "push",
            false,
            delay,
          )
        )
          out.queued++;
      } else if (e.action === "pull" && isManifestEvent(e) && e.target.digest && !isOwnRequest(e)) {
        out.pulls += await this.pulled(r, e);
      } else if (e.action === "delete" && e.target.digest) {
        out.deleted += await this.deleted(r, e.target.repository, e.target.digest);
      } else if (e.action === "delete" && e.target.tag) {
        await this.untag(r, e.target.repository, e.target.tag);
      }
    }
    return out;
  }

  private async pulled(r: RegistryRow, e: RegistryEvent): Promise<number> {
    const now = this.now();
    const img = await this.image(r.registry_id, e.target.repository, e.target.digest!);
    if (!img) return 0;
    await this.db
      .updateTable("registry_images")
      .set({ last_pulled_at: now })
      .where("registry_id", "=", r.registry_id)
      .where("repository", "=", img.repository)
      .where("digest", "=", img.digest)
      .execute();
    // An expired image in use again is monitored again, from a fresh scan.
    if (img.expired === 1) await this.enqueue(r, img.repository, img.digest, null, "pulled");
    return 1;
  }

  private async deleted(r: RegistryRow, repository: string, digest: string): Promise<number> {
    const img = await this.image(r.registry_id, repository, digest);
    if (!img) return 0;
    await this.removeImage(r, img);
    return 1;
  }

  private async removeImage(r: RegistryRow, img: ImageRow, p?: Principal): Promise<void> {
    const principal = p ?? this.principal(r);
    for (const id of json<string[]>(img.resource_ids)) await this.service.deleteResource(principal, id);
    await this.db
      .deleteFrom("registry_images")
      .where("registry_id", "=", r.registry_id)
      .where("repository", "=", img.repository)
      .where("digest", "=", img.digest)
      .execute();
  }

  private image(registryId: string, repository: string, digest: string) {
    return this.db
      .selectFrom("registry_images")
      .selectAll()
      .where("registry_id", "=", registryId)
      .where("repository", "=", repository)
      .where("digest", "=", digest)
      .executeTakeFirst();
  }

  private principal(r: RegistryRow): Principal {
    return { accountId: r.account_id, id: `registry:${r.name}`, readOnly: false };
  }

  /** Asks for a scan of one image now, whatever the repository's mode. */
  async requestScan(p: Principal, name: string, repository: string, reference: string): Promise<string> {
    const r = await this.row(p.accountId, name);
    if (!modeFor(json<RegistrySettings>(r.settings), repository))
      throw validation(`repository ${repository} is excluded by registry ${name}'s patterns`);
    const tag = isDigest(reference) ? null : reference;
    const id = await this.enqueue(r, repository, reference, tag, "manual", true);
    return id ?? "";
  }

  /**
   * Queues an "image-scan" job unless the same scan (registry, repository, reference, tag)
   * already waits, or always with `force`; returns the job id when queued.
   */
  private async enqueue(
    r: RegistryRow,
    repository: string,
    reference: string,
    tag: string | null,
    reason: string,
    force = false,
    delayMs = 0,
  ): Promise<string | undefined> {
    const data: ImageScanData = {
      accountId: r.account_id,
      registryId: r.registry_id,
      repository,
      reference,
      tag,
      reason,
    };
    return (await this.send(data, force, delayMs)) ?? undefined;
  }

  private send(data: ImageScanData, force: boolean, delayMs: number): Promise<string | null> {
    const key = `${data.registryId}/${data.repository}/${data.reference}/${data.tag ?? ""}`;
    return this.jobs.send("image-scan", data, { ...(force ? {} : { singletonKey: key }), delayMs });
  }

  // --- the queue ---------------------------------------------------------------------------

  /**
   * Starts the registry schedule (polls, rescan expiry) and, unless `workers` is 0, this
   * process's image scan workers. `vigil worker` processes call `work()` only.
   */
  async start(): Promise<void> {
    const workers = this.options.workers ?? 2;
    if (workers > 0) await this.work(workers);
    const tick = () => {
      void this.schedule().catch((e) => this.log(`registry schedule: ${(e as Error).message}`));
    };
    this.timer = setInterval(tick, (this.options.tickSeconds ?? 5) * 1000);
    this.timer.unref();
    tick();
  }

  /** Takes "image-scan" jobs in this process, `concurrency` at a time. */
  work(concurrency: number): Promise<void> {
    return this.jobs.work<ImageScanData>("image-scan", concurrency, (job) => this.runJob(job));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  /** Resolves once no scan is queued (due now) or running. */
  idle(timeoutMs?: number): Promise<void> {
    return this.jobs.idle(["image-scan"], timeoutMs);
  }

  /**
   * One job. A repository is scanned by one job at a time (tags and digests of a repository
   * change together): while another holds its lease, the job comes back a moment later.
   * Transient registry failures throw (the queue retries them with backoff); others are recorded
   * in coverage and end the job.
   */
  private async runJob(running: RunningJob<ImageScanData>): Promise<unknown> {
    const d = running.data;
    const job: ScanJob = {
      account_id: d.accountId,
      registry_id: d.registryId,
      repository: d.repository,
      reference: d.reference,
      tag: d.tag,
      reason: d.reason,
      attempts: running.retryCount + 1,
    };
    const r = await this.db
      .selectFrom("registries")
      .selectAll()
      .where("registry_id", "=", job.registry_id)
      .executeTakeFirst();
    if (!r) return { failed: "registry removed" };
    // A minute, renewed while the scan runs; never longer than the job may run.
    const leaseMs = Math.min(60_000, expireSeconds("image-scan") * 1000);
    const lease = await Lease.acquire(this.db, `image-scan:${job.registry_id}/${job.repository}`, leaseMs);
    if (!lease) {
      const next = await this.send(d, d.reason === "manual", REPOSITORY_BUSY_DELAY_MS);
      return { deferred: "another scan of the repository is running", ...(next ? { next } : {}) };
    }
    try {
      await this.withClient(r, (client) => this.scanJob(r, job, client));
      return { scanned: `${job.repository}@${job.reference}` };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.log(`registry ${r.name}: ${job.repository}@${job.reference}: ${error}`);
      await this.recordFailure(r, job, e);
      const transient =
        e instanceof RegistryError &&
        (e.kind === "unreachable" || (e.kind === "protocol" && (e.status ?? 0) >= 500));
      if (transient && running.retryCount < running.retryLimit) throw e;
      this.stats.jobsFailed++;
      return { failed: error };
    } finally {
      await lease.release();
    }
  }

  private resourceId(r: RegistryRow, repository: string, ref: string): string {
    const host = new URL(r.url).host;
    return isDigest(ref) ? `${host}/${repository}@${ref}` : `${host}/${repository}:${ref}`;
  }

  /** A scan that failed shows in coverage on the image (or the tag, when no digest is known). */
  private async recordFailure(r: RegistryRow, job: ScanJob, e: unknown): Promise<void> {
    if (e instanceof RegistryError && (e.kind === "auth" || e.kind === "unreachable"))
      await this.setRegistryStatus(r, "ERROR", e.message);
    const id = this.resourceId(r, job.repository, job.reference);
    const known = isDigest(job.reference)
      ? await this.image(r.registry_id, job.repository, job.reference)
      : undefined;
    const ids = known ? json<string[]>(known.resource_ids) : [id];
    const coverage = failureCoverage(e);
    for (const rid of ids) {
      await this.service.setResourceState(
        r.account_id,
        {
          id: rid,
          type: "AWS_ECR_CONTAINER_IMAGE",
          details: this.details(r, job.repository, job.reference, job.tag ? [job.tag] : [], undefined),
        },
        // A known image keeps its findings and monitoring; only its coverage says what failed.
        known ? { ...coverage, monitored: true } : coverage,
      );
    }
    if (!known) await this.rememberImage(r, job.repository, job.reference, job.tag, [id], "failed");
  }

  private details(
    r: RegistryRow,
    repository: string,
    digest: string,
    tags: string[],
    image: PlatformImage | undefined,
    extra: { platform?: string; pushedAt?: number } = {},
  ): Record<string, unknown> {
    const config = image?.config as { author?: string; architecture?: string } | undefined;
    return {
      awsEcrContainerImage: {
        registry: new URL(r.url).host,
        repositoryName: repository,
        imageHash: image?.manifestDigest ?? digest,
        imageTags: tags,
        ...(image?.platform?.architecture || config?.architecture
          ? { architecture: image?.platform?.architecture ?? config?.architecture }
          : {}),
        ...(config?.author ? { author: config.author } : {}),
        ...(extra.platform ? { platform: extra.platform } : {}),
        ...(extra.pushedAt ? { pushedAt: new Date(extra.pushedAt).toISOString() } : {}),
      },
    };
  }

  /** Records (or updates) the pushed digest's row. */
  private async rememberImage(
    r: RegistryRow,
    repository: string,
    digest: string,
    tag: string | null,
    resourceIds: string[],
    mode: string,
    scanned = false,
  ): Promise<ImageRow> {
    const now = this.now();
    const prev = await this.image(r.registry_id, repository, digest);
    const tags = new Set(prev ? json<string[]>(prev.tags) : []);
    if (tag) tags.add(tag);
    const row: ImageRow = {
      registry_id: r.registry_id,
      account_id: r.account_id,
      repository,
      digest,
      tags: JSON.stringify([...tags].sort()),
      resource_ids: JSON.stringify(resourceIds),
      pushed_at: prev?.pushed_at ?? now,
      last_pulled_at: prev?.last_pulled_at ?? null,
      last_scanned_at: scanned ? now : (prev?.last_scanned_at ?? null),
      mode,
      expired: scanned ? 0 : (prev?.expired ?? 0),
    };
    if (prev) {
      await this.db
        .updateTable("registry_images")
        .set({
          tags: row.tags,
          resource_ids: row.resource_ids,
          last_scanned_at: row.last_scanned_at,
          mode: row.mode,
          expired: row.expired,
        })
        .where("registry_id", "=", r.registry_id)
        .where("repository", "=", repository)
        .where("digest", "=", digest)
        .execute();
    } else {
      await this.db.insertInto("registry_images").values(row).execute();
    }
    return row;
  }

  /** Takes a tag off the repository's images (all but `keep`): deleted, or moved elsewhere. */
  private async untag(r: RegistryRow, repository: string, tag: string, keep?: string): Promise<void> {
    const holders = await this.db
      .selectFrom("registry_images")
      .selectAll()
      .where("registry_id", "=", r.registry_id)
      .where("repository", "=", repository)
      .execute();
    for (const h of holders) {
      const tags = json<string[]>(h.tags);
      if (h.digest === keep || !tags.includes(tag)) continue;
      const rest = tags.filter((t) => t !== tag);
      await this.db
        .updateTable("registry_images")
        .set({ tags: JSON.stringify(rest) })
        .where("registry_id", "=", r.registry_id)
        .where("repository", "=", repository)
        .where("digest", "=", h.digest)
        .execute();
      await this.retag(r, h, rest);
    }
  }

  /** Moves `tag` to `digest`: other images of the repository lose it (their findings follow). */
  private async moveTag(r: RegistryRow, repository: string, tag: string, digest: string): Promise<void> {
    await this.untag(r, repository, tag, digest);
    // A placeholder for a tag that could not be resolved is replaced by the image itself.
    const placeholder = this.resourceId(r, repository, tag);
    const stale = await this.image(r.registry_id, repository, tag);
    if (stale) await this.removeImage(r, stale);
    else {
      const res = await this.db
        .selectFrom("resources")
        .select("resource_id")
        .where("account_id", "=", r.account_id)
        .where("resource_id", "=", placeholder)
        .executeTakeFirst();
      if (res) await this.service.deleteResource(this.principal(r), placeholder);
    }
  }

  /** Rewrites an image's tags on its resources and findings (no pull, no new inventory). */
  private async retag(r: RegistryRow, img: ImageRow, tags: string[]): Promise<void> {
    for (const id of json<string[]>(img.resource_ids)) {
      const res = await this.db
        .selectFrom("resources")
        .select("details")
        .where("account_id", "=", r.account_id)
        .where("resource_id", "=", id)
        .executeTakeFirst();
      if (!res) continue;
      const details = json<{ awsEcrContainerImage?: Record<string, unknown> }>(res.details);
      if (!details.awsEcrContainerImage) continue;
      details.awsEcrContainerImage.imageTags = tags;
      await this.service.updateResourceDetails(r.account_id, id, details);
    }
  }

  /** Whether an untagged manifest is a platform of an index already scanned. */
  private async platformOfKnownIndex(r: RegistryRow, job: ScanJob): Promise<boolean> {
    const id = this.resourceId(r, job.repository, job.reference);
    const rows = await this.db
      .selectFrom("registry_images")
      .select(["resource_ids", "last_scanned_at"])
      .where("registry_id", "=", r.registry_id)
      .where("repository", "=", job.repository)
      .execute();
    return rows.some((row) => row.last_scanned_at !== null && json<string[]>(row.resource_ids).includes(id));
  }

  /** One queued scan: resolve, skip what is already scanned, pull through the cache, submit. */
  private async scanJob(r: RegistryRow, job: ScanJob, client: RegistryClient): Promise<void> {
    const settings = json<RegistrySettings>(r.settings);
    const mode = modeFor(settings, job.repository);
    if (!mode) return;
    const known = isDigest(job.reference)
      ? await this.image(r.registry_id, job.repository, job.reference)
      : undefined;
    // Same digest, already scanned: a new tag (or a repeated push) changes tags, not findings.
    if (known?.last_scanned_at && known.expired === 0 && job.reason !== "manual") {
      const tags = new Set(json<string[]>(known.tags));
      if (job.tag) {
        await this.moveTag(r, job.repository, job.tag, known.digest);
        if (!tags.has(job.tag)) {
          tags.add(job.tag);
          const list = [...tags].sort();
          await this.db
            .updateTable("registry_images")
            .set({ tags: JSON.stringify(list) })
            .where("registry_id", "=", r.registry_id)
            .where("repository", "=", job.repository)
            .where("digest", "=", known.digest)
            .execute();
          await this.retag(r, known, list);
        }
      }
      this.stats.tagOnlyUpdates++;
      return;
    }
    if (!job.tag && isDigest(job.reference) && !known && (await this.platformOfKnownIndex(r, job))) {
      this.stats.tagOnlyUpdates++;
      return;
    }
    if (mode === "manual" && job.reason !== "manual") {
      // Inspector lists manual-frequency images in coverage without scanning them.
      const id = this.resourceId(r, job.repository, job.reference);
      await this.service.setResourceState(
        r.account_id,
        {
          id,
          type: "AWS_ECR_CONTAINER_IMAGE",
          details: this.details(r, job.repository, job.reference, job.tag ? [job.tag] : [], undefined),
        },
        coverageFor("manual"),
      );
      await this.rememberImage(r, job.repository, job.reference, job.tag, [id], "manual");
      return;
    }
    const images = await client.resolveImages(job.repository, job.reference);
    if (images.length === 0)
      throw new RegistryError("unsupported", `${job.repository}@${job.reference}: no image for any platform`);
    const top = images[0]!.indexDigest ?? images[0]!.manifestDigest;
    const size = images.reduce((n, i) => n + i.size, 0);
    const max = this.options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    if (size > max)
      throw new ImageTooLarge(
        `${job.repository}@${top}: layers add up to ${size} bytes, over the ${max}-byte limit`,
      );
    const prev = await this.image(r.registry_id, job.repository, top);
    const tags = new Set(prev ? json<string[]>(prev.tags) : []);
    if (job.tag) tags.add(job.tag);
    const pushedAt = Number(prev?.pushed_at ?? this.now());
    const coverage = coverageFor(mode);
    const ids: string[] = [];
    for (const image of images) {
      const id = `${new URL(r.url).host}/${job.repository}@${image.manifestDigest}`;
      const before = { ...this.cache.stats };
      const inv = await inventoryRegistryImage(client, image, this.cache);
      this.stats.layerHits += this.cache.stats.hits - before.hits;
      this.stats.layerMisses += this.cache.stats.misses - before.misses;
      const os = inv.inventory.os;
      const platform = os ? (os.prettyName ?? `${os.id} ${os.versionId ?? ""}`.trim()) : undefined;
      await this.service.submitInventory(
        this.principal(r),
        {
          id,
          type: "AWS_ECR_CONTAINER_IMAGE",
          details: this.details(r, job.repository, top, [...tags].sort(), image, {
            ...(platform ? { platform } : {}),
            pushedAt,
          }),
        },
        { os, packages: inv.inventory.packages },
        coverage,
      );
      this.stats.imagesScanned++;
      ids.push(id);
    }
    // Platform resources that an earlier failure recorded under the pushed digest give way.
    for (const stale of prev ? json<string[]>(prev.resource_ids) : []) {
      if (!ids.includes(stale)) await this.service.deleteResource(this.principal(r), stale);
    }
    await this.rememberImage(r, job.repository, top, job.tag, ids, mode, true);
    if (job.tag) await this.moveTag(r, job.repository, job.tag, top);
    await this.setRegistryStatus(r, "OK", null);
  }

  // --- the schedule: polls and rescan expiry --------------------------------------------------

  private async schedule(): Promise<void> {
    const now = this.now();
    const registries = await this.db.selectFrom("registries").selectAll().execute();
    for (const r of registries) {
      const settings = json<RegistrySettings>(r.settings);
      const interval = settings.pollIntervalMinutes * 60_000;
      if (interval > 0 && (r.last_polled_at === null || now - Number(r.last_polled_at) >= interval)) {
        await this.poll(r).catch((e) => this.log(`registry ${r.name}: poll: ${(e as Error).message}`));
      }
    }
    await this.expire();
  }

  /** Polls a registry by name now (the API's and CLI's "poll"). */
  async pollNow(accountId: string, name: string) {
    return this.poll(await this.row(accountId, name));
  }

  /**
   * Walks the catalog (or, where the registry offers none, the repositories already known) and
   * every tag: new digests queue scans, moved tags move, digests gone from the registry close.
   */
  async poll(
    r: RegistryRow,
  ): Promise<{ repositories: number; queued: number; deleted: number; error?: string }> {
    return this.withClient(r, (client) => this.pollWith(r, client));
  }

  private async pollWith(
    r: RegistryRow,
    client: RegistryClient,
  ): Promise<{ repositories: number; queued: number; deleted: number; error?: string }> {
    const settings = json<RegistrySettings>(r.settings);
    const out = { repositories: 0, queued: 0, deleted: 0 };
    await this.db
      .updateTable("registries")
      .set({ last_polled_at: this.now() })
      .where("registry_id", "=", r.registry_id)
      .execute();
    const repos = new Set<string>();
    try {
      for await (const repo of client.catalog()) if (modeFor(settings, repo)) repos.add(repo);
    } catch (e) {
      if (!(e instanceof RegistryError) || e.kind === "auth" || e.kind === "unreachable") {
        await this.setRegistryStatus(r, "ERROR", (e as Error).message);
        return { ...out, error: (e as Error).message };
      }
      // No catalog here (GHCR, Docker Hub): fall back to the repositories we know of.
    }
    const known = await this.db
      .selectFrom("registry_images")
      .selectAll()
      .where("registry_id", "=", r.registry_id)
      .execute();
    for (const k of known) repos.add(k.repository);
    for (const p of settings.include) if (!p.includes("*")) repos.add(p);
    for (const repo of [...repos].sort()) {
      out.repositories++;
      let tags: string[] = [];
      try {
        tags = await client.tags(repo);
      } catch (e) {
        if (e instanceof RegistryError && e.kind === "not-found") tags = [];
        else {
          await this.setRegistryStatus(r, "ERROR", (e as Error).message);
          return { ...out, error: (e as Error).message };
        }
      }
      const seen = new Set<string>();
      for (const tag of tags) {
        const head = await client.headManifest(repo, tag);
        if (!head) continue;
        seen.add(head.digest);
        const img = known.find((k) => k.repository === repo && k.digest === head.digest);
        if (img && json<string[]>(img.tags).includes(tag) && img.last_scanned_at) continue;
        if (await this.enqueue(r, repo, head.digest, tag, "poll")) out.queued++;
      }
      // Digests no tag reaches any more may still exist untagged; ask before closing them.
      for (const img of known.filter((k) => k.repository === repo && !seen.has(k.digest))) {
        if (!isDigest(img.digest)) continue;
        const head = await client.headManifest(repo, img.digest);
        if (!head) {
          await this.removeImage(r, img);
          out.deleted++;
        } else if (json<string[]>(img.tags).length > 0) {
          await this.db
            .updateTable("registry_images")
            .set({ tags: "[]" })
            .where("registry_id", "=", r.registry_id)
            .where("repository", "=", repo)
            .where("digest", "=", img.digest)
            .execute();
          await this.retag(r, img, []);
        }
      }
    }
    await this.setRegistryStatus(r, "OK", null);
    return out;
  }

  /**
   * Stops monitoring images past their rescan duration (Inspector's SCAN_ELIGIBILITY_EXPIRED):
   * their findings close; a later pull brings them back.
   */
  async expire(): Promise<number> {
    const now = this.now();
    const images = await this.db
      .selectFrom("registry_images")
      .innerJoin("registries", "registries.registry_id", "registry_images.registry_id")
      .selectAll("registry_images")
      .select(["registries.settings", "registries.name"])
      .where("registry_images.expired", "=", 0)
      .where("registry_images.last_scanned_at", "is not", null)
      .execute();
    const accountDurations = new Map<string, { rescan: RescanDuration; pull: RescanDuration }>();
    let expired = 0;
    for (const img of images) {
      const settings = json<RegistrySettings>(img.settings);
      let account = accountDurations.get(img.account_id);
      if (!account) {
        const c = (await this.service.getConfiguration(img.account_id)) as {
          ecrConfiguration?: { rescanDuration?: RescanDuration; pullDateRescanDuration?: RescanDuration };
        };
        account = {
          rescan: c.ecrConfiguration?.rescanDuration ?? "LIFETIME",
          pull: c.ecrConfiguration?.pullDateRescanDuration ?? "DAYS_90",
        };
        accountDurations.set(img.account_id, account);
      }
      const durations = {
        rescan: settings.rescanDuration ?? account.rescan,
        pull: settings.pullDateRescanDuration ?? account.pull,
      };
      const clock = {
        pushedAt: Number(img.pushed_at),
        lastPulledAt: img.last_pulled_at === null ? null : Number(img.last_pulled_at),
      };
      if (!eligibilityExpired(clock, durations, now)) continue;
      for (const id of json<string[]>(img.resource_ids)) {
        await this.service.retireResource(
          img.account_id,
          id,
          "SCAN_ELIGIBILITY_EXPIRED",
          `pushed ${new Date(clock.pushedAt).toISOString()}, past the ${durations.rescan} rescan duration`,
        );
      }
      await this.db
        .updateTable("registry_images")
        .set({ expired: 1 })
        .where("registry_id", "=", img.registry_id)
        .where("repository", "=", img.repository)
        .where("digest", "=", img.digest)
        .execute();
      expired++;
    }
    return expired;
  }
}

/** Where the layer cache lives inside a data directory. */
export const layerCacheDir = (dataDir: string) => join(dataDir, "layers");
