/**
 * Jobs as users see them: the /v1/jobs API (SigV4, per-account visibility, retry and cancel,
 * validation) and `vigil jobs` on the data directory.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type JobQueue, requestReevaluation } from "../../src/jobs/index.js";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { runVigilAsync } from "../support/cli.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const A = "111111111111";
const B = "222222222222";
const adminA: Principal = { accountId: A, id: "test", readOnly: false };

interface WireJob {
  id: string;
  kind: string;
  state: string;
  data: { accountId?: string };
  retryCount: number;
  output?: unknown;
  createdAt: number;
}

describe("jobs API and vigil jobs", { timeout: 180_000 }, () => {
  let t: TestService;
  let jobs: JobQueue;
  let keyA: Credentials;
  let keyB: Credentials;
  let readOnlyA: Credentials;
  const call = (path: string, body: unknown, key = keyA) => signedFetch(t.url, path, body, key);

  before(async () => {
    t = await startTestService();
    jobs = t.jobs;
    keyA = await t.service.createKey(A);
    keyB = await t.service.createKey(B);
    readOnlyA = await t.service.createKey(A, { readOnly: true });
    await t.service.submitInventory(
      adminA,
      { id: "i-a", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0")],
      },
    );
  });
  after(async () => {
    await t?.close();
  });

  it("lists an account's jobs with their outcome; other accounts do not see them", async () => {
    const report = await call("/reporting/create", {
      reportFormat: "CSV",
      s3Destination: { bucketName: "reports", kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/x" },
    });
    assert.equal(report.status, 200, JSON.stringify(report.json));
    await t.exports.idle();
    const listed = await call("/v1/jobs/list", { kind: "export" });
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    assert.equal(listed.json["backend"], "sqlite");
    const [job] = listed.json["jobs"] as WireJob[];
    assert.ok(job);
    assert.equal(job.kind, "export");
    assert.equal(job.state, "completed");
    assert.equal(job.data.accountId, A);
    assert.deepEqual(job.output, { outputs: 1 });
    assert.ok(job.createdAt > 1_700_000_000 && job.createdAt < 4_000_000_000, "epoch seconds on the wire");
    const got = await call("/v1/jobs/get", { id: job.id });
    assert.equal((got.json["job"] as WireJob).id, job.id);
    // Account B sees neither the job nor, by id, that it exists.
    const other = await call("/v1/jobs/list", {}, keyB);
    assert.equal((other.json["jobs"] as WireJob[]).filter((j) => j.data.accountId === A).length, 0);
    const hidden = await call("/v1/jobs/get", { id: job.id }, keyB);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.errorType, "ResourceNotFoundException");
  });

  it("cancels a waiting job and retries a failed one; read-only keys may only look", async () => {
    const waiting = (await jobs.send(
      "export",
      { reportId: "none", accountId: A, accounts: [A] },
      { delayMs: 600_000 },
    ))!;
    const denied = await call("/v1/jobs/cancel", { id: waiting }, readOnlyA);
    assert.equal(denied.status, 403, JSON.stringify(denied.json));
    const cancelled = await call("/v1/jobs/cancel", { id: waiting });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
    assert.equal((cancelled.json["job"] as WireJob).state, "cancelled");
    const again = await call("/v1/jobs/cancel", { id: waiting });
    assert.equal(again.status, 409);
    assert.match(String(again.json["message"]), /cancelled/);
    const retried = await call("/v1/jobs/retry", { id: waiting });
    assert.equal(retried.status, 200, JSON.stringify(retried.json));
    await t.exports.idle();
    const done = (await jobs.get(waiting))!;
    assert.equal(done.state, "completed");
    assert.deepEqual(done.output, { skipped: "report is gone" });
    const audit = await t.service.auditLog(A);
    const actions = audit.map((a) => a.action);
    assert.ok(actions.includes("CancelJob") && actions.includes("RetryJob"), actions.join(","));
  });

  it("shows jobs of no account to everyone but lets only operators manage them", async () => {
    const id = (await requestReevaluation(jobs))!;
    await jobs.idle(["reevaluate"]);
    const seen = await call("/v1/jobs/get", { id }, keyB);
    assert.equal(seen.status, 200, JSON.stringify(seen.json));
    const refused = await call("/v1/jobs/retry", { id });
    assert.equal(refused.status, 403);
    assert.match(String(refused.json["message"]), /vigil jobs/);
  });

  it("validates requests, naming the field", async () => {
    const bad = await call("/v1/jobs/list", { state: "sleeping" });
    assert.equal(bad.status, 400);
    assert.equal(bad.errorType, "ValidationException");
    assert.match(String(bad.json["message"]), /state/);
    const unknown = await call("/v1/jobs/list", { kind: "mine-bitcoin" });
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.json["message"]), /kind/);
    const extra = await call("/v1/jobs/get", { id: "x", also: 1 });
    assert.equal(extra.status, 400);
    const missing = await call("/v1/jobs/get", { id: "00000000-0000-0000-0000-000000000000" });
    assert.equal(missing.status, 404);
  });

  it("vigil jobs lists, shows, cancels and retries on the data directory", async () => {
    const waiting = (await jobs.send(
      "export",
      { reportId: "cli", accountId: A, accounts: [A] },
      { delayMs: 600_000 },
    ))!;
    const vigil = (...args: string[]) => runVigilAsync(["--data-dir", t.dataDir, "jobs", ...args]);
    const list = await vigil();
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^sqlite queue/m);
    assert.match(list.stdout, /export\s+waiting 1/);
    assert.ok(list.stdout.includes(waiting));
    const json = JSON.parse((await vigil("--kind", "export", "--json")).stdout) as {
      backend: string;
      jobs: { id: string }[];
    };
    assert.equal(json.backend, "sqlite");
    assert.ok(json.jobs.some((j) => j.id === waiting));
    const show = await vigil("show", waiting);
    assert.equal(show.status, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { state: string }).state, "created");
    const cancel = await vigil("cancel", waiting);
    assert.equal(cancel.status, 0, cancel.stderr);
    assert.match(cancel.stdout, /cancelled/);
    const twice = await vigil("cancel", waiting);
    assert.notEqual(twice.status, 0);
    assert.match(twice.stderr, /is cancelled: cannot cancel it/);
    const bad = await vigil("--state", "sleeping");
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--state sleeping/);
    const none = await vigil("show", "nope");
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /no job nope/);
  });
});
