import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { rootCertificates } from "node:tls";
import { type Dispatcher, Agent as UndiciAgent } from "undici";
import { z } from "zod";
import type { Finding } from "../findings/finding.js";
import { toAsffBatch } from "../formats/asff.js";
import { signRequest } from "../server/client.js";
import { seal, unseal } from "../service/keys.js";
import type { VigilEvent } from "./envelope.js";

/**
 * Event targets: where a rule sends the events it matches. Each type declares its settings (a
 * zod shape, validated when the target is created) and one delivery function. A delivery either
 * succeeds, fails for now (retried with backoff), fails for good (dead-lettered at once: the
 * receiver refused the request itself), or is skipped (the target has nothing to send for it).
 */
export const TARGET_TYPES = ["webhook", "slack", "command", "securityhub"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

const Retry = {
  /** Attempts before the delivery is dead-lettered (first try included). */
  maxAttempts: z.number().int().min(1).max(50).default(10),
  /** First retry delay; each further one doubles (with jitter) up to maxDelaySeconds. */
  initialDelaySeconds: z.number().min(0.01).max(3600).default(2),
  maxDelaySeconds: z.number().min(0.01).max(86_400).default(900),
  timeoutSeconds: z.number().min(0.1).max(300).default(10),
};

/** PEM certificate(s) to trust for an HTTPS receiver with a private CA (besides the system's). */
const caCertificate = z
  .string()
  .max(65_536)
  .refine((s) => s.includes("-----BEGIN CERTIFICATE-----"), "a PEM certificate (-----BEGIN CERTIFICATE-----)")
  .optional();

const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const p = new URL(u).protocol;
      return p === "https:" || p === "http:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

export const TargetConfigShapes = {
  webhook: z.strictObject({
    url: httpUrl,
    /** Shared secret for the X-Vigil-Signature HMAC; write-only (sealed at rest, never returned). */
    secret: z.string().min(16, "at least 16 characters").max(512).optional(),
    /** "event": the EventBridge envelope; "asff": Security Hub's BatchImportFindings body. */
    format: z.enum(["event", "asff"]).default("event"),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "header name"), z.string().max(4096)).optional(),
    caCertificate,
    ...Retry,
  }),
  slack: z.strictObject({ url: httpUrl, caCertificate, ...Retry }),
  command: z.strictObject({
    /** Program (a file in the server's command directory) and its arguments; no shell. */
    argv: z.array(z.string().min(1).max(4096)).min(1).max(64),
    ...Retry,
    timeoutSeconds: z.number().min(0.1).max(3600).default(30),
  }),
  securityhub: z.strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region like us-east-1"),
    /** Default https://securityhub.<region>.amazonaws.com */
    endpoint: httpUrl.optional(),
    accessKeyId: z.string().min(16).max(128),
    secretAccessKey: z.string().min(16).max(256),
    productArn: z.string().max(2048).optional(),
    caCertificate,
    ...Retry,
  }),
} as const;

export type TargetConfig<T extends TargetType> = z.infer<(typeof TargetConfigShapes)[T]>;

/** Settings fields that are secrets: sealed at rest, shown as "(set)" when listed. */
const SECRET_FIELDS: Record<TargetType, string[]> = {
  webhook: ["secret"],
  slack: ["url"],
  command: [],
  securityhub: ["secretAccessKey"],
};

export interface StoredTarget {
  accountId: string;
  name: string;
  type: TargetType;
  /** Validated settings with secret fields sealed (`<field>Sealed`). */
  config: Record<string, unknown>;
}

export class TargetError extends Error {
  override name = "TargetError";
}

export interface TargetEnvironment {
  masterKey: Buffer;
  /** Where command targets' programs must live; without it command targets are refused. */
  commandDir?: string | undefined;
}

/** Validates settings for a type, seals the secrets, and (command) checks the program. */
export function prepareTarget(
  type: string,
  raw: unknown,
  env: TargetEnvironment,
): { type: TargetType; config: Record<string, unknown> } {
  if (!(TARGET_TYPES as readonly string[]).includes(type))
    throw new TargetError(`type: must be one of ${TARGET_TYPES.join(", ")} (got ${JSON.stringify(type)})`);
  const t = type as TargetType;
  const parsed = TargetConfigShapes[t].safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ["config", ...issue.path.map(String)].join(".");
    throw new TargetError(`${path}: ${issue.message}`);
  }
  const config = { ...(parsed.data as Record<string, unknown>) };
  if (t === "command") commandProgram(config["argv"] as string[], env.commandDir);
  for (const f of SECRET_FIELDS[t]) {
    if (config[f] === undefined) continue;
    config[`${f}Sealed`] = seal(env.masterKey, String(config[f]));
    delete config[f];
  }
  return { type: t, config };
}

/** The settings as shown to users: secrets replaced by "(set)". */
export function publicConfig(t: StoredTarget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t.config)) {
    if (k.endsWith("Sealed")) out[k.slice(0, -"Sealed".length)] = "(set)";
    else out[k] = v;
  }
  return out;
}

function secretOf(t: StoredTarget, field: string, env: TargetEnvironment): string | undefined {
  const sealed = t.config[`${field}Sealed`];
  return typeof sealed === "string" ? unseal(env.masterKey, sealed) : undefined;
}

/**
 * Resolves a command target's program inside the command directory. API callers must not run
 * arbitrary programs on the server, so only files the operator placed there are accepted.
 */
export function commandProgram(argv: string[], commandDir: string | undefined): string {
  if (!commandDir) {
    throw new TargetError(
      "config.argv: command targets are disabled on this server; start it with --command-dir DIR and put the program in DIR",
    );
  }
  const dir = realpathSync(commandDir);
  let program: string;
  try {
    program = realpathSync(join(dir, argv[0]!));
  } catch {
    throw new TargetError(`config.argv[0]: ${argv[0]} is not a file in the command directory ${dir}`);
  }
  const rel = relative(dir, program);
  if (rel.startsWith("..") || isAbsolute(rel))
    throw new TargetError(`config.argv[0]: ${argv[0]} resolves outside the command directory ${dir}`);
  const st = statSync(program);
  if (!st.isFile() || (st.mode & 0o111) === 0)
    throw new TargetError(`config.argv[0]: ${program} is not an executable file`);
  return program;
}

export interface DeliveryOutcome {
  result: "delivered" | "failed" | "permanent" | "skipped";
  status?: number;
  message?: string;
  /** The receiver asked to wait (Retry-After), ms. */
  retryAfterMs?: number;
}

/** Retry delay before attempt `attempt + 1` (attempt ≥ 1): doubling, capped, "equal jitter". */
export function backoffMs(
  attempt: number,
  config: { initialDelaySeconds: number; maxDelaySeconds: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    config.maxDelaySeconds * 1000,
    config.initialDelaySeconds * 1000 * 2 ** (attempt - 1),
  );
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** HTTP statuses that say the request itself is wrong: retrying the same request cannot help. */
const PERMANENT_STATUS = new Set([400, 401, 403, 404, 405, 410, 413, 415, 422]);

/** One connection pool per private CA: TLS sessions and sockets are reused across deliveries. */
const caDispatchers = new Map<string, Dispatcher>();

function dispatcherFor(ca: string | undefined): Dispatcher | undefined {
  if (!ca) return undefined;
  let d = caDispatchers.get(ca);
  if (!d) {
    d = new UndiciAgent({ connect: { ca: [...rootCertificates, ca] } });
    caDispatchers.set(ca, d);
  }
  return d;
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutSeconds: number; caCertificate?: string | undefined },
): Promise<DeliveryOutcome> {
  const timeoutSeconds = options.timeoutSeconds;
  let res: Response;
  try {
    const dispatcher = dispatcherFor(options.caCertificate);
    res = await fetch(url, {
      method: "POST",
      body,
      headers,
      // A redirect is not followed: the signed body must not travel to a host nobody configured.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
      ...(dispatcher ? { dispatcher } : {}),
    } as RequestInit);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason =
      err.name === "TimeoutError"
        ? `no answer within ${timeoutSeconds} s`
        : [err.cause?.code, err.cause?.message].filter(Boolean).join(": ") || err.message;
    return { result: "failed", message: `POST ${redactUrl(url)}: ${reason}` };
  }
  const text = (await res.text().catch(() => "")).slice(0, 300);
  if (res.status >= 200 && res.status < 300) return { result: "delivered", status: res.status };
  const retryAfter = Number(res.headers.get("retry-after"));
  return {
    result: PERMANENT_STATUS.has(res.status) ? "permanent" : "failed",
    status: res.status,
    message: `POST ${redactUrl(url)}: HTTP ${res.status}${text ? ` ${text.replace(/\s+/g, " ")}` : ""}${PERMANENT_STATUS.has(res.status) ? " (not retried)" : ""}`,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
  };
}

/** Slack webhook URLs are credentials; messages show the origin only. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.hostname.endsWith("slack.com") ? `${u.origin}/…` : `${u.origin}${u.pathname}`;
  } catch {
    return "(url)";
  }
}

function isFindingEvent(e: VigilEvent): boolean {
  return e["detail-type"] === "Inspector2 Finding";
}

export async function deliver(
  target: StoredTarget,
  event: VigilEvent,
  ctx: { deliveryId: number; env: TargetEnvironment; now: number },
): Promise<DeliveryOutcome> {
  const c = target.config as Record<string, never>;
  switch (target.type) {
    case "webhook": {
      const cfg = c as unknown as TargetConfig<"webhook">;
      let body: string;
      if (cfg.format === "asff") {
        if (!isFindingEvent(event))
          return { result: "skipped", message: "ASFF carries findings only; not sent" };
        body = JSON.stringify(toAsffBatch([event.detail as unknown as Finding], { region: event.region }));
      } else {
        body = JSON.stringify(event);
      }
      const ts = String(Math.floor(ctx.now / 1000));
      const headers: Record<string, string> = {
        ...(cfg.headers ?? {}),
        "content-type": "application/json",
        "user-agent": "Vigil-Events/1",
        "x-vigil-event-id": event.id,
        "x-vigil-delivery": String(ctx.deliveryId),
        "x-vigil-event-type": event["detail-type"],
        "x-vigil-timestamp": ts,
      };
      const secret = secretOf(target, "secret", ctx.env);
      if (secret) {
        headers["x-vigil-signature"] =
          `sha256=${createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex")}`;
      }
      return post(cfg.url, body, headers, cfg);
    }
    case "slack": {
      const cfg = c as unknown as TargetConfig<"slack">;
      const url = secretOf(target, "url", ctx.env)!;
      return post(url, JSON.stringify(slackMessage(event)), { "content-type": "application/json" }, cfg);
    }
    case "securityhub": {
      const cfg = c as unknown as TargetConfig<"securityhub">;
      if (!isFindingEvent(event))
        return { result: "skipped", message: "Security Hub takes findings only; not sent" };
      const endpoint = cfg.endpoint ?? `https://securityhub.${cfg.region}.amazonaws.com`;
      const url = new URL("/findings/import", endpoint);
      const body = JSON.stringify(
        toAsffBatch([event.detail as unknown as Finding], {
          region: cfg.region,
          ...(cfg.productArn ? { productArn: cfg.productArn } : {}),
        }),
      );
      const headers = await signRequest(
        url,
        body,
        { accessKeyId: cfg.accessKeyId, secretAccessKey: secretOf(target, "secretAccessKey", ctx.env)! },
        { service: "securityhub", region: cfg.region },
      );
      const out = await post(url.toString(), body, headers, cfg);
      return out;
    }
    case "command": {
      const cfg = c as unknown as TargetConfig<"command">;
      return runCommand(cfg, event, ctx);
    }
  }
}

function runCommand(
  cfg: TargetConfig<"command">,
  event: VigilEvent,
  ctx: { deliveryId: number; env: TargetEnvironment },
): Promise<DeliveryOutcome> {
  let program: string;
  try {
    program = commandProgram(cfg.argv, ctx.env.commandDir);
  } catch (e) {
    return Promise.resolve({ result: "permanent", message: (e as Error).message });
  }
  return new Promise((resolve) => {
    const child = spawn(program, cfg.argv.slice(1), {
      stdio: ["pipe", "ignore", "pipe"],
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        VIGIL_EVENT_ID: event.id,
        VIGIL_EVENT_TYPE: event["detail-type"],
        VIGIL_ACCOUNT: event.account,
        VIGIL_DELIVERY: String(ctx.deliveryId),
      },
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), cfg.timeoutSeconds * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ result: "failed", message: `${cfg.argv[0]}: ${e.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ result: "delivered" });
      const tail = stderr.trim().split("\n").slice(-3).join(" | ").slice(-300);
      const why =
        signal === "SIGKILL" ? `killed after ${cfg.timeoutSeconds} s` : `exit status ${code ?? signal}`;
      resolve({ result: "failed", message: `${cfg.argv[0]}: ${why}${tail ? `: ${tail}` : ""}` });
    });
    child.stdin.on("error", () => {}); // a program that does not read its input is fine
    child.stdin.end(`${JSON.stringify(event)}\n`);
  });
}

/** Slack's mrkdwn needs &, < and > escaped in text. */
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const SEVERITY_MARK: Record<string, string> = {
  CRITICAL: ":red_circle:",
  HIGH: ":large_orange_circle:",
  MEDIUM: ":large_yellow_circle:",
  LOW: ":large_blue_circle:",
  INFORMATIONAL: ":white_circle:",
  UNTRIAGED: ":white_circle:",
};

/** A readable Slack message (incoming-webhook payload: `text` fallback plus blocks). */
export function slackMessage(event: VigilEvent): { text: string; blocks: unknown[] } {
  const d = event.detail;
  let text: string;
  let lines: string[];
  switch (event["detail-type"]) {
    case "Inspector2 Finding": {
      const f = d as unknown as Finding;
      const pv = f.packageVulnerabilityDetails;
      const pkg = pv?.vulnerablePackages?.[0];
      const res = f.resources[0];
      const id = pv?.vulnerabilityId ?? f.title;
      const link = pv?.sourceUrl ? `<${pv.sourceUrl}|${esc(id)}>` : esc(id);
      const verb = f.status === "CLOSED" ? "closed" : f.status === "SUPPRESSED" ? "suppressed" : "active";
      text = `${f.severity} ${id} ${verb} on ${res?.id ?? "?"}`;
      lines = [
        `${f.status === "CLOSED" ? ":white_check_mark:" : (SEVERITY_MARK[f.severity] ?? "")} *${f.severity}* ${link} — ${esc(f.title)} (${verb})`,
        pkg
          ? `Package \`${esc(pkg.name)} ${esc(pkg.version)}\`${pkg.fixedInVersion && pkg.fixedInVersion !== "NotAvailable" ? ` → fixed in \`${esc(pkg.fixedInVersion)}\`` : " (no fix yet)"}`
          : f.networkReachabilityDetails
            ? `Open ${f.networkReachabilityDetails.protocol} ports ${f.networkReachabilityDetails.openPortRange.begin}-${f.networkReachabilityDetails.openPortRange.end}`
            : "",
        `Resource \`${esc(res?.id ?? "?")}\` (${res?.type ?? "?"}, account ${f.awsAccountId})`,
        `Score ${f.inspectorScore ?? "n/a"} · exploit known: ${f.exploitAvailable} · fix: ${f.fixAvailable}`,
      ].filter(Boolean);
      break;
    }
    case "Inspector2 Scan": {
      const counts = (d["finding-severity-counts"] ?? {}) as Record<string, number>;
      const what = (d["instance-id"] ??
        d["function-arn"] ??
        `${d["repository-name"]}@${d["image-digest"]}`) as string;
      text = `Scan complete: ${what}: ${counts["TOTAL"] ?? 0} findings`;
      lines = [
        `:mag: First scan of \`${esc(what)}\` complete`,
        `${counts["CRITICAL"] ?? 0} critical · ${counts["HIGH"] ?? 0} high · ${counts["MEDIUM"] ?? 0} medium · ${counts["TOTAL"] ?? 0} total`,
      ];
      break;
    }
    case "Inspector2 Coverage": {
      const s = d["scanStatus"] as { statusCodeValue: string; reason: string };
      text = `Coverage: ${d["resourceId"]} is ${s.statusCodeValue} (${s.reason})`;
      lines = [
        `:satellite: \`${esc(String(d["resourceId"]))}\` is now *${s.statusCodeValue}* (${s.reason})`,
        d["statusDetail"] ? esc(String(d["statusDetail"])) : "",
      ].filter(Boolean);
      break;
    }
    default:
      text = `Vigil: ${String(d["message"] ?? event["detail-type"])}`;
      lines = [`:wave: ${esc(text)}`];
  }
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `${event["detail-type"]} · account ${event.account} · ${event.time}` },
        ],
      },
    ],
  };
}
