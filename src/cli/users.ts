import type { Command } from "commander";
import { ConsoleUsers, generatePassword } from "../console/server/users.js";
import { BOOTSTRAP_ACCOUNT, withService } from "./serve.js";

interface DbOption {
  database?: string;
}

/** Who ran the command, for the audit log (as `vigil keys delete` records it). */
const cliPrincipal = (accountId: string) => ({
  accountId,
  id: `cli:${process.env["USER"] ?? "unknown"}`,
  readOnly: false,
});

function passwordFrom(env: string | undefined): { password: string; generated: boolean } {
  if (!env) return { password: generatePassword(), generated: true };
  const v = process.env[env];
  if (!v) throw new Error(`--password-env: ${env} is not set`);
  return { password: v, generated: false };
}

/** `vigil users …`: people who sign in to the web console (on the data directory, like `vigil keys`). */
export function userCommands(program: Command, dataDirOf: (cmd: Command) => string): void {
  const users = program
    .command("users")
    .description("web console users (admin or viewer, each in one account)");
  users
    .command("add")
    .argument("<username>")
    .requiredOption("--account <id>", "12-digit account id the user acts in", BOOTSTRAP_ACCOUNT)
    .requiredOption("--role <role>", "admin (can change things) or viewer (reads only)")
    .option(
      "--password-env <VAR>",
      "take the password from this environment variable (default: generate one)",
    )
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(
      async (
        username: string,
        o: DbOption & { account: string; role: string; passwordEnv?: string },
        cmd: Command,
      ) => {
        const { password, generated } = passwordFrom(o.passwordEnv);
        await withService(dataDirOf(cmd), o.database, async (s) => {
          await new ConsoleUsers(s.db).add(username, o.account, o.role, password);
          await s.audit(cliPrincipal(o.account), "CreateConsoleUser", username, { role: o.role });
        });
        process.stdout.write(
          `added ${o.role} ${username} in account ${o.account}${generated ? `; password (shown once): ${password}` : ""}\n`,
        );
      },
    );
  users
    .command("list")
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(async (o: DbOption, cmd: Command) => {
      const list = await withService(dataDirOf(cmd), o.database, (s) => new ConsoleUsers(s.db).list());
      for (const u of list)
        process.stdout.write(
          `${u.username}\t${u.role}\t${u.accountId}\t${new Date(u.createdAt).toISOString()}\n`,
        );
    });
  users
    .command("remove")
    .argument("<username>")
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(async (username: string, o: DbOption, cmd: Command) => {
      await withService(dataDirOf(cmd), o.database, async (s) => {
        const users = new ConsoleUsers(s.db);
        const user = await users.get(username);
        await users.remove(username);
        if (user) await s.audit(cliPrincipal(user.accountId), "DeleteConsoleUser", username);
      });
      process.stdout.write(`removed ${username} (and ended their sessions)\n`);
    });
  users
    .command("passwd")
    .argument("<username>")
    .option(
      "--password-env <VAR>",
      "take the password from this environment variable (default: generate one)",
    )
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(async (username: string, o: DbOption & { passwordEnv?: string }, cmd: Command) => {
      const { password, generated } = passwordFrom(o.passwordEnv);
      await withService(dataDirOf(cmd), o.database, async (s) => {
        const users = new ConsoleUsers(s.db);
        const user = await users.get(username);
        await users.setPassword(username, password);
        if (user) await s.audit(cliPrincipal(user.accountId), "ResetConsoleUserPassword", username);
      });
      process.stdout.write(
        `password of ${username} changed${generated ? ` to (shown once): ${password}` : ""}; sessions ended\n`,
      );
    });
}
