/**
 * Suppression with a reason and an expiry (`vigil:expires` tag on the filter, set with the AWS SDK's
 * TagResource or at creation), and ListUsageTotals, through the SDK against a real server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateFilterCommand,
  Inspector2Client,
  ListFindingsCommand,
  ListUsageTotalsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-inspector2";
import type { Principal } from "../../src/service/service.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };
const DAY = 86_400_000;

describe("suppression expiry and usage totals", () => {
  let t: TestService;
  let client: Inspector2Client;
  let clock = Date.UTC(2026, 10, 10, 12, 0, 0);
  const statusOf = async (cve: string) => {
    const r = await client.send(
      new ListFindingsCommand({
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: cve }] },
      }),
    );
    return r.findings?.map((f) => f.status);
  };

  before(async () => {
    t = await startTestService({ now: () => clock });
    const key = await t.service.createKey(ACCOUNT);
    client = new Inspector2Client({ endpoint: t.url, region: "us-east-1", credentials: key, maxAttempts: 1 });
    await t.service.submitInventory(
      admin,
      { id: "web-1", type: "AWS_EC2_INSTANCE" },
      { packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")] },
    );
  });
  after(async () => t?.close());

  it("suppresses until the expiry date, then the findings are active again", async () => {
    const f = await client.send(
      new CreateFilterCommand({
        name: "accepted-requests",
        action: "SUPPRESS",
        reason: "internal only; upgrade planned in sprint 48",
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0001" }] },
        tags: { "vigil:expires": "2026-11-20" },
      }),
    );
    assert.deepEqual(await statusOf("CVE-2099-0001"), ["SUPPRESSED"]);
    clock += 9 * DAY; // 2026-11-19
    assert.equal(await t.service.expireFilters(), 0, "not yet");
    clock += 2 * DAY; // 2026-11-21
    assert.equal(await t.service.expireFilters(), 1);
    assert.deepEqual(await statusOf("CVE-2099-0001"), ["ACTIVE"]);
    // Extending the exception (a new expiry tag) suppresses again at once.
    await client.send(
      new TagResourceCommand({ resourceArn: f.arn!, tags: { "vigil:expires": "2026-12-31T00:00:00Z" } }),
    );
    assert.deepEqual(await statusOf("CVE-2099-0001"), ["SUPPRESSED"]);
  });

  it("refuses an expiry that is not a date, naming the tag", async () => {
    await assert.rejects(
      client.send(
        new CreateFilterCommand({
          name: "bad",
          action: "SUPPRESS",
          filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
          tags: { "vigil:expires": "next tuesday" },
        }),
      ),
      (e: Error) => e.name === "ValidationException" && /vigil:expires.*not an ISO 8601 date/.test(e.message),
    );
  });

  it("reports usage per type for the caller's account only", async () => {
    await t.service.submitInventory(
      admin,
      {
        id: "reg.example/app@sha256:" + "a".repeat(64),
        type: "AWS_ECR_CONTAINER_IMAGE",
        details: { awsEcrContainerImage: { repositoryName: "app", imageHash: `sha256:${"a".repeat(64)}` } },
      },
      { packages: [pypi("requests", "2.30.0")] },
    );
    const r = await client.send(new ListUsageTotalsCommand({}));
    assert.equal(r.totals?.length, 1);
    const usage = Object.fromEntries((r.totals![0]!.usage ?? []).map((u) => [u.type, u.total]));
    // web-1 was first seen on Nov 10 12:00 and the clock is now Nov 21 12:00: 11 days of November.
    assert.equal(usage["EC2_INSTANCE_HOURS"], 264);
    assert.equal(usage["ECR_INITIAL_SCAN"], 1);
    assert.equal(usage["LAMBDA_FUNCTION_HOURS"], 0);
    await assert.rejects(
      client.send(new ListUsageTotalsCommand({ accountIds: ["999999999999"] })),
      (e: Error) => e.name === "AccessDeniedException",
    );
  });
});
