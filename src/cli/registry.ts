import { type Command, InvalidArgumentError, Option } from "commander";
import { RESCAN_DURATIONS, SCAN_MODES } from "../registries/settings.js";
import { parseImageReference } from "../sources/registry/client.js";
import { callApi as call, DEFAULT_ENDPOINT, type EndpointOptions, endpointOf as endpoint } from "./api.js";

/** `vigil registry …`: a client of the server's registry API, signed with the caller's access key. */

interface SettingsOptions {
  include?: string[];
  exclude?: string[];
  mode?: string;
  rule?: string[];
  rescanDuration?: string;
  pullRescanDuration?: string;
  pollInterval?: number;
  insecure?: boolean;
  username?: string;
  passwordStdin?: boolean;
  tokenStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function parseRule(value: string, previous: string[] = []): string[] {
  const [pattern, mode] = value.split("=");
  if (!pattern || !mode || !(SCAN_MODES as readonly string[]).includes(mode))
    throw new InvalidArgumentError(`expected <pattern>=<${SCAN_MODES.join("|")}>`);
  return [...previous, value];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseMinutes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected whole minutes ≥ 0");
  return n;
}

function settingsFrom(o: SettingsOptions): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (o.include) s["include"] = o.include;
  if (o.exclude) s["exclude"] = o.exclude;
  if (o.mode) s["defaultMode"] = o.mode;
  if (o.rule)
    s["rules"] = o.rule.map((r) => {
      const [pattern, mode] = r.split("=") as [string, string];
      return { repositories: [pattern], mode };
    });
  if (o.rescanDuration) s["rescanDuration"] = o.rescanDuration;
  if (o.pullRescanDuration) s["pullDateRescanDuration"] = o.pullRescanDuration;
  if (o.pollInterval !== undefined) s["pollIntervalMinutes"] = o.pollInterval;
  if (o.insecure) s["insecure"] = true;
  return s;
}

async function credentialsFrom(o: SettingsOptions): Promise<Record<string, string> | undefined> {
  if (o.tokenStdin) return { token: await readStdin() };
  if (o.username) {
    const password = o.passwordStdin ? await readStdin() : process.env["VIGIL_REGISTRY_PASSWORD"];
    if (!password)
      throw new Error(
        "--username needs a password: pipe it to --password-stdin or set VIGIL_REGISTRY_PASSWORD",
      );
    return { username: o.username, password };
  }
  return undefined;
}

function withSettingsOptions(cmd: Command): Command {
  return cmd
    .option("--username <name>", "registry user (password from --password-stdin or VIGIL_REGISTRY_PASSWORD)")
    .option("--password-stdin", "read the registry password from standard input")
    .option("--token-stdin", "read a registry token (PAT, identity token) from standard input")
    .option("--include <pattern>", "only repositories matching (repeatable; * and ** wildcards)", collect)
    .option("--exclude <pattern>", "never these repositories (repeatable)", collect)
    .addOption(new Option("--mode <mode>", "scan mode for repositories no rule names").choices(SCAN_MODES))
    .option("--rule <pattern=mode>", "per-repository scan mode, first match wins (repeatable)", parseRule)
    .addOption(
      new Option("--rescan-duration <duration>", "monitor images this long after push").choices(
        RESCAN_DURATIONS,
      ),
    )
    .addOption(
      new Option("--pull-rescan-duration <duration>", "…or this long after their last pull").choices(
        RESCAN_DURATIONS,
      ),
    )
    .option("--poll-interval <minutes>", "catalog/tag poll interval (0: notifications only)", parseMinutes)
    .option("--insecure", "skip TLS certificate verification")
    .option("--endpoint-url <url>", `Vigil server (default $VIGIL_ENDPOINT_URL or ${DEFAULT_ENDPOINT})`);
}

function describe(r: Record<string, unknown>): string {
  const status = `${r["status"]}${r["statusDetail"] ? ` (${r["statusDetail"]})` : ""}`;
  return `${r["name"]}  ${r["url"]}  ${status}\n`;
}

function notificationsSnippet(base: string, path: string, token: string): string {
  return [
    "",
    "Scan on push: add this endpoint to the registry's notifications (CNCF distribution config.yml):",
    "  notifications:",
    "    endpoints:",
    "      - name: vigil",
    `        url: ${new URL(path, base).toString()}`,
    "        headers:",
    `          Authorization: [Bearer ${token}]`,
    "        timeout: 5s",
    "        threshold: 5",
    "        backoff: 10s",
    "The token is shown once. Without notifications Vigil polls the catalog (--poll-interval).",
    "",
  ].join("\n");
}

export function registryCommands(program: Command): void {
  const registry = program
    .command("registry")
    .description("container registries: scan on push, continuous rescans (talks to `vigil serve`)");

  withSettingsOptions(
    registry.command("add").description("register an OCI registry").argument("<name>").argument("<url>"),
  ).action(async (name: string, url: string, o: SettingsOptions & EndpointOptions) => {
    const credentials = await credentialsFrom(o);
    const res = await call(o, "POST", "/v1/registries", {
      name,
      url,
      ...(credentials ? { credentials } : {}),
      settings: settingsFrom(o),
    });
    const r = res["registry"] as Record<string, unknown>;
    const n = res["notifications"] as { path: string; token: string };
    process.stdout.write(describe(r));
    process.stdout.write(notificationsSnippet(endpoint(o), n.path, n.token));
  });

  withSettingsOptions(
    registry
      .command("update")
      .description("change a registry's URL, credentials or settings")
      .argument("<name>"),
  ).action(async (name: string, o: SettingsOptions & EndpointOptions & { url?: string }) => {
    const credentials = await credentialsFrom(o);
    const res = await call(o, "PUT", `/v1/registries/${encodeURIComponent(name)}`, {
      ...(credentials ? { credentials } : {}),
      settings: settingsFrom(o),
    });
    process.stdout.write(describe(res["registry"] as Record<string, unknown>));
  });

  registry
    .command("list")
    .description("registered registries and their last contact")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (o: EndpointOptions) => {
      const res = await call(o, "GET", "/v1/registries");
      for (const r of res["registries"] as Record<string, unknown>[]) process.stdout.write(describe(r));
    });

  registry
    .command("images")
    .description("a registry's images: tags, scan mode, coverage")
    .argument("<name>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, o: EndpointOptions) => {
      const res = await call(o, "GET", `/v1/registries/${encodeURIComponent(name)}/images`);
      for (const i of res["images"] as Record<string, unknown>[]) {
        const status = (i["scanStatus"] as { statusCode: string; reason: string; detail?: string }[])
          .map((s) => `${s.statusCode} ${s.reason}${s.detail ? ` (${s.detail})` : ""}`)
          .join("; ");
        const tags = (i["tags"] as string[]).join(",") || "<untagged>";
        process.stdout.write(`${i["repository"]}@${i["digest"]}  ${tags}  ${i["mode"]}  ${status}\n`);
      }
    });

  registry
    .command("scan")
    .description("scan one image now (any scan mode)")
    .argument("<name>")
    .argument("<image>", "repository:tag or repository@sha256:…")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, image: string, o: EndpointOptions) => {
      const ref = parseImageReference(image);
      const reference = ref.digest ?? ref.tag ?? "latest";
      const res = await call(o, "POST", `/v1/registries/${encodeURIComponent(name)}/scan`, {
        // A registry host in the reference is the registry's own; the API wants the repository.
        repository: ref.repository,
        reference,
      });
      process.stdout.write(`queued scan ${res["jobId"]} of ${image}\n`);
    });

  registry
    .command("poll")
    .description("poll the registry's catalog and tags now")
    .argument("<name>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, o: EndpointOptions) => {
      const res = await call(o, "POST", `/v1/registries/${encodeURIComponent(name)}/poll`, {});
      process.stdout.write(
        `${res["repositories"]} repositories, ${res["queued"]} scans queued, ${res["deleted"]} images gone${res["error"] ? `; error: ${res["error"]}` : ""}\n`,
      );
    });

  registry
    .command("remove")
    .description("unregister a registry; its images leave coverage and their findings close")
    .argument("<name>")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (name: string, o: EndpointOptions) => {
      const res = await call(o, "DELETE", `/v1/registries/${encodeURIComponent(name)}`);
      process.stdout.write(`removed ${name} (${res["imagesRemoved"]} images)\n`);
    });
}
