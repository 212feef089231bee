import { hostname } from "node:os";
import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { Agent } from "../agent/agent.js";
import { DEFAULT_DEEP_PATHS, hostIdentity, hostInventory, hostResourceId } from "../hosts/inventory.js";
import { credentialsFromEnv, signedFetch } from "../server/client.js";
import { callApi as call, endpointOf } from "./api.js";

/** `vigil hosts …` (administration through the API), `vigil agent`, `vigil scan-host`. */

function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([hd])$/.exec(v);
  if (!m) throw new InvalidArgumentError("expected hours or days, like 24h or 7d");
  return Number(m[1]) * (m[2] === "d" ? 24 : 1);
}

function parseTag(v: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = v.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("expected key=value");
  return { ...previous, [v.slice(0, eq)]: v.slice(eq + 1) };
}

const paths = (v: string) =>
  v
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);

export function hostCommands(program: Command): void {
  const hosts = program
    .command("hosts")
    .description("hosts: agent activations, coverage, credentials (talks to `vigil serve`)");
  hosts
    .command("activate")
    .description("issue a one-time activation code for N agents")
    .option("--count <n>", "how many hosts may enrol with it", (v) => Number.parseInt(v, 10), 1)
    .option("--expires <duration>", "lifetime of the code (24h, 7d)", parseDuration, 24)
    .option("--description <text>", "what the activation is for")
    .option("--tag <key=value>", "tag for every host enrolled with it (repeatable)", parseTag)
    .option("--endpoint-url <url>", "Vigil server")
    .action(
      async (o: {
        count: number;
        expires: number;
        description?: string;
        tag?: Record<string, string>;
        endpointUrl?: string;
      }) => {
        const r = await call(o, "POST", "/v1/hosts/activations", {
          count: o.count,
          expiresInHours: o.expires,
          ...(o.description ? { description: o.description } : {}),
          ...(o.tag ? { tags: o.tag } : {}),
        });
        process.stdout.write(
          [
            `Activation ${r["activationId"]} for ${o.count} host(s), expires ${r["expiresAt"] ? new Date(Number(r["expiresAt"]) * 1000).toISOString() : ""}.`,
            "On each host (the code is shown once):",
            `  vigil agent --server ${endpointOf(o)} --activation ${r["activationId"]}:${r["activationCode"]}`,
            "",
          ].join("\n"),
        );
      },
    );
  hosts
    .command("list")
    .description("enrolled hosts and their coverage")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (o: { endpointUrl?: string }) => {
      const r = await call(o, "GET", "/v1/hosts");
      for (const h of r["hosts"] as Record<string, unknown>[]) {
        const s = h["scanStatus"] as { statusCode: string; reason: string };
        process.stdout.write(
          `${h["hostId"]}  ${h["hostname"]}  ${s.statusCode} ${s.reason}${h["statusDetail"] ? ` (${h["statusDetail"]})` : ""}  findings ${h["activeFindings"]}${h["revoked"] ? "  REVOKED" : ""}\n`,
        );
      }
    });
  for (const [name, what] of [
    ["revoke", "revoke a host's credential; its agent is refused from then on"],
    ["rotate", "have the host's agent replace its credential at its next contact"],
  ] as const) {
    hosts
      .command(name)
      .description(what)
      .argument("<hostId>")
      .option("--endpoint-url <url>", "Vigil server")
      .action(async (id: string, o: { endpointUrl?: string }) => {
        await call(o, "POST", `/v1/hosts/${encodeURIComponent(id)}/${name}`, {});
        process.stdout.write(`${name === "revoke" ? "revoked" : "rotation requested for"} ${id}\n`);
      });
  }
  hosts
    .command("mount")
    .description("scan a mounted disk or snapshot directory on the server as its host, on a schedule")
    .argument("<path>")
    .option("--host-id <id>", "the host it belongs to (default: from its etc/machine-id)")
    .option("--interval <minutes>", "rescan interval", (v) => Number.parseInt(v, 10), 360)
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (path: string, o: { hostId?: string; interval: number; endpointUrl?: string }) => {
      const r = await call(o, "POST", "/v1/hosts/mounts", {
        path: resolve(path),
        intervalMinutes: o.interval,
        ...(o.hostId ? { hostId: o.hostId } : {}),
      });
      process.stdout.write(`${r["mountId"]}: ${path} is host ${r["hostId"]} (${r["packages"]} packages)\n`);
    });

  program
    .command("agent")
    .description("the Vigil agent: enrol once, then report this host's inventory and facts")
    .requiredOption("--server <url>", "the Vigil server")
    .option("--activation <id:code>", "enrol with this activation (first run)")
    .option("--state-dir <dir>", "credential and state", "/var/lib/vigil-agent")
    .option("--root <dir>", "root filesystem to report", "/")
    .option("--paths <list>", `deep-inspection paths (default ${DEFAULT_DEEP_PATHS.join(",")})`, paths)
    .option("--tags-file <file>", "key=value tags (default <root>/etc/vigil/tags)")
    .option("--ca-file <file>", "PEM CA of the server's certificate (private or self-signed)")
    .option("--interval <seconds>", "seconds between collections", (v) => Number.parseInt(v, 10), 3600)
    .option("--heartbeat <seconds>", "seconds between heartbeats", (v) => Number.parseInt(v, 10), 300)
    .option("--once", "report once and exit")
    .action(
      async (o: {
        server: string;
        activation?: string;
        stateDir: string;
        root: string;
        paths?: string[];
        tagsFile?: string;
        caFile?: string;
        interval: number;
        heartbeat: number;
        once?: boolean;
      }) => {
        const agent = new Agent({
          server: o.server,
          stateDir: resolve(o.stateDir),
          root: resolve(o.root),
          ...(o.paths ? { deepPaths: o.paths } : {}),
          ...(o.tagsFile ? { tagsFile: o.tagsFile } : {}),
          ...(o.caFile ? { caFile: o.caFile } : {}),
          log: (l) => process.stderr.write(`vigil-agent: ${l}\n`),
        });
        if (o.activation) {
          const colon = o.activation.indexOf(":");
          if (colon <= 0) throw new Error("--activation: expected <activation id>:<code>");
          await agent.enroll(o.activation.slice(0, colon), o.activation.slice(colon + 1));
        }
        if (o.once) {
          const r = await agent.report();
          process.stdout.write(
            `${r.sent} inventory ${r.sequence} sent: collection ${r.collection.ms} ms, cpu ${r.collection.cpuMs} ms, rss ${Math.round(r.collection.rssBytes / 1048576)} MiB\n`,
          );
          return;
        }
        const stop = new AbortController();
        process.once("SIGTERM", () => stop.abort());
        process.once("SIGINT", () => stop.abort());
        await agent.run(o.interval, o.heartbeat, stop.signal);
      },
    );

  program
    .command("scan-host")
    .description("agentless: inventory a mounted disk or snapshot directory as the host it belongs to")
    .requiredOption("--root <dir>", "the mounted root filesystem")
    .option("--paths <list>", "deep-inspection paths", paths)
    .option("--submit <server>", "send it to a Vigil server (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)")
    .option("--host-id <id>", "the host's resource id (default: from etc/machine-id)")
    .action(async (o: { root: string; paths?: string[]; submit?: string; hostId?: string }) => {
      const root = resolve(o.root);
      const ident = hostIdentity(root, hostname());
      const id = o.hostId ?? (ident.machineId ? hostResourceId(ident.machineId) : undefined);
      if (!id) throw new Error(`${root}: no etc/machine-id to name the host; give --host-id h-<17 hex>`);
      const inv = await hostInventory(root, o.paths ?? DEFAULT_DEEP_PATHS);
      if (!o.submit) {
        process.stdout.write(
          `${JSON.stringify({ hostId: id, hostname: ident.hostname, os: inv.os, packages: inv.packages }, null, 2)}\n`,
        );
        return;
      }
      const platform = inv.os ? (inv.os.prettyName ?? inv.os.id) : undefined;
      const res = await signedFetch(
        o.submit,
        `/v1/resources/${encodeURIComponent(id)}/inventory`,
        {
          resourceType: "AWS_EC2_INSTANCE",
          details: { awsEc2Instance: { ...(platform ? { platform } : {}), keyName: ident.hostname } },
          inventory: { ...(inv.os ? { os: inv.os } : {}), packages: inv.packages },
        },
        credentialsFromEnv(),
      );
      if (res.status !== 200)
        throw new Error(`${o.submit}: ${res.errorType ?? res.status}: ${String(res.json["message"])}`);
      process.stdout.write(
        `submitted ${id} (${ident.hostname}): ${inv.packages.length} packages, ${res.json["active"]} active findings\n`,
      );
    });
}
