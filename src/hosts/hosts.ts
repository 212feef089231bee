import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Selectable } from "kysely";
import type { HostsTable } from "../db/service/schema.js";
import type { OsInfo, Package } from "../extractors/types.js";
import type { JobQueue } from "../jobs/queue.js";
import { denied, notFound, ServiceError, validation } from "../service/errors.js";
import type { Principal, ResourceCoverage, VigilService } from "../service/service.js";
import {
  DEFAULT_DEEP_PATHS,
  hostIdentity,
  hostInventory,
  hostResourceId,
  inventoryHash,
  isHostId,
  packageKey,
} from "./inventory.js";

type HostRow = Selectable<HostsTable>;

/** Facts an agent reports besides packages (see src/agent/collect). Stored as sent, bounded. */
export type HostFactsPayload = Record<string, unknown> & {
  kernel?: { release?: string; version?: string };
  interfaces?: { name: string; addresses: { family: number; address: string }[]; internal?: boolean }[];
};

/** One inventory message from an agent: everything, or what changed since `baseSequence`. */
export interface InventoryMessage {
  nonce: string;
  sequence: number;
  kind: "full" | "delta";
  baseSequence?: number | undefined;
  contentHash: string;
  hostname: string;
  agentVersion?: string | undefined;
  os?: OsInfo | undefined;
  packages?: Package[] | undefined;
  added?: Package[] | undefined;
  removed?: string[] | undefined;
  facts?: HostFactsPayload | undefined;
  tags?: Record<string, string> | undefined;
  collection?: { cpuMs: number; rssBytes: number; ms: number } | undefined;
}

export interface HostsConfiguration {
  /** Hosts with a tag matching one of these (value "*" = any value) are excluded from scanning. */
  exclusionTags: { key: string; value: string }[];
  /** Hours without contact after which a host's coverage turns STALE_INVENTORY. */
  staleAfterHours: number;
}

export const DEFAULT_HOSTS_CONFIGURATION: HostsConfiguration = {
  exclusionTags: [{ key: "VigilExclusion", value: "*" }],
  staleAfterHours: 24,
};

const NONCE_TTL_MS = 20 * 60_000;
const HEARTBEAT_SECONDS = 300;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const json = <T>(text: string) => JSON.parse(text) as T;

/** Request for a full inventory: the agent's base does not match the server's. */
export function resync(message: string): ServiceError {
  return new ServiceError("ConflictException", message, { resync: true });
}

/**
 * Hosts: activation codes, agent enrolment and credentials (rotation, revocation), inventory
 * messages (full, then deltas, each signed, numbered and carrying a one-time nonce), heartbeats,
 * coverage reasons (pending, stale, unsupported OS, excluded by tag, no inventory) and agentless
 * scans of mounted disks.
 */
export class HostService {
  constructor(private readonly service: VigilService) {}

  private get db() {
    return this.service.db;
  }

  private now(): number {
    return this.service.now();
  }

  // --- administration ------------------------------------------------------------------------

  async createActivation(
    p: Principal,
    input: { count: number; expiresAt: number; description?: string; tags?: Record<string, string> },
  ): Promise<{ activationId: string; activationCode: string; expiresAt: Date }> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    if (input.expiresAt <= this.now())
      throw validation("expiresAt: must be in the future", [{ name: "expiresAt", message: "past" }]);
    const activationId = `act-${randomBytes(8).toString("hex")}`;
    const activationCode = randomBytes(20).toString("base64url");
    await this.service.ensureAccount(p.accountId);
    await this.db
      .insertInto("activations")
      .values({
        activation_id: activationId,
        account_id: p.accountId,
        code_hash: sha256(activationCode),
        description: input.description ?? null,
        max_count: input.count,
        used_count: 0,
        expires_at: input.expiresAt,
        tags: JSON.stringify(input.tags ?? {}),
        created_at: this.now(),
      })
      .execute();
    await this.service.audit(p, "CreateActivation", activationId, {
      count: input.count,
      expiresAt: input.expiresAt,
    });
    return { activationId, activationCode, expiresAt: new Date(input.expiresAt) };
  }

  async configuration(accountId: string): Promise<HostsConfiguration> {
    const c = (await this.service.getConfiguration(accountId)) as {
      hostsConfiguration?: Partial<HostsConfiguration>;
    };
    return { ...DEFAULT_HOSTS_CONFIGURATION, ...c.hostsConfiguration };
  }

  async updateConfiguration(p: Principal, update: Partial<HostsConfiguration>): Promise<HostsConfiguration> {
    const merged = { ...(await this.configuration(p.accountId)), ...update };
    await this.service.updateConfiguration(p, { hostsConfiguration: merged });
    await this.sweep();
    return merged;
  }

  async listHosts(accountId: string) {
    const rows = await this.db
      .selectFrom("hosts")
      .leftJoin("resources", (j) =>
        j
          .onRef("resources.account_id", "=", "hosts.account_id")
          .onRef("resources.resource_id", "=", "hosts.host_id"),
      )
      .select([
        "hosts.host_id",
        "hosts.hostname",
        "hosts.agent_version",
        "hosts.registered_at",
        "hosts.last_seen_at",
        "hosts.last_inventory_at",
        "hosts.last_sequence",
        "hosts.collection",
        "hosts.revoked_at",
        "resources.scan_status",
        "resources.scan_status_reason",
        "resources.scan_status_detail",
        "resources.active_findings",
        "resources.tags",
      ])
      .where("hosts.account_id", "=", accountId)
      .orderBy("hosts.hostname")
      .execute();
    return rows.map((r) => ({
      hostId: r.host_id,
      hostname: r.hostname,
      agentVersion: r.agent_version,
      registeredAt: new Date(Number(r.registered_at)),
      ...(r.last_seen_at ? { lastSeenAt: new Date(Number(r.last_seen_at)) } : {}),
      ...(r.last_inventory_at ? { lastInventoryAt: new Date(Number(r.last_inventory_at)) } : {}),
      sequence: Number(r.last_sequence),
      revoked: r.revoked_at !== null,
      tags: r.tags ? json<Record<string, string>>(r.tags) : {},
      scanStatus: {
        statusCode: r.scan_status ?? "INACTIVE",
        reason: r.scan_status_reason ?? "PENDING_INITIAL_SCAN",
      },
      ...(r.scan_status_detail ? { statusDetail: r.scan_status_detail } : {}),
      activeFindings: Number(r.active_findings ?? 0),
      ...(r.collection ? { lastCollection: json<Record<string, number>>(r.collection) } : {}),
    }));
  }

  /** The facts (processes, sockets, interfaces, packages in use) the host last reported. */
  async facts(accountId: string, hostId: string): Promise<HostFactsPayload | undefined> {
    const row = await this.host(accountId, hostId);
    return row.facts ? json<HostFactsPayload>(gunzipSync(row.facts).toString("utf8")) : undefined;
  }

  private async host(accountId: string, hostId: string): Promise<HostRow> {
    const row = await this.db
      .selectFrom("hosts")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("host_id", "=", hostId)
      .executeTakeFirst();
    if (!row) throw notFound(`host ${hostId} is not enrolled in account ${accountId}`);
    return row;
  }

  /** Revokes every credential of a host; its agent is refused from then on, with the reason. */
  async revoke(p: Principal, hostId: string): Promise<void> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    await this.host(p.accountId, hostId);
    const now = this.now();
    const keys = await this.db
      .selectFrom("access_keys")
      .select("access_key_id")
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", hostId)
      .execute();
    for (const k of keys) await this.service.revokeKey(k.access_key_id);
    await this.db
      .updateTable("hosts")
      .set({ revoked_at: now })
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", hostId)
      .execute();
    await this.service.setResourceState(
      p.accountId,
      { id: hostId, type: "AWS_EC2_INSTANCE" },
      {
        status: "INACTIVE",
        reason: "UNMANAGED_EC2_INSTANCE",
        detail: "the agent's credential was revoked",
        monitored: false,
      },
    );
    await this.service.audit(p, "RevokeHost", hostId);
  }

  /** Asks the host's agent to rotate its credential at its next contact. */
  async requestRotation(p: Principal, hostId: string): Promise<void> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    await this.host(p.accountId, hostId);
    await this.db
      .updateTable("hosts")
      .set({ rotate_requested: 1 })
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", hostId)
      .execute();
    await this.service.audit(p, "RequestRotation", hostId);
  }

  // --- the agent's side ----------------------------------------------------------------------

  /** Enrols a host with an activation code; returns its credential (shown once). */
  async register(input: {
    activationId: string;
    activationCode: string;
    hostname: string;
    machineId?: string | undefined;
    agentVersion?: string | undefined;
  }): Promise<{
    hostId: string;
    accountId: string;
    accessKeyId: string;
    secretAccessKey: string;
    heartbeatSeconds: number;
  }> {
    const a = await this.db
      .selectFrom("activations")
      .selectAll()
      .where("activation_id", "=", input.activationId)
      .executeTakeFirst();
    const given = Buffer.from(sha256(input.activationCode), "hex");
    if (!a || !timingSafeEqual(Buffer.from(a.code_hash, "hex"), given))
      throw denied(`activation ${input.activationId}: unknown activation or wrong code`);
    const now = this.now();
    if (Number(a.expires_at) <= now)
      throw denied(
        `activation ${input.activationId} expired at ${new Date(Number(a.expires_at)).toISOString()}`,
      );
    const used = await this.db
      .updateTable("activations")
      .set({ used_count: a.used_count + 1 })
      .where("activation_id", "=", a.activation_id)
      .where("used_count", "=", a.used_count)
      .where("used_count", "<", a.max_count)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1)
      throw denied(`activation ${input.activationId} is used up (${a.max_count} of ${a.max_count} hosts)`);
    // The machine id names the host, so an agentless scan of its disk lands on the same resource;
    // a host already enrolled under it (a clone, a re-install) gets an id of its own.
    let hostId = input.machineId ? hostResourceId(input.machineId) : "";
    const taken = hostId
      ? await this.db
          .selectFrom("hosts")
          .select("revoked_at")
          .where("account_id", "=", a.account_id)
          .where("host_id", "=", hostId)
          .executeTakeFirst()
      : undefined;
    if (!hostId || (taken && taken.revoked_at === null))
      hostId = `h-${randomBytes(9).toString("hex").slice(0, 17)}`;
    const row = {
      host_id: hostId,
      account_id: a.account_id,
      activation_id: a.activation_id,
      hostname: input.hostname,
      machine_id: input.machineId ?? null,
      agent_version: input.agentVersion ?? null,
      registered_at: now,
      last_seen_at: now,
      last_sequence: 0,
      last_content_hash: null,
      last_inventory_at: null,
      facts: null,
      collection: null,
      rotate_requested: 0,
      revoked_at: null,
    };
    if (taken) {
      await this.db
        .updateTable("hosts")
        .set(row)
        .where("account_id", "=", a.account_id)
        .where("host_id", "=", hostId)
        .execute();
    } else await this.db.insertInto("hosts").values(row).execute();
    const key = await this.service.createKey(a.account_id, {
      hostId,
      description: `agent on ${input.hostname}`,
      principal: `activation:${a.activation_id}`,
    });
    await this.service.setResourceState(
      a.account_id,
      {
        id: hostId,
        type: "AWS_EC2_INSTANCE",
        tags: json<Record<string, string>>(a.tags),
        details: { awsEc2Instance: {} },
      },
      {
        status: "INACTIVE",
        reason: "PENDING_INITIAL_SCAN",
        detail: "enrolled; waiting for the first inventory",
        monitored: true,
      },
    );
    return { hostId, accountId: a.account_id, ...key, heartbeatSeconds: HEARTBEAT_SECONDS };
  }

  /** Refuses a nonce seen before (a replayed request); remembers it for the skew window. */
  private async useNonce(hostId: string, nonce: string): Promise<void> {
    const now = this.now();
    await this.db
      .deleteFrom("agent_nonces")
      .where("at", "<", now - NONCE_TTL_MS)
      .execute();
    const seen = await this.db
      .selectFrom("agent_nonces")
      .select("nonce")
      .where("nonce", "=", nonce)
      .executeTakeFirst();
    if (seen) throw denied(`host ${hostId}: replayed request (nonce ${nonce} was used before)`);
    await this.db.insertInto("agent_nonces").values({ nonce, host_id: hostId, at: now }).execute();
  }

  private async agentHost(p: Principal): Promise<HostRow> {
    if (!p.hostId) throw denied("not an agent credential");
    const row = await this.host(p.accountId, p.hostId);
    if (row.revoked_at !== null)
      throw denied(
        `host ${p.hostId} was revoked at ${new Date(Number(row.revoked_at)).toISOString()}; enrol it again`,
      );
    return row;
  }

  async heartbeat(
    p: Principal,
    body: { nonce: string; collection?: InventoryMessage["collection"] },
  ): Promise<{ rotate: boolean; heartbeatSeconds: number; sequence: number }> {
    const row = await this.agentHost(p);
    await this.useNonce(row.host_id, body.nonce);
    await this.db
      .updateTable("hosts")
      .set({
        last_seen_at: this.now(),
        ...(body.collection ? { collection: JSON.stringify(body.collection) } : {}),
      })
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", row.host_id)
      .execute();
    await this.refreshStale(p.accountId, row.host_id);
    return {
      rotate: row.rotate_requested === 1,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      sequence: Number(row.last_sequence),
    };
  }

  /** A new credential for the calling host; the one it signed with is revoked. */
  async rotate(
    p: Principal,
    body: { nonce: string },
  ): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const row = await this.agentHost(p);
    await this.useNonce(row.host_id, body.nonce);
    const key = await this.service.createKey(p.accountId, {
      hostId: row.host_id,
      description: `agent on ${row.hostname}`,
    });
    await this.service.revokeKey(p.id);
    await this.db
      .updateTable("hosts")
      .set({ rotate_requested: 0 })
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", row.host_id)
      .execute();
    await this.service.audit(p, "RotateHostCredential", row.host_id, { newKey: key.accessKeyId });
    return key;
  }

  /**
   * Applies one inventory message. Messages are numbered: the next one applies; a repeat of the
   * last one with the same content is acknowledged (the agent did not hear the answer); anything
   * older is refused. A delta whose base or result differs from the server's copy asks for a
   * full inventory.
   */
  async ingest(
    p: Principal,
    m: InventoryMessage,
  ): Promise<{ sequence: number; duplicate: boolean; active: number; rotate: boolean }> {
    const row = await this.agentHost(p);
    await this.useNonce(row.host_id, m.nonce);
    const last = Number(row.last_sequence);
    if (m.sequence === last && m.contentHash === row.last_content_hash)
      return { sequence: last, duplicate: true, active: -1, rotate: row.rotate_requested === 1 };
    if (m.sequence <= last)
      throw new ServiceError(
        "ConflictException",
        `host ${row.host_id}: message ${m.sequence} is older than the last applied (${last})`,
      );
    let packages: Package[];
    if (m.kind === "full") packages = m.packages ?? [];
    else {
      if (m.baseSequence !== last || row.last_content_hash === null)
        throw resync(
          `host ${row.host_id}: delta from ${m.baseSequence} but the server holds ${last}; send a full inventory`,
        );
      const stored = await this.service.inventoryOf(p.accountId, row.host_id);
      const removed = new Set(m.removed ?? []);
      packages = (stored?.packages ?? []).filter((x) => !removed.has(packageKey(x)));
      packages.push(...(m.added ?? []));
    }
    if (inventoryHash(m.os, packages) !== m.contentHash)
      throw resync(
        `host ${row.host_id}: the inventory does not add up to the agent's digest; send a full inventory`,
      );
    // Facts first: the scoring of this inventory reads them (packages in use, listening sockets).
    if (m.facts) {
      await this.db
        .updateTable("hosts")
        .set({ facts: gzipSync(JSON.stringify(m.facts)) })
        .where("account_id", "=", p.accountId)
        .where("host_id", "=", row.host_id)
        .execute();
    }
    const result = await this.apply(p.accountId, row, { ...m, packages });
    await this.db
      .updateTable("hosts")
      .set({
        hostname: m.hostname,
        agent_version: m.agentVersion ?? row.agent_version,
        last_seen_at: this.now(),
        last_inventory_at: this.now(),
        last_sequence: m.sequence,
        last_content_hash: m.contentHash,
        ...(m.collection ? { collection: JSON.stringify(m.collection) } : {}),
      })
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", row.host_id)
      .execute();
    return { sequence: m.sequence, duplicate: false, active: result, rotate: row.rotate_requested === 1 };
  }

  /** Stores a host's inventory as its resource and sets its coverage; returns active findings. */
  private async apply(
    accountId: string,
    row: Pick<HostRow, "host_id" | "activation_id">,
    m: {
      os?: OsInfo | undefined;
      packages: Package[];
      facts?: HostFactsPayload | undefined;
      tags?: Record<string, string> | undefined;
      hostname: string;
    },
  ): Promise<number> {
    const config = await this.configuration(accountId);
    const activation = row.activation_id
      ? await this.db
          .selectFrom("activations")
          .select("tags")
          .where("activation_id", "=", row.activation_id)
          .executeTakeFirst()
      : undefined;
    const tags = { ...(activation ? json<Record<string, string>>(activation.tags) : {}), ...m.tags };
    const addresses = (m.facts?.interfaces ?? []).filter((i) => !i.internal).flatMap((i) => i.addresses);
    const platform = m.os ? (m.os.prettyName ?? `${m.os.id} ${m.os.versionId ?? ""}`.trim()) : undefined;
    const details = {
      awsEc2Instance: {
        ...(platform ? { platform } : {}),
        ipV4Addresses: addresses.filter((a) => a.family === 4).map((a) => a.address),
        ipV6Addresses: addresses.filter((a) => a.family === 6).map((a) => a.address),
        keyName: m.hostname,
      },
    };
    const excludedBy = config.exclusionTags.find(
      (t) => t.key in tags && (t.value === "*" || tags[t.key] === t.value),
    );
    const coverage: ResourceCoverage =
      m.packages.length === 0
        ? {
            status: "INACTIVE",
            reason: "NO_INVENTORY",
            detail: "the host reported no packages",
            monitored: true,
          }
        : !m.os?.ecosystem
          ? {
              status: "INACTIVE",
              reason: "UNSUPPORTED_OS",
              detail: `${m.os ? platform : "unknown OS"}: no advisory source for its OS packages; language packages are matched`,
              monitored: true,
            }
          : { status: "ACTIVE", reason: "SUCCESSFUL", monitored: true };
    const res = await this.service.submitInventory(
      { accountId, id: `host:${row.host_id}`, readOnly: false },
      { id: row.host_id, type: "AWS_EC2_INSTANCE", tags, details },
      { os: m.os, packages: m.packages },
      coverage,
    );
    if (excludedBy) {
      await this.service.retireResource(
        accountId,
        row.host_id,
        "EXCLUDED_BY_TAG",
        `tag ${excludedBy.key}${excludedBy.value === "*" ? "" : `=${excludedBy.value}`} excludes it from scanning`,
      );
      return 0;
    }
    return res.active;
  }

  /** Coverage that time changes: hosts silent past the stale limit; due agentless mounts. */
  async sweep(): Promise<{ stale: number }> {
    const now = this.now();
    const hosts = await this.db
      .selectFrom("hosts")
      .innerJoin("resources", (j) =>
        j
          .onRef("resources.account_id", "=", "hosts.account_id")
          .onRef("resources.resource_id", "=", "hosts.host_id"),
      )
      .select([
        "hosts.account_id",
        "hosts.host_id",
        "hosts.last_seen_at",
        "resources.scan_status",
        "resources.scan_status_reason",
      ])
      .where("hosts.revoked_at", "is", null)
      .execute();
    let stale = 0;
    const configs = new Map<string, HostsConfiguration>();
    for (const h of hosts) {
      let c = configs.get(h.account_id);
      if (!c) {
        c = await this.configuration(h.account_id);
        configs.set(h.account_id, c);
      }
      const silentFor = now - Number(h.last_seen_at ?? 0);
      if (
        silentFor > c.staleAfterHours * 3_600_000 &&
        h.scan_status_reason !== "STALE_INVENTORY" &&
        h.scan_status_reason !== "EXCLUDED_BY_TAG"
      ) {
        const detail = `no contact for ${Math.floor(silentFor / 3_600_000)} hours (limit ${c.staleAfterHours})`;
        const published = await this.db.transaction().execute(async (trx) => {
          await trx
            .updateTable("resources")
            .set({
              scan_status: "INACTIVE",
              scan_status_reason: "STALE_INVENTORY",
              scan_status_detail: detail,
            })
            .where("account_id", "=", h.account_id)
            .where("resource_id", "=", h.host_id)
            .execute();
          return this.service.coverageChanged(
            trx,
            h.account_id,
            { id: h.host_id, type: "AWS_EC2_INSTANCE" },
            { status: h.scan_status, reason: h.scan_status_reason },
            { status: "INACTIVE", reason: "STALE_INVENTORY", detail },
          );
        });
        if (published) this.service.events.notify();
        stale++;
      }
    }
    return { stale };
  }

  /** A stale host heard from again gets its coverage back from its stored inventory. */
  private async refreshStale(accountId: string, hostId: string): Promise<void> {
    const r = await this.db
      .selectFrom("resources")
      .select(["scan_status", "scan_status_reason"])
      .where("account_id", "=", accountId)
      .where("resource_id", "=", hostId)
      .executeTakeFirst();
    if (r?.scan_status_reason !== "STALE_INVENTORY") return;
    const published = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("resources")
        .set({ scan_status: "ACTIVE", scan_status_reason: "SUCCESSFUL", scan_status_detail: null })
        .where("account_id", "=", accountId)
        .where("resource_id", "=", hostId)
        .execute();
      return this.service.coverageChanged(
        trx,
        accountId,
        { id: hostId, type: "AWS_EC2_INSTANCE" },
        { status: r.scan_status, reason: r.scan_status_reason },
        { status: "ACTIVE", reason: "SUCCESSFUL" },
      );
    });
    if (published) this.service.events.notify();
  }

  // --- agentless -----------------------------------------------------------------------------

  /**
   * Scans a mounted disk or snapshot directory as the host it belongs to: the same inventory
   * and resource (its machine id names it) an agent on that host would produce.
   */
  async scanDisk(
    p: Principal,
    root: string,
    options: { hostId?: string; deepPaths?: string[]; tags?: Record<string, string> } = {},
  ): Promise<{ hostId: string; active: number; packages: number }> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const identity = hostIdentity(root, osHostname());
    const hostId = options.hostId ?? (identity.machineId ? hostResourceId(identity.machineId) : undefined);
    if (!hostId || !isHostId(hostId))
      throw validation(`${root}: no etc/machine-id to name the host; give a host id (h-<17 hex>)`);
    const inv = await hostInventory(root, options.deepPaths ?? DEFAULT_DEEP_PATHS);
    const existing = await this.db
      .selectFrom("hosts")
      .select("activation_id")
      .where("account_id", "=", p.accountId)
      .where("host_id", "=", hostId)
      .executeTakeFirst();
    if (!existing) {
      await this.service.ensureAccount(p.accountId);
      await this.db
        .insertInto("hosts")
        .values({
          host_id: hostId,
          account_id: p.accountId,
          activation_id: null,
          hostname: identity.hostname,
          machine_id: identity.machineId ?? null,
          agent_version: null,
          registered_at: this.now(),
          last_seen_at: this.now(),
          last_sequence: 0,
          last_content_hash: null,
          last_inventory_at: this.now(),
          facts: null,
          collection: null,
          rotate_requested: 0,
          revoked_at: null,
        })
        .execute();
    } else {
      await this.db
        .updateTable("hosts")
        .set({ last_seen_at: this.now(), last_inventory_at: this.now() })
        .where("account_id", "=", p.accountId)
        .where("host_id", "=", hostId)
        .execute();
    }
    const active = await this.apply(
      p.accountId,
      { host_id: hostId, activation_id: existing?.activation_id ?? null },
      {
        os: inv.os,
        packages: inv.packages,
        tags: options.tags,
        hostname: identity.hostname,
      },
    );
    return { hostId, active, packages: inv.packages.length };
  }
}

/** Server-side agentless scans: mounted disks or snapshot directories, rescanned on a schedule. */
/** The payload of an "agentless-scan" job. */
export interface AgentlessScanJob {
  accountId: string;
  mountId: string;
}

export class HostMounts {
  constructor(
    private readonly service: VigilService,
    private readonly hosts: HostService,
    /** Due rescans are queued as "agentless-scan" jobs (the mount must be readable where they run). */
    private readonly jobs: JobQueue,
  ) {}

  private get db() {
    return this.service.db;
  }

  async add(
    p: Principal,
    input: { path: string; hostId?: string | undefined; intervalMinutes: number },
  ): Promise<{ mountId: string; hostId: string; packages: number }> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    if (!input.path.startsWith("/") || !existsSync(input.path) || !statSync(input.path).isDirectory())
      throw validation(`path: ${input.path} is not a directory on the server`, [
        { name: "path", message: "not a directory" },
      ]);
    const scanned = await this.hosts.scanDisk(p, input.path, input.hostId ? { hostId: input.hostId } : {});
    const mountId = `mnt-${randomBytes(6).toString("hex")}`;
    await this.db
      .insertInto("host_mounts")
      .values({
        mount_id: mountId,
        account_id: p.accountId,
        path: input.path,
        host_id: scanned.hostId,
        interval_minutes: input.intervalMinutes,
        last_scan_at: this.service.now(),
        status: "OK",
        status_detail: null,
        created_at: this.service.now(),
      })
      .execute();
    await this.service.audit(p, "AddHostMount", mountId, { path: input.path });
    return { mountId, hostId: scanned.hostId, packages: scanned.packages };
  }

  async list(accountId: string) {
    return this.db
      .selectFrom("host_mounts")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("path")
      .execute();
  }

  async remove(p: Principal, mountId: string): Promise<void> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const r = await this.db
      .deleteFrom("host_mounts")
      .where("account_id", "=", p.accountId)
      .where("mount_id", "=", mountId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw notFound(`no mount ${mountId}`);
    await this.service.audit(p, "RemoveHostMount", mountId);
  }

  /** Rescans the mounts whose interval has passed; a vanished path is reported, not fatal. */
  /** Queues a rescan of every mount whose interval has passed; returns how many were queued. */
  async runDue(): Promise<number> {
    const now = this.service.now();
    const mounts = await this.db.selectFrom("host_mounts").selectAll().execute();
    let queued = 0;
    for (const m of mounts) {
      if (!this.due(m, now)) continue;
      const job: AgentlessScanJob = { accountId: m.account_id, mountId: m.mount_id };
      if (await this.jobs.send("agentless-scan", job, { singletonKey: m.mount_id })) queued++;
    }
    return queued;
  }

  private due(m: { last_scan_at: number | null; interval_minutes: number }, now: number): boolean {
    return m.last_scan_at === null || now - Number(m.last_scan_at) >= m.interval_minutes * 60_000;
  }

  /** The "agentless-scan" job: one mount's disk, unless another run scanned it meanwhile. */
  async scanMount(job: AgentlessScanJob): Promise<unknown> {
    const now = this.service.now();
    const m = await this.db
      .selectFrom("host_mounts")
      .selectAll()
      .where("mount_id", "=", job.mountId)
      .executeTakeFirst();
    if (!m) return { skipped: "mount removed" };
    if (!this.due(m, now)) return { skipped: "scanned meanwhile" };
    let status = "OK";
    let detail: string | null = null;
    try {
      await this.hosts.scanDisk(
        { accountId: m.account_id, id: `mount:${m.mount_id}`, readOnly: false },
        m.path,
        { hostId: m.host_id },
      );
    } catch (e) {
      status = "ERROR";
      detail = (e as Error).message;
    }
    await this.db
      .updateTable("host_mounts")
      .set({ last_scan_at: now, status, status_detail: detail })
      .where("mount_id", "=", m.mount_id)
      .execute();
    return { status, ...(detail ? { detail } : {}) };
  }
}
