/**
 * ListFindingAggregations in the database against the in-memory reference: the same findings
 * stored in SQLite and PostgreSQL, every aggregation type with its sorts and filters (pushed into
 * the query, tested on the group's first finding, rolled up per AMI) must give the same
 * responses. The rows are written before migration 0007, whose backfill fills the layer column.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openServiceDatabase, type ServiceDatabase } from "../../src/db/service/open.js";
import type { Finding } from "../../src/findings/finding.js";
import { AGGREGATION_TYPES, aggregate, aggregateInDatabase } from "../../src/service/aggregations.js";
import { findingRow } from "../../src/service/findings-store.js";
import { tempDir } from "../advisories/helpers.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import {
  A,
  B,
  FINDINGS,
  FN_ORDERS,
  I_AAA,
  IMG_API,
  IMG_WEB,
  PY_LAYER,
  SHARED_LAYER,
} from "./aggregation-fixtures.js";

// Vigil's findings name one vulnerable package each; the fixture's two-package finding is the
// in-memory path's own test (PACKAGE counts it under both names).
const ONE_PACKAGE = FINDINGS.filter(
  (f) => (f.packageVulnerabilityDetails?.vulnerablePackages.length ?? 0) <= 1,
);

const NETWORK: Finding = {
  ...ONE_PACKAGE[0]!,
  findingArn: `arn:aws:inspector2:us-east-1:${A}:finding/net1`,
  type: "NETWORK_REACHABILITY",
  title: "Port 22 is reachable from an Internet Gateway",
  severity: "MEDIUM",
  fixAvailable: "NO",
  exploitAvailable: "NO",
  resources: [I_AAA],
};
delete (NETWORK as Partial<Finding>).packageVulnerabilityDetails;

const ACTIVE = [...ONE_PACKAGE, NETWORK];
/** Findings that are stored but must not be counted: suppressed and closed copies. */
const INACTIVE = ONE_PACKAGE.slice(0, 6).map((f, i) => ({
  ...f,
  findingArn: `${f.findingArn}-x${i}`,
  status: (i % 2 ? "SUPPRESSED" : "CLOSED") as Finding["status"],
}));

const eq = (value: string) => ({ comparison: "EQUALS", value });
const prefix = (value: string) => ({ comparison: "PREFIX", value });
const ne = (value: string) => ({ comparison: "NOT_EQUALS", value });

/** Per type: requests covering its sorts, column filters, resource-level filters and enums. */
const REQUESTS: Record<string, Record<string, unknown>[]> = {
  ACCOUNT: [{ resourceType: "AWS_LAMBDA_FUNCTION" }, { findingType: "NETWORK_REACHABILITY" }],
  FINDING_TYPE: [{ findingType: "PACKAGE_VULNERABILITY", resourceType: "AWS_ECR_CONTAINER_IMAGE" }],
  AMI: [{ sortBy: "AFFECTED_INSTANCES" }, { amis: [eq("ami-1")] }, { amis: [ne("ami-1")], sortOrder: "ASC" }],
  AWS_EC2_INSTANCE: [
    { sortBy: "NETWORK_FINDINGS" },
    { instanceIds: [prefix("i-a"), eq("i-ccc")] },
    { instanceTags: [{ comparison: "EQUALS", key: "env", value: "prod" }] },
    { operatingSystems: [eq("AMAZON_LINUX_2")], amis: [ne("ami-2")] },
  ],
  VM_INSTANCE: [{ cloudRegions: [eq("eu-west-1")] }, { resourceIds: [ne("i-aaa")], sortBy: "HIGH" }],
  AWS_ECR_CONTAINER: [
    { repositories: [eq("web")] },
    { imageTags: [eq("latest")] },
    { architectures: [eq("arm64")], sortBy: "ALL" },
    { inUseCount: [{ lowerInclusive: 1 }] },
    { lastInUseAt: [{ startInclusive: Date.parse("2024-05-15T00:00:00Z") }] },
    { resourceIds: [eq(IMG_API.id)], imageShas: [prefix("sha256:c")] },
  ],
  CONTAINER_IMAGE: [{ registries: [eq(A)], sortOrder: "ASC" }, { imageDigests: [eq("sha256:aaa")] }],
  REPOSITORY: [{ sortBy: "AFFECTED_IMAGES" }, { repositories: [prefix("a")] }],
  IMAGE_LAYER: [{ layerHashes: [eq("sha256:L2")] }, { resourceIds: [eq(IMG_WEB.id)], sortOrder: "ASC" }],
  AWS_LAMBDA_FUNCTION: [
    { runtimes: [prefix("python")] },
    { functionTags: [{ comparison: "EQUALS", key: "team", value: "pay" }] },
    { functionNames: [ne("orders")] },
  ],
  SERVERLESS_FUNCTION: [{ resourceIds: [eq(FN_ORDERS.id)] }],
  LAMBDA_LAYER: [
    { layerArns: [eq(SHARED_LAYER)] },
    { functionNames: [eq("users")], layerArns: [ne(PY_LAYER)] },
  ],
  PACKAGE: [
    { packageNames: [eq("openssl"), prefix("lod")] },
    { packageNames: [ne("openssl")], sortBy: "ALL" },
  ],
  TITLE: [
    { titles: [prefix("CVE-2024-000")] },
    { vulnerabilityIds: [eq("CVE-2024-0001")] },
    { resourceType: "AWS_EC2_INSTANCE", sortBy: "HIGH" },
  ],
  CODE_REPOSITORY: [{}],
};

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`finding aggregations in ${dialect} equal the in-memory reference`, () => {
    const tmp = tempDir(`agg-${dialect}`);
    let pg: TestPostgres | undefined;
    let database: ServiceDatabase;

    before(async () => {
      if (dialect === "postgres") pg = await startPostgres();
      const options = { dataDir: join(tmp.path, "data"), ...(pg ? { url: pg.url } : {}) };
      // Written as a database of the previous schema holds them, then migrated.
      const old = await openServiceDatabase({ ...options, migrateUpTo: "0006_console" });
      const now = Date.parse("2024-07-01T00:00:00Z");
      const rows = [...ACTIVE, ...INACTIVE].map((f) => {
        const { source_layer: _, ...row } = findingRow(f, {
          status: f.status,
          first: now,
          last: now,
          updated: now,
          suppressedBy: null,
          open: f.status !== "CLOSED",
        });
        return row;
      });
      // The rows lack the column 0007 adds, as the old schema did.
      await old.db
        .insertInto("findings")
        .values(rows as never)
        .execute();
      await old.close();
      database = await openServiceDatabase(options);
    });
    after(async () => {
      await database?.close();
      pg?.stop();
      tmp.cleanup();
    });

    it("migration 0007 backfilled each finding's layer from its stored body", async () => {
      const rows = await database.db.selectFrom("findings").select(["finding_arn", "source_layer"]).execute();
      const layer = new Map(rows.map((r) => [r.finding_arn, r.source_layer]));
      for (const f of ACTIVE) {
        const p = f.packageVulnerabilityDetails?.vulnerablePackages[0];
        assert.equal(
          layer.get(f.findingArn),
          p?.sourceLayerHash ?? p?.sourceLambdaLayerArn ?? "",
          f.findingArn,
        );
      }
      assert.ok([...layer.values()].includes("sha256:L2"));
      assert.ok([...layer.values()].includes(SHARED_LAYER));
    });

    const run = async (accounts: string[], type: string, request: Record<string, unknown> | undefined) => {
      const agg = await aggregateInDatabase(
        database.db,
        accounts,
        { findingStatus: [eq("ACTIVE")] },
        type,
        request,
      );
      // Shown in two pages, as the operation pages them.
      const half = Math.ceil(agg.groups.length / 2);
      return [
        ...(await agg.responses(agg.groups.slice(0, half))),
        ...(await agg.responses(agg.groups.slice(half))),
      ];
    };

    it("gives the reference's responses for every type, sort and filter", async () => {
      let compared = 0;
      let nonEmpty = 0;
      for (const type of AGGREGATION_TYPES) {
        const requests = [{}, { sortOrder: "ASC" }, ...(REQUESTS[type] ?? [])];
        for (const request of requests) {
          for (const accounts of [[A, B], [A]]) {
            const expected = aggregate(
              type,
              request,
              ACTIVE.filter((f) => accounts.includes(f.awsAccountId)),
            );
            const actual = await run(accounts, type, request);
            assert.deepEqual(actual, expected, `${type} ${JSON.stringify(request)} over ${accounts}`);
            compared++;
            if (expected.length > 0) nonEmpty++;
          }
        }
      }
      // Most comparisons have groups to compare (CODE_REPOSITORY and a few filters have none).
      assert.ok(compared >= 90, `${compared} comparisons`);
      assert.ok(nonEmpty >= compared - 12, `${nonEmpty} of ${compared} non-empty`);
    });

    it("counts a network finding under its instance and leaves titles without an id unnamed", async () => {
      const [ec2] = await run([A], "AWS_EC2_INSTANCE", { sortBy: "NETWORK_FINDINGS" });
      assert.equal(
        (ec2 as { ec2InstanceAggregation: { networkFindings: number } }).ec2InstanceAggregation
          .networkFindings,
        1,
      );
      const titles = await run([A], "TITLE", { titles: [eq(NETWORK.title)] });
      assert.deepEqual(titles, [
        {
          titleAggregation: {
            title: NETWORK.title,
            accountId: A,
            severityCounts: { all: 1, medium: 1, high: 0, critical: 0 },
          },
        },
      ]);
    });

    it("rejects what the reference rejects, before touching the database", async () => {
      await assert.rejects(run([A], "BOGUS", {}), /BOGUS/);
      await assert.rejects(run([A], "AMI", { sortBy: "NETWORK_FINDINGS" }), /sortBy/);
      await assert.rejects(run([A], "TITLE", { titles: [{ comparison: "LIKE", value: "x" }] }), /comparison/);
      await assert.rejects(run([A], "ACCOUNT", { resourceType: "BOGUS" }), /resourceType/);
    });
  });
}
