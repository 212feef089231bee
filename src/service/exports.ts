import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Selectable } from "kysely";
import type { ReportsTable } from "../db/service/schema.js";
import type { Finding } from "../findings/finding.js";
import { toCycloneDx } from "../formats/cyclonedx.js";
import { toSpdx } from "../formats/spdx.js";
import type { JobQueue } from "../jobs/queue.js";
import type { ScanResult } from "../pipeline/scan.js";
import {
  type FilterCriteria,
  type MapFilter,
  mapMatches,
  type StringFilter,
  stringMatches,
} from "./criteria.js";
import { denied, notFound, ServiceError, validation } from "./errors.js";
import type { Principal, VigilService } from "./service.js";

/**
 * Findings reports and SBOM exports. The S3 destination of the inspector2 API maps to a local
 * directory: `<dataDir>/reports/<bucketName>/<keyPrefix>/…`. Names are checked so nothing is
 * written outside that directory.
 */
export interface Destination {
  bucketName: string;
  keyPrefix?: string | undefined;
  kmsKeyArn: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_PART = /^[A-Za-z0-9!_.*'()-]+$/;

export function destinationDir(reportsRoot: string, d: Destination): string {
  if (!BUCKET.test(d.bucketName) || d.bucketName.includes("..")) {
    throw validation(`s3Destination.bucketName: ${JSON.stringify(d.bucketName)} is not a valid bucket name`, [
      {
        name: "s3Destination.bucketName",
        message: "3–63 characters: lower-case letters, digits, dots and hyphens",
      },
    ]);
  }
  const parts = (d.keyPrefix ?? "").split("/").filter((p) => p !== "");
  for (const p of parts) {
    if (p === "." || p === ".." || !PREFIX_PART.test(p)) {
      throw validation(
        `s3Destination.keyPrefix: ${JSON.stringify(d.keyPrefix)} has an unsafe segment ${JSON.stringify(p)}`,
        [{ name: "s3Destination.keyPrefix", message: "segments of letters, digits and !_.*'()-" }],
      );
    }
  }
  const root = resolve(reportsRoot);
  const dir = resolve(root, d.bucketName, ...parts);
  if (!dir.startsWith(root + sep)) throw validation("s3Destination: resolves outside the reports directory");
  return dir;
}

const CSV_COLUMNS: [string, (f: Finding) => unknown][] = [
  ["AWS Account Id", (f) => f.awsAccountId],
  ["Severity", (f) => f.severity],
  ["Fix Available", (f) => f.fixAvailable],
  ["Finding Type", (f) => f.type],
  ["Title", (f) => f.title],
  ["Description", (f) => f.description],
  ["Finding ARN", (f) => f.findingArn],
  ["First Seen", (f) => f.firstObservedAt],
  ["Last Seen", (f) => f.lastObservedAt],
  ["Last Updated", (f) => f.updatedAt],
  ["Resource ID", (f) => f.resources[0]?.id],
  ["Resource Type", (f) => f.resources[0]?.type],
  ["Region", (f) => f.resources[0]?.region],
  ["Status", (f) => f.status],
  ["Inspector Score", (f) => f.inspectorScore],
  ["Exploit Available", (f) => f.exploitAvailable],
  ["EPSS Score", (f) => f.epss?.score],
  ["Vulnerability Id", (f) => f.packageVulnerabilityDetails?.vulnerabilityId],
  ["Vendor Severity", (f) => f.packageVulnerabilityDetails?.vendorSeverity],
  [
    "Affected Packages",
    (f) => f.packageVulnerabilityDetails?.vulnerablePackages.map((p) => `${p.name} ${p.version}`).join("; "),
  ],
  [
    "Fixed Versions",
    (f) => f.packageVulnerabilityDetails?.vulnerablePackages.map((p) => p.fixedInVersion).join("; "),
  ],
  ["Remediation", (f) => f.remediation.recommendation.text],
];

export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  let s = String(v);
  // A leading = + - @ would be run as a formula by spreadsheets: quote it away (CSV injection).
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== String(v) ? `"${s.replace(/"/g, '""')}"` : s;
}

type ReportRow = Selectable<ReportsTable>;

/** The payload of an "export" job: the report row holds the rest (format, criteria, destination). */
export interface ExportJob {
  reportId: string;
  accountId: string;
  /** The accounts the requester could read when it asked (a delegated admin's members). */
  accounts: string[];
}

/** How often (in findings or resources written) a running export looks for a cancellation. */
const CANCEL_CHECK_EVERY = 500;

/**
 * Findings reports and SBOM exports: the request records the report (IN_PROGRESS) and queues an
 * "export" job; whichever process takes the job writes the file(s) under the reports directory
 * (which servers and workers must share) and records the outcome. A retried job (its worker died)
 * writes the files again; the report is finished once.
 */
export class Exports {
  constructor(
    private readonly service: VigilService,
    private readonly reportsRoot: string,
    private readonly jobs?: JobQueue,
  ) {}

  private queue(): JobQueue {
    if (!this.jobs) throw new ServiceError("BadRequestException", "this server runs without a job queue");
    return this.jobs;
  }

  private async insert(
    p: Principal,
    kind: string,
    format: string,
    criteria: unknown,
    destination: Destination,
  ) {
    const reportId = randomUUID();
    const now = this.service.now();
    await this.service.db
      .insertInto("reports")
      .values({
        report_id: reportId,
        account_id: p.accountId,
        kind,
        format,
        status: "IN_PROGRESS",
        criteria: JSON.stringify(criteria ?? {}),
        destination: JSON.stringify(destination),
        error_code: null,
        error_message: null,
        outputs: "[]",
        created_at: now,
        updated_at: now,
      })
      .execute();
    return reportId;
  }

  private async finish(
    reportId: string,
    status: string,
    outputs: string[],
    error?: { code: string; message: string },
  ) {
    await this.service.db
      .updateTable("reports")
      .set({
        status,
        outputs: JSON.stringify(outputs),
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
        updated_at: this.service.now(),
      })
      .where("report_id", "=", reportId)
      .where("status", "=", "IN_PROGRESS")
      .execute();
  }

  private async stillWanted(reportId: string): Promise<boolean> {
    const row = await this.service.db
      .selectFrom("reports")
      .select("status")
      .where("report_id", "=", reportId)
      .executeTakeFirst();
    return row?.status === "IN_PROGRESS";
  }

  /** Queues the job for a recorded report. */
  private async enqueue(p: Principal, reportId: string, scope: string | string[]): Promise<void> {
    const job: ExportJob = {
      reportId,
      accountId: p.accountId,
      accounts: typeof scope === "string" ? [scope] : scope,
    };
    await this.queue().send("export", job, { singletonKey: reportId });
  }

  /** The "export" job: writes the report's files and records the outcome. */
  async run(job: ExportJob): Promise<unknown> {
    const row = await this.service.db
      .selectFrom("reports")
      .selectAll()
      .where("report_id", "=", job.reportId)
      .executeTakeFirst();
    if (row?.status !== "IN_PROGRESS") return { skipped: `report is ${row?.status ?? "gone"}` };
    const destination = JSON.parse(row.destination) as Destination;
    const criteria = JSON.parse(row.criteria) as FilterCriteria;
    try {
      const outputs =
        row.kind === "sbom"
          ? await this.writeSbom(row.report_id, row.format, destination, criteria, job.accounts)
          : await this.writeFindingsReport(row.report_id, row.format, destination, criteria, job.accounts);
      if (outputs === undefined) return { cancelled: true };
      await this.finish(row.report_id, "SUCCEEDED", outputs);
      return { outputs: outputs.length };
    } catch (e) {
      const err = e as Error & { code?: string };
      await this.finish(row.report_id, "FAILED", [], {
        code: err.code === "NO_FINDINGS_FOUND" ? "NO_FINDINGS_FOUND" : "INTERNAL_ERROR",
        message: err.message,
      });
      return { failed: err.message };
    }
  }

  async createFindingsReport(
    p: Principal,
    format: "CSV" | "JSON",
    destination: Destination,
    criteria: FilterCriteria = {},
  ) {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    destinationDir(this.reportsRoot, destination);
    this.queue();
    // A delegated administrator's report covers its members; a named account must be visible.
    const scope = await this.service.organizations.scope(
      p,
      criteria["awsAccountId"] as StringFilter[] | undefined,
    );
    const reportId = await this.insert(p, "findings", format, criteria, destination);
    await this.service.audit(p, "CreateFindingsReport", reportId, { format, destination, criteria });
    await this.enqueue(p, reportId, scope);
    return reportId;
  }

  /** The findings report's file; undefined when the report was cancelled meanwhile. */
  private async writeFindingsReport(
    reportId: string,
    format: string,
    destination: Destination,
    criteria: FilterCriteria,
    accounts: string[],
  ): Promise<string[] | undefined> {
    const dir = destinationDir(this.reportsRoot, destination);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${reportId}.${format.toLowerCase()}`);
    const tmp = `${file}.partial`;
    const out = createWriteStream(tmp);
    const write = async (s: string) => {
      if (!out.write(s)) await once(out, "drain");
    };
    let n = 0;
    let cancelled = false;
    if (format === "CSV") await write(`${CSV_COLUMNS.map(([h]) => csvCell(h)).join(",")}\n`);
    else await write('{"findings":[');
    for await (const f of this.service.findings(accounts, criteria)) {
      if (n % CANCEL_CHECK_EVERY === 0 && !(await this.stillWanted(reportId))) {
        cancelled = true;
        break;
      }
      if (format === "CSV") await write(`${CSV_COLUMNS.map(([, get]) => csvCell(get(f))).join(",")}\n`);
      else await write(`${n ? "," : ""}\n${JSON.stringify(f)}`);
      n++;
    }
    if (format === "JSON") await write("\n]}\n");
    out.end();
    await once(out, "finish");
    if (cancelled) {
      rmSync(tmp, { force: true });
      return undefined;
    }
    if (n === 0) {
      rmSync(tmp, { force: true });
      throw Object.assign(new Error("no findings match the report's filter criteria"), {
        code: "NO_FINDINGS_FOUND",
      });
    }
    renameSync(tmp, file);
    return [file];
  }

  async createSbomExport(
    p: Principal,
    format: "CYCLONEDX_1_4" | "SPDX_2_3",
    destination: Destination,
    criteria: Record<string, unknown[] | undefined> = {},
  ) {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    destinationDir(this.reportsRoot, destination);
    this.queue();
    const scope = await this.service.organizations.scope(
      p,
      criteria["accountId"] as StringFilter[] | undefined,
    );
    const reportId = await this.insert(p, "sbom", format, criteria, destination);
    await this.service.audit(p, "CreateSbomExport", reportId, { format, destination, criteria });
    await this.enqueue(p, reportId, scope);
    return reportId;
  }

  /** One SBOM file per matching resource; undefined when the export was cancelled meanwhile. */
  private async writeSbom(
    reportId: string,
    format: string,
    destination: Destination,
    criteria: Record<string, unknown[] | undefined>,
    accounts: string[],
  ): Promise<string[] | undefined> {
    const target = join(destinationDir(this.reportsRoot, destination), reportId);
    mkdirSync(target, { recursive: true });
    const outputs: string[] = [];
    let seen = 0;
    for (const r of await this.service.resources(accounts)) {
      if (seen++ % CANCEL_CHECK_EVERY === 0 && !(await this.stillWanted(reportId))) return undefined;
      const tags = JSON.parse(r.tags) as Record<string, string>;
      const details = JSON.parse(r.details) as Record<string, Record<string, unknown>>;
      if (
        !resourceMatches(criteria, {
          accountId: r.account_id,
          id: r.resource_id,
          type: r.resource_type,
          tags,
          details,
        })
      )
        continue;
      const inv = await this.service.inventoryOf(r.account_id, r.resource_id);
      if (!inv) continue;
      const result = {
        target: r.resource_id,
        resource: {
          type: r.resource_type,
          id: r.resource_id,
          partition: "vigil",
          region: r.region,
          details,
        },
        inventory: { ...inv, warnings: [], entries: 0 },
        findings: [],
      } as unknown as ScanResult;
      const doc = format === "SPDX_2_3" ? toSpdx(result) : { ...toCycloneDx(result), specVersion: "1.4" };
      const file = join(target, `${r.resource_id.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 200)}.json`);
      writeFileSync(file, JSON.stringify(doc, null, 2));
      outputs.push(file);
    }
    if (outputs.length === 0)
      throw Object.assign(new Error("no resources match the export's filter criteria"), {
        code: "NO_FINDINGS_FOUND",
      });
    return outputs;
  }

  /**
   * A report of the caller's account (its latest without `reportId`). Another account's report is
   * AccessDeniedException: reports belong to the account that asked for them.
   */
  async status(
    accountId: string,
    reportId: string | undefined,
    kind: "findings" | "sbom",
  ): Promise<ReportRow | undefined> {
    if (reportId) {
      const row = await this.service.db
        .selectFrom("reports")
        .selectAll()
        .where("report_id", "=", reportId)
        .where("kind", "=", kind)
        .executeTakeFirst();
      if (!row) throw notFound(`report ${reportId} not found`);
      if (row.account_id !== accountId)
        throw denied(`account ${accountId} cannot access account ${row.account_id}'s report ${reportId}`);
      return row;
    }
    return this.service.db
      .selectFrom("reports")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("kind", "=", kind)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  async cancel(p: Principal, reportId: string, kind: "findings" | "sbom"): Promise<void> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    const row = await this.status(p.accountId, reportId, kind);
    if (row?.status !== "IN_PROGRESS") {
      throw validation(
        `reportId: report ${reportId} is ${row?.status}; only IN_PROGRESS reports can be cancelled`,
      );
    }
    await this.finish(reportId, "CANCELLED", []);
    await this.service.audit(p, kind === "sbom" ? "CancelSbomExport" : "CancelFindingsReport", reportId);
  }

  /** Resolves once no export job waits or runs (tests, shutdown). */
  async idle(): Promise<void> {
    await this.jobs?.idle(["export"]);
  }
}

/** inspector2 ResourceFilterCriteria (SBOM exports) on a stored resource. */
export function resourceMatches(
  criteria: Record<string, unknown[] | undefined>,
  r: {
    accountId: string;
    id: string;
    type: string;
    tags: Record<string, string>;
    details: Record<string, Record<string, unknown>>;
  },
): boolean {
  const str = (field: string, values: string[]) => {
    const f = criteria[field] as StringFilter[] | undefined;
    return !f?.length || stringMatches(values, f);
  };
  const map = (field: string, tags: Record<string, string>) => {
    const f = criteria[field] as MapFilter[] | undefined;
    return !f?.length || mapMatches(tags, f);
  };
  const ecr = r.details["awsEcrContainerImage"] ?? {};
  const lambda = r.details["awsLambdaFunction"] ?? {};
  return (
    str("accountId", [r.accountId]) &&
    str("resourceId", [r.id]) &&
    str("resourceType", [r.type]) &&
    str("ecrRepositoryName", ecr["repositoryName"] ? [String(ecr["repositoryName"])] : []) &&
    str("ecrImageTags", (ecr["imageTags"] as string[] | undefined) ?? []) &&
    str("lambdaFunctionName", lambda["functionName"] ? [String(lambda["functionName"])] : []) &&
    map("ec2InstanceTags", r.type === "AWS_EC2_INSTANCE" ? r.tags : {}) &&
    map("lambdaFunctionTags", r.type === "AWS_LAMBDA_FUNCTION" ? r.tags : {})
  );
}
