/**
 * The findings lifecycle and the store, run against both databases: SQLite (a real file) and a
 * real PostgreSQL server started on loopback. Advisories come from a small OSV mirror written
 * here, imported by the real update code, so the change log drives re-evaluation.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AdvisoryStore, openAdvisoryStore } from "../../src/advisories/store.js";
import { updateAdvisories } from "../../src/advisories/update.js";
import { openServiceDatabase, type ServiceDatabase } from "../../src/db/service/open.js";
import { loadMasterKey } from "../../src/service/keys.js";
import { type Principal, type SubmittedResource, VigilService } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { pypi, TEST_ADVISORIES, writePypiMirror } from "../support/service.js";

const ACCOUNT = "111122223333";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };

const [advisoryA, advisoryB] = TEST_ADVISORIES as [string, string];
const writeMirror = writePypiMirror;

const host = (i: number): SubmittedResource => ({
  id: `i-${String(i).padStart(17, "0")}`,
  type: "AWS_EC2_INSTANCE",
  tags: { env: i % 2 ? "prod" : "test" },
  details: { awsEc2Instance: { platform: "DEBIAN_12", imageId: "ami-0001" } },
});

/** Hosts 0–4 hold vulnerable requests and flask; hosts 5–9 hold fixed requests and django. */
const inventoryOf = (i: number) =>
  i < 5
    ? { packages: [pypi("requests", "2.30.0"), pypi("flask", "2.0.0")] }
    : { packages: [pypi("requests", "2.31.0"), pypi("Django", "4.0")] };

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`service lifecycle on ${dialect}`, () => {
    const tmp = tempDir(`svc-${dialect}`);
    const mirror = join(tmp.path, "mirror");
    const dataDir = join(tmp.path, "data");
    let pg: TestPostgres | undefined;
    let database: ServiceDatabase;
    let store: AdvisoryStore;
    let service: VigilService;
    let clock = Date.parse("2026-01-01T00:00:00Z");

    before(async () => {
      writeMirror(mirror, [advisoryA]);
      await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
      if (dialect === "postgres") pg = await startPostgres();
      database = await openServiceDatabase({ dataDir, ...(pg ? { url: pg.url } : {}) });
      store = openAdvisoryStore(dataDir);
      service = new VigilService(database, store, loadMasterKey(dataDir), {
        region: "local",
        now: () => clock,
      });
    });
    after(async () => {
      await database?.close();
      store?.close();
      pg?.stop();
      tmp.cleanup();
    });

    it("opens findings for a first inventory and none for a fixed one", async () => {
      for (let i = 0; i < 10; i++) await service.submitInventory(admin, host(i), inventoryOf(i));
      const { findings } = await service.listFindings(ACCOUNT, {});
      assert.equal(findings.length, 5);
      for (const f of findings) {
        assert.equal(f.status, "ACTIVE");
        assert.equal(f.packageVulnerabilityDetails.vulnerabilityId, "CVE-2099-0001");
        assert.equal(f.severity, "CRITICAL");
        assert.equal(f.firstObservedAt, new Date(clock).toISOString());
        assert.equal(f.resources[0]!.tags!["env"] !== undefined, true);
      }
      assert.deepEqual((await service.counts(ACCOUNT)).resources, 10);
    });

    it("observes present findings again without marking them updated", async () => {
      const first = clock;
      clock += 60_000;
      const r = await service.submitInventory(admin, host(0), inventoryOf(0));
      assert.deepEqual([r.opened, r.closed, r.changed, r.unchanged], [0, 0, 0, 1]);
      const [f] = (
        await service.listFindings(ACCOUNT, {
          criteria: { resourceId: [{ comparison: "EQUALS", value: host(0).id }] },
        })
      ).findings;
      assert.equal(f!.lastObservedAt, new Date(clock).toISOString());
      assert.equal(f!.updatedAt, new Date(first).toISOString());
    });

    it("closes a finding when the package is upgraded and reopens it when it comes back", async () => {
      clock += 60_000;
      const up = await service.submitInventory(admin, host(0), {
        packages: [pypi("requests", "2.31.0"), pypi("flask", "2.0.0")],
      });
      assert.deepEqual([up.opened, up.closed], [0, 1]);
      const byHost = { resourceId: [{ comparison: "EQUALS" as const, value: host(0).id }] };
      let [f] = (await service.listFindings(ACCOUNT, { criteria: byHost })).findings;
      assert.equal(f!.status, "CLOSED");
      assert.equal(f!.updatedAt, new Date(clock).toISOString());
      clock += 60_000;
      const back = await service.submitInventory(admin, host(0), inventoryOf(0));
      assert.equal(back.opened, 1);
      [f] = (await service.listFindings(ACCOUNT, { criteria: byHost })).findings;
      assert.equal(f!.status, "ACTIVE");
      assert.equal(f!.lastObservedAt, new Date(clock).toISOString());
    });

    it("re-evaluates only the resources holding an affected package after an advisory update", async () => {
      // The first pass consumes the initial import: findings are current, so nothing changes.
      const settle = await service.reevaluate();
      assert.equal(settle.opened + settle.closed + settle.changed, 0);
      const before = new Map(
        (await service.listFindings(ACCOUNT, { maxResults: 100 })).findings.map((f) => [
          f.findingArn,
          f.updatedAt,
        ]),
      );

      writeMirror(mirror, [advisoryA, advisoryB]);
      await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
      clock += 60_000;
      const r = await service.reevaluate();
      assert.equal(r.resources, 5, "only the five hosts with flask are re-evaluated");
      assert.equal(r.opened, 5);
      assert.equal(r.closed, 0);
      const all = (await service.listFindings(ACCOUNT, { maxResults: 100 })).findings;
      assert.equal(
        all.filter((f) => f.packageVulnerabilityDetails.vulnerabilityId === "CVE-2099-0002").length,
        5,
      );
      for (const f of all) {
        if (before.has(f.findingArn))
          assert.equal(f.updatedAt, before.get(f.findingArn), "untouched findings keep updatedAt");
      }
      // Nothing new: a second pass re-evaluates nothing.
      assert.equal((await service.reevaluate()).resources, 0);

      // The advisory is withdrawn from the feed: its findings close.
      writeMirror(mirror, [advisoryA]);
      await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
      const gone = await service.reevaluate();
      assert.equal(gone.resources, 5);
      assert.equal(gone.closed, 5);
      writeMirror(mirror, [advisoryA, advisoryB]);
      await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
      assert.equal((await service.reevaluate()).opened, 5);
    });

    it("suppresses existing and future findings with a SUPPRESS filter until it is deleted", async () => {
      const arn = await service.createFilter(admin, {
        name: "accept-flask",
        action: "SUPPRESS",
        criteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
        reason: "not reachable",
      });
      const suppressed = async () =>
        (
          await service.listFindings(ACCOUNT, {
            criteria: { findingStatus: [{ comparison: "EQUALS", value: "SUPPRESSED" }] },
            maxResults: 100,
          })
        ).findings.length;
      assert.equal(await suppressed(), 5);
      await service.submitInventory(admin, host(10), inventoryOf(0));
      assert.equal(await suppressed(), 6, "a new finding matching the filter arrives suppressed");
      await service.deleteFilter(admin, arn);
      assert.equal(await suppressed(), 0);
      const audit = await service.auditLog(ACCOUNT);
      assert.deepEqual(
        audit.slice(0, 2).map((a) => a.action),
        ["DeleteFilter", "CreateFilter"],
      );
    });

    it("paginates to the end with every sort order and filters with all comparison kinds", async () => {
      const total = (await service.listFindings(ACCOUNT, { maxResults: 100 })).findings.length;
      assert.equal(total, 12);
      for (const sort of [
        { field: "SEVERITY", sortOrder: "ASC" as const },
        { field: "FIRST_OBSERVED_AT", sortOrder: "DESC" as const },
        { field: "VULNERABILITY_ID", sortOrder: "ASC" as const },
        { field: "INSPECTOR_SCORE", sortOrder: "DESC" as const },
      ]) {
        const seen: string[] = [];
        let nextToken: string | undefined;
        do {
          const page = await service.listFindings(ACCOUNT, {
            maxResults: 5,
            sort,
            ...(nextToken ? { nextToken } : {}),
          });
          seen.push(...page.findings.map((f) => f.findingArn));
          nextToken = page.nextToken;
        } while (nextToken);
        assert.equal(seen.length, total, sort.field);
        assert.equal(new Set(seen).size, total, sort.field);
      }
      const count = async (criteria: Record<string, unknown[]>) =>
        (await service.listFindings(ACCOUNT, { criteria, maxResults: 100 })).findings.length;
      assert.equal(await count({ title: [{ comparison: "PREFIX", value: "CVE-2099-0002" }] }), 6);
      assert.equal(await count({ severity: [{ comparison: "NOT_EQUALS", value: "CRITICAL" }] }), 6);
      assert.equal(await count({ inspectorScore: [{ lowerInclusive: 9 }] }), 6);
      assert.equal(await count({ resourceTags: [{ comparison: "EQUALS", key: "env", value: "prod" }] }), 4);
      assert.equal(
        await count({
          vulnerablePackages: [
            {
              name: { comparison: "EQUALS", value: "flask" },
              version: { comparison: "PREFIX", value: "2." },
            },
          ],
        }),
        6,
      );
      assert.equal(await count({ firstObservedAt: [{ startInclusive: clock }] }), 7);
      assert.equal(await count({ ec2InstanceImageId: [{ comparison: "EQUALS", value: "ami-0001" }] }), 12);
      await assert.rejects(service.listFindings(ACCOUNT, { nextToken: "garbage!" }), /nextToken/);
    });

    it("keeps accounts apart", async () => {
      const other = "444455556666";
      await service.submitInventory({ accountId: other, id: "t", readOnly: false }, host(0), inventoryOf(0));
      assert.equal((await service.listFindings(other, {})).findings.length, 2);
      assert.equal((await service.listFindings(ACCOUNT, { maxResults: 100 })).findings.length, 12);
      await assert.rejects(
        service.submitInventory({ accountId: other, id: "ro", readOnly: true }, host(1), inventoryOf(1)),
        /read-only/,
      );
    });

    it("re-evaluating a resource submitted without details or tags changes none of its findings", async () => {
      const bare = { id: "i-bare", type: "AWS_EC2_INSTANCE" as const };
      // Another account, so the counts of the cases above stay as they are.
      const admin = { accountId: "777788889999", id: "t", readOnly: false };
      const first = await service.submitInventory(admin, bare, inventoryOf(0));
      assert.ok(first.opened > 0);
      const again = await service.reevaluateResource(admin.accountId, bare.id);
      assert.deepEqual([again!.opened, again!.closed, again!.changed], [0, 0, 0]);
      const explicit = await service.submitInventory(
        admin,
        { ...bare, details: {}, tags: {} },
        inventoryOf(0),
      );
      assert.equal(explicit.changed, 0, "empty details and tags are the same as none");
    });
  });
}
