import { createHash } from "node:crypto";
import type { z } from "zod";
import type { Advisory } from "../advisories/types.js";
import { toFinding } from "../findings/finding.js";
import { toCycloneDx } from "../formats/cyclonedx.js";
import { readSbomDocument } from "../formats/sbom-input.js";
import { matchInventory } from "../matching/match.js";
import { aggregateInDatabase } from "../service/aggregations.js";
import type { FilterCriteria } from "../service/criteria.js";
import { type MapFilter, mapMatches, type StringFilter, stringMatches } from "../service/criteria.js";
import { notFound, validation } from "../service/errors.js";
import type { Destination } from "../service/exports.js";
import { decodeToken, encodeToken, RESOURCE_TYPES, type ResourceType } from "../service/service.js";
import type { RequestContext } from "./app.js";
import { SubmitInventoryRequest } from "./inventory-shape.js";
import * as S from "./shapes.js";
import { wireFinding } from "./wire.js";

export interface Operation {
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  input?: z.ZodType;
  writes: boolean;
  /** Only an enrolled agent's host key may call it. */
  agent?: boolean;
  /** Needs no signature (the body carries its own proof, like an activation code). */
  unauthenticated?: boolean;
  /** A write a read-only caller may still make: it changes only that caller's own settings (saved views). */
  viewerAllowed?: boolean;
  handler(ctx: RequestContext): Promise<unknown>;
}

const STATUS_KEYS = ["ec2", "ecr", "lambda", "lambdaCode", "codeRepository"] as const;

/**
 * The accounts of a batch request (Enable, Disable, BatchGetAccountStatus) the caller may act on:
 * its own and, for a delegated administrator, its members'. The others are not an error of the
 * request: the model gives these operations a `failedAccounts` list whose ErrorCode includes
 * ACCESS_DENIED, so each one is reported there (and nothing is done to it). Requests that name a
 * single other account where the model has no such list (ListUsageTotals, GetConfiguration,
 * filters by account id, member operations) throw AccessDeniedException instead.
 */
async function accountsCheck(ctx: RequestContext, ids: string[] | undefined) {
  const wanted = ids?.length ? [...new Set(ids)] : [ctx.principal.accountId];
  const visible = new Set(await ctx.service.organizations.visibleAccounts(ctx.principal.accountId));
  const own = wanted.filter((id) => visible.has(id));
  const failed = wanted
    .filter((id) => !visible.has(id))
    .map((accountId) => ({
      accountId,
      errorCode: "ACCESS_DENIED",
      errorMessage: `account ${ctx.principal.accountId} cannot act on ${accountId}`,
    }));
  return { own, failed };
}

/** The accounts a read covers; a filter naming an account the caller cannot see is AccessDenied. */
function scopeOf(ctx: RequestContext, filters?: readonly { comparison: string; value: string }[]) {
  return ctx.service.organizations.scope(ctx.principal, filters);
}

/** The account filters of a criteria object (fields ANDed: their union bounds the accounts read). */
function accountFilters(criteria: Record<string, unknown> | undefined, ...fields: string[]): StringFilter[] {
  return fields.flatMap((f) => (criteria?.[f] as StringFilter[] | undefined) ?? []);
}

async function enableDisable(ctx: RequestContext, status: "ENABLED" | "DISABLED") {
  const b = ctx.body as { accountIds?: string[]; resourceTypes?: string[] };
  const { own, failed } = await accountsCheck(ctx, b.accountIds);
  const types = b.resourceTypes?.length
    ? b.resourceTypes
    : status === "ENABLED"
      ? ["EC2", "ECR", "LAMBDA"]
      : ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"];
  const accounts = [];
  for (const id of own) {
    const rs = await ctx.service.setScanTypes(ctx.principal, id, types, status);
    const resourceStatus = Object.fromEntries(STATUS_KEYS.map((k) => [k, rs[k] ?? "DISABLED"]));
    const any = STATUS_KEYS.some((k) => rs[k] === "ENABLED");
    accounts.push({ accountId: id, status: any ? "ENABLED" : "DISABLED", resourceStatus });
  }
  return { accounts, failedAccounts: failed };
}

/**
 * Offset pagination for lists built in memory (aggregations, coverage, filters). The token
 * carries the offset and a hash of the request without its paging fields, so a token is only
 * accepted for the query that issued it. `more` is `{ nextToken }` or `{}`, ready to spread.
 */
export function page<T>(ctx: RequestContext, name: string, items: T[], defaultMax: number) {
  const { nextToken: token, maxResults, ...rest } = ctx.body as { nextToken?: string; maxResults?: number };
  const max = maxResults ?? defaultMax;
  const key = `${name}:${createHash("sha256")
    .update(JSON.stringify([ctx.principal.accountId, rest]))
    .digest("base64url")
    .slice(0, 22)}`;
  const start = token ? Number(decodeToken(token, key).v) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw validation("nextToken: invalid", [{ name: "nextToken", message: "invalid token" }]);
  const more =
    start + max < items.length ? { nextToken: encodeToken({ v: start + max, a: "", q: key }) } : {};
  return { slice: items.slice(start, start + max), more };
}

function filterOut(f: {
  arn: string;
  ownerId: string;
  name: string;
  action: string;
  criteria: FilterCriteria;
  description?: string;
  reason?: string;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}) {
  return {
    arn: f.arn,
    ownerId: f.ownerId,
    name: f.name,
    action: f.action,
    criteria: criteriaOut(f.criteria),
    createdAt: new Date(f.createdAt),
    updatedAt: new Date(f.updatedAt),
    ...(f.description !== undefined ? { description: f.description } : {}),
    ...(f.reason !== undefined ? { reason: f.reason } : {}),
    tags: f.tags,
  };
}

/** Date filters are kept in ms; the wire wants seconds. */
function criteriaOut(c: FilterCriteria): FilterCriteria {
  const out: FilterCriteria = {};
  for (const [k, v] of Object.entries(c)) {
    out[k] = v?.map((x) => {
      const d = x as { startInclusive?: number; endInclusive?: number };
      if (typeof d === "object" && d && ("startInclusive" in d || "endInclusive" in d)) {
        return {
          ...(d.startInclusive !== undefined ? { startInclusive: new Date(d.startInclusive) } : {}),
          ...(d.endInclusive !== undefined ? { endInclusive: new Date(d.endInclusive) } : {}),
        };
      }
      return x;
    });
  }
  return out;
}

function coverageOf(r: {
  account_id: string;
  resource_id: string;
  resource_type: string;
  tags: string;
  details: string;
  scan_status: string;
  scan_status_reason: string;
  last_scanned_at: number | null;
}) {
  const tags = JSON.parse(r.tags) as Record<string, string>;
  const details = JSON.parse(r.details) as Record<string, Record<string, unknown>>;
  const metadata: Record<string, unknown> = {};
  if (r.resource_type === "AWS_EC2_INSTANCE") {
    const e = details["awsEc2Instance"] ?? {};
    metadata["ec2"] = {
      tags,
      ...(e["imageId"] ? { amiId: e["imageId"] } : {}),
      ...(e["platform"] ? { platform: e["platform"] } : {}),
    };
  } else if (r.resource_type === "AWS_ECR_CONTAINER_IMAGE") {
    const e = details["awsEcrContainerImage"] ?? {};
    metadata["ecrImage"] = { tags: (e["imageTags"] as string[] | undefined) ?? [] };
    if (e["repositoryName"])
      metadata["ecrRepository"] = { name: e["repositoryName"], scanFrequency: "CONTINUOUS_SCAN" };
  } else if (r.resource_type === "AWS_LAMBDA_FUNCTION") {
    const e = details["awsLambdaFunction"] ?? {};
    metadata["lambdaFunction"] = {
      functionTags: tags,
      layers: (e["layers"] as string[] | undefined) ?? [],
      ...(e["functionName"] ? { functionName: e["functionName"] } : {}),
      ...(e["runtime"] ? { runtime: e["runtime"] } : {}),
    };
  }
  return {
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    accountId: r.account_id,
    scanType: "PACKAGE",
    scanStatus: { statusCode: r.scan_status, reason: r.scan_status_reason },
    resourceMetadata: metadata,
    ...(r.last_scanned_at ? { lastScannedAt: new Date(r.last_scanned_at) } : {}),
    scanMode: r.resource_type === "AWS_EC2_INSTANCE" ? "EC2_AGENTLESS" : undefined,
  };
}

type Covered = ReturnType<typeof coverageOf>;

function coverageMatches(c: Covered, criteria: Record<string, unknown[] | undefined>): boolean {
  const md = c.resourceMetadata as Record<string, Record<string, unknown>>;
  const str: Record<string, string[]> = {
    scanStatusCode: [c.scanStatus.statusCode],
    scanStatusReason: [c.scanStatus.reason],
    accountId: [c.accountId],
    resourceId: [c.resourceId],
    resourceType: [c.resourceType],
    scanType: [c.scanType],
    ecrRepositoryName: md["ecrRepository"]?.["name"] ? [String(md["ecrRepository"]["name"])] : [],
    ecrImageTags: (md["ecrImage"]?.["tags"] as string[] | undefined) ?? [],
    lambdaFunctionName: md["lambdaFunction"]?.["functionName"]
      ? [String(md["lambdaFunction"]["functionName"])]
      : [],
    lambdaFunctionRuntime: md["lambdaFunction"]?.["runtime"] ? [String(md["lambdaFunction"]["runtime"])] : [],
    scanMode: c.scanMode ? [c.scanMode] : [],
    cloudProviderAccountId: [c.accountId],
  };
  for (const [field, filters] of Object.entries(criteria)) {
    if (!filters?.length) continue;
    if (field in str) {
      if (!stringMatches(str[field]!, filters as StringFilter[])) return false;
    } else if (field === "ec2InstanceTags" || field === "cloudVmInstanceTags") {
      if (!mapMatches(md["ec2"]?.["tags"] as Record<string, string> | undefined, filters as MapFilter[]))
        return false;
    } else if (field === "lambdaFunctionTags" || field === "cloudServerlessFunctionTags") {
      if (
        !mapMatches(
          md["lambdaFunction"]?.["functionTags"] as Record<string, string> | undefined,
          filters as MapFilter[],
        )
      )
        return false;
    } else if (field === "lastScannedAt") {
      const t = c.lastScannedAt?.getTime();
      const ok = (filters as { startInclusive?: number; endInclusive?: number }[]).some(
        (d) =>
          t !== undefined &&
          (d.startInclusive === undefined || t >= d.startInclusive) &&
          (d.endInclusive === undefined || t <= d.endInclusive),
      );
      if (!ok) return false;
    } else {
      // Fields of resource kinds Vigil does not hold (code repositories, other clouds' metadata) match nothing.
      return false;
    }
  }
  return true;
}

async function coverage(ctx: RequestContext, criteria: Record<string, unknown[] | undefined> = {}) {
  const named = accountFilters(criteria, "accountId", "cloudProviderAccountId");
  const rows = await ctx.service.resources(await scopeOf(ctx, named));
  return rows.map(coverageOf).filter((c) => coverageMatches(c, criteria));
}

function vulnerabilityOf(ctx: RequestContext, id: string) {
  const store = ctx.service.advisories;
  const ids = [...new Set([...(store.advisory(id) ? [id] : []), ...store.advisoriesWithAlias(id)])];
  const advisories = ids.map((a) => store.advisory(a)).filter((a): a is Advisory => !!a);
  const cvss = store.cvss(id);
  if (advisories.length === 0 && !cvss) return undefined;
  const kev = store.kev(id);
  const epss = store.epss(id);
  const primary = advisories[0];
  const refs = new Set<string>();
  for (const a of advisories) for (const r of a.references) refs.add(r.url);
  const v3 = cvss?.metrics.find((m) => m.version.startsWith("3"));
  const v2 = cvss?.metrics.find((m) => m.version.startsWith("2"));
  return {
    id,
    source: "NVD",
    description: cvss?.description ?? primary?.details ?? primary?.summary,
    relatedVulnerabilities: [...new Set(advisories.flatMap((a) => [a.id, ...a.aliases]))].filter(
      (x) => x !== id,
    ),
    referenceUrls: [...refs].slice(0, 50),
    ...(cvss?.published
      ? { vendorCreatedAt: new Date(cvss.published) }
      : primary?.published
        ? { vendorCreatedAt: new Date(primary.published) }
        : {}),
    ...(cvss?.lastModified ? { vendorUpdatedAt: new Date(cvss.lastModified) } : {}),
    ...(id.startsWith("CVE-") ? { sourceUrl: `https://nvd.nist.gov/vuln/detail/${id}` } : {}),
    ...(primary?.cwes?.length ? { cwes: primary.cwes } : {}),
    ...(v3 ? { cvss3: { baseScore: v3.baseScore, scoringVector: v3.vector } } : {}),
    ...(v2 ? { cvss2: { baseScore: v2.baseScore, scoringVector: v2.vector } } : {}),
    ...(kev
      ? {
          cisaData: {
            dateAdded: new Date(kev.dateAdded),
            ...(kev.dueDate ? { dateDue: new Date(kev.dueDate) } : {}),
            ...(kev.requiredAction ? { action: kev.requiredAction } : {}),
          },
        }
      : {}),
    ...(epss ? { epss: { score: epss.score } } : {}),
  };
}

export const operations: Operation[] = [
  {
    name: "Enable",
    method: "POST",
    path: "/enable",
    input: S.EnableRequest,
    writes: true,
    handler: (ctx) => enableDisable(ctx, "ENABLED"),
  },
  {
    name: "Disable",
    method: "POST",
    path: "/disable",
    input: S.DisableRequest,
    writes: true,
    handler: (ctx) => enableDisable(ctx, "DISABLED"),
  },
  {
    name: "BatchGetAccountStatus",
    method: "POST",
    path: "/status/batch/get",
    input: S.BatchGetAccountStatusRequest,
    writes: false,
    async handler(ctx) {
      const { own, failed } = await accountsCheck(ctx, (ctx.body as { accountIds?: string[] }).accountIds);
      const accounts = [];
      for (const id of own) {
        const rs = (await ctx.service.resourceStatus(id)) ?? {};
        const state = (s: string | undefined) => ({ status: s ?? "DISABLED" });
        const any = STATUS_KEYS.some((k) => rs[k] === "ENABLED");
        accounts.push({
          accountId: id,
          state: state(any ? "ENABLED" : "DISABLED"),
          resourceState: Object.fromEntries(STATUS_KEYS.map((k) => [k, state(rs[k])])),
        });
      }
      return { accounts, failedAccounts: failed };
    },
  },
  {
    name: "GetConfiguration",
    method: "POST",
    path: "/configuration/get",
    input: S.GetConfigurationRequest,
    writes: false,
    async handler(ctx) {
      const accountId = (ctx.body as { accountId?: string }).accountId ?? ctx.principal.accountId;
      await ctx.service.organizations.assertVisible(ctx.principal, accountId);
      const c = (await ctx.service.getConfiguration(accountId)) as {
        ecrConfiguration?: {
          rescanDuration?: string;
          pullDateRescanDuration?: string;
          pullDateRescanMode?: string;
        };
        ec2Configuration?: { scanMode?: string };
        updatedAt?: number;
      };
      return {
        ecrConfiguration: {
          rescanDurationState: {
            rescanDuration: c.ecrConfiguration?.rescanDuration ?? "LIFETIME",
            status: "SUCCESS",
            ...(c.updatedAt ? { updatedAt: new Date(c.updatedAt) } : {}),
            pullDateRescanDuration: c.ecrConfiguration?.pullDateRescanDuration ?? "DAYS_90",
            ...(c.ecrConfiguration?.pullDateRescanMode
              ? { pullDateRescanMode: c.ecrConfiguration.pullDateRescanMode }
              : {}),
          },
        },
        ec2Configuration: {
          scanModeState: {
            scanMode: c.ec2Configuration?.scanMode ?? "EC2_HYBRID",
            scanModeStatus: "SUCCESS",
          },
        },
      };
    },
  },
  {
    name: "UpdateConfiguration",
    method: "POST",
    path: "/configuration/update",
    input: S.UpdateConfigurationRequest,
    writes: true,
    async handler(ctx) {
      const { accountId = ctx.principal.accountId, ...rest } = ctx.body as { accountId?: string };
      // A delegated administrator configures its members; nobody else another account.
      await ctx.service.organizations.assertVisible(ctx.principal, accountId);
      if (!("ecrConfiguration" in rest) && !("ec2Configuration" in rest)) {
        throw validation("ecrConfiguration or ec2Configuration is required", [
          { name: "ecrConfiguration", message: "missing" },
        ]);
      }
      await ctx.service.updateConfiguration(ctx.principal, rest, accountId);
      return {};
    },
  },
  {
    name: "ListFindings",
    method: "POST",
    path: "/findings/list",
    input: S.ListFindingsRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as {
        filterCriteria?: FilterCriteria;
        sortCriteria?: { field: string; sortOrder?: "ASC" | "DESC" };
        maxResults?: number;
        nextToken?: string;
      };
      const scope = await scopeOf(
        ctx,
        accountFilters(b.filterCriteria, "awsAccountId", "cloudProviderAccountId"),
      );
      const r = await ctx.service.listFindings(scope, {
        criteria: b.filterCriteria,
        sort: b.sortCriteria
          ? { field: b.sortCriteria.field, sortOrder: b.sortCriteria.sortOrder ?? "DESC" }
          : undefined,
        maxResults: b.maxResults,
        nextToken: b.nextToken || undefined,
      });
      return { findings: r.findings.map(wireFinding), ...(r.nextToken ? { nextToken: r.nextToken } : {}) };
    },
  },
  {
    name: "BatchGetFindingDetails",
    method: "POST",
    path: "/findings/details/batch/get",
    input: S.BatchGetFindingDetailsRequest,
    writes: false,
    async handler(ctx) {
      const arns = (ctx.body as { findingArns: string[] }).findingArns;
      const visible = await ctx.service.organizations.visibleAccounts(ctx.principal.accountId);
      const found = await ctx.service.getFindings(visible.length === 1 ? visible[0]! : visible, arns);
      const findingDetails = [];
      const errors = [];
      for (const arn of arns) {
        const f = found.get(arn);
        if (!f) {
          errors.push({
            findingArn: arn,
            // Another account's finding (one the caller cannot see) is ACCESS_DENIED in `errors`.
            ...(visible.includes(arn.split(":")[4] ?? "")
              ? {
                  errorCode: "FINDING_DETAILS_NOT_FOUND",
                  errorMessage: `finding ${arn} not found`,
                }
              : {
                  errorCode: "ACCESS_DENIED",
                  errorMessage: `account ${ctx.principal.accountId} cannot access finding ${arn}`,
                }),
          });
          continue;
        }
        if (!f.packageVulnerabilityDetails) {
          errors.push({
            findingArn: arn,
            errorCode: "FINDING_DETAILS_NOT_FOUND",
            errorMessage: `finding ${arn} is a ${f.type} finding; details describe vulnerabilities`,
          });
          continue;
        }
        const id = f.packageVulnerabilityDetails.vulnerabilityId;
        const kev = ctx.service.advisories.kev(id);
        const advisory = ctx.service.advisories.advisory(
          f.packageVulnerabilityDetails.relatedVulnerabilities[0] ?? id,
        );
        findingDetails.push({
          findingArn: arn,
          ...(kev
            ? {
                cisaData: {
                  dateAdded: new Date(kev.dateAdded),
                  ...(kev.dueDate ? { dateDue: new Date(kev.dueDate) } : {}),
                  ...(kev.requiredAction ? { action: kev.requiredAction } : {}),
                },
                exploitObserved: { firstSeen: new Date(kev.dateAdded) },
              }
            : {}),
          ...(f.inspectorScore !== undefined ? { riskScore: Math.round(f.inspectorScore * 10) } : {}),
          referenceUrls: f.packageVulnerabilityDetails.referenceUrls,
          cwes: advisory?.cwes ?? [],
          ...(f.epss ? { epssScore: f.epss.score } : {}),
          tools: [],
          ttps: [],
          evidences: [],
        });
      }
      return { findingDetails, errors };
    },
  },
  {
    name: "ListFindingAggregations",
    method: "POST",
    path: "/findings/aggregation/list",
    input: S.ListFindingAggregationsRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as {
        aggregationType: string;
        aggregationRequest?: Record<string, unknown>;
        accountIds?: StringFilter[];
        maxResults?: number;
        nextToken?: string;
      };
      // Aggregations count active findings, as Inspector's do.
      const criteria: FilterCriteria = { findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }] };
      if (b.accountIds?.length) criteria["awsAccountId"] = b.accountIds;
      const scope = await scopeOf(ctx, accountFilters(criteria, "awsAccountId"));
      const agg = await aggregateInDatabase(
        ctx.service.db,
        scope,
        criteria,
        b.aggregationType,
        b.aggregationRequest,
      );
      const { slice, more } = page(ctx, "agg", agg.groups, 50);
      return { aggregationType: b.aggregationType, responses: await agg.responses(slice), ...more };
    },
  },
  {
    name: "ListCoverage",
    method: "POST",
    path: "/coverage/list",
    input: S.ListCoverageRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as {
        filterCriteria?: Record<string, unknown[]>;
        maxResults?: number;
        nextToken?: string;
      };
      const all = await coverage(ctx, b.filterCriteria);
      const { slice, more } = page(ctx, "cov", all, 100);
      return { coveredResources: slice, ...more };
    },
  },
  {
    name: "ListUsageTotals",
    method: "POST",
    path: "/usage/list",
    input: S.ListUsageTotalsRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as { accountIds?: string[]; maxResults?: number; nextToken?: string };
      // No failed list in this operation's model: an account the caller cannot see is refused.
      const own = b.accountIds?.length
        ? [...new Set(b.accountIds)]
        : await ctx.service.organizations.visibleAccounts(ctx.principal.accountId);
      for (const id of own) await ctx.service.organizations.assertVisible(ctx.principal, id);
      const totals = [];
      for (const id of own) totals.push({ accountId: id, usage: await ctx.service.usageTotals(id) });
      const { slice, more } = page(ctx, "ListUsageTotals", totals, 100);
      return { totals: slice, ...more };
    },
  },
  {
    name: "ListCoverageStatistics",
    method: "POST",
    path: "/coverage/statistics/list",
    input: S.ListCoverageStatisticsRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as {
        filterCriteria?: Record<string, unknown[]>;
        groupBy?: string;
        nextToken?: string;
      };
      const all = await coverage(ctx, b.filterCriteria);
      if (!b.groupBy) return { totalCounts: all.length, countsByGroup: [] };
      const keyOf: Record<string, (c: Covered) => string> = {
        SCAN_STATUS_CODE: (c) => c.scanStatus.statusCode,
        SCAN_STATUS_REASON: (c) => c.scanStatus.reason,
        ACCOUNT_ID: (c) => c.accountId,
        RESOURCE_TYPE: (c) => c.resourceType,
        ECR_REPOSITORY_NAME: (c) =>
          String(
            (c.resourceMetadata as Record<string, Record<string, unknown>>)["ecrRepository"]?.["name"] ?? "",
          ),
        PROVIDER: () => "SELF_HOSTED",
        PROVIDER_ACCOUNT_ID: (c) => c.accountId,
        PROVIDER_REGION: () => ctx.service.options.region,
        PROVIDER_ORG_ID: () => "",
      };
      const get = keyOf[b.groupBy]!;
      const counts = new Map<string, number>();
      for (const c of all) {
        const k = get(c);
        if (k === "") continue;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      const groups = [...counts]
        .sort((a, b2) => b2[1] - a[1] || a[0].localeCompare(b2[0]))
        .map(([groupKey, count]) => ({ groupKey, count }));
      const { slice, more } = page(ctx, "covstat", groups, 100);
      return { countsByGroup: slice, totalCounts: all.length, ...more };
    },
  },
  {
    name: "CreateFilter",
    method: "POST",
    path: "/filters/create",
    input: S.CreateFilterRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as {
        action: "NONE" | "SUPPRESS";
        name: string;
        filterCriteria: FilterCriteria;
        description?: string;
        reason?: string;
        tags?: Record<string, string>;
      };
      const arn = await ctx.service.createFilter(ctx.principal, {
        name: b.name,
        action: b.action,
        criteria: b.filterCriteria,
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
        ...(b.tags ? { tags: b.tags } : {}),
      });
      return { arn };
    },
  },
  {
    name: "UpdateFilter",
    method: "POST",
    path: "/filters/update",
    input: S.UpdateFilterRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as {
        filterArn: string;
        action?: "NONE" | "SUPPRESS";
        name?: string;
        filterCriteria?: FilterCriteria;
        description?: string;
        reason?: string;
      };
      const arn = await ctx.service.updateFilter(ctx.principal, b.filterArn, {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.action !== undefined ? { action: b.action } : {}),
        ...(b.filterCriteria !== undefined ? { criteria: b.filterCriteria } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
      });
      return { arn };
    },
  },
  {
    name: "DeleteFilter",
    method: "POST",
    path: "/filters/delete",
    input: S.DeleteFilterRequest,
    writes: true,
    async handler(ctx) {
      return { arn: await ctx.service.deleteFilter(ctx.principal, (ctx.body as { arn: string }).arn) };
    },
  },
  {
    name: "ListFilters",
    method: "POST",
    path: "/filters/list",
    input: S.ListFiltersRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as { arns?: string[]; action?: string; maxResults?: number; nextToken?: string };
      const all = await ctx.service.listFilters(ctx.principal.accountId, {
        ...(b.arns ? { arns: b.arns } : {}),
        ...(b.action ? { action: b.action } : {}),
      });
      const { slice, more } = page(ctx, "filters", all, 100);
      return { filters: slice.map(filterOut), ...more };
    },
  },
  {
    name: "CreateFindingsReport",
    method: "POST",
    path: "/reporting/create",
    input: S.CreateFindingsReportRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as {
        reportFormat: "CSV" | "JSON";
        s3Destination: Destination;
        filterCriteria?: FilterCriteria;
      };
      return {
        reportId: await ctx.exports.createFindingsReport(
          ctx.principal,
          b.reportFormat,
          b.s3Destination,
          b.filterCriteria,
        ),
      };
    },
  },
  {
    name: "GetFindingsReportStatus",
    method: "POST",
    path: "/reporting/status/get",
    input: S.GetFindingsReportStatusRequest,
    writes: false,
    async handler(ctx) {
      const row = await ctx.exports.status(
        ctx.principal.accountId,
        (ctx.body as { reportId?: string }).reportId,
        "findings",
      );
      if (!row) return {};
      return {
        reportId: row.report_id,
        status: row.status,
        ...(row.error_code ? { errorCode: row.error_code, errorMessage: row.error_message } : {}),
        destination: JSON.parse(row.destination) as Destination,
        filterCriteria: criteriaOut(JSON.parse(row.criteria) as FilterCriteria),
      };
    },
  },
  {
    name: "CancelFindingsReport",
    method: "POST",
    path: "/reporting/cancel",
    input: S.CancelFindingsReportRequest,
    writes: true,
    async handler(ctx) {
      const reportId = (ctx.body as { reportId: string }).reportId;
      await ctx.exports.cancel(ctx.principal, reportId, "findings");
      return { reportId };
    },
  },
  {
    name: "CreateSbomExport",
    method: "POST",
    path: "/sbomexport/create",
    input: S.CreateSbomExportRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as {
        reportFormat: "CYCLONEDX_1_4" | "SPDX_2_3";
        s3Destination: Destination;
        resourceFilterCriteria?: Record<string, unknown[]>;
      };
      return {
        reportId: await ctx.exports.createSbomExport(
          ctx.principal,
          b.reportFormat,
          b.s3Destination,
          b.resourceFilterCriteria,
        ),
      };
    },
  },
  {
    name: "GetSbomExport",
    method: "POST",
    path: "/sbomexport/get",
    input: S.GetSbomExportRequest,
    writes: false,
    async handler(ctx) {
      const reportId = (ctx.body as { reportId: string }).reportId;
      const row = await ctx.exports.status(ctx.principal.accountId, reportId, "sbom");
      if (!row) throw notFound(`SBOM export ${reportId} not found`);
      return {
        reportId: row.report_id,
        format: row.format,
        status: row.status,
        ...(row.error_code ? { errorCode: row.error_code, errorMessage: row.error_message } : {}),
        s3Destination: JSON.parse(row.destination) as Destination,
        filterCriteria: JSON.parse(row.criteria) as unknown,
      };
    },
  },
  {
    name: "SearchVulnerabilities",
    method: "POST",
    path: "/vulnerabilities/search",
    input: S.SearchVulnerabilitiesRequest,
    writes: false,
    async handler(ctx) {
      const ids = (ctx.body as { filterCriteria: { vulnerabilityIds: string[] } }).filterCriteria
        .vulnerabilityIds;
      const vulnerabilities = ids.map((id) => vulnerabilityOf(ctx, id)).filter((v) => v !== undefined);
      return { vulnerabilities };
    },
  },
  {
    name: "TagResource",
    method: "POST",
    path: "/tags/:resourceArn",
    input: S.TagResourceRequest,
    writes: true,
    async handler(ctx) {
      await ctx.service.setTags(ctx.principal, ctx.params["resourceArn"]!, {
        add: (ctx.body as { tags: Record<string, string> }).tags,
      });
      return {};
    },
  },
  {
    name: "UntagResource",
    method: "DELETE",
    path: "/tags/:resourceArn",
    writes: true,
    async handler(ctx) {
      const raw = ctx.query["tagKeys"];
      const keys = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      if (keys.length === 0)
        throw validation("tagKeys: at least one tag key is required", [
          { name: "tagKeys", message: "missing" },
        ]);
      await ctx.service.setTags(ctx.principal, ctx.params["resourceArn"]!, { remove: keys });
      return {};
    },
  },
  {
    name: "ListTagsForResource",
    method: "GET",
    path: "/tags/:resourceArn",
    writes: false,
    async handler(ctx) {
      return { tags: await ctx.service.listTags(ctx.principal.accountId, ctx.params["resourceArn"]!) };
    },
  },
  {
    // The inspector-scan service's one operation: findings for an SBOM, nothing stored.
    name: "ScanSbom",
    method: "POST",
    path: "/scan/sbom",
    input: S.ScanSbomRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as { sbom: unknown; outputFormat?: "CYCLONE_DX_1_5" | "INSPECTOR" };
      let inventory: ReturnType<typeof readSbomDocument>;
      try {
        inventory = readSbomDocument(b.sbom, "sbom");
      } catch (e) {
        throw validation(`sbom: ${(e as Error).message}`, [{ name: "sbom", message: (e as Error).message }]);
      }
      const { matches } = matchInventory(inventory.packages, ctx.service.advisories);
      const resource = {
        type: "AWS_EC2_INSTANCE" as const,
        id: "sbom",
        partition: "vigil",
        region: ctx.service.options.region,
      };
      const now = new Date(ctx.service.now()).toISOString();
      const findings = matches.map((m) =>
        toFinding(m, ctx.service.advisories, {
          accountId: ctx.principal.accountId,
          region: resource.region,
          resource,
          now,
        }),
      );
      if (b.outputFormat === "INSPECTOR") {
        return { sbom: { findings: findings.map(wireFinding), packages: inventory.packages.length } };
      }
      const doc = toCycloneDx({
        target: "sbom",
        resource,
        inventory,
        findings,
        matchStats: { packages: inventory.packages.length, unmatchable: 0, evaluated: 0 },
        timings: { inventoryMs: 0, matchMs: 0 },
      });
      return { sbom: doc };
    },
  },
  {
    // Vigil's native endpoint: a resource's inventory (from `vigil scan --submit` or an agent).
    name: "SubmitInventory",
    method: "POST",
    path: "/v1/resources/:resourceId/inventory",
    input: SubmitInventoryRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as {
        resourceType: ResourceType;
        region?: string;
        tags?: Record<string, string>;
        details?: Record<string, unknown>;
        inventory: { os?: never; packages: never[] };
      };
      if (!RESOURCE_TYPES.includes(b.resourceType))
        throw validation(`resourceType: unknown ${b.resourceType}`);
      const r = await ctx.service.submitInventory(
        ctx.principal,
        {
          id: ctx.params["resourceId"]!,
          type: b.resourceType,
          region: b.region,
          tags: b.tags,
          details: b.details,
        },
        b.inventory,
      );
      return r;
    },
  },
];
