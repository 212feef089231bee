/**
 * The inspector2 API driven by the real AWS SDK (@aws-sdk/client-inspector2) against a real
 * Vigil server on loopback: every operation, filters, pagination to the end, and error cases.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import {
  BatchGetAccountStatusCommand,
  BatchGetFindingDetailsCommand,
  CancelFindingsReportCommand,
  CreateFilterCommand,
  CreateFindingsReportCommand,
  CreateSbomExportCommand,
  DeleteFilterCommand,
  DisableCommand,
  EnableCommand,
  GetConfigurationCommand,
  GetFindingsReportStatusCommand,
  GetSbomExportCommand,
  Inspector2Client,
  ListCoverageCommand,
  ListCoverageStatisticsCommand,
  ListFiltersCommand,
  ListFindingAggregationsCommand,
  ListFindingsCommand,
  ListTagsForResourceCommand,
  paginateListFindings,
  SearchVulnerabilitiesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateConfigurationCommand,
  UpdateFilterCommand,
} from "@aws-sdk/client-inspector2";
import { signedFetch } from "../../src/server/client.js";
import { AGGREGATION_TYPES } from "../../src/service/aggregations.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";

describe("inspector2 API through the AWS SDK", () => {
  let t: TestService;
  let client: Inspector2Client;
  let creds: { accessKeyId: string; secretAccessKey: string };
  let readOnly: Inspector2Client;

  const clientFor = (c: { accessKeyId: string; secretAccessKey: string }) =>
    new Inspector2Client({ endpoint: t.url, region: "us-east-1", credentials: c, maxAttempts: 1 });

  before(async () => {
    t = await startTestService();
    creds = await t.service.createKey(ACCOUNT);
    client = clientFor(creds);
    readOnly = clientFor(await t.service.createKey(ACCOUNT, { readOnly: true }));
    // Twelve hosts and two images: hosts 0–7 hold vulnerable requests; 0–3 vulnerable Flask too.
    for (let i = 0; i < 12; i++) {
      const res = await signedFetch(
        t.url,
        `/v1/resources/${encodeURIComponent(`i-${i.toString(16).padStart(17, "0")}`)}/inventory`,
        {
          resourceType: "AWS_EC2_INSTANCE",
          tags: { team: i % 2 ? "payments" : "search" },
          details: { awsEc2Instance: { platform: "DEBIAN_12", imageId: `ami-${i % 3}` } },
          inventory: {
            packages: [
              pypi("requests", i < 8 ? "2.30.0" : "2.31.0"),
              pypi("flask", i < 4 ? "2.0.0" : "3.0.0"),
            ],
          },
        },
        creds,
      );
      assert.equal(res.status, 200, JSON.stringify(res.json));
    }
    for (const [i, repo] of ["web", "api"].entries()) {
      const res = await signedFetch(
        t.url,
        `/v1/resources/${encodeURIComponent(`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${repo}/sha256:${String(i).repeat(64)}`)}/inventory`,
        {
          resourceType: "AWS_ECR_CONTAINER_IMAGE",
          details: {
            awsEcrContainerImage: {
              repositoryName: repo,
              imageTags: ["latest", "v1"],
              imageHash: `sha256:${String(i).repeat(64)}`,
              registry: ACCOUNT,
              architecture: "amd64",
              pushedAt: "2026-01-02T03:04:05Z",
            },
          },
          inventory: { packages: [pypi("requests", "2.30.0")] },
        },
        creds,
      );
      assert.equal(res.status, 200, JSON.stringify(res.json));
    }
  });
  after(async () => {
    client?.destroy();
    readOnly?.destroy();
    await t?.close();
  });

  it("Enable, Disable and BatchGetAccountStatus", async () => {
    const st = await client.send(new BatchGetAccountStatusCommand({ accountIds: [ACCOUNT, "999999999999"] }));
    assert.equal(st.accounts?.[0]?.accountId, ACCOUNT);
    assert.equal(st.accounts?.[0]?.resourceState?.ec2?.status, "ENABLED");
    assert.equal(st.failedAccounts?.[0]?.errorCode, "ACCESS_DENIED");
    const d = await client.send(new DisableCommand({ resourceTypes: ["LAMBDA"] }));
    assert.equal(d.accounts?.[0]?.resourceStatus?.lambda, "DISABLED");
    const e = await client.send(new EnableCommand({ resourceTypes: ["LAMBDA"] }));
    assert.equal(e.accounts?.[0]?.resourceStatus?.lambda, "ENABLED");
    await assert.rejects(readOnly.send(new EnableCommand({ resourceTypes: ["EC2"] })), {
      name: "AccessDeniedException",
    });
  });

  it("GetConfiguration and UpdateConfiguration", async () => {
    await client.send(new UpdateConfigurationCommand({ ecrConfiguration: { rescanDuration: "DAYS_30" } }));
    const c = await client.send(new GetConfigurationCommand({}));
    assert.equal(c.ecrConfiguration?.rescanDurationState?.rescanDuration, "DAYS_30");
    assert.ok(c.ecrConfiguration?.rescanDurationState?.updatedAt instanceof Date);
    const audit = await t.service.auditLog(ACCOUNT);
    assert.ok(audit.some((a) => a.action === "UpdateConfiguration" && a.principal === creds.accessKeyId));
  });

  it("ListFindings filters by severity and resource and paginates to the end", async () => {
    const critical = await client.send(
      new ListFindingsCommand({
        filterCriteria: { severity: [{ comparison: "EQUALS", value: "CRITICAL" }] },
        maxResults: 100,
      }),
    );
    assert.equal(critical.findings?.length, 10);
    const f = critical.findings![0]!;
    assert.equal(f.type, "PACKAGE_VULNERABILITY");
    assert.ok(f.firstObservedAt instanceof Date && f.firstObservedAt.getFullYear() >= 2026);
    assert.equal(f.packageVulnerabilityDetails?.vulnerabilityId, "CVE-2099-0001");
    assert.equal(f.inspectorScore, 9.8);

    const oneHost = await client.send(
      new ListFindingsCommand({
        filterCriteria: {
          severity: [{ comparison: "EQUALS", value: "HIGH" }],
          resourceId: [{ comparison: "EQUALS", value: `i-${"0".repeat(17)}` }],
        },
      }),
    );
    assert.deepEqual(
      oneHost.findings?.map((x) => x.title),
      ["CVE-2099-0002 - flask"],
    );

    const seen: string[] = [];
    for await (const page of paginateListFindings(
      { client, pageSize: 3 },
      { sortCriteria: { field: "INSPECTOR_SCORE", sortOrder: "ASC" } },
    )) {
      seen.push(...(page.findings ?? []).map((x) => x.findingArn!));
    }
    assert.equal(seen.length, 14);
    assert.equal(new Set(seen).size, 14);

    const images = await client.send(
      new ListFindingsCommand({
        filterCriteria: {
          ecrImageRepositoryName: [{ comparison: "PREFIX", value: "we" }],
          ecrImageTags: [{ comparison: "EQUALS", value: "v1" }],
          ecrImagePushedAt: [
            { startInclusive: new Date("2026-01-01"), endInclusive: new Date("2026-01-03") },
          ],
          resourceTags: undefined,
        },
      }),
    );
    assert.equal(images.findings?.length, 1);
    const tagged = await client.send(
      new ListFindingsCommand({
        filterCriteria: {
          resourceTags: [{ comparison: "EQUALS", key: "team", value: "payments" }],
          vulnerablePackages: [{ name: { comparison: "EQUALS", value: "flask" } }],
          findingStatus: [{ comparison: "NOT_EQUALS", value: "CLOSED" }],
        },
      }),
    );
    assert.equal(tagged.findings?.length, 2);
  });

  it("BatchGetFindingDetails returns details and per-finding errors", async () => {
    const [f] = (await client.send(new ListFindingsCommand({ maxResults: 1 }))).findings!;
    const missing = `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/0000`;
    const r = await client.send(
      new BatchGetFindingDetailsCommand({ findingArns: [f!.findingArn!, missing] }),
    );
    assert.equal(r.findingDetails?.[0]?.findingArn, f!.findingArn);
    assert.deepEqual(
      r.errors?.map((e) => e.errorCode),
      ["FINDING_DETAILS_NOT_FOUND"],
    );
  });

  it("ListFindingAggregations answers every aggregation type", async () => {
    for (const type of AGGREGATION_TYPES) {
      const r = await client.send(new ListFindingAggregationsCommand({ aggregationType: type }));
      assert.equal(r.aggregationType, type);
      assert.ok(Array.isArray(r.responses), type);
    }
    const acct = await client.send(new ListFindingAggregationsCommand({ aggregationType: "ACCOUNT" }));
    assert.equal(acct.responses?.[0]?.accountAggregation?.severityCounts?.all, 14);
    assert.equal(acct.responses?.[0]?.accountAggregation?.severityCounts?.critical, 10);
    const titles = await client.send(new ListFindingAggregationsCommand({ aggregationType: "TITLE" }));
    assert.equal(titles.responses?.length, 2);
    const pkgs = await client.send(
      new ListFindingAggregationsCommand({
        aggregationType: "PACKAGE",
        aggregationRequest: {
          packageAggregation: { packageNames: [{ comparison: "EQUALS", value: "flask" }] },
        },
      }),
    );
    assert.equal(pkgs.responses?.[0]?.packageAggregation?.severityCounts?.all, 4);
    const amis = await client.send(
      new ListFindingAggregationsCommand({ aggregationType: "AMI", maxResults: 2 }),
    );
    assert.equal(amis.responses?.length, 2);
    assert.ok(amis.nextToken);
    const rest = await client.send(
      new ListFindingAggregationsCommand({
        aggregationType: "AMI",
        maxResults: 2,
        nextToken: amis.nextToken,
      }),
    );
    assert.equal(rest.responses?.length, 1);
  });

  it("ListCoverage and ListCoverageStatistics", async () => {
    const all = await client.send(new ListCoverageCommand({ maxResults: 10 }));
    assert.equal(all.coveredResources?.length, 10);
    const next = await client.send(new ListCoverageCommand({ maxResults: 10, nextToken: all.nextToken }));
    assert.equal(next.coveredResources?.length, 4);
    assert.equal(next.nextToken, undefined);
    const imgs = await client.send(
      new ListCoverageCommand({
        filterCriteria: { resourceType: [{ comparison: "EQUALS", value: "AWS_ECR_CONTAINER_IMAGE" }] },
      }),
    );
    assert.equal(imgs.coveredResources?.length, 2);
    assert.equal(imgs.coveredResources?.[0]?.scanStatus?.statusCode, "ACTIVE");
    assert.ok(imgs.coveredResources?.[0]?.lastScannedAt instanceof Date);
    const stats = await client.send(new ListCoverageStatisticsCommand({ groupBy: "RESOURCE_TYPE" }));
    assert.equal(stats.totalCounts, 14);
    assert.deepEqual(
      stats.countsByGroup?.map((c) => [c.groupKey, c.count]),
      [
        ["AWS_EC2_INSTANCE", 12],
        ["AWS_ECR_CONTAINER_IMAGE", 2],
      ],
    );
  });

  it("filters: create, update, list, tag, untag, delete; SUPPRESS changes finding status", async () => {
    const { arn } = await client.send(
      new CreateFilterCommand({
        name: "accept-flask",
        action: "SUPPRESS",
        reason: "not exposed",
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
        tags: { owner: "secops" },
      }),
    );
    assert.match(arn!, /^arn:aws:inspector2:us-east-1:123456789012:owner\/123456789012\/filter\//);
    const suppressed = await client.send(
      new ListFindingsCommand({
        filterCriteria: { findingStatus: [{ comparison: "EQUALS", value: "SUPPRESSED" }] },
      }),
    );
    assert.equal(suppressed.findings?.length, 4);
    await client.send(new UpdateFilterCommand({ filterArn: arn!, description: "reviewed" }));
    const listed = await client.send(new ListFiltersCommand({ action: "SUPPRESS" }));
    assert.equal(listed.filters?.[0]?.description, "reviewed");
    assert.ok(listed.filters?.[0]?.createdAt instanceof Date);
    await client.send(new TagResourceCommand({ resourceArn: arn!, tags: { ticket: "SEC-1" } }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn! }))).tags, {
      owner: "secops",
      ticket: "SEC-1",
    });
    await client.send(new UntagResourceCommand({ resourceArn: arn!, tagKeys: ["owner"] }));
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: arn! }))).tags, {
      ticket: "SEC-1",
    });
    await client.send(new DeleteFilterCommand({ arn: arn! }));
    const after = await client.send(
      new ListFindingsCommand({
        filterCriteria: { findingStatus: [{ comparison: "EQUALS", value: "SUPPRESSED" }] },
      }),
    );
    assert.equal(after.findings?.length, 0);
    await assert.rejects(client.send(new DeleteFilterCommand({ arn: arn! })), {
      name: "ResourceNotFoundException",
    });
    await assert.rejects(
      readOnly.send(
        new CreateFilterCommand({
          name: "x",
          action: "NONE",
          filterCriteria: { severity: [{ comparison: "EQUALS", value: "LOW" }] },
        }),
      ),
      { name: "AccessDeniedException" },
    );
  });

  it("findings reports in CSV and JSON to a local directory", async () => {
    for (const reportFormat of ["CSV", "JSON"] as const) {
      const { reportId } = await client.send(
        new CreateFindingsReportCommand({
          reportFormat,
          s3Destination: {
            bucketName: "reports",
            keyPrefix: "weekly/2026",
            kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/x",
          },
          filterCriteria: { severity: [{ comparison: "EQUALS", value: "CRITICAL" }] },
        }),
      );
      await t.exports.idle();
      const st = await client.send(new GetFindingsReportStatusCommand({ reportId }));
      assert.equal(st.status, "SUCCEEDED", st.errorMessage);
      assert.equal(st.destination?.bucketName, "reports");
      const file = `${t.dataDir}/reports/reports/weekly/2026/${reportId}.${reportFormat.toLowerCase()}`;
      assert.ok(existsSync(file), file);
      const text = readFileSync(file, "utf8");
      if (reportFormat === "CSV") assert.equal(text.trim().split("\n").length, 11);
      else assert.equal((JSON.parse(text) as { findings: unknown[] }).findings.length, 10);
      await assert.rejects(client.send(new CancelFindingsReportCommand({ reportId })), {
        name: "ValidationException",
      });
    }
    await assert.rejects(
      client.send(
        new CreateFindingsReportCommand({
          reportFormat: "CSV",
          s3Destination: { bucketName: "reports", keyPrefix: "../../etc", kmsKeyArn: "k" },
        }),
      ),
      (e: Error) => e.name === "ValidationException" && /keyPrefix/.test(e.message),
    );
  });

  it("SBOM exports in CycloneDX and SPDX", async () => {
    for (const reportFormat of ["CYCLONEDX_1_4", "SPDX_2_3"] as const) {
      const { reportId } = await client.send(
        new CreateSbomExportCommand({
          reportFormat,
          s3Destination: { bucketName: "sboms", kmsKeyArn: "k" },
          resourceFilterCriteria: {
            resourceType: [{ comparison: "EQUALS", value: "AWS_ECR_CONTAINER_IMAGE" }],
          },
        }),
      );
      await t.exports.idle();
      const r = await client.send(new GetSbomExportCommand({ reportId }));
      assert.equal(r.status, "SUCCEEDED", r.errorMessage);
      assert.equal(r.format, reportFormat);
      const files = (
        await t.database.db
          .selectFrom("reports")
          .select("outputs")
          .where("report_id", "=", reportId!)
          .executeTakeFirstOrThrow()
      ).outputs;
      const paths = JSON.parse(files) as string[];
      assert.equal(paths.length, 2);
      const doc = JSON.parse(readFileSync(paths[0]!, "utf8")) as Record<string, unknown>;
      if (reportFormat === "SPDX_2_3") assert.equal(doc["spdxVersion"], "SPDX-2.3");
      else assert.equal(doc["bomFormat"], "CycloneDX");
    }
  });

  it("SearchVulnerabilities reads the advisory database", async () => {
    const r = await client.send(
      new SearchVulnerabilitiesCommand({ filterCriteria: { vulnerabilityIds: ["CVE-2099-0001"] } }),
    );
    assert.equal(r.vulnerabilities?.[0]?.id, "CVE-2099-0001");
    assert.ok(r.vulnerabilities?.[0]?.relatedVulnerabilities?.includes("PYSEC-TEST-1"));
    assert.ok(r.vulnerabilities?.[0]?.referenceUrls?.includes("https://example.org/PYSEC-TEST-1"));
  });

  it("inspector-scan ScanSbom matches an SBOM without storing it", async () => {
    const sbom = {
      bomFormat: "CycloneDX",
      specVersion: "1.5",
      components: [
        { type: "library", name: "requests", version: "2.30.0", purl: "pkg:pypi/requests@2.30.0" },
      ],
    };
    const r = await signedFetch(t.url, "/scan/sbom", { sbom, outputFormat: "CYCLONE_DX_1_5" }, creds, {
      service: "inspector-scan",
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const vulns = (r.json["sbom"] as { vulnerabilities: { id: string }[] }).vulnerabilities;
    assert.deepEqual(
      vulns.map((v) => v.id),
      ["CVE-2099-0001"],
    );
  });

  it("refuses bad credentials and signatures with AWS error types", async () => {
    const wrong = clientFor({ accessKeyId: creds.accessKeyId, secretAccessKey: "x".repeat(40) });
    await assert.rejects(
      wrong.send(new ListFindingsCommand({})),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.name, "InvalidSignatureException");
        assert.equal(e.$metadata?.httpStatusCode, 403);
        return true;
      },
    );
    const unknown = clientFor({ accessKeyId: "VKIAAAAAAAAAAAAAAAAA", secretAccessKey: "x" });
    await assert.rejects(unknown.send(new ListFindingsCommand({})), { name: "UnrecognizedClientException" });
    const res = await fetch(`${t.url}/findings/list`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("x-amzn-errortype"), "MissingAuthenticationTokenException");
  });

  it("bad input gets a ValidationException naming the field, never a 500", async () => {
    const cases: [string, string, RegExp][] = [
      ["/findings/list", "{not json", /not valid JSON/],
      ["/findings/list", "[]", /JSON object/],
      ["/findings/list", JSON.stringify({ colour: "red" }), /colour/],
      ["/findings/list", JSON.stringify({ maxResults: "ten" }), /maxResults/],
      ["/findings/list", JSON.stringify({ maxResults: 1000 }), /maxResults/],
      [
        "/findings/list",
        JSON.stringify({ filterCriteria: { severity: [{ comparison: "LIKE", value: "HIGH" }] } }),
        /filterCriteria\.severity/,
      ],
      [
        "/findings/list",
        JSON.stringify({ filterCriteria: { severity: [{ comparison: "EQUALS" }] } }),
        /filterCriteria\.severity/,
      ],
      ["/findings/list", JSON.stringify({ nextToken: "bm90IGEgdG9rZW4" }), /nextToken/],
      [
        "/findings/list",
        JSON.stringify({ sortCriteria: { field: "COLOUR", sortOrder: "ASC" } }),
        /sortCriteria/,
      ],
      ["/filters/create", JSON.stringify({ name: "x", action: "DROP", filterCriteria: {} }), /action/],
      ["/findings/aggregation/list", JSON.stringify({ aggregationType: "NOPE" }), /aggregationType/],
      [
        "/coverage/list",
        JSON.stringify({ filterCriteria: { resourceType: [{ comparison: "PREFIX", value: "A" }] } }),
        /filterCriteria/,
      ],
    ];
    for (const [path, body, message] of cases) {
      const r = await signedFetch(t.url, path, undefined, creds, { rawBody: body });
      assert.equal(r.status, 400, `${path} ${body}: ${JSON.stringify(r.json)}`);
      assert.equal(r.errorType, "ValidationException", body);
      assert.match(String(r.json["message"]), message, body);
    }
    await assert.rejects(client.send(new ListFindingsCommand({ nextToken: "garbage" })), {
      name: "ValidationException",
    });
  });

  it("refuses oversize bodies", async () => {
    const small = await startTestService({ bodyLimit: 64 * 1024 });
    try {
      const key = await small.service.createKey(ACCOUNT);
      const big = JSON.stringify({
        filterCriteria: { title: [{ comparison: "EQUALS", value: "x".repeat(200_000) }] },
      });
      const r = await signedFetch(small.url, "/findings/list", undefined, key, { rawBody: big });
      assert.equal(r.status, 400);
      assert.equal(r.errorType, "ValidationException");
      assert.match(String(r.json["message"]), /body/);
    } finally {
      await small.close();
    }
  });
});
