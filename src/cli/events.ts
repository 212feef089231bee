import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Finding } from "../findings/finding.js";
import { toAsffBatches } from "../formats/asff.js";
import { findingFromWire } from "../server/wire.js";
import { callApi, type EndpointOptions } from "./api.js";

/** A JSON argument given inline or as @file. */
function jsonArg(what: string, value: string): unknown {
  const text = value.startsWith("@") ? readFileSync(value.slice(1), "utf8") : value;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
}

const iso = (ms: unknown) =>
  typeof ms === "number" ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") : "";

interface TargetFlags extends EndpointOptions {
  type: string;
  url?: string;
  secretEnv?: string;
  format?: string;
  header?: string[];
  region?: string;
  accessKeyId?: string;
  config?: string;
  maxAttempts?: string;
  initialDelay?: string;
  timeout?: string;
  caFile?: string;
}

/** `vigil events …`: event targets, rules, the delivery log and dead letters (talks to `vigil serve`). */
export function eventCommands(program: Command): void {
  const events = program
    .command("events")
    .description("route findings, scan and coverage events to webhooks, Slack, commands and Security Hub");

  const target = events.command("target").description("where events go");
  target
    .command("put")
    .description("create or replace a target")
    .argument("<name>")
    .requiredOption("--type <type>", "webhook | slack | command | securityhub")
    .option("--url <url>", "webhook or Slack incoming-webhook URL; Security Hub endpoint override")
    .option("--secret-env <VAR>", "environment variable holding the webhook HMAC secret / AWS secret key")
    .option("--format <format>", "webhook body: event (EventBridge envelope) or asff")
    .option("--header <name=value...>", "extra webhook headers")
    .option("--region <region>", "securityhub: region")
    .option("--access-key-id <id>", "securityhub: access key id")
    .option("--max-attempts <n>", "attempts before dead-lettering (default 10)")
    .option("--initial-delay <seconds>", "first retry delay, doubled each retry (default 2)")
    .option("--timeout <seconds>", "per attempt (default 10; commands 30)")
    .option("--ca-file <pem>", "trust this CA certificate for an HTTPS receiver with a private CA")
    .option("--config <json>", "settings as JSON (or @file), merged under the flags")
    .option("--endpoint-url <url>", "Vigil server")
    .argument("[argv...]", "command: the program (in the server's --command-dir) and its arguments, after --")
    .action(async (name: string, argv: string[], o: TargetFlags) => {
      const config: Record<string, unknown> = o.config
        ? (jsonArg("--config", o.config) as Record<string, unknown>)
        : {};
      const secret = o.secretEnv ? process.env[o.secretEnv] : undefined;
      if (o.secretEnv && !secret) throw new Error(`--secret-env: ${o.secretEnv} is not set`);
      if (o.type === "securityhub") {
        if (o.url) config["endpoint"] = o.url;
        if (secret) config["secretAccessKey"] = secret;
      } else {
        if (o.url) config["url"] = o.url;
        if (secret) config["secret"] = secret;
      }
      if (o.format) config["format"] = o.format;
      if (o.region) config["region"] = o.region;
      if (o.accessKeyId) config["accessKeyId"] = o.accessKeyId;
      if (o.header?.length) {
        config["headers"] = Object.fromEntries(
          o.header.map((h) => {
            const i = h.indexOf("=");
            if (i <= 0) throw new Error(`--header ${h}: use name=value`);
            return [h.slice(0, i), h.slice(i + 1)];
          }),
        );
      }
      if (o.maxAttempts) config["maxAttempts"] = Number(o.maxAttempts);
      if (o.initialDelay) config["initialDelaySeconds"] = Number(o.initialDelay);
      if (o.timeout) config["timeoutSeconds"] = Number(o.timeout);
      if (o.caFile) config["caCertificate"] = readFileSync(o.caFile, "utf8");
      if (argv.length) config["argv"] = argv;
      const r = await callApi(o, "PUT", `/v1/events/targets/${encodeURIComponent(name)}`, {
        type: o.type,
        config,
      });
      process.stdout.write(`${JSON.stringify(r["target"], null, 2)}\n`);
    });
  target
    .command("remove")
    .alias("rm")
    .argument("<name>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, o: EndpointOptions) => {
      await callApi(o, "DELETE", `/v1/events/targets/${encodeURIComponent(name)}`);
      process.stdout.write(`removed target ${name}\n`);
    });
  target
    .command("test")
    .description("send a test event to the target now")
    .argument("<name>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, o: EndpointOptions) => {
      const r = await callApi(o, "POST", `/v1/events/targets/${encodeURIComponent(name)}/test`, {});
      process.stdout.write(
        `queued test event ${r["eventId"]} as delivery ${r["deliveryId"]}; see: vigil events delivery ${r["deliveryId"]}\n`,
      );
    });
  events
    .command("targets")
    .description("list targets (secrets shown as (set))")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (o: EndpointOptions) => {
      const r = await callApi(o, "GET", "/v1/events/targets");
      for (const t of r["targets"] as { name: string; type: string; config: Record<string, unknown> }[]) {
        const where = t.config["url"] ?? t.config["argv"] ?? t.config["endpoint"] ?? t.config["region"] ?? "";
        process.stdout.write(
          `${t.name}\t${t.type}\t${Array.isArray(where) ? where.join(" ") : String(where)}\n`,
        );
      }
    });

  const rule = events.command("rule").description("which events go where (EventBridge event patterns)");
  rule
    .command("put")
    .description("create or replace a rule")
    .argument("<name>")
    .requiredOption("--pattern <json>", "event pattern as JSON or @file")
    .requiredOption("--target <names>", "comma-separated target names")
    .option("--disabled", "store the rule without routing events")
    .option("--description <text>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(
      async (
        name: string,
        o: EndpointOptions & { pattern: string; target: string; disabled?: boolean; description?: string },
      ) => {
        const r = await callApi(o, "PUT", `/v1/events/rules/${encodeURIComponent(name)}`, {
          pattern: jsonArg("--pattern", o.pattern),
          targets: o.target
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          enabled: !o.disabled,
          ...(o.description ? { description: o.description } : {}),
        });
        process.stdout.write(`${JSON.stringify(r["rule"], null, 2)}\n`);
      },
    );
  rule
    .command("remove")
    .alias("rm")
    .argument("<name>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, o: EndpointOptions) => {
      await callApi(o, "DELETE", `/v1/events/rules/${encodeURIComponent(name)}`);
      process.stdout.write(`removed rule ${name}\n`);
    });
  events
    .command("rules")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (o: EndpointOptions) => {
      const r = await callApi(o, "GET", "/v1/events/rules");
      for (const x of r["rules"] as {
        name: string;
        enabled: boolean;
        targets: string[];
        pattern: unknown;
      }[]) {
        process.stdout.write(
          `${x.name}\t${x.enabled ? "enabled" : "disabled"}\t→ ${x.targets.join(",")}\t${JSON.stringify(x.pattern)}\n`,
        );
      }
    });

  events
    .command("deliveries")
    .description("the delivery log, newest first (--state dead: the dead-letter store)")
    .option("--state <state>", "queued | delivering | delivered | dead | skipped")
    .option("--target <name>")
    .option("--limit <n>", "how many", "50")
    .option("--json", "print JSON")
    .option("--endpoint-url <url>", "Vigil server")
    .action(
      async (o: EndpointOptions & { state?: string; target?: string; limit: string; json?: boolean }) => {
        const r = await callApi(o, "POST", "/v1/events/deliveries/list", {
          ...(o.state ? { state: o.state } : {}),
          ...(o.target ? { target: o.target } : {}),
          maxResults: Number(o.limit),
        });
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        for (const d of r["deliveries"] as Record<string, unknown>[]) {
          process.stdout.write(
            `${d["id"]}\t${d["state"]}\t${d["attempts"]} tries\t${d["target"]}\t${d["detailType"]}\t${(d["resources"] as string[]).join(",")}\t${iso(d["updatedAt"])}${d["lastError"] ? `\t${d["lastError"]}` : ""}\n`,
          );
        }
      },
    );
  events
    .command("delivery")
    .description("one delivery and the event it carries")
    .argument("<id>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (id: string, o: EndpointOptions) => {
      const r = await callApi(o, "GET", `/v1/events/deliveries/${encodeURIComponent(id)}`);
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
  events
    .command("replay")
    .description("queue dead-lettered deliveries again")
    .option("--id <ids...>", "delivery ids (default: every dead letter)")
    .option("--target <name>", "only those of this target")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (o: EndpointOptions & { id?: string[]; target?: string }) => {
      const r = await callApi(o, "POST", "/v1/events/deliveries/replay", {
        ...(o.id ? { ids: o.id.map(Number) } : {}),
        ...(o.target ? { target: o.target } : {}),
      });
      process.stdout.write(`${r["replayed"]} deliveries queued again\n`);
    });
}

/**
 * `vigil securityhub export`: the server's findings as BatchImportFindings request files (≤ 100
 * findings each), ready for `aws securityhub batch-import-findings --cli-input-json file://…`.
 */
export function securityHubCommands(program: Command): void {
  const hub = program.command("securityhub").description("AWS Security Hub (ASFF) export");
  hub
    .command("export")
    .description("write the server's findings as ASFF BatchImportFindings files")
    .requiredOption("--out-dir <dir>", "directory for batch-0001.json, batch-0002.json, …")
    .option("--filter <json>", "inspector2 FilterCriteria (JSON or @file); default: ACTIVE findings")
    .option("--region <region>", "Security Hub region (ProductArn and Region fields)", "us-east-1")
    .option("--product-arn <arn>", "default: Amazon Inspector's product ARN in the region")
    .option("--endpoint-url <url>", "Vigil server")
    .action(
      async (
        o: EndpointOptions & { outDir: string; filter?: string; region: string; productArn?: string },
      ) => {
        const filterCriteria = o.filter
          ? jsonArg("--filter", o.filter)
          : { findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }] };
        const findings: Finding[] = [];
        let nextToken: string | undefined;
        do {
          const page = await callApi(o, "POST", "/findings/list", {
            filterCriteria,
            maxResults: 100,
            ...(nextToken ? { nextToken } : {}),
          });
          for (const f of page["findings"] as Record<string, unknown>[]) findings.push(findingFromWire(f));
          nextToken = page["nextToken"] as string | undefined;
        } while (nextToken);
        const batches = toAsffBatches(findings, {
          region: o.region,
          ...(o.productArn ? { productArn: o.productArn } : {}),
        });
        mkdirSync(o.outDir, { recursive: true });
        batches.forEach((b, i) => {
          writeFileSync(
            join(o.outDir, `batch-${String(i + 1).padStart(4, "0")}.json`),
            `${JSON.stringify(b, null, 2)}\n`,
          );
        });
        process.stdout.write(
          `${findings.length} findings in ${batches.length} file(s) under ${o.outDir}\n` +
            (batches.length
              ? `import: for f in ${o.outDir}/batch-*.json; do aws securityhub batch-import-findings --region ${o.region} --cli-input-json file://$f; done\n`
              : ""),
        );
      },
    );
}
