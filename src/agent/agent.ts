import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Agent as UndiciAgent } from "undici";
import type { OsInfo, Package } from "../extractors/types.js";
import {
  DEFAULT_DEEP_PATHS,
  hostIdentity,
  hostInventory,
  inventoryHash,
  packageKey,
} from "../hosts/inventory.js";
import { type Credentials, signedFetch } from "../server/client.js";
import { collectHostFacts, type HostFacts } from "./collect/index.js";

export const AGENT_VERSION = "0.1.0";

export interface AgentOptions {
  /** The Vigil server ("https://vigil.example.com:8600"). */
  server: string;
  /** Where the agent keeps its credential, the last acknowledged inventory and its outbox. */
  stateDir: string;
  /** The root filesystem to report (default "/": this host, with processes and sockets). */
  root?: string;
  proc?: string;
  deepPaths?: readonly string[];
  /** key=value lines; default <root>/etc/vigil/tags. */
  tagsFile?: string;
  /** PEM file of the CA that signed the server's certificate (a private or self-signed one). */
  caFile?: string;
  /** Longest wait between retries while the server is away. */
  maxBackoffMs?: number;
  log?: (line: string) => void;
  /** Called before each delivery attempt (tests use it to take the server away mid-send). */
  onAttempt?: (attempt: number, kind: "full" | "delta") => void | Promise<void>;
}

interface Identity extends Credentials {
  server: string;
  hostId: string;
  accountId: string;
}

/** The inventory the server acknowledged last: the base of the next delta. */
interface Acknowledged {
  sequence: number;
  contentHash: string;
  os?: OsInfo;
  packages: Package[];
}

/** One collection, ready to send. */
export interface Collected {
  os?: OsInfo | undefined;
  packages: Package[];
  facts: HostFacts;
  tags: Record<string, string>;
  contentHash: string;
  hostname: string;
  collection: { cpuMs: number; rssBytes: number; ms: number };
}

export class AgentError extends Error {}

const OS_TYPES = new Set(["deb", "rpm", "apk"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nonce = () => randomBytes(18).toString("base64url");

function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

/** key=value lines, # comments; a bad line is reported and skipped. */
export function parseTags(text: string, log: (l: string) => void = () => {}): Record<string, string> {
  const tags: Record<string, string> = {};
  text.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) return;
    const eq = t.indexOf("=");
    if (eq <= 0) {
      log(`tags line ${i + 1}: expected key=value`);
      return;
    }
    tags[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  });
  return tags;
}

/**
 * The Vigil agent: enrols once with an activation code, then only connects out. Each collection
 * is an inventory of the host (OS packages, language packages under the deep-inspection paths,
 * packages in use by running processes) and its facts; the first goes in full, later ones as a
 * delta against what the server acknowledged. Every message is written to an outbox before it is
 * sent and removed only once acknowledged, so nothing is lost while the server is away.
 */
export class Agent {
  private readonly root: string;
  private readonly log: (line: string) => void;
  private readonly dispatcher: UndiciAgent | undefined;

  constructor(private readonly o: AgentOptions) {
    this.root = o.root ?? "/";
    this.log = o.log ?? (() => {});
    mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
    this.dispatcher = o.caFile ? new UndiciAgent({ connect: { ca: readFileSync(o.caFile) } }) : undefined;
  }

  private path(name: string): string {
    return join(this.o.stateDir, name);
  }

  identity(): Identity | undefined {
    const p = this.path("identity.json");
    if (!existsSync(p)) return undefined;
    return JSON.parse(readFileSync(p, "utf8")) as Identity;
  }

  private acknowledged(): Acknowledged | undefined {
    const p = this.path("acknowledged.json.gz");
    if (!existsSync(p)) return undefined;
    try {
      return JSON.parse(gunzipSync(readFileSync(p)).toString("utf8")) as Acknowledged;
    } catch {
      this.log("acknowledged inventory unreadable; the next message is a full inventory");
      return undefined;
    }
  }

  /** Exchanges an activation code for this host's credential. */
  async enroll(activationId: string, activationCode: string): Promise<Identity> {
    const ident = hostIdentity(this.root, osHostname());
    const init: RequestInit & { dispatcher?: UndiciAgent } = {
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        activationId,
        activationCode,
        hostname: ident.hostname,
        ...(ident.machineId && /^[0-9a-f]{32}$/.test(ident.machineId) ? { machineId: ident.machineId } : {}),
        agentVersion: AGENT_VERSION,
      }),
    };
    let res: Response;
    try {
      res = await fetch(new URL("/v1/agent/register", this.o.server), init);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new AgentError(
        `cannot reach ${this.o.server}: ${cause?.code ?? ""} ${cause?.message ?? (e as Error).message}`.trim(),
      );
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, string>;
    if (res.status !== 200)
      throw new AgentError(`enrolment refused by ${this.o.server}: ${body["message"] ?? res.status}`);
    const identity: Identity = {
      server: this.o.server,
      hostId: body["hostId"]!,
      accountId: body["accountId"]!,
      accessKeyId: body["accessKeyId"]!,
      secretAccessKey: body["secretAccessKey"]!,
    };
    writeAtomic(this.path("identity.json"), JSON.stringify(identity));
    rmSync(this.path("acknowledged.json.gz"), { force: true });
    rmSync(this.path("outbox.json.gz"), { force: true });
    this.log(`enrolled as ${identity.hostId} in account ${identity.accountId}`);
    return identity;
  }

  /** One collection of this host: packages, facts, tags, and what it cost. */
  async collect(): Promise<Collected> {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Two files at a time: an agent should stay small on the host it watches (about 2.5× less RSS than 8).
    const inv = await hostInventory(this.root, this.o.deepPaths ?? DEFAULT_DEEP_PATHS, { concurrency: 2 });
    const facts = await collectHostFacts({ root: this.root, ...(this.o.proc ? { proc: this.o.proc } : {}) });
    const inUse = new Set(Object.keys(facts.inUse));
    const packages = inv.packages.map((p) =>
      OS_TYPES.has(p.type) && inUse.has(p.name) ? { ...p, metadata: { ...p.metadata, inUse: true } } : p,
    );
    const tagsFile = this.o.tagsFile ?? join(this.root, "etc/vigil/tags");
    const tags = existsSync(tagsFile) ? parseTags(readFileSync(tagsFile, "utf8"), this.log) : {};
    const cpu = process.cpuUsage(cpu0);
    return {
      os: inv.os,
      packages,
      facts,
      tags,
      contentHash: inventoryHash(inv.os, packages),
      hostname: hostIdentity(this.root, osHostname()).hostname,
      collection: {
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        rssBytes: process.memoryUsage().rss,
        ms: Math.round(performance.now() - t0),
      },
    };
  }

  /**
   * Collects and reports once: a pending message from an earlier run goes first; then a new
   * message if the inventory changed (else a heartbeat). Retries until delivered.
   */
  async report(): Promise<{
    sent: "full" | "delta" | "heartbeat";
    sequence: number;
    collection: Collected["collection"];
  }> {
    if (!this.identity())
      throw new AgentError(
        `not enrolled: run with --activation <id>:<code> first (state in ${this.o.stateDir})`,
      );
    const outbox = this.path("outbox.json.gz");
    if (existsSync(outbox)) {
      const pending = JSON.parse(gunzipSync(readFileSync(outbox)).toString("utf8")) as Collected & {
        sequence: number;
      };
      this.log(`delivering message ${pending.sequence} left from an earlier run`);
      await this.deliver(pending, pending.sequence);
    }
    const c = await this.collect();
    const ack = this.acknowledged();
    if (ack && ack.contentHash === c.contentHash) {
      await this.heartbeat(c.collection);
      return { sent: "heartbeat", sequence: ack.sequence, collection: c.collection };
    }
    const sequence = (ack?.sequence ?? 0) + 1;
    writeAtomic(outbox, gzipSync(JSON.stringify({ ...c, sequence })));
    const sent = await this.deliver(c, sequence);
    return { sent, sequence, collection: c.collection };
  }

  /** Sends one collection as message `sequence` until the server acknowledges it. */
  private async deliver(c: Collected, sequence: number): Promise<"full" | "delta"> {
    let ack = this.acknowledged();
    let forceFull = false;
    for (let attempt = 1; ; attempt++) {
      const kind = ack && !forceFull ? "delta" : "full";
      const body: Record<string, unknown> = {
        sequence,
        kind,
        contentHash: c.contentHash,
        hostname: c.hostname,
        agentVersion: AGENT_VERSION,
        ...(c.os ? { os: c.os } : {}),
        facts: c.facts,
        tags: c.tags,
        collection: c.collection,
      };
      if (kind === "full") body["packages"] = c.packages;
      else {
        const before = new Set(ack!.packages.map(packageKey));
        const now = new Set(c.packages.map(packageKey));
        body["baseSequence"] = ack!.sequence;
        body["added"] = c.packages.filter((p) => !before.has(packageKey(p)));
        body["removed"] = [...before].filter((k) => !now.has(k));
      }
      await this.o.onAttempt?.(attempt, kind);
      const res = await this.send("/v1/agent/inventory", body);
      if (res.ok) {
        writeAtomic(
          this.path("acknowledged.json.gz"),
          gzipSync(JSON.stringify({ sequence, contentHash: c.contentHash, os: c.os, packages: c.packages })),
        );
        rmSync(this.path("outbox.json.gz"), { force: true });
        if (res.json["rotate"] === true) await this.rotate();
        return kind;
      }
      if (res.status === 409 && res.json["resync"] === true) {
        this.log(`server asks for a full inventory: ${String(res.json["message"])}`);
        forceFull = true;
        ack = undefined;
        continue;
      }
      if (res.status === 409) {
        // The server holds a newer message than ours (state lost or restored): start after it.
        throw new AgentError(`inventory refused: ${String(res.json["message"])}`);
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 429)
        throw new AgentError(
          `inventory refused by the server (${res.status}): ${String(res.json["message"])}`,
        );
      await this.backoff(attempt, `HTTP ${res.status}`);
    }
  }

  private async backoff(attempt: number, why: string): Promise<void> {
    const max = this.o.maxBackoffMs ?? 300_000;
    const wait = Math.min(max, 500 * 2 ** Math.min(attempt - 1, 20)) * (0.5 + Math.random() / 2);
    this.log(`server unavailable (${why}); retrying in ${Math.round(wait)} ms`);
    await sleep(wait);
  }

  /** A signed POST; transport failures come back as status 0 so callers retry them. */
  private async send(path: string, body: Record<string, unknown>) {
    const id = this.identity()!;
    try {
      const r = await signedFetch(this.o.server, path, { ...body, nonce: nonce() }, id, {
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
      return { ok: r.status === 200, status: r.status, json: r.json };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      return {
        ok: false,
        status: 0,
        json: { message: `${(e as Error).message}${cause?.code ? ` (${cause.code})` : ""}` },
      };
    }
  }

  async heartbeat(collection?: Collected["collection"]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.send("/v1/agent/heartbeat", collection ? { collection } : {});
      if (res.ok) {
        if (res.json["rotate"] === true) await this.rotate();
        return;
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 429)
        throw new AgentError(
          `heartbeat refused by the server (${res.status}): ${String(res.json["message"])}`,
        );
      await this.backoff(attempt, res.status ? `HTTP ${res.status}` : String(res.json["message"]));
    }
  }

  /** Replaces this host's credential with a new one from the server (the old one is revoked). */
  async rotate(): Promise<void> {
    const id = this.identity()!;
    const res = await this.send("/v1/agent/rotate", {});
    if (!res.ok)
      throw new AgentError(`credential rotation failed (${res.status}): ${String(res.json["message"])}`);
    writeAtomic(
      this.path("identity.json"),
      JSON.stringify({
        ...id,
        accessKeyId: res.json["accessKeyId"] as string,
        secretAccessKey: res.json["secretAccessKey"] as string,
      }),
    );
    this.log(`credential rotated: ${String(res.json["accessKeyId"])}`);
  }

  /** Reports every `intervalSeconds`, heartbeats in between, until the signal aborts. */
  async run(intervalSeconds: number, heartbeatSeconds: number, signal: AbortSignal): Promise<void> {
    let nextReport = 0;
    while (!signal.aborted) {
      if (Date.now() >= nextReport) {
        const r = await this.report();
        this.log(
          `${r.sent} ${r.sequence}: collection ${r.collection.ms} ms, cpu ${r.collection.cpuMs} ms, rss ${Math.round(r.collection.rssBytes / 1048576)} MiB`,
        );
        nextReport = Date.now() + intervalSeconds * 1000;
      } else await this.heartbeat();
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(heartbeatSeconds * 1000, Math.max(0, nextReport - Date.now())));
        signal.addEventListener("abort", () => {
          clearTimeout(t);
          res();
        });
      });
    }
  }
}
