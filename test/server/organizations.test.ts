/**
 * Organizations through the AWS SDK against a real server: a management account M, a delegated
 * administrator A, members B and C (and D, added later, auto-enabled), and X outside the
 * organization. The administrator sees and manages its members' data; every cross-account read
 * and write a caller cannot see is refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AssociateMemberCommand,
  BatchGetAccountStatusCommand,
  BatchGetFindingDetailsCommand,
  CancelFindingsReportCommand,
  CreateFilterCommand,
  CreateFindingsReportCommand,
  CreateSbomExportCommand,
  DeleteFilterCommand,
  DescribeOrganizationConfigurationCommand,
  DisableCommand,
  DisableDelegatedAdminAccountCommand,
  DisassociateMemberCommand,
  EnableCommand,
  EnableDelegatedAdminAccountCommand,
  GetConfigurationCommand,
  GetDelegatedAdminAccountCommand,
  GetFindingsReportStatusCommand,
  GetMemberCommand,
  GetSbomExportCommand,
  Inspector2Client,
  ListCoverageCommand,
  ListCoverageStatisticsCommand,
  ListDelegatedAdminAccountsCommand,
  ListFindingAggregationsCommand,
  ListFindingsCommand,
  ListMembersCommand,
  ListTagsForResourceCommand,
  ListUsageTotalsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateConfigurationCommand,
  UpdateFilterCommand,
  UpdateOrganizationConfigurationCommand,
} from "@aws-sdk/client-inspector2";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { serviceModelValidator } from "../support/botocore.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const M = "100000000001";
const A = "200000000002";
const B = "300000000003";
const C = "400000000004";
const D = "500000000005";
const X = "900000000009";

const CVE_REQUESTS = "CVE-2099-0001";
const CVE_FLASK = "CVE-2099-0002";

/** What one account owns, for the other accounts to reach for. */
interface Owned {
  account: string;
  filterArn: string;
  reportId: string;
  sbomId: string;
  findingArn: string;
}

const denied = (e: Error) => e.name === "AccessDeniedException";

describe("organizations: delegated administrator and members", () => {
  let t: TestService;
  let orgId: string;
  const creds: Record<string, Credentials> = {};
  const clients: Record<string, Inspector2Client> = {};
  let readOnlyA: Inspector2Client;
  const owned: Record<string, Owned> = {};

  const clientFor = (c: Credentials) =>
    new Inspector2Client({ endpoint: t.url, region: "us-east-1", credentials: c, maxAttempts: 1 });
  const principal = (accountId: string): Principal => ({ accountId, id: "test", readOnly: false });
  const submit = (account: string, id: string, packages: ReturnType<typeof pypi>[]) =>
    t.service.submitInventory(principal(account), { id, type: "AWS_EC2_INSTANCE" }, { packages });
  const findingsOf = async (client: Inspector2Client, filterCriteria = {}) => {
    const out = [];
    let nextToken: string | undefined;
    do {
      const r = await client.send(new ListFindingsCommand({ filterCriteria, nextToken, maxResults: 100 }));
      out.push(...(r.findings ?? []));
      nextToken = r.nextToken;
    } while (nextToken);
    return out;
  };
  const accountsOf = (findings: { awsAccountId?: string }[]) =>
    [...new Set(findings.map((f) => f.awsAccountId))].sort();

  before(async () => {
    t = await startTestService();
    for (const a of [M, A, B, C, D, X]) {
      creds[a] = await t.service.createKey(a);
      clients[a] = clientFor(creds[a]);
    }
    readOnlyA = clientFor(await t.service.createKey(A, { readOnly: true }));
    orgId = await t.service.organizations.createOrganization(M, "cli:test");
    assert.match(orgId, /^o-[a-z0-9]{10}$/);
    for (const a of [A, B, C]) await t.service.organizations.addAccount(orgId, a, "cli:test");
    // Inventories: everyone holds vulnerable requests; C also vulnerable Flask.
    await submit(A, "i-a0000000000000001", [pypi("requests", "2.30.0")]);
    await submit(B, "i-b0000000000000001", [pypi("requests", "2.30.0")]);
    await submit(C, "i-c0000000000000001", [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")]);
    await submit(X, "i-e0000000000000001", [pypi("requests", "2.30.0")]);
    for (const a of [A, B, C, X]) {
      const c = clients[a]!;
      const filter = await c.send(
        new CreateFilterCommand({
          name: `own-${a}`,
          action: "NONE",
          filterCriteria: { resourceType: [{ comparison: "EQUALS", value: "AWS_EC2_INSTANCE" }] },
          tags: { owner: a },
        }),
      );
      const report = await c.send(
        new CreateFindingsReportCommand({
          reportFormat: "JSON",
          s3Destination: { bucketName: `reports-${a}`, kmsKeyArn: "k" },
        }),
      );
      const sbom = await c.send(
        new CreateSbomExportCommand({
          reportFormat: "CYCLONEDX_1_4",
          s3Destination: { bucketName: `sboms-${a}`, kmsKeyArn: "k" },
        }),
      );
      const [finding] = await findingsOf(c);
      owned[a] = {
        account: a,
        filterArn: filter.arn!,
        reportId: report.reportId!,
        sbomId: sbom.reportId!,
        findingArn: finding!.findingArn!,
      };
    }
    await t.exports.idle();
  });
  after(async () => t?.close());

  it("lets the management account designate the delegated administrator", async () => {
    const r = await clients[M]!.send(new EnableDelegatedAdminAccountCommand({ delegatedAdminAccountId: A }));
    assert.equal(r.delegatedAdminAccountId, A);
    // Idempotent for the same account; a second administrator is a conflict.
    const again = await clients[M]!.send(
      new EnableDelegatedAdminAccountCommand({ delegatedAdminAccountId: A, clientToken: "again" }),
    );
    assert.equal(again.delegatedAdminAccountId, A);
    await assert.rejects(
      clients[M]!.send(new EnableDelegatedAdminAccountCommand({ delegatedAdminAccountId: B })),
      (e: Error) => e.name === "ConflictException" && e.message.includes(A),
    );
    // An account outside the organization cannot be designated.
    await assert.rejects(
      clients[M]!.send(new EnableDelegatedAdminAccountCommand({ delegatedAdminAccountId: X })),
      (e: Error) => denied(e) && e.message.includes(X),
    );
    for (const who of [M, A]) {
      const g = await clients[who]!.send(new GetDelegatedAdminAccountCommand({}));
      assert.deepEqual(g.delegatedAdmin, { accountId: A, relationshipStatus: "ENABLED" });
    }
    const l = await clients[M]!.send(new ListDelegatedAdminAccountsCommand({}));
    assert.deepEqual(l.delegatedAdminAccounts, [{ accountId: A, status: "ENABLED" }]);
  });

  it("lets the administrator associate members and list them", async () => {
    for (const m of [B, C]) {
      const r = await clients[A]!.send(new AssociateMemberCommand({ accountId: m }));
      assert.equal(r.accountId, m);
    }
    await assert.rejects(
      clients[A]!.send(new AssociateMemberCommand({ accountId: A })),
      (e: Error) => e.name === "ValidationException",
    );
    const associated = await clients[A]!.send(new ListMembersCommand({}));
    assert.deepEqual(
      associated.members?.map((m) => [m.accountId, m.relationshipStatus, m.delegatedAdminAccountId]),
      [
        [B, "ENABLED", A],
        [C, "ENABLED", A],
      ],
    );
    assert.ok(associated.members?.every((m) => m.updatedAt instanceof Date));
    const all = await clients[A]!.send(new ListMembersCommand({ onlyAssociated: false }));
    assert.deepEqual(
      all.members?.map((m) => [m.accountId, m.relationshipStatus]),
      [
        [M, "CREATED"],
        [B, "ENABLED"],
        [C, "ENABLED"],
      ],
    );
    // Paginated.
    const first = await clients[A]!.send(new ListMembersCommand({ onlyAssociated: false, maxResults: 2 }));
    assert.equal(first.members?.length, 2);
    const rest = await clients[A]!.send(
      new ListMembersCommand({ onlyAssociated: false, maxResults: 2, nextToken: first.nextToken }),
    );
    assert.deepEqual(
      rest.members?.map((m) => m.accountId),
      [C],
    );
    assert.equal(rest.nextToken, undefined);
    // The administrator asks about a member; a member about itself.
    const byAdmin = await clients[A]!.send(new GetMemberCommand({ accountId: B }));
    assert.equal(byAdmin.member?.relationshipStatus, "ENABLED");
    assert.equal(byAdmin.member?.delegatedAdminAccountId, A);
    const self = await clients[B]!.send(new GetMemberCommand({ accountId: B }));
    assert.equal(self.member?.accountId, B);
    assert.equal(self.member?.delegatedAdminAccountId, A);
  });

  it("shows the administrator its members' findings, aggregations, coverage and usage", async () => {
    assert.deepEqual(accountsOf(await findingsOf(clients[A]!)), [A, B, C]);
    const onlyB = await findingsOf(clients[A]!, { awsAccountId: [{ comparison: "EQUALS", value: B }] });
    assert.deepEqual(accountsOf(onlyB), [B]);
    const agg = await clients[A]!.send(new ListFindingAggregationsCommand({ aggregationType: "ACCOUNT" }));
    assert.deepEqual(agg.responses?.map((r) => r.accountAggregation?.accountId).sort(), [A, B, C]);
    const cov = await clients[A]!.send(new ListCoverageCommand({}));
    assert.deepEqual([...new Set(cov.coveredResources?.map((r) => r.accountId))].sort(), [A, B, C]);
    const covC = await clients[A]!.send(
      new ListCoverageCommand({ filterCriteria: { accountId: [{ comparison: "EQUALS", value: C }] } }),
    );
    assert.deepEqual(
      covC.coveredResources?.map((r) => r.resourceId),
      ["i-c0000000000000001"],
    );
    const stats = await clients[A]!.send(new ListCoverageStatisticsCommand({ groupBy: "ACCOUNT_ID" }));
    assert.equal(stats.totalCounts, 3);
    assert.deepEqual(stats.countsByGroup?.map((g) => g.groupKey).sort(), [A, B, C]);
    const usage = await clients[A]!.send(new ListUsageTotalsCommand({}));
    assert.deepEqual(usage.totals?.map((u) => u.accountId).sort(), [A, B, C]);
    const status = await clients[A]!.send(new BatchGetAccountStatusCommand({ accountIds: [B, C] }));
    assert.deepEqual(
      status.accounts?.map((a) => a.accountId),
      [B, C],
    );
    assert.deepEqual(status.failedAccounts, []);
    const details = await clients[A]!.send(
      new BatchGetFindingDetailsCommand({ findingArns: [owned[B]!.findingArn, owned[C]!.findingArn] }),
    );
    assert.equal(details.findingDetails?.length, 2);
    assert.deepEqual(details.errors, []);
    // The administrator's reports cover its members.
    const report = await clients[A]!.send(
      new CreateFindingsReportCommand({
        reportFormat: "JSON",
        s3Destination: { bucketName: "org-report", kmsKeyArn: "k" },
      }),
    );
    await t.exports.idle();
    const st = await clients[A]!.send(new GetFindingsReportStatusCommand({ reportId: report.reportId! }));
    assert.equal(st.status, "SUCCEEDED");
    const { readFileSync, readdirSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = join(t.dataDir, "reports", "org-report");
    const doc = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), "utf8")) as {
      findings: { awsAccountId: string }[];
    };
    assert.deepEqual(accountsOf(doc.findings), [A, B, C]);
    // And it manages them: Enable/Disable for a member.
    const en = await clients[A]!.send(new EnableCommand({ accountIds: [B], resourceTypes: ["LAMBDA_CODE"] }));
    assert.equal(en.accounts?.[0]?.resourceStatus?.lambdaCode, "ENABLED");
    assert.deepEqual(en.failedAccounts, []);
    const dis = await clients[A]!.send(
      new DisableCommand({ accountIds: [B], resourceTypes: ["LAMBDA_CODE"] }),
    );
    assert.equal(dis.accounts?.[0]?.resourceStatus?.lambdaCode, "DISABLED");
  });

  it("shows a member its own data only", async () => {
    assert.deepEqual(accountsOf(await findingsOf(clients[B]!)), [B]);
    const agg = await clients[B]!.send(new ListFindingAggregationsCommand({ aggregationType: "ACCOUNT" }));
    assert.deepEqual(
      agg.responses?.map((r) => r.accountAggregation?.accountId),
      [B],
    );
    const cov = await clients[B]!.send(new ListCoverageCommand({}));
    assert.deepEqual([...new Set(cov.coveredResources?.map((r) => r.accountId))], [B]);
    const usage = await clients[B]!.send(new ListUsageTotalsCommand({}));
    assert.deepEqual(
      usage.totals?.map((u) => u.accountId),
      [B],
    );
  });

  it("suppresses a member's finding with the administrator's filter", async () => {
    const statusIn = async (client: Inspector2Client, account: string) =>
      (
        await findingsOf(client, {
          awsAccountId: [{ comparison: "EQUALS", value: account }],
          vulnerabilityId: [{ comparison: "EQUALS", value: CVE_REQUESTS }],
        })
      ).map((f) => f.status);
    const f = await clients[A]!.send(
      new CreateFilterCommand({
        name: "accept-requests-in-B",
        action: "SUPPRESS",
        reason: "B's hosts are internal",
        filterCriteria: {
          awsAccountId: [{ comparison: "EQUALS", value: B }],
          vulnerabilityId: [{ comparison: "EQUALS", value: CVE_REQUESTS }],
        },
      }),
    );
    assert.deepEqual(await statusIn(clients[B]!, B), ["SUPPRESSED"]);
    assert.deepEqual(await statusIn(clients[A]!, B), ["SUPPRESSED"]);
    assert.deepEqual(await statusIn(clients[C]!, C), ["ACTIVE"], "the filter names B only");
    // A new resource of B is suppressed as it arrives.
    await submit(B, "i-b0000000000000002", [pypi("requests", "2.29.0")]);
    assert.deepEqual(await statusIn(clients[B]!, B), ["SUPPRESSED", "SUPPRESSED"]);
    // Narrowing the filter releases B's findings.
    await clients[A]!.send(
      new UpdateFilterCommand({
        filterArn: f.arn!,
        filterCriteria: {
          awsAccountId: [{ comparison: "EQUALS", value: B }],
          vulnerabilityId: [{ comparison: "EQUALS", value: CVE_FLASK }],
        },
      }),
    );
    assert.deepEqual(await statusIn(clients[B]!, B), ["ACTIVE", "ACTIVE"]);
    await clients[A]!.send(
      new UpdateFilterCommand({
        filterArn: f.arn!,
        filterCriteria: {
          awsAccountId: [{ comparison: "EQUALS", value: B }],
          vulnerabilityId: [{ comparison: "EQUALS", value: CVE_REQUESTS }],
        },
      }),
    );
    assert.deepEqual(await statusIn(clients[B]!, B), ["SUPPRESSED", "SUPPRESSED"]);
    await clients[A]!.send(new DeleteFilterCommand({ arn: f.arn! }));
    assert.deepEqual(await statusIn(clients[B]!, B), ["ACTIVE", "ACTIVE"]);
  });

  it("auto-enables the configured scan types for an account that joins", async () => {
    const u = await clients[A]!.send(
      new UpdateOrganizationConfigurationCommand({
        autoEnable: { ec2: true, ecr: false, lambda: false, lambdaCode: true },
      }),
    );
    assert.deepEqual(u.autoEnable, {
      ec2: true,
      ecr: false,
      lambda: false,
      lambdaCode: true,
      codeRepository: false,
    });
    const d = await clients[A]!.send(new DescribeOrganizationConfigurationCommand({}));
    assert.deepEqual(d.autoEnable, u.autoEnable);
    assert.equal(d.maxAccountLimitReached, false);
    const added = await t.service.organizations.addAccount(orgId, D, "cli:test");
    assert.equal(added.associatedWith, A);
    const member = await clients[A]!.send(new GetMemberCommand({ accountId: D }));
    assert.equal(member.member?.relationshipStatus, "ENABLED");
    const s = await clients[A]!.send(new BatchGetAccountStatusCommand({ accountIds: [D] }));
    const rs = s.accounts?.[0]?.resourceState;
    assert.equal(rs?.ec2?.status, "ENABLED");
    assert.equal(rs?.ecr?.status, "DISABLED");
    assert.equal(rs?.lambda?.status, "DISABLED");
    assert.equal(rs?.lambdaCode?.status, "ENABLED");
    // D's data is the administrator's to see from now on.
    await submit(D, "i-d0000000000000001", [pypi("Flask", "2.0.0")]);
    const fs = await findingsOf(clients[A]!, { awsAccountId: [{ comparison: "EQUALS", value: D }] });
    assert.deepEqual(
      fs.map((f) => f.packageVulnerabilityDetails?.vulnerabilityId),
      [CVE_FLASK],
    );
  });

  /** Every cross-account read and write that names the victim's data. */
  const crossAccountCalls = (victim: () => Owned) =>
    [
      [
        "ListFindings by awsAccountId",
        (c: Inspector2Client) =>
          c.send(
            new ListFindingsCommand({
              filterCriteria: { awsAccountId: [{ comparison: "EQUALS", value: victim().account }] },
            }),
          ),
      ],
      [
        "ListFindingAggregations by accountIds",
        (c: Inspector2Client) =>
          c.send(
            new ListFindingAggregationsCommand({
              aggregationType: "PACKAGE",
              accountIds: [{ comparison: "EQUALS", value: victim().account }],
            }),
          ),
      ],
      [
        "ListCoverage by accountId",
        (c: Inspector2Client) =>
          c.send(
            new ListCoverageCommand({
              filterCriteria: { accountId: [{ comparison: "EQUALS", value: victim().account }] },
            }),
          ),
      ],
      [
        "ListCoverageStatistics by accountId",
        (c: Inspector2Client) =>
          c.send(
            new ListCoverageStatisticsCommand({
              filterCriteria: { accountId: [{ comparison: "EQUALS", value: victim().account }] },
            }),
          ),
      ],
      [
        "ListUsageTotals",
        (c: Inspector2Client) => c.send(new ListUsageTotalsCommand({ accountIds: [victim().account] })),
      ],
      [
        "GetConfiguration",
        (c: Inspector2Client) => c.send(new GetConfigurationCommand({ accountId: victim().account })),
      ],
      [
        "UpdateConfiguration",
        (c: Inspector2Client) =>
          c.send(
            new UpdateConfigurationCommand({
              accountId: victim().account,
              ec2Configuration: { scanMode: "EC2_SSM_AGENT_BASED" },
            }),
          ),
      ],
      ["GetMember", (c: Inspector2Client) => c.send(new GetMemberCommand({ accountId: victim().account }))],
      [
        "AssociateMember",
        (c: Inspector2Client) => c.send(new AssociateMemberCommand({ accountId: victim().account })),
      ],
      [
        "DisassociateMember",
        (c: Inspector2Client) => c.send(new DisassociateMemberCommand({ accountId: victim().account })),
      ],
      [
        "UpdateFilter",
        (c: Inspector2Client) =>
          c.send(new UpdateFilterCommand({ filterArn: victim().filterArn, name: "taken-over" })),
      ],
      ["DeleteFilter", (c: Inspector2Client) => c.send(new DeleteFilterCommand({ arn: victim().filterArn }))],
      [
        "TagResource",
        (c: Inspector2Client) =>
          c.send(new TagResourceCommand({ resourceArn: victim().filterArn, tags: { owner: "me" } })),
      ],
      [
        "UntagResource",
        (c: Inspector2Client) =>
          c.send(new UntagResourceCommand({ resourceArn: victim().filterArn, tagKeys: ["owner"] })),
      ],
      [
        "ListTagsForResource",
        (c: Inspector2Client) => c.send(new ListTagsForResourceCommand({ resourceArn: victim().filterArn })),
      ],
      [
        "GetFindingsReportStatus",
        (c: Inspector2Client) => c.send(new GetFindingsReportStatusCommand({ reportId: victim().reportId })),
      ],
      [
        "CancelFindingsReport",
        (c: Inspector2Client) => c.send(new CancelFindingsReportCommand({ reportId: victim().reportId })),
      ],
      [
        "GetSbomExport",
        (c: Inspector2Client) => c.send(new GetSbomExportCommand({ reportId: victim().sbomId })),
      ],
      [
        "CreateFindingsReport by awsAccountId",
        (c: Inspector2Client) =>
          c.send(
            new CreateFindingsReportCommand({
              reportFormat: "CSV",
              s3Destination: { bucketName: "stolen", kmsKeyArn: "k" },
              filterCriteria: { awsAccountId: [{ comparison: "EQUALS", value: victim().account }] },
            }),
          ),
      ],
      [
        "CreateSbomExport by accountId",
        (c: Inspector2Client) =>
          c.send(
            new CreateSbomExportCommand({
              reportFormat: "SPDX_2_3",
              s3Destination: { bucketName: "stolen", kmsKeyArn: "k" },
              resourceFilterCriteria: { accountId: [{ comparison: "EQUALS", value: victim().account }] },
            }),
          ),
      ],
    ] as const;

  for (const [from, to] of [
    [B, C],
    [B, A],
    [A, X],
  ] as const) {
    describe(`from ${from} against ${to}`, () => {
      for (const [name, call] of crossAccountCalls(() => owned[to]!)) {
        it(`refuses ${name}`, async () => {
          await assert.rejects(call(clients[from]!), (e: Error) => {
            assert.equal(e.name, "AccessDeniedException", `${name}: ${e.name}: ${e.message}`);
            assert.equal((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 403);
            assert.ok(e.message.includes(from), `${name}: names the caller: ${e.message}`);
            assert.ok(e.message.includes(to), `${name}: names the other account: ${e.message}`);
            return true;
          });
        });
      }
      it("reports the batch operations' accounts as ACCESS_DENIED and changes nothing", async () => {
        const c = clients[from]!;
        for (const r of [
          await c.send(new BatchGetAccountStatusCommand({ accountIds: [to] })),
          await c.send(new EnableCommand({ accountIds: [to], resourceTypes: ["LAMBDA_CODE"] })),
          await c.send(new DisableCommand({ accountIds: [to], resourceTypes: ["EC2"] })),
        ]) {
          assert.deepEqual(r.accounts, []);
          assert.deepEqual(
            r.failedAccounts?.map((f) => [f.accountId, f.errorCode]),
            [[to, "ACCESS_DENIED"]],
          );
        }
        const d = await c.send(new BatchGetFindingDetailsCommand({ findingArns: [owned[to]!.findingArn] }));
        assert.deepEqual(d.findingDetails, []);
        assert.deepEqual(
          d.errors?.map((e) => [e.findingArn, e.errorCode]),
          [[owned[to]!.findingArn, "ACCESS_DENIED"]],
        );
        const audit = await signedFetch(t.url, "/v1/audit/list", { accountIds: [to] }, creds[from]!);
        assert.equal(audit.status, 403);
        assert.equal(audit.errorType, "AccessDeniedException");
        // The victim's things are as they were.
        const victim = clients[to]!;
        const s = await victim.send(new BatchGetAccountStatusCommand({}));
        assert.equal(s.accounts?.[0]?.resourceState?.ec2?.status, "ENABLED");
        const tags = await victim.send(new ListTagsForResourceCommand({ resourceArn: owned[to]!.filterArn }));
        assert.deepEqual(tags.tags, { owner: to });
        const st = await victim.send(new GetFindingsReportStatusCommand({ reportId: owned[to]!.reportId }));
        assert.equal(st.status, "SUCCEEDED");
        const cfg = await victim.send(new GetConfigurationCommand({}));
        assert.equal(cfg.ec2Configuration?.scanModeState?.scanMode, "EC2_HYBRID");
      });
    });
  }

  it("keeps management-only and administrator-only operations to their roles", async () => {
    for (const who of [A, B]) {
      for (const call of [
        () => clients[who]!.send(new EnableDelegatedAdminAccountCommand({ delegatedAdminAccountId: who })),
        () => clients[who]!.send(new DisableDelegatedAdminAccountCommand({ delegatedAdminAccountId: A })),
        () => clients[who]!.send(new ListDelegatedAdminAccountsCommand({})),
      ])
        await assert.rejects(call(), denied, `management-only from ${who}`);
    }
    await assert.rejects(clients[B]!.send(new GetDelegatedAdminAccountCommand({})), denied);
    await assert.rejects(clients[X]!.send(new GetDelegatedAdminAccountCommand({})), denied);
    for (const who of [M, B, X]) {
      for (const call of [
        () => clients[who]!.send(new ListMembersCommand({})),
        () => clients[who]!.send(new DescribeOrganizationConfigurationCommand({})),
        () =>
          clients[who]!.send(
            new UpdateOrganizationConfigurationCommand({ autoEnable: { ec2: true, ecr: true } }),
          ),
        () => clients[who]!.send(new AssociateMemberCommand({ accountId: C })),
      ])
        await assert.rejects(call(), denied, `administrator-only from ${who}`);
    }
  });

  it("refuses every change through the administrator's read-only key", async () => {
    for (const call of [
      () => readOnlyA.send(new AssociateMemberCommand({ accountId: B })),
      () => readOnlyA.send(new DisassociateMemberCommand({ accountId: B })),
      () =>
        readOnlyA.send(
          new UpdateOrganizationConfigurationCommand({ autoEnable: { ec2: false, ecr: false } }),
        ),
      () =>
        readOnlyA.send(
          new CreateFilterCommand({
            name: "ro",
            action: "SUPPRESS",
            filterCriteria: { awsAccountId: [{ comparison: "EQUALS", value: B }] },
          }),
        ),
      () => readOnlyA.send(new EnableCommand({ accountIds: [B], resourceTypes: ["EC2"] })),
    ])
      await assert.rejects(call(), (e: Error) => denied(e) && /read-only/.test(e.message));
    // Reading is fine.
    assert.deepEqual(accountsOf(await findingsOf(readOnlyA)), [A, B, C, D]);
  });

  it("answers in the shapes of the inspector2 service model", async () => {
    const newer = new Set(["AutoEnable.lambdaCode", "AutoEnable.codeRepository"]);
    const cases: [string, Credentials, string, unknown][] = [
      ["GetDelegatedAdminAccount", creds[M]!, "/delegatedadminaccounts/get", {}],
      ["ListDelegatedAdminAccounts", creds[M]!, "/delegatedadminaccounts/list", { maxResults: 5 }],
      [
        "EnableDelegatedAdminAccount",
        creds[M]!,
        "/delegatedadminaccounts/enable",
        { delegatedAdminAccountId: A },
      ],
      ["GetMember", creds[A]!, "/members/get", { accountId: B }],
      ["ListMembers", creds[A]!, "/members/list", { onlyAssociated: false }],
      ["AssociateMember", creds[A]!, "/members/associate", { accountId: B }],
      ["DescribeOrganizationConfiguration", creds[A]!, "/organizationconfiguration/describe", {}],
      [
        "UpdateOrganizationConfiguration",
        creds[A]!,
        "/organizationconfiguration/update",
        { autoEnable: { ec2: true, ecr: true, lambda: true, lambdaCode: false, codeRepository: false } },
      ],
    ];
    for (const [op, c, path, body] of cases) {
      const r = await signedFetch(t.url, path, body, c);
      assert.equal(r.status, 200, `${op}: ${JSON.stringify(r.json)}`);
      const check = serviceModelValidator("inspector2", `${op}Response`, { newer, epochSeconds: true });
      assert.deepEqual(check(r.json), [], op);
    }
    // Errors carry the model's members too (ConflictException: resourceId and resourceType).
    const conflict = await signedFetch(
      t.url,
      "/delegatedadminaccounts/enable",
      { delegatedAdminAccountId: C },
      creds[M]!,
    );
    assert.equal(conflict.status, 409);
    assert.deepEqual(serviceModelValidator("inspector2", "ConflictException")(conflict.json), []);
    const refused = await signedFetch(t.url, "/members/get", { accountId: X }, creds[A]!);
    assert.equal(refused.status, 403);
    assert.deepEqual(serviceModelValidator("inspector2", "AccessDeniedException")(refused.json), []);
    // Request shapes are strict, with field-named errors.
    const bad = await signedFetch(t.url, "/members/get", { accountId: "12", extra: 1 }, creds[A]!);
    assert.equal(bad.errorType, "ValidationException");
    assert.deepEqual([...new Set((bad.json["fields"] as { name: string }[]).map((f) => f.name))].sort(), [
      "accountId",
      "extra",
    ]);
    const missing = await signedFetch(
      t.url,
      "/organizationconfiguration/update",
      { autoEnable: { ec2: true } },
      creds[A]!,
    );
    assert.equal(missing.errorType, "ValidationException");
    assert.match(String(missing.json["message"]), /autoEnable\.ecr: required/);
  });

  it("stops showing a member's data to the administrator once disassociated", async () => {
    const r = await clients[A]!.send(new DisassociateMemberCommand({ accountId: C }));
    assert.equal(r.accountId, C);
    assert.deepEqual(accountsOf(await findingsOf(clients[A]!)), [A, B, D]);
    await assert.rejects(
      clients[A]!.send(
        new ListFindingsCommand({ filterCriteria: { awsAccountId: [{ comparison: "EQUALS", value: C }] } }),
      ),
      denied,
    );
    const d = await clients[A]!.send(
      new BatchGetFindingDetailsCommand({ findingArns: [owned[C]!.findingArn] }),
    );
    assert.equal(d.errors?.[0]?.errorCode, "ACCESS_DENIED");
    const m = await clients[A]!.send(new GetMemberCommand({ accountId: C }));
    assert.equal(m.member?.relationshipStatus, "REMOVED");
    const listed = await clients[A]!.send(new ListMembersCommand({}));
    assert.deepEqual(
      listed.members?.map((x) => x.accountId),
      [B, D],
    );
    // C is its own again, and disassociating twice is an error.
    assert.deepEqual(accountsOf(await findingsOf(clients[C]!)), [C]);
    await assert.rejects(
      clients[A]!.send(new DisassociateMemberCommand({ accountId: C })),
      (e: Error) => e.name === "ValidationException",
    );
  });

  it("releases every member when the management account removes the administrator", async () => {
    // An administrator filter holds B's finding until the administrator goes.
    await clients[A]!.send(
      new CreateFilterCommand({
        name: "accept-all",
        action: "SUPPRESS",
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: CVE_REQUESTS }] },
      }),
    );
    const statusB = async () =>
      (
        await findingsOf(clients[B]!, { vulnerabilityId: [{ comparison: "EQUALS", value: CVE_REQUESTS }] })
      ).map((f) => f.status);
    assert.deepEqual(await statusB(), ["SUPPRESSED", "SUPPRESSED"]);
    const r = await clients[M]!.send(new DisableDelegatedAdminAccountCommand({ delegatedAdminAccountId: A }));
    assert.equal(r.delegatedAdminAccountId, A);
    assert.deepEqual(await statusB(), ["ACTIVE", "ACTIVE"]);
    assert.deepEqual(accountsOf(await findingsOf(clients[A]!)), [A]);
    const g = await clients[M]!.send(new GetDelegatedAdminAccountCommand({}));
    assert.equal(g.delegatedAdmin, undefined);
    await assert.rejects(clients[A]!.send(new ListMembersCommand({})), denied);
    await assert.rejects(
      clients[M]!.send(new DisableDelegatedAdminAccountCommand({ delegatedAdminAccountId: A })),
      (e: Error) => e.name === "ResourceNotFoundException",
    );
  });

  it("records every organization change in the audit log", async () => {
    const actionsOf = async (account: string) => {
      const r = await signedFetch(t.url, "/v1/audit/list", { maxResults: 500 }, creds[account]!);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return (r.json["events"] as { action: string }[]).map((e) => e.action);
    };
    const m = await actionsOf(M);
    for (const a of [
      "CreateOrganization",
      "AddOrganizationAccount",
      "EnableDelegatedAdminAccount",
      "DisableDelegatedAdminAccount",
    ])
      assert.ok(m.includes(a), `${a} in ${m}`);
    const a = await actionsOf(A);
    for (const x of ["AssociateMember", "DisassociateMember", "UpdateOrganizationConfiguration", "Enable"])
      assert.ok(a.includes(x), `${x} in ${a}`);
  });
});
