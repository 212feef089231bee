import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  addCodeFindings,
  codeOnlyResult,
  codeWants,
  type SubmittedCode,
  scanTargetCode,
  supportsCodeScan,
  toSubmittedCode,
} from "../code/index.js";
import type { Inventory } from "../extractors/types.js";
import { toAsff } from "../formats/asff.js";
import { toCycloneDx } from "../formats/cyclonedx.js";
import { toSarif } from "../formats/sarif.js";
import { toSpdx } from "../formats/spdx.js";
import { inventoryTarget, openTarget, type ScanResult, scanTree } from "../pipeline/scan.js";
import { SEVERITIES, type Severity, severityRank } from "../scoring/cvss.js";
import { dbStatus, dbUpdate, openStoreForScan } from "./db.js";
import { eventCommands, securityHubCommands } from "./events.js";
import { gateCommand } from "./gate.js";
import { hostCommands } from "./hosts.js";
import { jobCommands } from "./jobs.js";
import { networkCommands } from "./network.js";
import { orgCommands } from "./org.js";
import { Progress } from "./progress.js";
import { useProxyFromEnvironment } from "./proxy.js";
import { registryCommands } from "./registry.js";
import { renderInventory, renderTable, summaryLine } from "./render.js";
import {
  BOOTSTRAP_ACCOUNT,
  DEFAULT_PORT,
  keysCreate,
  type ServeOptions,
  serve,
  submitScan,
  withService,
} from "./serve.js";
import { userCommands } from "./users.js";

/** Exit codes: 0 clean, 1 findings at or above --fail-on, 2 an error. */
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** A failure the user can act on: printed without a stack trace. */
export class UsageError extends Error {}

export function defaultDataDir(): string {
  return process.env["VIGIL_DATA_DIR"] || join(homedir(), ".vigil");
}

function parseSeverity(value: string): Severity {
  const v = value.toUpperCase() as Severity;
  if (!SEVERITIES.includes(v)) {
    throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(", ")}`);
  }
  return v;
}

/** A scan result in the requested output format. */
function renderReport(result: ScanResult, format: string): string {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  switch (format) {
    case "json":
      return json({
        resource: result.resource,
        findings: result.findings,
        inventory: { os: result.inventory.os, packages: result.inventory.packages },
        warnings: result.inventory.warnings,
        ...(result.code ? { code: result.code } : {}),
      });
    case "sarif":
      return json(toSarif(result));
    case "cyclonedx":
      // SBOMs describe packages: code findings have no component to attach to.
      return json(toCycloneDx(packageFindingsOnly(result)));
    case "spdx":
      return json(toSpdx(packageFindingsOnly(result)));
    case "asff":
      // Security Hub's BatchImportFindings body (split into requests of 100 when sending).
      return json({ Findings: result.findings.map((f) => toAsff(f, { region: result.resource.region })) });
    default:
      return renderTable(result);
  }
}

/** The scan result without its code findings (for package-centric formats). */
function packageFindingsOnly(result: ScanResult): ScanResult {
  return { ...result, findings: result.findings.filter((f) => f.type !== "CODE_VULNERABILITY") };
}

function parseCount(value: string): number {
  const n = Number(value.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

/** Archive limits from the global options (defaults apply where unset). */
function limitsOf(cmd: Command): { maxExpandedBytes?: number; maxEntries?: number } {
  const o = cmd.optsWithGlobals<{ maxExpandedSize?: number; maxEntries?: number }>();
  return {
    ...(o.maxExpandedSize ? { maxExpandedBytes: o.maxExpandedSize } : {}),
    ...(o.maxEntries ? { maxEntries: o.maxEntries } : {}),
  };
}

/** Commander accumulator for repeatable options. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function dataDirOf(cmd: Command): string {
  const opts = cmd.optsWithGlobals<{ dataDir?: string }>();
  return resolve(opts.dataDir ?? defaultDataDir());
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("vigil")
    .description("Continuous vulnerability management you run yourself.")
    .option("--data-dir <dir>", "where Vigil keeps its databases (env VIGIL_DATA_DIR)", undefined)
    .option(
      "--max-expanded-size <bytes>",
      "largest total size an image or function package may expand to",
      parseCount,
    )
    .option("--max-entries <count>", "most files an image or function package may hold", parseCount)
    .option("-q, --quiet", "no progress output on stderr")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("scan")
    .description("inventory a directory or root filesystem and match it against the advisory database")
    .argument(
      "<target>",
      "directory, root filesystem, OCI image layout, or image archive (docker save / OCI tar)",
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["table", "json", "sarif", "cyclonedx", "spdx", "asff"])
        .default("table"),
    )
    .option("--fail-on <severity>", "exit 1 when a finding at or above this severity exists", parseSeverity)
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option(
      "--submit <server>",
      "send the inventory to a Vigil server (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
    )
    .option(
      "--layer <zip>",
      "a layer zip of a function package (repeatable; applied under /opt in order)",
      collect,
      [],
    )
    .option("--code", "also scan the function code for vulnerabilities (CODE_VULNERABILITY findings)")
    .option("--code-only", "scan the code only: no package inventory, no advisory database needed")
    .option(
      "--code-include-dependencies",
      "code scanning also reads node_modules, site-packages and vendor directories",
    )
    .action(
      async (
        target: string,
        opts: {
          format: string;
          failOn?: Severity;
          output?: string;
          layer: string[];
          submit?: string;
          code?: boolean;
          codeOnly?: boolean;
          codeIncludeDependencies?: boolean;
        },
        cmd: Command,
      ) => {
        const quiet = cmd.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
        const withCode = opts.code === true || opts.codeOnly === true;
        if (opts.codeOnly && opts.submit)
          throw new UsageError("--submit sends a package inventory: not with --code-only");
        const codeOptions = {
          ...(opts.codeIncludeDependencies ? { includeDependencies: true } : {}),
        };
        const store = opts.codeOnly ? undefined : openStoreForScan(dataDirOf(cmd));
        const progress = new Progress(!quiet);
        const opened = await openTarget(target, {
          functionLayers: opts.layer,
          limits: limitsOf(cmd),
          onLayer: (i, n) => progress.update("reading layers", i, n),
          ...(withCode ? { alsoWants: codeWants(codeOptions) } : {}),
        });
        try {
          if (withCode && !supportsCodeScan(opened))
            throw new UsageError(
              "code scanning applies to directories and function packages (zip files) only",
            );
          // The server keeps code findings for functions (Lambda code scanning), not for hosts.
          if (opts.code && opts.submit && !opened.functionPackage)
            throw new UsageError(
              "--code with --submit applies to function packages (zip files): the server keeps code findings for AWS_LAMBDA_FUNCTION resources only",
            );
          const scanCodeOf = async () => {
            const t0 = performance.now();
            const code = await scanTargetCode(opened, {
              ...codeOptions,
              onProgress: (done) => progress.update("scanning code", done),
            });
            return { code, ms: performance.now() - t0 };
          };
          let result: ScanResult;
          let submittedCode: SubmittedCode | undefined;
          if (!store) {
            const { code, ms } = await scanCodeOf();
            result = codeOnlyResult(opened, code, { codeMs: ms });
          } else {
            result = await scanTree(opened, store, {
              onProgress: (p) =>
                progress.update(p.phase === "walk" ? "walking" : "extracting", p.done, p.total),
            });
            if (withCode) {
              const { code, ms } = await scanCodeOf();
              addCodeFindings(result, code);
              result.timings.codeMs = ms;
              submittedCode = toSubmittedCode(code);
            }
          }
          progress.stop();
          if (opts.submit) process.stderr.write(await submitScan(opts.submit, result, submittedCode));
          const report = renderReport(result, opts.format);
          if (opts.output) writeFileSync(opts.output, report);
          else process.stdout.write(report);
          for (const w of result.inventory.warnings) {
            process.stderr.write(`warning: ${w.path}: ${w.reason}\n`);
          }
          for (const w of [...(result.code?.skipped ?? []), ...(result.code?.partial ?? [])]) {
            process.stderr.write(`warning: ${w.path}: ${w.reason}\n`);
          }
          // The table already ends in the summary; other formats get it on stderr.
          if (!quiet && (opts.format !== "table" || opts.output))
            process.stderr.write(`${summaryLine(result)}\n`);
          if (opts.failOn) {
            const threshold = severityRank(opts.failOn);
            if (result.findings.some((f) => severityRank(f.severity) >= threshold))
              process.exitCode = EXIT_FINDINGS;
          }
        } finally {
          progress.stop();
          store?.close();
          if (withCode) opened.close();
        }
      },
    );

  program
    .command("inventory")
    .description("list the packages installed in a directory or root filesystem (no matching)")
    .argument("<target>", "directory, root filesystem, OCI image layout, or image archive")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"),
    )
    .action(async (target: string, opts: { format: string }, cmd: Command) => {
      const quiet = cmd.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
      const progress = new Progress(!quiet);
      const opened = await openTarget(target, {
        limits: limitsOf(cmd),
        onLayer: (i, n) => progress.update("reading layers", i, n),
      });
      let inv: Inventory;
      try {
        inv = await inventoryTarget(opened, (p) =>
          progress.update(p.phase === "walk" ? "walking" : "extracting", p.done, p.total),
        );
      } finally {
        progress.stop();
        opened.close();
      }
      if (opts.format === "json") {
        process.stdout.write(JSON.stringify(inv, null, 2) + "\n");
      } else {
        process.stdout.write(renderInventory(inv));
      }
      for (const w of inv.warnings) process.stderr.write(`warning: ${w.path}: ${w.reason}\n`);
    });

  const db = program.command("db").description("manage the advisory database");
  db.command("update")
    .description("download advisory feeds (or import them from a mirror directory)")
    .option("--mirror <dir>", "import from a directory laid out like the public feeds, offline")
    .option("--feeds <names>", "comma-separated feed names (default: all)")
    .action(async (opts: { mirror?: string; feeds?: string }, cmd: Command) => {
      const quiet = cmd.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
      const result = await dbUpdate(dataDirOf(cmd), {
        ...(opts.mirror ? { mirror: resolve(opts.mirror) } : {}),
        ...(opts.feeds ? { feeds: opts.feeds.split(",").map((s) => s.trim()) } : {}),
        quiet,
      });
      if (!result.ok) process.exitCode = EXIT_ERROR;
    });
  db.command("status")
    .description("show feeds, record counts and last update")
    .option("--json", "machine-readable output")
    .action((opts: { json?: boolean }, cmd: Command) => {
      process.stdout.write(dbStatus(dataDirOf(cmd), opts.json === true));
    });

  program
    .command("start")
    .description("load advisory data (public feeds, else the fallback mirror) and scan this host")
    .option("--fallback-mirror <dir>", "mirror directory used when the public feeds cannot be reached")
    .option("--target <dir>", "root filesystem to scan", "/")
    .action(async (opts: { fallbackMirror?: string; target: string }, cmd: Command) => {
      const dataDir = dataDirOf(cmd);
      process.stderr.write(`Vigil data directory: ${dataDir}\n`);
      const online = await dbUpdate(dataDir, { quiet: false });
      // Only when nothing came through: a mirror must not overwrite fresher public data.
      const nothingFetched = online.feeds.every((f) => f.status === "failed");
      if (online.unreachable && nothingFetched && opts.fallbackMirror) {
        process.stderr.write(
          `The public advisory feeds could not be reached; loading the mirror at ${resolve(opts.fallbackMirror)} instead.\n`,
        );
        await dbUpdate(dataDir, { mirror: resolve(opts.fallbackMirror), quiet: false });
      }
      process.stdout.write(dbStatus(dataDir, false));
      const store = openStoreForScan(dataDir);
      try {
        process.stderr.write(`Scanning ${opts.target} …\n`);
        const opened = await openTarget(opts.target);
        try {
          process.stdout.write(renderTable(await scanTree(opened, store)));
        } finally {
          opened.close();
        }
      } finally {
        store.close();
      }
    });

  program
    .command("serve")
    .description("run the Vigil service: the inspector2 API over SQLite (default) or PostgreSQL")
    .option("--database <url>", "postgres://user:pass@host:port/db (default: SQLite in the data directory)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", (v) => parsePort(v), DEFAULT_PORT)
    .option("--region <name>", "region name used in ARNs", "local")
    .option("--mirror <dir>", "load advisories from this mirror directory only (offline)")
    .option("--fallback-mirror <dir>", "mirror directory used when the public feeds cannot be reached")
    .option(
      "--update-interval <minutes>",
      "minutes between advisory updates (0: never)",
      (v) => parseMinutes(v),
      360,
    )
    .option("--no-update", "do not update advisories at start")
    .option("--tls-cert <file>", "PEM certificate (chain): serve HTTPS")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option("--command-dir <dir>", "programs in this directory may be run by command event targets")
    .option(
      "--workers <n>",
      "background jobs run at once in this process (0: leave them to `vigil worker` processes)",
      (v) => parseWorkers(v),
      2,
    )
    .action(async (opts: Omit<ServeOptions, "dataDir" | "reevaluateInterval">, cmd: Command) => {
      const running = await serve({ dataDir: dataDirOf(cmd), ...opts, reevaluateInterval: 30 });
      await new Promise<void>((done) => {
        const stop = () => {
          process.stderr.write("stopping …\n");
          void running.close().then(done);
        };
        process.removeAllListeners("SIGINT");
        process.removeAllListeners("SIGTERM");
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  const keys = program.command("keys").description("access keys for the API (AWS Signature V4)");
  keys
    .command("create")
    .description("issue an access key for an account; the secret is printed once")
    .requiredOption("--account <id>", "12-digit account id", BOOTSTRAP_ACCOUNT)
    .option("--read-only", "the key may only read")
    .option("--description <text>", "what the key is for")
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(
      async (
        opts: { account: string; readOnly?: boolean; description?: string; database?: string },
        cmd: Command,
      ) => {
        process.stdout.write(await keysCreate(dataDirOf(cmd), opts));
      },
    );
  keys
    .command("list")
    .description("list access keys (never their secrets)")
    .option("--account <id>", "only this account's keys")
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(async (opts: { account?: string; database?: string }, cmd: Command) => {
      const rows = await withService(dataDirOf(cmd), opts.database, (s) => s.listKeys(opts.account));
      for (const k of rows) {
        process.stdout.write(
          `${k.access_key_id}  ${k.account_id}  ${k.read_only ? "read-only " : "read-write"}  ${new Date(k.created_at).toISOString()}  ${k.description ?? ""}\n`,
        );
      }
    });
  keys
    .command("delete")
    .description("revoke an access key")
    .argument("<accessKeyId>")
    .option("--database <url>", "the service database (default: SQLite in the data directory)")
    .action(async (id: string, opts: { database?: string }, cmd: Command) => {
      const ok = await withService(dataDirOf(cmd), opts.database, (s) =>
        s.deleteKey(id, `cli:${process.env["USER"] ?? "unknown"}`),
      );
      if (!ok) throw new UsageError(`no access key ${id}`);
      process.stdout.write(`deleted ${id}\n`);
    });

  userCommands(program, dataDirOf);
  jobCommands(program, dataDirOf);
  registryCommands(program);
  hostCommands(program);
  networkCommands(program);
  orgCommands(program);
  eventCommands(program);
  securityHubCommands(program);
  gateCommand(program);
  return program;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("expected a port number 0–65535");
  return n;
}

function parseMinutes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected minutes ≥ 0");
  return n;
}

function parseWorkers(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

export async function main(argv: string[]): Promise<number> {
  useProxyFromEnvironment();
  // Exit through process.exit on Ctrl-C / termination so that exit hooks remove temporary files.
  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    if (process.listenerCount(sig) === 0) process.once(sig, () => process.exit(code));
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`vigil: error: ${message}\n`);
    if (process.env["VIGIL_DEBUG"] && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return EXIT_ERROR;
  }
}
