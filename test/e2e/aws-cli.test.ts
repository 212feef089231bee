/**
 * The real AWS CLI v2 (Debian `awscli`, /usr/bin/aws) against a Vigil server: commands as
 * Amazon Inspector's documentation prints them, plus --endpoint-url.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { signedFetch } from "../../src/server/client.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const AWS = "/usr/bin/aws";
const ACCOUNT = "210987654321";

describe("AWS CLI v2 against Vigil", () => {
  let t: TestService;
  let env: NodeJS.ProcessEnv;

  // Asynchronous: the server answers from this same process.
  const run = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string; json: () => unknown }>((done) => {
      execFile(AWS, args, { env, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
        const status = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        done({ status, stdout, stderr, json: () => JSON.parse(stdout || "null") as unknown });
      });
    });
  const aws = (args: string[]) => run([...args, "--endpoint-url", t.url, "--output", "json"]);

  before(async () => {
    assert.ok(existsSync(AWS), "Debian package awscli must be installed (.ci/apt-packages)");
    t = await startTestService();
    const key = await t.service.createKey(ACCOUNT);
    const home = mkdtempSync(join(tmpdir(), "vigil-awscli-"));
    writeFileSync(join(home, "config"), "[default]\nregion = us-east-1\n");
    env = {
      PATH: process.env["PATH"],
      HOME: home,
      AWS_CONFIG_FILE: join(home, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_PAGER: "",
    };
    for (let i = 0; i < 4; i++) {
      const r = await signedFetch(
        t.url,
        `/v1/resources/i-0${i}abcdef0123456789/inventory`,
        {
          resourceType: "AWS_EC2_INSTANCE",
          inventory: { packages: [pypi("requests", "2.30.0"), pypi("flask", i < 2 ? "2.0.0" : "3.0.0")] },
        },
        key,
      );
      assert.equal(r.status, 200);
    }
  });
  after(async () => {
    await t?.close();
  });

  it("list-findings with the documentation's severity filter and --query", async () => {
    const r = await aws([
      "inspector2",
      "list-findings",
      "--filter-criteria",
      '{"severity":[{"comparison":"EQUALS","value":"CRITICAL"}]}',
      "--query",
      "findings[].{Title:title,Resource:resources[0].id,Score:inspectorScore}",
    ]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.json() as { Title: string; Resource: string; Score: number }[];
    assert.equal(rows.length, 4);
    for (const row of rows) {
      assert.equal(row.Title, "CVE-2099-0001 - requests");
      assert.equal(row.Score, 9.8);
      assert.match(row.Resource, /^i-0\dabcdef0123456789$/);
    }
  });

  it("the CLI's own pagination walks every page", async () => {
    const r = await aws(["inspector2", "list-findings", "--page-size", "1", "--query", "length(findings)"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json(), 6);
  });

  it("account status, coverage, aggregations", async () => {
    const st = await aws(["inspector2", "batch-get-account-status", "--account-ids", ACCOUNT]);
    assert.equal(st.status, 0, st.stderr);
    assert.equal(
      (st.json() as { accounts: { state: { status: string } }[] }).accounts[0]!.state.status,
      "ENABLED",
    );
    const cov = await aws(["inspector2", "list-coverage", "--query", "coveredResources[].resourceId"]);
    assert.equal(cov.status, 0, cov.stderr);
    assert.equal((cov.json() as string[]).length, 4);
    const stats = await aws(["inspector2", "list-coverage-statistics", "--group-by", "RESOURCE_TYPE"]);
    assert.equal(stats.status, 0, stats.stderr);
    assert.equal((stats.json() as { totalCounts: number }).totalCounts, 4);
    const agg = await aws([
      "inspector2",
      "list-finding-aggregations",
      "--aggregation-type",
      "TITLE",
      "--query",
      "responses[].titleAggregation.{t:title,n:severityCounts.all}",
    ]);
    assert.equal(agg.status, 0, agg.stderr);
    assert.deepEqual(agg.json(), [
      { t: "CVE-2099-0001 - requests", n: 4 },
      { t: "CVE-2099-0002 - flask", n: 2 },
    ]);
  });

  it("suppression rule, report and errors", async () => {
    const created = await aws([
      "inspector2",
      "create-filter",
      "--name",
      "suppress-flask",
      "--action",
      "SUPPRESS",
      "--filter-criteria",
      '{"vulnerabilityId":[{"comparison":"EQUALS","value":"CVE-2099-0002"}]}',
    ]);
    assert.equal(created.status, 0, created.stderr);
    const arn = (created.json() as { arn: string }).arn;
    const active = await aws([
      "inspector2",
      "list-findings",
      "--filter-criteria",
      '{"findingStatus":[{"comparison":"EQUALS","value":"ACTIVE"}]}',
      "--query",
      "length(findings)",
    ]);
    assert.equal(active.json(), 4);
    assert.equal((await aws(["inspector2", "delete-filter", "--arn", arn])).status, 0);

    const report = await aws([
      "inspector2",
      "create-findings-report",
      "--report-format",
      "CSV",
      "--s3-destination",
      "bucketName=vigil-reports,keyPrefix=cli,kmsKeyArn=arn:aws:kms:us-east-1:210987654321:key/none",
    ]);
    assert.equal(report.status, 0, report.stderr);
    const { reportId } = report.json() as { reportId: string };
    let status = "";
    for (let i = 0; i < 50 && status !== "SUCCEEDED"; i++) {
      status = (
        (await aws(["inspector2", "get-findings-report-status", "--report-id", reportId])).json() as {
          status: string;
        }
      ).status;
    }
    assert.equal(status, "SUCCEEDED");
    const csv = readFileSync(join(t.dataDir, "reports", "vigil-reports", "cli", `${reportId}.csv`), "utf8");
    assert.equal(csv.trim().split("\n").length, 7);

    const bad = await aws([
      "inspector2",
      "list-findings",
      "--filter-criteria",
      '{"severity":[{"comparison":"EQUALS","value":""}]}',
    ]);
    assert.notEqual(bad.status, 0);
    const badToken = await aws([
      "inspector2",
      "list-findings",
      "--next-token",
      "not-a-token",
      "--no-paginate",
    ]);
    assert.notEqual(badToken.status, 0);
    assert.match(badToken.stderr, /ValidationException/);
    const noAuth = await run(["inspector2", "list-findings", "--endpoint-url", t.url, "--no-sign-request"]);
    assert.notEqual(noAuth.status, 0);
    assert.match(noAuth.stderr, /MissingAuthenticationToken/);
  });
});
