/**
 * `vigil gate` against a real server (active findings of one resource, suppressions honoured,
 * unknown resources an error) and against a `vigil scan --format json` report.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Principal } from "../../src/service/service.js";
import { runVigilAsync } from "../support/cli.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };

describe("vigil gate", () => {
  let t: TestService;
  let env: Record<string, string>;
  before(async () => {
    t = await startTestService();
    const key = await t.service.createKey(ACCOUNT);
    env = {
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      VIGIL_ENDPOINT_URL: t.url,
    };
    // requests 2.30.0 (CRITICAL 9.8) and Flask 2.0.0 (HIGH 7.5).
    await t.service.submitInventory(
      admin,
      { id: "build-42", type: "AWS_EC2_INSTANCE" },
      { packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")] },
    );
  });
  after(async () => t?.close());

  it("fails on a finding at or above the threshold and says which", async () => {
    const r = await runVigilAsync(["gate", "--resource", "build-42", "--fail-on", "critical"], env);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stdout,
      /^gate failed: build-42 has 1 active finding\(s\) at or above CRITICAL:\n {2}CRITICAL +9\.8 +CVE-2099-0001 {2}requests 2\.30\.0 → 2\.31\.0\n/,
    );
  });

  it("does not count suppressed findings", async () => {
    await t.service.createFilter(admin, {
      name: "accepted",
      action: "SUPPRESS",
      reason: "not reachable in CI",
      criteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0001" }] },
    });
    const pass = await runVigilAsync(["gate", "--resource", "build-42", "--fail-on", "CRITICAL"], env);
    assert.equal(pass.status, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /gate passed: build-42 has no active finding at or above CRITICAL \(1 below\)/);
    const high = await runVigilAsync(["gate", "--resource", "build-42", "--fail-on", "HIGH"], env);
    assert.equal(high.status, 1);
    assert.match(high.stdout, /HIGH +7\.5 +CVE-2099-0002 {2}Flask 2\.0\.0 → 2\.2\.5/);
  });

  it("refuses unknown resources, tags instead of digests, and malformed reports", async () => {
    const unknown = await runVigilAsync(["gate", "--resource", "nope", "--fail-on", "HIGH"], env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /nope is not known to the server/);
    const tag = await runVigilAsync(["gate", "--image", "reg.example/app:latest", "--fail-on", "HIGH"], env);
    assert.equal(tag.status, 2);
    assert.match(tag.stderr, /name the image by digest/);
    const bad = join(t.dataDir, "bad.json");
    writeFileSync(bad, "{");
    const r = await runVigilAsync(["gate", "--report", bad, "--fail-on", "HIGH"], {});
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not a vigil scan JSON report/);
  });

  it("reads a vigil scan JSON report where there is no server", async () => {
    const { findings } = await t.service.listFindings(ACCOUNT, {});
    const report = join(t.dataDir, "scan.json");
    writeFileSync(report, JSON.stringify({ findings: findings.map((f) => ({ ...f, status: "ACTIVE" })) }));
    const r = await runVigilAsync(["gate", "--report", report, "--fail-on", "CRITICAL"], {});
    assert.equal(r.status, 1);
    assert.match(r.stdout, /CVE-2099-0001/);
  });
});
