/**
 * The console's server side against a real server: sign-in and its cookie, throttling, CSRF,
 * the same operations and answers as the SigV4 API with the user's role as authorisation,
 * console operations (timeline, history, saved views), and the single-page app's serving.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConsoleUsers } from "../../src/console/server/users.js";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { runVigil } from "../support/cli.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };
const PASSWORD = "correct horse battery staple";
const DAY = 86_400_000;

interface Session {
  cookie: string;
  csrf: string;
}

describe("console server", { timeout: 120_000 }, () => {
  let t: TestService;
  let key: Credentials;
  let clock = Date.UTC(2026, 10, 1, 12);
  const tmp = tempDir("console-server");
  const site = join(tmp.path, "site");

  const http = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL(path, t.url), {
      method,
      redirect: "manual",
      headers: { "content-type": "application/json", ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const signIn = async (username: string, password = PASSWORD): Promise<Session> => {
    const r = await http("POST", "/console/api/session", { username, password });
    assert.equal(r.status, 200, await r.clone().text());
    const setCookie = r.headers.get("set-cookie")!;
    return {
      cookie: setCookie.split(";")[0]!,
      csrf: ((await r.json()) as { csrfToken: string }).csrfToken,
    };
  };
  const op = (s: Session, name: string, input: unknown = {}, csrf = s.csrf) =>
    http("POST", `/console/api/ops/${name}`, { input }, { cookie: s.cookie, "x-csrf-token": csrf });

  before(async () => {
    mkdirSync(join(site, "assets"), { recursive: true });
    writeFileSync(join(site, "index.html"), "<!doctype html><title>Vigil</title><div id=root></div>");
    writeFileSync(join(site, "assets", "app-1234.js"), "console.log(1)");
    t = await startTestService({ now: () => clock, consoleDir: site });
    key = await t.service.createKey(ACCOUNT);
    const users = new ConsoleUsers(t.service.db);
    await users.add("alice", ACCOUNT, "admin", PASSWORD);
    await users.add("victor", ACCOUNT, "viewer", PASSWORD);
    await users.add("mallory", ACCOUNT, "viewer", PASSWORD);
    await t.service.submitInventory(
      admin,
      { id: "web-1", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")],
      },
    );
  });
  after(async () => {
    await t?.close();
    tmp.cleanup();
  });

  it("signs in with a hardened session cookie; wrong passwords and unknown users look the same", async () => {
    const r = await http("POST", "/console/api/session", { username: "alice", password: PASSWORD });
    assert.equal(r.status, 200);
    const c = r.headers.get("set-cookie")!;
    assert.match(c, /^vigil_session=[A-Za-z0-9_-]{43}; /);
    for (const flag of ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=43200"])
      assert.ok(c.includes(flag), flag);
    assert.ok(!c.includes("Secure"), "plain HTTP: no Secure flag");
    const body = (await r.json()) as { user: Record<string, string> };
    assert.deepEqual(body.user, { username: "alice", accountId: ACCOUNT, role: "admin" });
    const wrong = await http("POST", "/console/api/session", {
      username: "alice",
      password: "nope nope nope",
    });
    const unknown = await http("POST", "/console/api/session", { username: "nobody", password: PASSWORD });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(await wrong.json(), await unknown.json());
  });

  it("throttles repeated failures for a user", async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await http("POST", "/console/api/session", { username: "mallory", password: "x".repeat(12) }))
          .status,
        401,
      );
    const blocked = await http("POST", "/console/api/session", { username: "mallory", password: PASSWORD });
    assert.equal(blocked.status, 429);
    assert.match(
      ((await blocked.json()) as { message: string }).message,
      /too many failed sign-ins; try again in \d+ s/,
    );
    clock += 16 * 60_000;
    await signIn("mallory");
  });

  it("runs the API's own operations with the same answers, behind the CSRF token", async () => {
    const s = await signIn("alice");
    const input = { filterCriteria: { severity: [{ comparison: "EQUALS", value: "CRITICAL" }] } };
    const viaConsole = await op(s, "ListFindings", input);
    assert.equal(viaConsole.status, 200);
    const viaApi = await signedFetch(t.url, "/findings/list", input, key);
    assert.deepEqual(await viaConsole.json(), viaApi.json);
    assert.equal((await op(s, "ListFindings", input, "forged")).status, 403);
    const noCsrf = await http("POST", "/console/api/ops/ListFindings", { input }, { cookie: s.cookie });
    assert.equal(noCsrf.status, 403);
    assert.equal((await http("POST", "/console/api/ops/ListFindings", { input })).status, 401);
    const bad = await op(s, "ListFindings", { maxResults: "many" });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get("x-amzn-errortype"), "ValidationException");
    const agentOnly = await op(s, "SubmitAgentMessage");
    assert.ok([403, 404].includes(agentOnly.status));
  });

  it("gives viewers read access only (saved views excepted)", async () => {
    const v = await signIn("victor");
    assert.equal((await op(v, "ListFindings")).status, 200);
    const create = await op(v, "CreateFilter", {
      name: "nope",
      action: "SUPPRESS",
      filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0001" }] },
    });
    assert.equal(create.status, 403);
    assert.equal(create.headers.get("x-amzn-errortype"), "AccessDeniedException");
    assert.match(((await create.json()) as { message: string }).message, /user victor is a viewer/);
    assert.equal((await op(v, "ListAccessKeys")).status, 403);
    const saved = await op(v, "PutSavedView", { name: "criticals", query: { severity: ["CRITICAL"] } });
    assert.equal(saved.status, 200);
    const views = (await (await op(v, "ListSavedViews")).json()) as { views: { name: string }[] };
    assert.deepEqual(
      views.views.map((x) => x.name),
      ["criticals"],
    );
    const a = await signIn("alice");
    const keys = (await (await op(a, "ListAccessKeys")).json()) as { keys: Record<string, unknown>[] };
    assert.equal(keys.keys.length, 1);
    assert.ok(!JSON.stringify(keys).includes(key.secretAccessKey), "secrets are never listed");
    assert.equal(
      ((await (await op(a, "ListSavedViews")).json()) as { views: unknown[] }).views.length,
      0,
      "views are per user",
    );
  });

  it("records finding history and the opened/closed timeline", async () => {
    let a = await signIn("alice");
    const arn = (
      (await (
        await op(a, "ListFindings", {
          filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
        })
      ).json()) as { findings: { findingArn: string }[] }
    ).findings[0]!.findingArn;
    clock += DAY;
    a = await signIn("alice");
    const f = (await (
      await op(a, "CreateFilter", {
        name: "flask-ok",
        action: "SUPPRESS",
        reason: "not exposed",
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
      })
    ).json()) as { arn: string };
    clock += DAY;
    a = await signIn("alice");
    assert.equal((await op(a, "DeleteFilter", { arn: f.arn })).status, 200);
    clock += DAY;
    a = await signIn("alice");
    await t.service.submitInventory(
      admin,
      { id: "web-1", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0"), pypi("Flask", "3.0.0")],
      },
    );
    const history = (await (await op(a, "GetFindingHistory", { findingArn: arn })).json()) as {
      history: { change: string; status: string }[];
    };
    assert.deepEqual(
      history.history.map((h) => `${h.change}:${h.status}`),
      ["opened:ACTIVE", "suppressed:SUPPRESSED", "unsuppressed:ACTIVE", "closed:CLOSED"],
    );
    const timeline = (await (await op(a, "GetFindingsTimeline", { days: 5 })).json()) as {
      days: { date: string; opened: number; closed: number; active: number }[];
    };
    assert.equal(timeline.days.length, 5);
    const first = timeline.days.find((d) => d.date === "2026-11-01")!;
    assert.equal(first.opened, 2);
    const last = timeline.days.at(-1)!;
    assert.equal(last.date, "2026-11-04");
    assert.equal(last.closed, 1);
    assert.equal(last.active, 1);
    const feeds = (await (await op(a, "GetFeedStatus")).json()) as {
      feeds: { feed: string; status: string }[];
    };
    assert.deepEqual(
      feeds.feeds.map((x) => `${x.feed}:${x.status}`),
      ["osv:PyPI:ok"],
    );
  });

  it("signs out and expires idle sessions", async () => {
    const s = await signIn("alice");
    clock += 2 * 3_600_000 + 60_000;
    assert.equal((await op(s, "ListFindings")).status, 401, "idle for more than 2 h");
    const s2 = await signIn("alice");
    const out = await http("DELETE", "/console/api/session", undefined, {
      cookie: s2.cookie,
      "x-csrf-token": s2.csrf,
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie")!, /Max-Age=0/);
    assert.equal((await op(s2, "ListFindings")).status, 401);
  });

  it("serves the app with security headers and client-side routes", async () => {
    const root = await http("GET", "/");
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/console/");
    for (const path of ["/console/", "/console/findings/arn%3Aaws%3Ax", "/console/settings/keys"]) {
      const r = await http("GET", path);
      assert.equal(r.status, 200, path);
      assert.match(await r.text(), /<title>Vigil<\/title>/);
      assert.match(r.headers.get("content-security-policy")!, /default-src 'self'/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.equal(r.headers.get("cache-control"), "no-store");
    }
    const asset = await http("GET", "/console/assets/app-1234.js");
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("cache-control")!, /immutable/);
    assert.equal((await http("GET", "/console/assets/../../package.json")).status !== 200 || false, true);
    assert.equal((await http("GET", "/console/api/nothing")).status, 404);
  });

  it("answers 503 with the reason when the console is not built", async () => {
    const bare = await startTestService({ consoleDir: join(tmp.path, "missing") });
    try {
      const r = await fetch(new URL("/console/", bare.url));
      assert.equal(r.status, 503);
      assert.match(await r.text(), /the console is not built .* run npm run build/);
    } finally {
      await bare.close();
    }
  });

  it("manages users from the command line", () => {
    const dataDir = join(tmp.path, "cli-data");
    const add = runVigil([
      "--data-dir",
      dataDir,
      "users",
      "add",
      "ops",
      "--account",
      ACCOUNT,
      "--role",
      "viewer",
    ]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /added viewer ops in account 123456789012; password \(shown once\): \S{20}/);
    const bad = runVigil(["--data-dir", dataDir, "users", "add", "x y", "--role", "admin"]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /username "x y"/);
    const list = runVigil(["--data-dir", dataDir, "users", "list"]);
    assert.match(list.stdout, /^ops\tviewer\t123456789012\t/m);
    assert.equal(runVigil(["--data-dir", dataDir, "users", "remove", "ops"]).status, 0);
    assert.equal(runVigil(["--data-dir", dataDir, "users", "list"]).stdout, "");
  });
});
