import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import * as shapes from "../../src/server/shapes.js";
import {
  AggregationRequest,
  CoverageFilterCriteria,
  CreateFilterRequest,
  DateFilter,
  describeZodIssue,
  FILTER_CRITERIA_FIELDS,
  FilterCriteria,
  GetConfigurationRequest,
  ListCoverageRequest,
  ListFindingAggregationsRequest,
  ListFindingsRequest,
  StringFilter,
} from "../../src/server/shapes.js";

// ---- the SDK's model, read from its type declarations ----

const MODELS = new URL("../../node_modules/@aws-sdk/client-inspector2/dist-types/models/", import.meta.url);
const stripComments = (s: string) => s.replace(/\/\*\*[\s\S]*?\*\//g, "");
const modelText = stripComments(
  ["models_0.d.ts", "models_1.d.ts"].map((f) => readFileSync(new URL(f, MODELS), "utf8")).join("\n"),
);
const enumText = stripComments(readFileSync(new URL("enums.d.ts", MODELS), "utf8"));

interface SdkMember {
  name: string;
  required: boolean;
  type: string;
}
const sdkInterfaces = new Map<string, SdkMember[]>();
for (const m of modelText.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
  const members = [...m[2]!.matchAll(/^ {4}(\w+)(\??): (.+?)(?: \| undefined)?;$/gm)].map((x) => ({
    name: x[1]!,
    required: x[2] !== "?",
    type: x[3]!,
  }));
  sdkInterfaces.set(m[1]!, members);
}
const sdkEnums = new Map<string, string[]>();
for (const m of enumText.matchAll(/export declare const (\w+): \{([\s\S]*?)\};/g)) {
  sdkEnums.set(
    m[1]!,
    [...m[2]!.matchAll(/: "([^"]*)";/g)].map((x) => x[1]!),
  );
}
/** The members of the AggregationRequest union (its namespace's member interfaces). */
const sdkAggregationMembers = (() => {
  const ns = modelText.match(/export declare namespace AggregationRequest \{([\s\S]*?)\n\}/);
  assert.ok(ns, "AggregationRequest namespace in the SDK");
  return [...ns[1]!.matchAll(/^ {8}(\w+): (\w+);$/gm)].map((x) => ({ name: x[1]!, type: x[2]! }));
})();

const sorted = (xs: Iterable<string>) => [...xs].sort();

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

/**
 * Checks `schema` against the SDK's `sdkName` interface, recursively: the same member names, the
 * same required members, the same enum values, and the same for nested structures.
 */
function checkAgainstSdk(schema: z.ZodType, sdkName: string, at: string, skip: readonly string[] = []): void {
  if (sdkName === "AggregationRequest") {
    assert.ok(schema instanceof z.ZodObject, `${at}: an object`);
    assert.deepEqual(
      sorted(Object.keys(schema.shape)),
      sorted(sdkAggregationMembers.map((m) => m.name)),
      `${at}: union members`,
    );
    for (const m of sdkAggregationMembers)
      checkAgainstSdk(unwrap(schema.shape[m.name]), m.type, `${at}.${m.name}`);
    return;
  }
  const members = sdkInterfaces.get(sdkName)?.filter((m) => !skip.includes(m.name));
  assert.ok(members, `${at}: SDK interface ${sdkName}`);
  assert.ok(schema instanceof z.ZodObject, `${at}: an object`);
  const shape = schema.shape as Record<string, z.ZodType>;
  assert.deepEqual(sorted(Object.keys(shape)), sorted(members.map((m) => m.name)), `${at}: member names`);
  for (const m of members) {
    const field = shape[m.name]!;
    assert.equal(
      !field.safeParse(undefined).success,
      m.required,
      `${at}.${m.name}: required is ${m.required}`,
    );
    let inner = unwrap(field);
    const base = m.type.replace(/\[\]$/, "");
    if (base !== m.type) {
      assert.ok(inner instanceof z.ZodArray, `${at}.${m.name}: a list`);
      inner = inner.element as z.ZodType;
    }
    const values = sdkEnums.get(base);
    if (values) {
      assert.ok(inner instanceof z.ZodEnum, `${at}.${m.name}: an enum`);
      assert.deepEqual(sorted(inner.options as string[]), sorted(values), `${at}.${m.name}: ${base} values`);
    } else if (sdkInterfaces.has(base) || base === "AggregationRequest") {
      checkAgainstSdk(inner, base, `${at}.${m.name}`);
    }
  }
}

// ---- fixtures ----

const sf = (value: string, comparison = "EQUALS") => ({ comparison, value });
const dest = {
  bucketName: "bucket",
  keyPrefix: "reports/",
  kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k",
};
const reportId = "0b5c2d1e-8f3a-4c6b-9d7e-1a2b3c4d5e6f";

/** Parses or fails the test with the readable description. */
function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) assert.fail(describeZodIssue(r.error).message);
  return r.data;
}

function rejection(schema: z.ZodType, body: unknown) {
  const r = schema.safeParse(body);
  assert.equal(r.success, false, "expected the body to be rejected");
  return describeZodIssue((r as { error: z.ZodError }).error);
}

const fullCriteria = {
  findingArn: [sf("arn:aws:inspector2:us-east-1:111122223333:finding/0123", "PREFIX")],
  awsAccountId: [sf("111122223333")],
  severity: [sf("CRITICAL"), sf("HIGH"), sf("INFORMATIONAL", "NOT_EQUALS")],
  firstObservedAt: [{ startInclusive: 1700000000, endInclusive: 1700003600.5 }],
  inspectorScore: [{ lowerInclusive: 7.5, upperInclusive: 10 }],
  resourceTags: [
    { comparison: "EQUALS", key: "team", value: "" },
    { comparison: "EQUALS", key: "env" },
  ],
  portRange: [{ beginInclusive: 0, endInclusive: 65535 }],
  vulnerablePackages: [
    { name: sf("openssl"), epoch: { lowerInclusive: 0 }, filePath: sf("/usr/lib", "PREFIX") },
  ],
  epssScore: [{ lowerInclusive: 0.5 }],
  cloudImagePushedAt: [{ endInclusive: 1700000000 }],
  cloudServerlessFunctionExecutionRole: [sf("role")],
};

/** A valid body for every operation. */
const VALID: [string, z.ZodType, unknown][] = [
  [
    "Enable",
    shapes.EnableRequest,
    { accountIds: ["111122223333"], resourceTypes: ["EC2", "ECR"], clientToken: "t" },
  ],
  ["Disable", shapes.DisableRequest, { resourceTypes: [] }],
  ["Disable (empty)", shapes.DisableRequest, {}],
  [
    "BatchGetAccountStatus",
    shapes.BatchGetAccountStatusRequest,
    { accountIds: ["111122223333", "444455556666"] },
  ],
  ["GetConfiguration", shapes.GetConfigurationRequest, {}],
  ["GetConfiguration (account)", shapes.GetConfigurationRequest, { accountId: "111122223333" }],
  [
    "UpdateConfiguration",
    shapes.UpdateConfigurationRequest,
    {
      ecrConfiguration: {
        rescanDuration: "DAYS_30",
        pullDateRescanDuration: "DAYS_7",
        pullDateRescanMode: "LAST_IN_USE_AT",
      },
      ec2Configuration: { scanMode: "EC2_HYBRID", activateVMScanner: true },
      updateConfigurationInheritance: { ec2Configuration: "INHERIT_FROM_ADMIN" },
    },
  ],
  [
    "ListFindings",
    shapes.ListFindingsRequest,
    {
      maxResults: 100,
      nextToken: "abc",
      filterCriteria: fullCriteria,
      sortCriteria: { field: "EPSS_SCORE", sortOrder: "DESC" },
    },
  ],
  [
    "BatchGetFindingDetails",
    shapes.BatchGetFindingDetailsRequest,
    { findingArns: ["arn:aws:inspector2:us-east-1:111122223333:finding/0123456789abcdef0123456789abcdef"] },
  ],
  [
    "ListFindingAggregations",
    shapes.ListFindingAggregationsRequest,
    {
      aggregationType: "AWS_ECR_CONTAINER",
      maxResults: 50,
      accountIds: [sf("111122223333")],
      aggregationRequest: {
        awsEcrContainerAggregation: {
          repositories: [sf("app", "PREFIX")],
          lastInUseAt: [{ startInclusive: 1700000000 }],
          inUseCount: [{ lowerInclusive: 1 }],
          sortBy: "CRITICAL",
          sortOrder: "ASC",
        },
      },
    },
  ],
  ["ListFindingAggregations (bare)", shapes.ListFindingAggregationsRequest, { aggregationType: "TITLE" }],
  [
    "ListCoverage",
    shapes.ListCoverageRequest,
    {
      maxResults: 200,
      filterCriteria: {
        scanStatusCode: [sf("ACTIVE")],
        ec2InstanceTags: [{ comparison: "EQUALS", key: "k", value: "v" }],
        lastScannedAt: [{ startInclusive: 1700000000 }],
        ecrImageInUseCount: [{ upperInclusive: 3 }],
        cloudProviderOrgId: [sf("o-1", "NOT_EQUALS")],
      },
    },
  ],
  [
    "ListCoverageStatistics",
    shapes.ListCoverageStatisticsRequest,
    { groupBy: "PROVIDER_REGION", nextToken: "" },
  ],
  [
    "CreateFilter",
    shapes.CreateFilterRequest,
    {
      action: "SUPPRESS",
      name: "quiet",
      description: "d",
      reason: "r",
      filterCriteria: { severity: [sf("LOW")] },
      tags: { team: "sec", empty: "" },
    },
  ],
  [
    "CreateFilter (empty criteria)",
    shapes.CreateFilterRequest,
    { action: "NONE", name: "n", filterCriteria: {} },
  ],
  [
    "UpdateFilter",
    shapes.UpdateFilterRequest,
    { filterArn: "arn:aws:inspector2:us-east-1:111122223333:owner/111122223333/filter/abc", action: "NONE" },
  ],
  [
    "DeleteFilter",
    shapes.DeleteFilterRequest,
    { arn: "arn:aws:inspector2:us-east-1:111122223333:owner/1/filter/a" },
  ],
  ["ListFilters", shapes.ListFiltersRequest, { arns: ["a"], action: "SUPPRESS", maxResults: 1 }],
  [
    "CreateFindingsReport",
    shapes.CreateFindingsReportRequest,
    { reportFormat: "JSON", s3Destination: dest, filterCriteria: { findingStatus: [sf("ACTIVE")] } },
  ],
  ["GetFindingsReportStatus", shapes.GetFindingsReportStatusRequest, { reportId }],
  ["GetFindingsReportStatus (empty)", shapes.GetFindingsReportStatusRequest, {}],
  ["CancelFindingsReport", shapes.CancelFindingsReportRequest, { reportId }],
  [
    "CreateSbomExport",
    shapes.CreateSbomExportRequest,
    {
      reportFormat: "SPDX_2_3",
      s3Destination: { bucketName: "b", kmsKeyArn: "k" },
      resourceFilterCriteria: {
        ecrImageTags: [sf("latest")],
        lambdaFunctionTags: [{ comparison: "EQUALS", key: "k" }],
      },
    },
  ],
  ["GetSbomExport", shapes.GetSbomExportRequest, { reportId }],
  [
    "SearchVulnerabilities",
    shapes.SearchVulnerabilitiesRequest,
    { filterCriteria: { vulnerabilityIds: ["CVE-2021-44228"] } },
  ],
  ["TagResource", shapes.TagResourceRequest, { tags: { a: "b" } }],
  [
    "ScanSbom",
    shapes.ScanSbomRequest,
    { sbom: { bomFormat: "CycloneDX", specVersion: "1.5", components: [] }, outputFormat: "CYCLONE_DX_1_5" },
  ],
];

// ---- tests ----

describe("request shapes", () => {
  it("parses a valid body for every operation", () => {
    for (const [name, schema, body] of VALID) {
      const r = schema.safeParse(body);
      assert.ok(r.success, `${name}: ${r.success ? "" : describeZodIssue(r.error).message}`);
    }
  });

  it("matches the SDK's request structures: members, required members, enums, nested structures", () => {
    const requests: [z.ZodType, string, string[]?][] = [
      [shapes.EnableRequest, "EnableRequest"],
      [shapes.DisableRequest, "DisableRequest"],
      [shapes.BatchGetAccountStatusRequest, "BatchGetAccountStatusRequest"],
      [(GetConfigurationRequest as unknown as { out: z.ZodType }).out, "GetConfigurationRequest"],
      [shapes.UpdateConfigurationRequest, "UpdateConfigurationRequest"],
      [shapes.ListFindingsRequest, "ListFindingsRequest"],
      [shapes.BatchGetFindingDetailsRequest, "BatchGetFindingDetailsRequest"],
      [shapes.ListFindingAggregationsRequest, "ListFindingAggregationsRequest"],
      [shapes.ListCoverageRequest, "ListCoverageRequest"],
      [shapes.ListCoverageStatisticsRequest, "ListCoverageStatisticsRequest"],
      [shapes.CreateFilterRequest, "CreateFilterRequest"],
      [shapes.UpdateFilterRequest, "UpdateFilterRequest"],
      [shapes.DeleteFilterRequest, "DeleteFilterRequest"],
      [shapes.ListFiltersRequest, "ListFiltersRequest"],
      [shapes.CreateFindingsReportRequest, "CreateFindingsReportRequest"],
      [shapes.GetFindingsReportStatusRequest, "GetFindingsReportStatusRequest"],
      [shapes.CancelFindingsReportRequest, "CancelFindingsReportRequest"],
      [shapes.CreateSbomExportRequest, "CreateSbomExportRequest"],
      [shapes.GetSbomExportRequest, "GetSbomExportRequest"],
      [shapes.SearchVulnerabilitiesRequest, "SearchVulnerabilitiesRequest"],
      // resourceArn is a path member, not in the body.
      [shapes.TagResourceRequest, "TagResourceRequest", ["resourceArn"]],
    ];
    for (const [schema, name, skip] of requests) checkAgainstSdk(schema, name, name, skip);
  });

  it("FILTER_CRITERIA_FIELDS names exactly the SDK's FilterCriteria members, with their kinds", () => {
    const body = modelText.match(/export interface FilterCriteria \{([\s\S]*?)\n\}/)?.[1];
    assert.ok(body);
    const kinds: Record<string, string> = {
      StringFilter: "string",
      NumberFilter: "number",
      DateFilter: "date",
      MapFilter: "map",
      PortRangeFilter: "port",
      PackageFilter: "package",
    };
    const sdk = Object.fromEntries(
      [...body.matchAll(/^\s+(\w+)\?: (\w+)\[\] \| undefined;$/gm)].map((m) => [m[1]!, kinds[m[2]!]]),
    );
    assert.deepEqual({ ...FILTER_CRITERIA_FIELDS }, sdk);
    assert.deepEqual(sorted(Object.keys(FilterCriteria.shape)), sorted(Object.keys(sdk)));
    const counts: Record<string, number> = {};
    for (const kind of Object.values(FILTER_CRITERIA_FIELDS)) counts[kind] = (counts[kind] ?? 0) + 1;
    assert.deepEqual(counts, { string: 49, date: 9, number: 4, map: 1, port: 1, package: 1 });
  });

  it("rejects an unknown field, nested or not, naming its path", () => {
    const nested = rejection(ListFindingsRequest, { filterCriteria: { colour: [sf("red")] } });
    assert.equal(nested.message, "filterCriteria.colour: unknown field");
    assert.deepEqual(nested.fields, [{ name: "filterCriteria.colour", message: "unknown field" }]);

    const deep = rejection(ListFindingsRequest, {
      filterCriteria: { severity: [sf("HIGH"), { comparison: "EQUALS", value: "LOW", caseSensitive: true }] },
    });
    assert.equal(deep.message, "filterCriteria.severity[1].caseSensitive: unknown field");

    const pkg = rejection(ListFindingsRequest, {
      filterCriteria: { vulnerablePackages: [{ name: sf("x"), vendor: sf("y") }] },
    });
    assert.equal(pkg.message, "filterCriteria.vulnerablePackages[0].vendor: unknown field");

    const top = rejection(ListCoverageRequest, { maxResults: 10, pageSize: 10 });
    assert.equal(top.message, "pageSize: unknown field");

    const agg = rejection(ListFindingAggregationsRequest, {
      aggregationType: "AMI",
      aggregationRequest: { amiAggregation: { amis: [sf("ami-1")], colour: "red" } },
    });
    assert.equal(agg.message, "aggregationRequest.amiAggregation.colour: unknown field");

    const date = rejection(DateFilter, { startInclusive: 1, start: 2 });
    assert.equal(date.message, "start: unknown field");
  });

  it("rejects a comparison outside the enum", () => {
    const r = rejection(ListFindingsRequest, { filterCriteria: { severity: [sf("HIGH", "CONTAINS")] } });
    assert.equal(
      r.message,
      'filterCriteria.severity[0].comparison: Invalid option: expected one of "EQUALS"|"PREFIX"|"NOT_EQUALS"',
    );
    // PREFIX is not a coverage comparison, and map filters only compare EQUALS.
    const cov = rejection(ListCoverageRequest, { filterCriteria: { resourceId: [sf("i-1", "PREFIX")] } });
    assert.equal(cov.fields[0]?.name, "filterCriteria.resourceId[0].comparison");
    const map = rejection(FilterCriteria, { resourceTags: [{ comparison: "NOT_EQUALS", key: "k" }] });
    assert.equal(map.fields[0]?.name, "resourceTags[0].comparison");
  });

  it("rejects wrong types", () => {
    assert.equal(rejection(ListFindingsRequest, { maxResults: "10" }).fields[0]?.name, "maxResults");
    assert.equal(rejection(StringFilter, { comparison: "EQUALS", value: 5 }).fields[0]?.name, "value");
    assert.equal(
      rejection(ListFindingsRequest, { filterCriteria: { severity: sf("HIGH") } }).fields[0]?.name,
      "filterCriteria.severity",
    );
    assert.equal(rejection(ListFindingsRequest, { filterCriteria: [] }).fields[0]?.name, "filterCriteria");
    assert.equal(rejection(ListFindingsRequest, "{}").fields[0]?.name, "");
    // Timestamps are epoch seconds: an ISO string is not one.
    const iso = rejection(DateFilter, { startInclusive: "2024-01-01T00:00:00Z" });
    assert.equal(iso.fields[0]?.name, "startInclusive");
    assert.equal(rejection(DateFilter, { startInclusive: null }).fields[0]?.name, "startInclusive");
    const port = rejection(FilterCriteria, { portRange: [{ beginInclusive: 1.5 }] });
    assert.equal(port.message, "portRange[0].beginInclusive: expected an integer");
  });

  it("names missing required fields", () => {
    assert.equal(
      rejection(StringFilter, { value: "x" }).message,
      'comparison: required field missing (expected one of "EQUALS"|"PREFIX"|"NOT_EQUALS")',
    );
    assert.equal(
      rejection(StringFilter, { comparison: "EQUALS" }).message,
      "value: required field missing (expected string)",
    );
    const filter = rejection(CreateFilterRequest, { action: "NONE", name: "n" });
    assert.equal(filter.message, "filterCriteria: required field missing (expected object)");
    assert.equal(rejection(shapes.EnableRequest, {}).fields[0]?.name, "resourceTypes");
    assert.equal(
      rejection(shapes.SearchVulnerabilitiesRequest, { filterCriteria: {} }).fields[0]?.name,
      "filterCriteria.vulnerabilityIds",
    );
  });

  it("parses DateFilter bounds from epoch seconds to epoch milliseconds", () => {
    assert.deepEqual(parse(DateFilter, { startInclusive: 1700000000, endInclusive: 1700000000.123 }), {
      startInclusive: 1700000000000,
      endInclusive: 1700000000123,
    });
    assert.deepEqual(parse(DateFilter, {}), {});
    const req = parse(ListFindingsRequest, { filterCriteria: { ecrImagePushedAt: [{ endInclusive: 1.5 }] } });
    assert.deepEqual(req.filterCriteria?.ecrImagePushedAt, [{ endInclusive: 1500 }]);
    // The SDK's own serialization of a Date: seconds with milliseconds as the fraction.
    const when = new Date("2024-05-06T07:08:09.123Z");
    const cov = parse(CoverageFilterCriteria, { lastScannedAt: [{ startInclusive: when.getTime() / 1000 }] });
    assert.deepEqual(cov.lastScannedAt, [{ startInclusive: when.getTime() }]);
  });

  it("enforces the model's lengths and ranges", () => {
    const eleven = Array.from({ length: 11 }, (_, i) => sf(`v${i}`));
    assert.equal(rejection(FilterCriteria, { title: eleven }).fields[0]?.name, "title");
    assert.equal(rejection(FilterCriteria, { title: [] }).fields[0]?.name, "title");
    assert.ok(FilterCriteria.safeParse({ title: eleven.slice(0, 10) }).success);
    assert.equal(rejection(StringFilter, sf("")).fields[0]?.name, "value");
    assert.equal(rejection(StringFilter, sf("x".repeat(1025))).fields[0]?.name, "value");
    assert.ok(StringFilter.safeParse(sf("x".repeat(1024))).success);

    assert.ok(ListFindingsRequest.safeParse({ maxResults: 100 }).success);
    assert.equal(rejection(ListFindingsRequest, { maxResults: 101 }).fields[0]?.name, "maxResults");
    assert.equal(rejection(ListFindingsRequest, { maxResults: 0 }).fields[0]?.name, "maxResults");
    assert.ok(ListCoverageRequest.safeParse({ maxResults: 200 }).success);
    assert.equal(rejection(ListCoverageRequest, { maxResults: 201 }).fields[0]?.name, "maxResults");
    assert.equal(rejection(shapes.ListFiltersRequest, { maxResults: 101 }).fields[0]?.name, "maxResults");
    const agg = { aggregationType: "ACCOUNT" };
    assert.equal(
      rejection(ListFindingAggregationsRequest, { ...agg, maxResults: 101 }).fields[0]?.name,
      "maxResults",
    );
    assert.equal(
      rejection(ListFindingsRequest, { nextToken: "x".repeat(1000001) }).fields[0]?.name,
      "nextToken",
    );

    assert.equal(
      rejection(FilterCriteria, { portRange: [{ endInclusive: 65536 }] }).fields[0]?.name,
      "portRange[0].endInclusive",
    );
    assert.equal(
      rejection(FilterCriteria, { resourceTags: [{ comparison: "EQUALS", key: "" }] }).fields[0]?.name,
      "resourceTags[0].key",
    );
    const longValue = { comparison: "EQUALS", key: "k", value: "v".repeat(257) };
    assert.equal(
      rejection(FilterCriteria, { resourceTags: [longValue] }).fields[0]?.name,
      "resourceTags[0].value",
    );

    assert.equal(rejection(shapes.EnableRequest, { resourceTypes: [] }).fields[0]?.name, "resourceTypes");
    assert.equal(
      rejection(shapes.EnableRequest, { resourceTypes: ["EC2"], accountIds: ["1234"] }).fields[0]?.name,
      "accountIds[0]",
    );
    const arns = Array.from({ length: 11 }, (_, i) => `arn:${i}`);
    assert.equal(
      rejection(shapes.BatchGetFindingDetailsRequest, { findingArns: arns }).fields[0]?.name,
      "findingArns",
    );
    const ids = { vulnerabilityIds: ["CVE-2021-1", "CVE-2021-2"] };
    assert.equal(
      rejection(shapes.SearchVulnerabilitiesRequest, { filterCriteria: ids }).fields[0]?.name,
      "filterCriteria.vulnerabilityIds",
    );
    assert.equal(rejection(shapes.GetSbomExportRequest, { reportId: "nope" }).fields[0]?.name, "reportId");

    const tags = rejection(shapes.TagResourceRequest, { tags: { "aws:team": "x".repeat(257) } });
    assert.equal(tags.fields[0]?.name, 'tags["aws:team"]');
    assert.equal(
      rejection(shapes.TagResourceRequest, {
        tags: { ["k".repeat(129)]: "v" },
      }).fields[0]?.message.startsWith("invalid key"),
      true,
    );
  });

  it("accepts exactly one AggregationRequest member, and only the one for the aggregationType", () => {
    assert.match(rejection(AggregationRequest, {}).message, /^exactly one member must be set/);
    assert.match(
      rejection(AggregationRequest, { amiAggregation: {}, titleAggregation: {} }).message,
      /exactly one member/,
    );
    for (const [type, member] of Object.entries(shapes.AGGREGATION_REQUEST_MEMBERS)) {
      assert.ok(
        parse(ListFindingAggregationsRequest, {
          aggregationType: type,
          aggregationRequest: { [member]: {} },
        }),
      );
    }
    const mismatch = rejection(ListFindingAggregationsRequest, {
      aggregationType: "PACKAGE",
      aggregationRequest: { titleAggregation: {} },
    });
    assert.equal(
      mismatch.message,
      "aggregationRequest.titleAggregation: does not match aggregationType PACKAGE (expected packageAggregation)",
    );
    const sortBy = rejection(ListFindingAggregationsRequest, {
      aggregationType: "PACKAGE",
      aggregationRequest: { packageAggregation: { sortBy: "AFFECTED_IMAGES" } },
    });
    assert.equal(sortBy.fields[0]?.name, "aggregationRequest.packageAggregation.sortBy");
    assert.deepEqual(sorted(shapes.AggregationType.options), sorted(sdkEnums.get("AggregationType")!));
    assert.deepEqual(
      sorted(Object.keys(shapes.AGGREGATION_REQUEST_MEMBERS)),
      sorted(shapes.AggregationType.options),
    );
  });

  it("reads a missing GetConfiguration body as {}", () => {
    assert.deepEqual(parse(GetConfigurationRequest, undefined), {});
    assert.deepEqual(parse(GetConfigurationRequest, null), {});
    assert.equal(rejection(GetConfigurationRequest, { accountId: "1" }).fields[0]?.name, "accountId");
    assert.equal(rejection(GetConfigurationRequest, { other: 1 }).message, "other: unknown field");
  });

  it("ScanSbom takes any JSON object as the SBOM", () => {
    assert.deepEqual(parse(shapes.ScanSbomRequest, { sbom: {} }), { sbom: {} });
    assert.equal(rejection(shapes.ScanSbomRequest, { sbom: [] }).fields[0]?.name, "sbom");
    assert.equal(rejection(shapes.ScanSbomRequest, { sbom: "{}" }).fields[0]?.name, "sbom");
    assert.equal(rejection(shapes.ScanSbomRequest, {}).message, "sbom: required field missing");
    assert.equal(
      rejection(shapes.ScanSbomRequest, { sbom: {}, outputFormat: "SPDX" }).fields[0]?.name,
      "outputFormat",
    );
  });

  it("describeZodIssue joins every bad field into the message", () => {
    const r = rejection(ListFindingsRequest, {
      maxResults: 0,
      filterCriteria: { severity: [sf("HIGH", "LIKE")], colour: [] },
      sortCriteria: { field: "SEVERITY" },
    });
    assert.deepEqual(
      r.fields.map((f) => f.name),
      [
        "maxResults",
        "filterCriteria.severity[0].comparison",
        "filterCriteria.colour",
        "sortCriteria.sortOrder",
      ],
    );
    assert.equal(r.message, r.fields.map((f) => `${f.name}: ${f.message}`).join("; "));
  });
});
