/**
 * The registry API over HTTP (SigV4-signed, as `vigil registry` sends it), the notifications
 * endpoint's token and envelope checks, image coverage through the AWS SDK's ListCoverage, and
 * the `vigil registry` command line against a real server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CoveredResource, Inspector2Client, ListCoverageCommand } from "@aws-sdk/client-inspector2";
import { signedFetch } from "../../src/server/client.js";
import { runVigilAsync } from "../support/cli.js";
import { startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";

describe("registry API", () => {
  let t: TestService;
  let creds: { accessKeyId: string; secretAccessKey: string };
  let readOnly: { accessKeyId: string; secretAccessKey: string };
  const call = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown, c = creds) =>
    signedFetch(t.url, path, body, c, { method });

  before(async () => {
    t = await startTestService({ registries: { requestTimeoutMs: 1000 } });
    creds = await t.service.createKey(ACCOUNT);
    readOnly = await t.service.createKey(ACCOUNT, { readOnly: true });
  });
  after(async () => t?.close());

  let token: string;
  let notificationsPath: string;

  it("registers a registry, shows it without its credentials, and refuses a duplicate", async () => {
    const res = await call("POST", "/v1/registries", {
      name: "corp",
      url: "http://127.0.0.1:9/",
      credentials: { username: "ci", password: "hunter2" },
      settings: { include: ["team/**"], rules: [{ repositories: ["team/legacy/*"], mode: "manual" }] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const reg = res.json["registry"] as Record<string, unknown>;
    assert.equal(reg["url"], "http://127.0.0.1:9");
    assert.equal(reg["authenticated"], true);
    assert.equal(reg["status"], "ERROR");
    assert.doesNotMatch(JSON.stringify(res.json), /hunter2/);
    const n = res.json["notifications"] as { path: string; token: string };
    token = n.token;
    notificationsPath = n.path;
    assert.match(notificationsPath, /^\/v1\/registry-notifications\/reg-[0-9a-f]{16}$/);
    const settings = reg["settings"] as Record<string, unknown>;
    assert.equal(settings["defaultMode"], "continuous");
    assert.equal(settings["pollIntervalMinutes"], 60);

    const dup = await call("POST", "/v1/registries", { name: "corp", url: "http://127.0.0.1:9" });
    assert.equal(dup.status, 409);
    assert.equal(dup.errorType, "ConflictException");

    const list = await call("GET", "/v1/registries");
    assert.deepEqual(
      (list.json["registries"] as { name: string }[]).map((r) => r.name),
      ["corp"],
    );
    const one = await call("GET", "/v1/registries/corp");
    assert.equal((one.json["registry"] as { name: string }).name, "corp");
    const missing = await call("GET", "/v1/registries/nope");
    assert.equal(missing.status, 404);
    assert.match(String(missing.json["message"]), /nope/);
  });

  it("names the field in every bad request", async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: "x", url: "http://a", color: "red" }, /color/],
      [{ name: "bad name!", url: "http://a" }, /name/],
      [{ name: "x", url: "ftp://a" }, /url: must be http/],
      [{ name: "x", url: "http://user:pw@a" }, /credentials separately/],
      [{ name: "x", url: "http://a", credentials: { username: "u" } }, /credentials/],
      [{ name: "x", url: "http://a", settings: { include: ["Team/App"] } }, /settings\.include/],
      [{ name: "x", url: "http://a", settings: { defaultMode: "sometimes" } }, /settings\.defaultMode/],
      [{ name: "x", url: "http://a", settings: { rescanDuration: "DAYS_5" } }, /settings\.rescanDuration/],
      [
        { name: "x", url: "http://a", settings: { pollIntervalMinutes: -1 } },
        /settings\.pollIntervalMinutes/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await call("POST", "/v1/registries", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.errorType, "ValidationException");
      assert.match(String(res.json["message"]), message, JSON.stringify(body));
    }
    const scan = await call("POST", "/v1/registries/corp/scan", { repository: "other/app", reference: "1" });
    assert.equal(scan.status, 400);
    assert.match(String(scan.json["message"]), /excluded/);
  });

  it("lets a read-only key read but not change registries", async () => {
    assert.equal((await call("GET", "/v1/registries", undefined, readOnly)).status, 200);
    const res = await call("DELETE", "/v1/registries/corp", undefined, readOnly);
    assert.equal(res.status, 403);
    assert.equal(res.errorType, "AccessDeniedException");
  });

  it("checks the notifications token and envelope", async () => {
    const post = (body: string, auth?: string) =>
      fetch(`${t.url}${notificationsPath}`, {
        method: "POST",
        headers: {
          "content-type": "application/vnd.docker.distribution.events.v1+json",
          ...(auth ? { authorization: auth } : {}),
        },
        body,
      });
    const envelope = JSON.stringify({
      events: [
        {
          action: "push",
          target: {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: `sha256:${"a".repeat(64)}`,
            repository: "elsewhere/app",
            tag: "1",
          },
        },
      ],
    });
    assert.equal((await post(envelope)).status, 403);
    assert.equal((await post(envelope, "Bearer wrong")).status, 403);
    const wrongRegistry = await fetch(`${t.url}/v1/registry-notifications/reg-0000000000000000`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: envelope,
    });
    assert.equal(wrongRegistry.status, 403);
    const malformed = await post("{not json", `Bearer ${token}`);
    assert.equal(malformed.status, 400);
    assert.match(((await malformed.json()) as { message: string }).message, /not valid JSON/);
    const shapeless = await post(JSON.stringify({ events: [{ action: "push" }] }), `Bearer ${token}`);
    assert.equal(shapeless.status, 400);
    assert.match(((await shapeless.json()) as { message: string }).message, /events\.0\.target/);
    // A repository outside the registry's include patterns is ignored.
    const ok = await post(envelope, `Bearer ${token}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { events: 1, queued: 0, deleted: 0, pulls: 0 });
  });

  it("shows a failed image scan in ListCoverage (AWS SDK)", async () => {
    const res = await call("POST", "/v1/registries/corp/scan", { repository: "team/app", reference: "1.0" });
    assert.equal(res.status, 200);
    await t.registries!.idle(10_000).catch(() => undefined);
    const client = new Inspector2Client({
      endpoint: t.url,
      region: "us-east-1",
      credentials: creds,
      maxAttempts: 1,
    });
    const deadline = Date.now() + 10_000;
    let covered: CoveredResource | undefined;
    do {
      const cov = await client.send(new ListCoverageCommand({}));
      covered = cov.coveredResources?.find((c) => c.resourceId === "127.0.0.1:9/team/app:1.0");
      if (!covered) await new Promise((r) => setTimeout(r, 100));
    } while (!covered && Date.now() < deadline);
    assert.ok(covered, "the image is in coverage");
    assert.equal(covered.resourceType, "AWS_ECR_CONTAINER_IMAGE");
    assert.equal(covered.scanStatus?.statusCode, "INACTIVE");
    assert.equal(covered.scanStatus?.reason, "INTERNAL_ERROR");
  });

  it("drives the same API from `vigil registry`", async () => {
    const env = {
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      VIGIL_ENDPOINT_URL: t.url,
    };
    const add = await runVigilAsync(
      [
        "registry",
        "add",
        "ghcr",
        "http://127.0.0.1:9",
        "--username",
        "bot",
        "--password-stdin",
        "--rule",
        "base/*=scan-on-push",
        "--rescan-duration",
        "DAYS_30",
        "--poll-interval",
        "0",
      ],
      env,
      "s3cret\n",
    );
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /^ghcr {2}http:\/\/127\.0\.0\.1:9 {2}ERROR/);
    assert.match(add.stdout, /Authorization: \[Bearer [A-Za-z0-9_-]+\]/);
    const reg = (await call("GET", "/v1/registries/ghcr")).json["registry"] as {
      settings: { rules: unknown; rescanDuration: string };
      authenticated: boolean;
    };
    assert.deepEqual(reg.settings.rules, [{ repositories: ["base/*"], mode: "scan-on-push" }]);
    assert.equal(reg.settings.rescanDuration, "DAYS_30");
    assert.equal(reg.authenticated, true);

    const list = await runVigilAsync(["registry", "list"], env);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^corp .*\nghcr /);

    const bad = await runVigilAsync(["registry", "add", "x", "http://a", "--rule", "nomode"], env);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /pattern>=</);

    const remove = await runVigilAsync(["registry", "remove", "ghcr"], env);
    assert.equal(remove.status, 0, remove.stderr);
    assert.match(remove.stdout, /removed ghcr/);
    const gone = await runVigilAsync(["registry", "images", "ghcr"], env);
    assert.notEqual(gone.status, 0);
    assert.match(gone.stderr, /ResourceNotFoundException.*ghcr/);
  });
});
