import { resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { isAccountId } from "../service/keys.js";
import { callApi } from "./api.js";
import { defaultDataDir } from "./main.js";
import { withService } from "./serve.js";

/**
 * `vigil org …` (organizations, on the data directory like `vigil keys`: the operator decides which
 * accounts belong together) and `vigil audit` (the audit log, read from a running server).
 */

const operator = () => `cli:${process.env["USER"] ?? "unknown"}`;

function dataDirOf(cmd: Command): string {
  const opts = cmd.optsWithGlobals<{ dataDir?: string }>();
  return resolve(opts.dataDir ?? defaultDataDir());
}

function accountId(value: string): string {
  if (!isAccountId(value)) throw new InvalidArgumentError("an account id is 12 digits");
  return value;
}

function isoTime(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidArgumentError("expected an ISO 8601 date or date-time (2026-05-01T00:00:00Z)");
  return ms;
}

function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const DB_OPTION = [
  "--database <url>",
  "the service database (default: SQLite in the data directory)",
] as const;

/** Registers `vigil org …` and `vigil audit`. */
export function orgCommands(program: Command): void {
  auditCommand(program);
  const org = program
    .command("org")
    .description("organizations: a management account, a delegated administrator and its members");
  org
    .command("create")
    .description("create an organization; prints its id")
    .requiredOption("--management-account <id>", "the organization's management account", accountId)
    .option(...DB_OPTION)
    .action(async (o: { managementAccount: string; database?: string }, cmd: Command) => {
      const id = await withService(dataDirOf(cmd), o.database, (s) =>
        s.organizations.createOrganization(o.managementAccount, operator()),
      );
      process.stdout.write(`${id}\n`);
    });
  org
    .command("add-account")
    .description("add an account to an organization (associated with its delegated administrator, if any)")
    .argument("<orgId>")
    .argument("<accountId>", "12-digit account id", accountId)
    .option(...DB_OPTION)
    .action(async (orgId: string, account: string, o: { database?: string }, cmd: Command) => {
      const r = await withService(dataDirOf(cmd), o.database, (s) =>
        s.organizations.addAccount(orgId, account, operator()),
      );
      process.stdout.write(
        `added ${account} to ${orgId}${
          r.associatedWith
            ? `; member of ${r.associatedWith}${r.enabled.length ? `, enabled ${r.enabled.join(", ")}` : ""}`
            : ""
        }\n`,
      );
    });
  org
    .command("remove-account")
    .description("take an account out of its organization")
    .argument("<accountId>", "12-digit account id", accountId)
    .option(...DB_OPTION)
    .action(async (account: string, o: { database?: string }, cmd: Command) => {
      const orgId = await withService(dataDirOf(cmd), o.database, (s) =>
        s.organizations.removeAccount(account, operator()),
      );
      process.stdout.write(`removed ${account} from ${orgId}\n`);
    });
  org
    .command("show")
    .description("organizations, their delegated administrators and accounts")
    .option("--json", "print JSON")
    .option(...DB_OPTION)
    .action(async (o: { json?: boolean; database?: string }, cmd: Command) => {
      const orgs = await withService(dataDirOf(cmd), o.database, (s) => s.organizations.describe());
      if (o.json) {
        process.stdout.write(`${JSON.stringify(orgs, null, 2)}\n`);
        return;
      }
      if (orgs.length === 0)
        process.stdout.write("no organizations (vigil org create --management-account ID)\n");
      for (const g of orgs) {
        const admin = g.delegatedAdmin
          ? `delegated admin ${g.delegatedAdmin.accountId} (${g.delegatedAdmin.status})`
          : "no delegated admin";
        const auto = Object.entries(g.autoEnable)
          .filter(([, on]) => on)
          .map(([k]) => k);
        process.stdout.write(
          `${g.orgId}  management ${g.managementAccountId}  ${admin}  auto-enable: ${auto.join(" ") || "none"}\n`,
        );
        for (const a of g.accounts) {
          const role =
            a.accountId === g.managementAccountId
              ? "management"
              : a.accountId === g.delegatedAdmin?.accountId
                ? "delegated admin"
                : a.relationshipStatus === "ENABLED"
                  ? `member of ${a.delegatedAdminAccountId}`
                  : a.relationshipStatus.toLowerCase();
          process.stdout.write(`  ${a.accountId}  ${role}\n`);
        }
      }
    });
}

interface AuditEventOut {
  id: number;
  accountId: string;
  principal: string;
  action: string;
  target: string;
  detail: unknown;
  at: number;
}

function auditCommand(program: Command): void {
  program
    .command("audit")
    .description(
      "the audit log: who changed what, newest first (talks to `vigil serve`; needs a read-write key)",
    )
    .option("--server <url>", "Vigil server (also --endpoint-url, or VIGIL_ENDPOINT_URL)")
    .option("--endpoint-url <url>", "Vigil server")
    .option("--account <id>", "an account to include (repeatable; default: the key's own)", repeatable)
    .option("--action <name>", "only this action (repeatable), e.g. CreateFilter", repeatable)
    .option("--since <iso>", "only events at or after this time", isoTime)
    .option("--until <iso>", "only events at or before this time", isoTime)
    .option("--limit <n>", "at most this many events", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
      return n;
    })
    .option("--json", "print JSON lines")
    .action(
      async (o: {
        server?: string;
        endpointUrl?: string;
        account?: string[];
        action?: string[];
        since?: number;
        until?: number;
        limit?: number;
        json?: boolean;
      }) => {
        for (const a of o.account ?? []) accountId(a);
        const endpoint = {
          ...((o.server ?? o.endpointUrl) ? { endpointUrl: (o.server ?? o.endpointUrl)! } : {}),
        };
        const limit = o.limit ?? 100;
        let nextToken: string | undefined;
        let shown = 0;
        do {
          const r = await callApi(endpoint, "POST", "/v1/audit/list", {
            ...(o.account?.length ? { accountIds: o.account } : {}),
            ...(o.action?.length ? { actions: o.action } : {}),
            ...(o.since !== undefined ? { since: o.since / 1000 } : {}),
            ...(o.until !== undefined ? { until: o.until / 1000 } : {}),
            maxResults: Math.min(500, limit - shown),
            ...(nextToken ? { nextToken } : {}),
          });
          for (const e of r["events"] as AuditEventOut[]) {
            shown++;
            if (o.json) {
              process.stdout.write(`${JSON.stringify({ ...e, at: new Date(e.at * 1000).toISOString() })}\n`);
              continue;
            }
            const detail = JSON.stringify(e.detail);
            process.stdout.write(
              `${new Date(e.at * 1000).toISOString()}  ${e.accountId}  ${e.principal}  ${e.action}  ${e.target}${detail === "{}" ? "" : `  ${detail}`}\n`,
            );
          }
          nextToken = r["nextToken"] as string | undefined;
        } while (nextToken && shown < limit);
      },
    );
}
