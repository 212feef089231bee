/**
 * Event routing end to end: a real Vigil server publishes "Inspector2 Finding/Scan/Coverage"
 * events, rules with EventBridge patterns route them, and real HTTP receivers on loopback (and a
 * real program) take them: HMAC signatures, retries with backoff, dead letters and replay, Slack
 * messages, Security Hub's SigV4-signed BatchImportFindings, command targets.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { testEvent, type VigilEvent } from "../../src/events/envelope.js";
import type { Finding } from "../../src/findings/finding.js";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import { parseAuthorization, verifySignature } from "../../src/server/sigv4.js";
import type { Principal } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { batchImportFindingsValidator } from "../support/botocore.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { pypi, startTestService, type TestService } from "../support/service.js";
import { selfSignedCert } from "../support/tls.js";

const ACCOUNT = "123456789012";
/** An event as a receiver parses it: the envelope, and a detail that is a finding or another JSON object. */
type EventJson = Omit<VigilEvent, "detail"> & { detail: Finding & Record<string, unknown> };
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };
const SECRET = "s3cret-for-hmac-signing";
const FAST = { initialDelaySeconds: 0.05, maxDelaySeconds: 1, timeoutSeconds: 2 };

interface Delivery {
  id: number;
  eventId: string;
  detailType: string;
  state: string;
  attempts: number;
  target: string;
  lastError?: string;
  lastStatus?: number;
}

describe("event delivery", { timeout: 120_000 }, () => {
  let t: TestService;
  let key: Credentials;
  let readOnly: Credentials;
  const tmp = tempDir("events");
  const receivers: Receiver[] = [];
  const commandDir = join(tmp.path, "hooks");
  let host = 0;

  const api = async (
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body?: unknown,
    creds = key,
  ) => {
    const r = await signedFetch(t.url, path, body, creds, { method });
    return { status: r.status, json: r.json, errorType: r.errorType };
  };
  const ok = async (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) => {
    const r = await api(method, path, body);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const receiver = async (
    b: Parameters<typeof startReceiver>[0] = {},
    o: Parameters<typeof startReceiver>[1] = {},
  ) => {
    const r = await startReceiver(b, o);
    receivers.push(r);
    return r;
  };
  const deliveries = async (q: Record<string, unknown> = {}) =>
    (await ok("POST", "/v1/events/deliveries/list", { maxResults: 500, ...q }))["deliveries"] as Delivery[];
  const waitFor = async (what: string, cond: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`timed out waiting for ${what}`);
  };
  /** A fresh host with a CRITICAL (requests) and a HIGH (Flask) finding. */
  const vulnerableHost = async () => {
    const id = `host-${++host}`;
    await t.service.submitInventory(
      admin,
      { id, type: "AWS_EC2_INSTANCE" },
      { packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")] },
    );
    return id;
  };
  const rule = (name: string, targets: string[], pattern: Record<string, unknown>) =>
    ok("PUT", `/v1/events/rules/${name}`, { pattern, targets });
  const dropRule = (name: string) => ok("DELETE", `/v1/events/rules/${name}`);

  before(async () => {
    mkdirSync(commandDir);
    t = await startTestService({ events: { concurrency: 4, commandDir } });
    key = await t.service.createKey(ACCOUNT);
    readOnly = await t.service.createKey(ACCOUNT, { readOnly: true });
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await t?.close();
    tmp.cleanup();
  });

  it("stores nothing while no rule matches", async () => {
    await vulnerableHost();
    const n = await t.database.db
      .selectFrom("events")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirst();
    assert.equal(Number(n?.n), 0);
  });

  it("sends matching finding events to a webhook, signed with HMAC-SHA256", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/hook", {
      type: "webhook",
      config: { url: `${rx.url}/vigil`, secret: SECRET, headers: { "X-Team": "platform" }, ...FAST },
    });
    await rule("critical", ["hook"], {
      source: ["aws.inspector2"],
      "detail-type": ["Inspector2 Finding"],
      detail: { severity: ["CRITICAL"], status: ["ACTIVE"] },
    });
    const hostId = await vulnerableHost();
    await rx.until((r) => r.length >= 1);
    await new Promise((r) => setTimeout(r, 300)); // nothing else should come
    assert.equal(rx.requests.length, 1, "only the CRITICAL finding matches");
    const req = rx.requests[0]!;
    assert.equal(req.path, "/vigil");
    assert.equal(req.headers["x-team"], "platform");
    const ts = String(req.headers["x-vigil-timestamp"]);
    const expected = `sha256=${createHmac("sha256", SECRET).update(`${ts}.${req.body}`).digest("hex")}`;
    assert.equal(req.headers["x-vigil-signature"], expected);
    const event = JSON.parse(req.body) as EventJson;
    assert.equal(event["version"], "0");
    assert.equal(event["source"], "aws.inspector2");
    assert.equal(event["detail-type"], "Inspector2 Finding");
    assert.equal(event["account"], ACCOUNT);
    assert.match(event["time"], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(req.headers["x-vigil-event-id"], event["id"]);
    assert.equal(event["detail"].severity, "CRITICAL");
    assert.equal(event["detail"].packageVulnerabilityDetails.vulnerabilityId, "CVE-2099-0001");
    assert.equal(event["detail"].resources[0]!.id, hostId);
    assert.deepEqual(event["resources"], [event["detail"].findingArn]);
    // A tampered body no longer verifies.
    assert.notEqual(
      `sha256=${createHmac("sha256", SECRET).update(`${ts}.${req.body} `).digest("hex")}`,
      req.headers["x-vigil-signature"],
    );
    const log = await deliveries({ target: "hook" });
    assert.equal(log[0]!.state, "delivered");
    assert.equal(log[0]!.attempts, 1);

    // The fix closes the finding: a CLOSED event (the rule is widened to any status).
    await rule("critical", ["hook"], {
      "detail-type": ["Inspector2 Finding"],
      detail: { severity: ["CRITICAL"] },
    });
    await t.service.submitInventory(
      admin,
      { id: hostId, type: "AWS_EC2_INSTANCE" },
      { packages: [pypi("requests", "2.31.0"), pypi("Flask", "2.0.0")] },
    );
    await rx.until((r) => r.length >= 2);
    const closed = JSON.parse(rx.requests[1]!.body) as EventJson;
    assert.equal(closed["detail"].status, "CLOSED");
    assert.equal(closed["detail"].findingArn, event["detail"].findingArn);
    await dropRule("critical");
  });

  it("retries a failing receiver with growing delays until it answers", async () => {
    const rx = await receiver({ failFirst: 3, failStatus: 503 });
    await ok("PUT", "/v1/events/targets/flaky", {
      type: "webhook",
      config: { url: rx.url, ...FAST, initialDelaySeconds: 0.2, maxDelaySeconds: 5 },
    });
    await rule("flaky", ["flaky"], { "detail-type": ["Inspector2 Finding"], detail: { severity: ["HIGH"] } });
    await vulnerableHost();
    await rx.until((r) => r.some((x) => x.status === 200), 30_000);
    assert.equal(rx.requests.length, 4);
    const ids = new Set(rx.requests.map((r) => JSON.parse(r.body).id));
    assert.equal(ids.size, 1, "the same event each time");
    const gaps = rx.requests.slice(1).map((r, i) => r.at - rx.requests[i]!.at);
    // Equal jitter: the n-th retry waits at least half of 0.2 s × 2^(n-1).
    for (const [i, g] of gaps.entries())
      assert.ok(g >= 100 * 2 ** i - 30, `retry ${i + 1} came after ${g} ms`);
    const [d] = await deliveries({ target: "flaky" });
    assert.equal(d!.state, "delivered");
    assert.equal(d!.attempts, 4);
    await dropRule("flaky");
  });

  it("dead-letters after the last attempt, lists the dead letters and replays them", async () => {
    const rx = await receiver({ status: 500 });
    await ok("PUT", "/v1/events/targets/down", {
      type: "webhook",
      config: { url: rx.url, ...FAST, maxAttempts: 3 },
    });
    await rule("down", ["down"], { "detail-type": ["Inspector2 Finding"] });
    await vulnerableHost();
    await waitFor(
      "two dead letters",
      async () => (await deliveries({ state: "dead", target: "down" })).length === 2,
    );
    const dead = await deliveries({ state: "dead", target: "down" });
    for (const d of dead) {
      assert.equal(d.attempts, 3);
      assert.match(d.lastError!, /HTTP 500.*gave up after 3 attempts/);
    }
    assert.equal(rx.requests.length, 6);
    await dropRule("down");
    // Receiver fixed: replay puts them back in the queue and they arrive.
    rx.behave({ status: 200 });
    const r = await ok("POST", "/v1/events/deliveries/replay", { target: "down" });
    assert.equal(r["replayed"], 2);
    await waitFor("replayed deliveries", async () =>
      (await deliveries({ target: "down" })).every((d) => d.state === "delivered"),
    );
    assert.equal(rx.requests.filter((x) => x.status === 200).length, 2);
    const one = await ok("GET", `/v1/events/deliveries/${dead[0]!.id}`);
    assert.equal((one["event"] as Record<string, unknown>)["id"], dead[0]!.eventId);
  });

  it("does not retry requests the receiver refuses (404), nor wait forever on a hung one", async () => {
    const gone = await receiver({ status: 404 });
    const hung = await receiver({ delayMs: 5_000 });
    await ok("PUT", "/v1/events/targets/gone", { type: "webhook", config: { url: gone.url, ...FAST } });
    await ok("PUT", "/v1/events/targets/hung", {
      type: "webhook",
      config: { url: hung.url, ...FAST, timeoutSeconds: 0.3, maxAttempts: 2 },
    });
    await rule("edge", ["gone", "hung"], {
      "detail-type": ["Inspector2 Finding"],
      detail: { severity: ["CRITICAL"] },
    });
    await vulnerableHost();
    await waitFor(
      "both dead",
      async () =>
        (await deliveries({ state: "dead" })).filter((d) => d.target === "gone" || d.target === "hung")
          .length === 2,
    );
    const dead = await deliveries({ state: "dead" });
    const g = dead.find((d) => d.target === "gone")!;
    assert.equal(g.attempts, 1);
    assert.equal(g.lastStatus, 404);
    assert.match(g.lastError!, /HTTP 404.*not retried/);
    const h = dead.find((d) => d.target === "hung")!;
    assert.equal(h.attempts, 2);
    assert.match(h.lastError!, /no answer within 0.3 s/);
    await dropRule("edge");
  });

  it("delivers to an HTTPS receiver with a private CA when given its certificate", async () => {
    const tls = selfSignedCert(join(tmp.path, "tls"));
    const rx = await receiver({}, { tls });
    assert.match(rx.url, /^https:/);
    await ok("PUT", "/v1/events/targets/tls-untrusted", {
      type: "webhook",
      config: { url: rx.url, ...FAST, maxAttempts: 1 },
    });
    await ok("PUT", "/v1/events/targets/tls", {
      type: "webhook",
      config: { url: rx.url, ...FAST, caCertificate: tls.cert.toString("utf8") },
    });
    const bad = await api("PUT", "/v1/events/targets/tls-bad", {
      type: "webhook",
      config: { url: rx.url, caCertificate: "not a certificate" },
    });
    assert.match(String(bad.json["message"]), /config\.caCertificate: a PEM certificate/);
    await rule("tls", ["tls", "tls-untrusted"], {
      "detail-type": ["Inspector2 Finding"],
      detail: { severity: ["CRITICAL"] },
    });
    await vulnerableHost();
    await waitFor("both settled", async () => {
      const d = await deliveries();
      return (
        d.some((x) => x.target === "tls" && x.state === "delivered") &&
        d.some((x) => x.target === "tls-untrusted" && x.state === "dead")
      );
    });
    const untrusted = (await deliveries({ target: "tls-untrusted" }))[0]!;
    assert.match(untrusted.lastError!, /SELF_SIGNED|certificate/i);
    assert.equal(rx.requests.length, 1, "only the trusting target got through");
    await dropRule("tls");
  });

  it("posts a readable Slack message and never shows the webhook URL", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/slack", {
      type: "slack",
      config: { url: `${rx.url}/services/T000/B000/XXXX`, ...FAST },
    });
    const listed = (await ok("GET", "/v1/events/targets"))["targets"] as {
      name: string;
      config: Record<string, unknown>;
    }[];
    assert.equal(listed.find((x) => x.name === "slack")!.config["url"], "(set)");
    assert.equal(listed.find((x) => x.name === "hook")!.config["secret"], "(set)");
    await rule("slack", ["slack"], {
      "detail-type": ["Inspector2 Finding"],
      detail: { severity: ["CRITICAL"] },
    });
    const hostId = await vulnerableHost();
    await rx.until((r) => r.length >= 1);
    const msg = JSON.parse(rx.requests[0]!.body) as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    };
    assert.equal(rx.requests[0]!.path, "/services/T000/B000/XXXX");
    assert.match(msg.text, new RegExp(`CRITICAL CVE-2099-0001 active on ${hostId}`));
    const section = msg.blocks[0]!.text!.text;
    assert.match(
      section,
      /\*CRITICAL\* <https:\/\/nvd\.nist\.gov\/vuln\/detail\/CVE-2099-0001\|CVE-2099-0001> — CVE-2099-0001 - requests \(active\)/,
    );
    assert.match(section, /Package `requests 2\.30\.0` → fixed in `2\.31\.0`/);
    assert.match(section, new RegExp(`Resource \`${hostId}\` \\(AWS_EC2_INSTANCE, account ${ACCOUNT}\\)`));
    await dropRule("slack");
  });

  it("imports findings into Security Hub (SigV4-signed BatchImportFindings, ASFF body)", async () => {
    const validate = batchImportFindingsValidator();
    const hubKey = {
      accessKeyId: "AKIAVIGILTESTHUB0001",
      secretAccessKey: "hub-secret-key-0123456789abcdef",
    };
    let verified = 0;
    const rx = await receiver({
      reply: () => JSON.stringify({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] }),
    });
    await ok("PUT", "/v1/events/targets/hub", {
      type: "securityhub",
      config: { region: "eu-west-1", endpoint: rx.url, ...hubKey, ...FAST },
    });
    await rule("hub", ["hub"], { "detail-type": ["Inspector2 Finding", "Inspector2 Scan"] });
    await vulnerableHost();
    await waitFor("hub deliveries", async () => {
      const d = await deliveries({ target: "hub" });
      return d.length === 3 && d.every((x) => x.state === "delivered" || x.state === "skipped");
    });
    assert.equal(rx.requests.length, 2, "two findings sent; the scan event is skipped");
    for (const req of rx.requests) {
      assert.equal(req.path, "/findings/import");
      const auth = parseAuthorization(String(req.headers.authorization));
      assert.equal(auth.accessKeyId, hubKey.accessKeyId);
      assert.match(String(req.headers.authorization), /\/eu-west-1\/securityhub\/aws4_request/);
      await verifySignature(
        {
          method: req.method,
          rawPath: req.path,
          query: {},
          headers: req.headers,
          body: Buffer.from(req.body),
        },
        auth,
        hubKey.secretAccessKey,
      );
      verified++;
      const body = JSON.parse(req.body) as { Findings: Record<string, unknown>[] };
      assert.deepEqual(validate(body), []);
      assert.equal(body.Findings.length, 1);
      assert.equal(body.Findings[0]!["AwsAccountId"], ACCOUNT);
    }
    assert.equal(verified, 2);
    const skipped = (await deliveries({ target: "hub" })).find((d) => d.state === "skipped")!;
    assert.equal(skipped.detailType, "Inspector2 Scan");
    await dropRule("hub");
  });

  it("runs a command target with the event on its input; failures are retried", async () => {
    const out = join(tmp.path, "hook-out");
    mkdirSync(out);
    const script = join(commandDir, "record.sh");
    writeFileSync(
      script,
      `#!/bin/sh\n# fails once, then records the event\nif [ ! -e "$1/failed-once" ]; then touch "$1/failed-once"; echo "temporary trouble" >&2; exit 3; fi\ncat > "$1/$VIGIL_EVENT_ID.json"\n`,
    );
    chmodSync(script, 0o755);
    await ok("PUT", "/v1/events/targets/cmd", {
      type: "command",
      config: { argv: ["record.sh", out], ...FAST },
    });
    await rule("cmd", ["cmd"], { "detail-type": ["Inspector2 Scan"] });
    const hostId = await vulnerableHost();
    await waitFor(
      "command delivery",
      async () => (await deliveries({ target: "cmd" }))[0]?.state === "delivered",
    );
    const [d] = await deliveries({ target: "cmd" });
    assert.equal(d!.attempts, 2);
    const file = join(out, `${d!.eventId}.json`);
    assert.ok(existsSync(file));
    const event = JSON.parse(readFileSync(file, "utf8")) as EventJson;
    assert.equal(event["detail-type"], "Inspector2 Scan");
    assert.equal(event["detail"]["scan-status"], "INITIAL_SCAN_COMPLETE");
    assert.equal(event["detail"]["instance-id"], hostId);
    assert.deepEqual(event["detail"]["finding-severity-counts"], {
      CRITICAL: 1,
      HIGH: 1,
      MEDIUM: 0,
      TOTAL: 2,
    });
    // A second scan of the same host is not an initial scan.
    await t.service.submitInventory(
      admin,
      { id: hostId, type: "AWS_EC2_INSTANCE" },
      { packages: [pypi("requests", "2.30.0")] },
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await deliveries({ target: "cmd" })).length, 1);
    await dropRule("cmd");
  });

  it("refuses programs outside the command directory", async () => {
    for (const argv of [["../escape.sh"], ["/bin/sh", "-c", "id"], ["missing.sh"]]) {
      const r = await api("PUT", "/v1/events/targets/bad", { type: "command", config: { argv } });
      assert.equal(r.errorType, "ValidationException", JSON.stringify(argv));
      assert.match(String(r.json["message"]), /config\.argv\[0\]/);
    }
  });

  it("sends coverage changes", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/cov", { type: "webhook", config: { url: rx.url, ...FAST } });
    await rule("cov", ["cov"], {
      "detail-type": ["Inspector2 Coverage"],
      detail: { scanStatus: { statusCodeValue: ["INACTIVE"] } },
    });
    const hostId = await vulnerableHost();
    await t.service.retireResource(ACCOUNT, hostId, "RESOURCE_TERMINATED", "host decommissioned");
    await rx.until((r) => r.length >= 1);
    const e = JSON.parse(rx.requests[0]!.body) as EventJson;
    assert.equal(e["detail-type"], "Inspector2 Coverage");
    assert.deepEqual(e["detail"]["scanStatus"], {
      statusCodeValue: "INACTIVE",
      reason: "RESOURCE_TERMINATED",
    });
    assert.deepEqual(e["detail"]["previousScanStatus"], { statusCodeValue: "ACTIVE", reason: "SUCCESSFUL" });
    assert.equal(e["detail"]["statusDetail"], "host decommissioned");
    assert.deepEqual(e["resources"], [hostId]);
    await dropRule("cov");
  });

  it("delivers a test event on request", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/probe", { type: "webhook", config: { url: rx.url, ...FAST } });
    const r = await ok("POST", "/v1/events/targets/probe/test", {});
    await rx.until((x) => x.length >= 1);
    const e = JSON.parse(rx.requests[0]!.body) as Record<string, unknown>;
    assert.equal(e["detail-type"], "Vigil Test");
    assert.equal(e["id"], r["eventId"]);
  });

  it("sends an update when a filter suppresses a finding, and when the filter goes", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/sup", { type: "webhook", config: { url: rx.url, ...FAST } });
    await vulnerableHost();
    const open = Number(
      (
        await t.database.db
          .selectFrom("findings")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("vulnerability_id", "=", "CVE-2099-0002")
          .where("open", "=", 1)
          .where("status", "=", "ACTIVE")
          .executeTakeFirstOrThrow()
      ).n,
    );
    assert.ok(open >= 1);
    await rule("sup", ["sup"], {
      "detail-type": ["Inspector2 Finding"],
      detail: { title: [{ prefix: "CVE-2099-0002" }] },
    });
    const f = await ok("POST", "/filters/create", {
      name: "accepted-flask",
      action: "SUPPRESS",
      reason: "not exposed",
      filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
    });
    await rx.until((r) => r.length >= open);
    const suppressed = rx.requests.map((r) => JSON.parse(r.body).detail as { status: string; title: string });
    assert.ok(suppressed.every((d) => d.status === "SUPPRESSED"));
    await ok("POST", "/filters/delete", { arn: f["arn"] });
    await rx.until((r) => r.length >= 2 * open);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rx.requests.length, 2 * open, "one event per finding each way");
    const back = rx.requests.slice(open).map((r) => JSON.parse(r.body).detail as { status: string });
    assert.ok(back.every((d) => d.status === "ACTIVE"));
    await dropRule("sup");
  });

  it("publishes inside a SQLite transaction with a cold rules cache (no wait on the held connection)", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/tx", { type: "webhook", config: { url: rx.url, ...FAST } });
    await rule("tx", ["tx"], { "detail-type": ["Vigil Test"] });
    t.service.events.forgetRules();
    const queued = await t.database.db
      .transaction()
      .execute((trx) => t.service.events.publish(trx, [testEvent(ACCOUNT, "us-east-1", Date.now(), "tx")]));
    assert.equal(queued, 1);
    t.service.events.notify();
    await rx.until((r) => r.length >= 1);
    await dropRule("tx");
  });

  it("validates rules and targets, naming the field", async () => {
    const cases: [string, unknown, RegExp][] = [
      [
        "/v1/events/rules/r1",
        { pattern: { detail: { severity: [{ prefix: 5 }] } }, targets: ["hook"] },
        /pattern: detail\.severity/,
      ],
      [
        "/v1/events/rules/r1",
        { pattern: { source: ["aws.inspector2"] }, targets: ["nope"] },
        /no target named nope/,
      ],
      ["/v1/events/rules/bad name", { pattern: {}, targets: ["hook"] }, /use 1-64 letters/],
      [
        "/v1/events/targets/t1",
        { type: "pager", config: {} },
        /type: must be one of webhook, slack, command, securityhub/,
      ],
      [
        "/v1/events/targets/t1",
        { type: "webhook", config: { url: "ftp://x" } },
        /config\.url: must be an http\(s\) URL/,
      ],
      [
        "/v1/events/targets/t1",
        { type: "webhook", config: { url: "http://x", secret: "short" } },
        /config\.secret: at least 16/,
      ],
      ["/v1/events/targets/t1", { type: "webhook", config: { url: "http://x", extra: 1 } }, /config/],
    ];
    for (const [path, body, message] of cases) {
      const r = await api("PUT", path.replace(" ", "%20"), body);
      assert.equal(r.errorType, "ValidationException", path);
      assert.match(String(r.json["message"]), message);
    }
    const del = await api("DELETE", "/v1/events/targets/hook");
    assert.equal(del.errorType, undefined, "hook is not used by a rule any more");
  });

  it("closes findings and reports coverage with events when a scan type is disabled", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/off", { type: "webhook", config: { url: rx.url, ...FAST } });
    await rule("off", ["off"], {
      $or: [
        { "detail-type": ["Inspector2 Finding"], detail: { status: ["CLOSED"] } },
        {
          "detail-type": ["Inspector2 Coverage"],
          detail: { scanStatus: { reason: ["SCAN_TYPE_DISABLED"] } },
        },
      ],
    });
    const count = async (table: "findings" | "resources") => {
      let q = t.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .where("account_id", "=", ACCOUNT);
      q =
        table === "findings"
          ? q.where("open", "=", 1)
          : q.where("scan_status_reason", "!=", "SCAN_TYPE_DISABLED");
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    const open = await count("findings");
    const resources = await count("resources");
    assert.ok(open > 0 && resources > 0);
    await ok("POST", "/disable", { resourceTypes: ["EC2"] });
    await rx.until((r) => r.length >= open + resources);
    const types = rx.requests.map((r) => (JSON.parse(r.body) as EventJson)["detail-type"]);
    assert.equal(types.filter((x) => x === "Inspector2 Finding").length, open);
    assert.equal(types.filter((x) => x === "Inspector2 Coverage").length, resources);
    await ok("POST", "/enable", { resourceTypes: ["EC2"] });
    await dropRule("off");
  });

  it("runs every delivery as a job: a dead worker's delivery is sent again, a lost job is swept back", async () => {
    const rx = await receiver();
    await ok("PUT", "/v1/events/targets/shared", {
      type: "webhook",
      config: { url: `${rx.url}/s`, ...FAST },
    });
    await rule("shared", ["shared"], {
      "detail-type": ["Inspector2 Finding"],
      detail: { severity: ["CRITICAL"] },
    });
    await vulnerableHost();
    await rx.until((r) => r.length >= 1);
    const [done] = await deliveries({ state: "delivered" });
    assert.ok(done);
    const jobOf = async (deliveryId: number) =>
      (await t.jobs.list({ kind: "event-delivery", limit: 1000 })).filter(
        (j) => (j.data as { deliveryId: number }).deliveryId === deliveryId,
      );
    const [job] = await jobOf(done.id);
    assert.equal(job?.state, "completed", "the delivery was a job");
    assert.deepEqual(job?.data, { accountId: ACCOUNT, deliveryId: done.id });
    assert.equal((job?.output as { result?: string } | undefined)?.result, "delivered");

    const db = t.database.db;
    const row = await db
      .selectFrom("event_deliveries")
      .selectAll()
      .where("id", "=", done.id)
      .executeTakeFirstOrThrow();
    const { id: _id, ...copy } = row;
    const copyOf = async (state: string, notBefore: number) =>
      (
        await db
          .insertInto("event_deliveries")
          .values({ ...copy, state, not_before: notBefore, attempts: 0, delivered_at: null })
          .returning(["id", "account_id", "target_name"])
          .executeTakeFirstOrThrow()
      ).id;
    const stateOf = async (id: number) =>
      (await db.selectFrom("event_deliveries").select("state").where("id", "=", id).executeTakeFirst())
        ?.state;
    try {
      // A worker died mid-send: the row is "delivering" and its job runs again.
      const claimed = await copyOf("delivering", Date.now());
      // Already delivered: a stray job for it sends nothing.
      const settled = await copyOf("delivered", Date.now());
      await t.service.events.queueDeliveries(
        db,
        [claimed, settled].map((id) => ({ id, account_id: row.account_id, target_name: row.target_name })),
      );
      t.jobs.wake();
      await waitFor("the claimed delivery", async () => (await stateOf(claimed)) === "delivered");
      await t.jobs.idle(["event-delivery"]);
      assert.equal(((await jobOf(settled))[0]?.output as { result?: string } | undefined)?.result, "not due");
      // Queued without a job (written by a version before deliveries were jobs): swept into one.
      const orphan = await copyOf("queued", Date.now() - 120_000);
      assert.equal((await jobOf(orphan)).length, 0);
      assert.ok((await t.deliverer!.sweep()) >= 1);
      await waitFor("the swept delivery", async () => (await stateOf(orphan)) === "delivered");
      assert.equal((await jobOf(orphan)).length, 1, "one job");
      assert.equal(await t.deliverer!.sweep(), 0, "nothing left to sweep");
      await new Promise((r) => setTimeout(r, 300));
      const bodies = rx.requests.map((r) => (JSON.parse(r.body) as { id: string }).id);
      assert.equal(bodies.length, 3, "the first send, the dead worker's again, the swept one");
      assert.equal(new Set(bodies).size, 1, "the same event each time (at-least-once)");
    } finally {
      await dropRule("shared");
    }
  });

  it("read-only keys cannot change routing; every change is in the audit log", async () => {
    for (const [method, path, body] of [
      ["PUT", "/v1/events/targets/x", { type: "slack", config: { url: "http://127.0.0.1:9/x" } }],
      ["PUT", "/v1/events/rules/x", { pattern: {}, targets: ["cov"] }],
      ["DELETE", "/v1/events/rules/cov", undefined],
      ["POST", "/v1/events/deliveries/replay", {}],
      ["POST", "/v1/events/targets/cov/test", {}],
    ] as const) {
      const r = await api(method, path, body, readOnly);
      assert.equal(r.errorType, "AccessDeniedException", `${method} ${path}`);
    }
    assert.equal((await api("POST", "/v1/events/deliveries/list", {}, readOnly)).status, 200);
    const actions = (await t.service.auditLog(ACCOUNT, 500)).map((a) => `${a.action} ${a.target}`);
    for (const want of [
      "PutEventTarget hook",
      "PutEventRule critical",
      "DeleteEventRule critical",
      "ReplayDeliveries down",
      "DeleteEventTarget hook",
    ])
      assert.ok(actions.includes(want), want);
  });
});
