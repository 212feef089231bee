import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import type { Finding } from "../findings/finding.js";
import { SEVERITIES, type Severity, severityRank } from "../scoring/cvss.js";
import { callApi, type EndpointOptions } from "./api.js";

/**
 * `vigil gate`: a CI/CD policy check. Asks the server for a resource's active findings
 * (suppressed ones do not count) — or reads `vigil scan --format json` output where there is no
 * server — and fails when any is at or above the threshold, saying which.
 */

export const GATE_FAILED = 1;
export const GATE_ERROR = 2;

function parseSeverity(value: string): Severity {
  const v = value.toUpperCase() as Severity;
  if (!SEVERITIES.includes(v)) throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(", ")}`);
  return v;
}

async function serverFindings(o: EndpointOptions, resourceId: string): Promise<Finding[]> {
  const cov = await callApi(o, "POST", "/coverage/list", {
    filterCriteria: { resourceId: [{ comparison: "EQUALS", value: resourceId }] },
  });
  const covered =
    (cov["coveredResources"] as { scanStatus?: { statusCode: string; reason: string } }[]) ?? [];
  if (covered.length === 0)
    throw new GateError(
      `${resourceId} is not known to the server: scan or push it first (resource ids: vigil registry images, vigil hosts list)`,
    );
  const status = covered[0]!.scanStatus;
  if (status && status.statusCode !== "ACTIVE" && !status.reason.startsWith("SCAN_FREQUENCY"))
    process.stderr.write(
      `warning: ${resourceId} coverage is ${status.statusCode} (${status.reason}); its findings may be out of date\n`,
    );
  const out: Finding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callApi(o, "POST", "/findings/list", {
      filterCriteria: {
        resourceId: [{ comparison: "EQUALS", value: resourceId }],
        findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
      },
      maxResults: 100,
      ...(nextToken ? { nextToken } : {}),
    });
    out.push(...((page["findings"] as Finding[]) ?? []));
    nextToken = page["nextToken"] as string | undefined;
  } while (nextToken);
  return out;
}

function reportFindings(path: string): Finding[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new GateError(`${path}: not a vigil scan JSON report (${(e as Error).message})`);
  }
  const findings = (doc as { findings?: unknown }).findings;
  if (!Array.isArray(findings))
    throw new GateError(`${path}: no "findings" array (use vigil scan --format json)`);
  return (findings as Finding[]).filter((f) => (f.status ?? "ACTIVE") === "ACTIVE");
}

class GateError extends Error {}

function describe(f: Finding): string {
  const p = f.packageVulnerabilityDetails?.vulnerablePackages[0];
  const n = f.networkReachabilityDetails;
  const what = p
    ? `${p.name} ${p.version}${p.fixedInVersion && p.fixedInVersion !== "NotAvailable" ? ` → ${p.fixedInVersion}` : " (no fix)"}`
    : n
      ? `${n.protocol} ${n.openPortRange.begin}-${n.openPortRange.end} open to the internet`
      : "";
  const score = f.inspectorScore !== undefined ? ` ${f.inspectorScore.toFixed(1)}` : "";
  const id = f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title;
  return `  ${f.severity.padEnd(13)}${score.padEnd(5)} ${id}  ${what}`;
}

export function gateCommand(program: Command): void {
  program
    .command("gate")
    .description("CI/CD gate: fail when a resource has active findings at or above a severity")
    .requiredOption("--fail-on <severity>", "fail at or above this severity", parseSeverity)
    .option("--image <ref>", "an image resource: registry-host/repository@sha256:…")
    .option("--resource <id>", "any resource id (host, function, image)")
    .option("--report <file>", "a `vigil scan --format json` report instead of a server")
    .option("--server <url>", "the Vigil server (default $VIGIL_ENDPOINT_URL); signs with AWS_ACCESS_KEY_ID")
    .action(
      async (o: {
        failOn: Severity;
        image?: string;
        resource?: string;
        report?: string;
        server?: string;
      }) => {
        try {
          let findings: Finding[];
          let subject: string;
          if (o.report) {
            findings = reportFindings(o.report);
            subject = o.report;
          } else {
            const id = o.image ?? o.resource;
            if (!id) throw new GateError("give --image, --resource, or --report");
            if (o.image && !/@sha(256|512):[0-9a-f]+$/.test(o.image))
              throw new GateError(
                `--image ${o.image}: name the image by digest (repository@sha256:…) so the gate checks what will run`,
              );
            findings = await serverFindings(o.server ? { endpointUrl: o.server } : {}, id);
            subject = id;
          }
          const threshold = severityRank(o.failOn);
          const failing = findings
            .filter((f) => severityRank(f.severity) >= threshold)
            .sort(
              (a, b) =>
                severityRank(b.severity) - severityRank(a.severity) ||
                (b.inspectorScore ?? 0) - (a.inspectorScore ?? 0),
            );
          if (failing.length === 0) {
            process.stdout.write(
              `gate passed: ${subject} has no active finding at or above ${o.failOn} (${findings.length} below)\n`,
            );
            return;
          }
          process.stdout.write(
            `gate failed: ${subject} has ${failing.length} active finding(s) at or above ${o.failOn}:\n`,
          );
          for (const f of failing) process.stdout.write(`${describe(f)}\n`);
          process.stdout.write(
            "Fix them, or suppress accepted risks with a filter (reason, expiry) on the server.\n",
          );
          process.exitCode = GATE_FAILED;
        } catch (e) {
          process.stderr.write(`vigil gate: ${(e as Error).message}\n`);
          process.exitCode = GATE_ERROR;
        }
      },
    );
}
