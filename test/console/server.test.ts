/**
 * The console's server side against a real server: sign-in and its cookie, throttling, CSRF,
 * the same operations and answers as the SigV4 API with the user's role as authorisation,
 * console operations (timeline, history, saved views), and the single-page app's serving.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConsoleUsers } from "../../src/console/server/users.js";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { runVigil } from "../support/cli.js";
import { freePort } from "../support/net.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { pypi, startTestService, type TestService } from "../support/service.js";
import { startVigilServe } from "../support/vigil-process.js";

const ACCOUNT = "123456789012";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };
const PASSWORD = "correct horse battery staple";
const DAY = 86_400_000;

/** A GET with the path sent exactly as given (no URL normalisation). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

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
    writeFileSync(join(tmp.path, "secret.txt"), "do not serve");
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
    // Guesses sent in parallel count as they arrive, not as they finish.
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        http("POST", "/console/api/session", { username: "ghost", password: "y".repeat(12) }),
      ),
    );
    assert.deepEqual(burst.map((r) => r.status).sort(), [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
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
    // Agent-only and unauthenticated operations are not the console's to call.
    for (const name of ["SendInventory", "Heartbeat", "RegisterAgent"]) {
      const r = await op(s, name);
      assert.equal(r.status, 403, name);
      assert.equal(r.headers.get("x-amzn-errortype"), "AccessDeniedException");
      assert.match(((await r.json()) as { message: string }).message, /not available from the console/);
    }
    const unknown = await op(s, "NoSuchOperation");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get("x-amzn-errortype"), "ResourceNotFoundException");
    // Path parameters come in `params`; a missing one is a validation error naming it.
    const noParam = await http(
      "POST",
      "/console/api/ops/GetEventDelivery",
      {},
      { cookie: s.cookie, "x-csrf-token": s.csrf },
    );
    assert.equal(noParam.status, 400);
    assert.deepEqual(((await noParam.json()) as { fields: { name: string }[] }).fields[0]!.name, "params.id");
    const withParam = await http(
      "POST",
      "/console/api/ops/GetEventDelivery",
      { params: { id: "12" } },
      { cookie: s.cookie, "x-csrf-token": s.csrf },
    );
    assert.equal(withParam.status, 404);
    assert.match(((await withParam.json()) as { message: string }).message, /no event delivery 12/);
    // Errors carry the console's security headers too.
    assert.equal(withParam.headers.get("x-content-type-options"), "nosniff");
  });

  it("reports the session to the page and needs the CSRF token to sign out", async () => {
    assert.equal((await http("GET", "/console/api/session")).status, 401);
    assert.deepEqual(await (await http("GET", "/console/api/session")).json(), { message: "not signed in" });
    const s = await signIn("alice");
    const r = await http("GET", "/console/api/session", undefined, { cookie: s.cookie });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      user: { username: "alice", accountId: ACCOUNT, role: "admin" },
      csrfToken: s.csrf,
    });
    const forged = await http("DELETE", "/console/api/session", undefined, { cookie: s.cookie });
    assert.equal(forged.status, 403);
    assert.deepEqual(await forged.json(), { message: "missing or invalid CSRF token" });
    assert.equal((await http("GET", "/console/api/session", undefined, { cookie: s.cookie })).status, 200);
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
    const bad = await op(v, "PutSavedView", { query: {}, extra: 1 });
    assert.equal(bad.status, 400);
    const fields = ((await bad.json()) as { fields: { name: string }[] }).fields.map((f) => f.name);
    assert.ok(fields.includes("name"), JSON.stringify(fields));
    // Saving again under the same name replaces the query; deleting needs the caller's own view.
    const again = (await (
      await op(v, "PutSavedView", { name: "criticals", query: { severity: ["CRITICAL", "HIGH"] } })
    ).json()) as { view: { id: number; query: unknown } };
    assert.deepEqual(again.view.query, { severity: ["CRITICAL", "HIGH"] });
    const a = await signIn("alice");
    assert.equal((await op(a, "DeleteSavedView", { id: again.view.id })).status, 404, "not alice's view");
    const keys = (await (await op(a, "ListAccessKeys")).json()) as { keys: Record<string, unknown>[] };
    assert.equal(keys.keys.length, 1);
    assert.deepEqual(Object.keys(keys.keys[0]!).sort(), ["accessKeyId", "createdAt", "readOnly"]);
    assert.equal(keys.keys[0]!["accessKeyId"], key.accessKeyId);
    assert.equal(typeof keys.keys[0]!["createdAt"], "number", "epoch seconds, as on the wire");
    assert.ok(!JSON.stringify(keys).includes(key.secretAccessKey), "secrets are never listed");
    assert.equal(
      ((await (await op(a, "ListSavedViews")).json()) as { views: unknown[] }).views.length,
      0,
      "views are per user",
    );
    assert.equal((await op(v, "DeleteSavedView", { id: again.view.id })).status, 200);
    assert.deepEqual(((await (await op(v, "ListSavedViews")).json()) as { views: unknown[] }).views, []);
  });

  it("serves the console operations on the SigV4 API as well, with the same authorisation", async () => {
    const ro = await t.service.createKey(ACCOUNT, { readOnly: true });
    const saved = await signedFetch(t.url, "/v1/console/views", { name: "mine", query: { a: 1 } }, ro, {
      method: "PUT",
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    const list = await signedFetch(t.url, "/v1/console/views/list", {}, ro);
    assert.deepEqual(
      (list.json["views"] as { name: string }[]).map((x) => x.name),
      ["mine"],
    );
    const keys = await signedFetch(t.url, "/v1/console/keys", undefined, ro, { method: "GET" });
    assert.equal(keys.status, 403);
    assert.equal(keys.errorType, "AccessDeniedException");
    const all = await signedFetch(t.url, "/v1/console/keys", undefined, key, { method: "GET" });
    assert.equal((all.json["keys"] as unknown[]).length, 2);
    const timeline = await signedFetch(t.url, "/v1/console/timeline", { days: 0 }, key);
    assert.equal(timeline.status, 400);
    assert.equal(timeline.errorType, "ValidationException");
    await signedFetch(t.url, "/v1/console/views/delete", { id: 1_000_000 }, ro).then((r) =>
      assert.equal(r.status, 404),
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
      history: { at: number; change: string; status: string; detail?: string }[];
    };
    assert.deepEqual(
      history.history.map((h) => `${h.change}:${h.status}`),
      ["opened:ACTIVE", "suppressed:SUPPRESSED", "unsuppressed:ACTIVE", "closed:CLOSED"],
    );
    const start = Date.UTC(2026, 10, 1, 12, 16) / 1000;
    assert.deepEqual(
      history.history.map((h) => h.at - start),
      [-16 * 60, 86_400, 2 * 86_400, 3 * 86_400],
      "epoch seconds of each change",
    );
    assert.equal(history.history[1]!.detail, "filter flask-ok");
    assert.equal(history.history[3]!.detail, "no longer found in the resource's inventory");
    const viaApi = await signedFetch(t.url, "/v1/console/finding-history", { findingArn: arn }, key);
    assert.deepEqual(viaApi.json, history);
    const other = await t.service.createKey("210987654321");
    const foreign = await signedFetch(t.url, "/v1/console/finding-history", { findingArn: arn }, other);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.errorType, "AccessDeniedException");
    const timeline = (await (await op(a, "GetFindingsTimeline", { days: 5 })).json()) as {
      days: { date: string; opened: number; closed: number; active: number }[];
    };
    // Both findings opened on 11-01; Flask's suppression (11-02..11-03) keeps it open; the new
    // inventory on 11-04 closes it.
    assert.deepEqual(timeline.days, [
      { date: "2026-10-31", opened: 0, closed: 0, active: 0 },
      { date: "2026-11-01", opened: 2, closed: 0, active: 2 },
      { date: "2026-11-02", opened: 0, closed: 0, active: 2 },
      { date: "2026-11-03", opened: 0, closed: 0, active: 2 },
      { date: "2026-11-04", opened: 0, closed: 1, active: 1 },
    ]);
    const month = (await (await op(a, "GetFindingsTimeline")).json()) as { days: unknown[] };
    assert.equal(month.days.length, 30, "30 days by default");
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

  it("ends sessions 12 hours after sign-in however busy", async () => {
    const s = await signIn("alice");
    for (let i = 0; i < 6; i++) {
      clock += 110 * 60_000;
      assert.equal((await op(s, "ListFindings")).status, 200, `after ${(i + 1) * 110} min`);
    }
    clock += 70 * 60_000;
    assert.equal((await op(s, "ListFindings")).status, 401, "12 h 10 min after sign-in");
    assert.equal((await http("GET", "/console/api/session", undefined, { cookie: s.cookie })).status, 401);
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
    // Encoded traversal (fetch would normalise a literal ../ away): nothing outside the site.
    for (const raw of ["/console/assets/..%2f..%2fsecret.txt", "/console/assets/%2e%2e/%2e%2e/secret.txt"]) {
      const r = await rawGet(t.url, raw);
      assert.notEqual(r.status, 200, raw);
      assert.doesNotMatch(r.body, /do not serve/, raw);
    }
    assert.equal((await http("GET", "/console/assets/missing-9999.js")).status, 404);
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
    const short = runVigil(["--data-dir", dataDir, "users", "passwd", "ops", "--password-env", "PW"], {
      PW: "short",
    });
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /at least 12 characters/);
    const passwd = runVigil(["--data-dir", dataDir, "users", "passwd", "ops", "--password-env", "PW"], {
      PW: "a much longer password",
    });
    assert.equal(passwd.status, 0, passwd.stderr);
    assert.doesNotMatch(passwd.stdout, /a much longer password/);
    assert.equal(runVigil(["--data-dir", dataDir, "users", "remove", "ops"]).status, 0);
    assert.equal(runVigil(["--data-dir", dataDir, "users", "list"]).stdout, "");
    assert.notEqual(runVigil(["--data-dir", dataDir, "users", "remove", "ops"]).status, 0);
  });

  it("creates a first admin when `vigil serve` starts without console users", async () => {
    const dataDir = join(tmp.path, "serve-data");
    const port = await freePort();
    const first = await startVigilServe(dataDir, port);
    let child = first.child;
    try {
      const err = first.stderr();
      assert.match(err, new RegExp(`The web console is at http://[^\\s]+:${port}/console/`));
      const password = /password: (\S{20})/.exec(err)?.[1];
      assert.ok(password, err);
      const r = await fetch(`http://127.0.0.1:${port}/console/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password }),
      });
      assert.equal(r.status, 200);
      assert.deepEqual(((await r.json()) as { user: unknown }).user, {
        username: "admin",
        accountId: "000000000000",
        role: "admin",
      });
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      const second = await startVigilServe(dataDir, port);
      child = second.child;
      assert.match(second.stderr(), /The web console is at /);
      assert.doesNotMatch(second.stderr(), /password:/, "created once, printed once");
    } finally {
      child.kill("SIGKILL");
    }
  });
});

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`console tables and finding history on ${dialect}`, { timeout: 120_000 }, () => {
    let pg: TestPostgres | undefined;
    let t: TestService;
    let clock = Date.UTC(2026, 5, 10, 8);
    const signIn = async (): Promise<Session> => {
      const r = await fetch(new URL("/console/api/session", t.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password: PASSWORD }),
      });
      assert.equal(r.status, 200);
      return {
        cookie: r.headers.get("set-cookie")!.split(";")[0]!,
        csrf: ((await r.json()) as { csrfToken: string }).csrfToken,
      };
    };
    const call = async (name: string, input: unknown = {}) => {
      // The test clock jumps by days: a fresh session for every call.
      const s = await signIn();
      const r = await fetch(new URL(`/console/api/ops/${name}`, t.url), {
        method: "POST",
        headers: { "content-type": "application/json", cookie: s.cookie, "x-csrf-token": s.csrf },
        body: JSON.stringify({ input }),
      });
      const body = (await r.json()) as Record<string, unknown>;
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(body)}`);
      return body;
    };

    before(async () => {
      if (dialect === "postgres") pg = await startPostgres();
      t = await startTestService({ now: () => clock, ...(pg ? { databaseUrl: pg.url } : {}) });
      await new ConsoleUsers(t.service.db).add("alice", ACCOUNT, "admin", PASSWORD);
    });
    after(async () => {
      await t?.close();
      pg?.stop();
    });

    it("saves views, records history through a scan-type disable and counts the timeline", async () => {
      await call("PutSavedView", { name: "v", query: { a: 1 } });
      await call("PutSavedView", { name: "v", query: { a: 2 } });
      assert.deepEqual(
        ((await call("ListSavedViews")).views as { query: unknown }[]).map((v) => v.query),
        [{ a: 2 }],
      );
      await t.service.submitInventory(
        admin,
        { id: "i-1", type: "AWS_EC2_INSTANCE" },
        { packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")] },
      );
      clock += DAY;
      await call("CreateFilter", {
        name: "requests-accepted",
        action: "SUPPRESS",
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0001" }] },
      });
      clock += DAY;
      // No event rules: the bulk close path (one INSERT … SELECT for the history).
      await call("Disable", { resourceTypes: ["EC2"] });
      const findings = (await call("ListFindings", {
        filterCriteria: { findingStatus: [{ comparison: "EQUALS", value: "CLOSED" }] },
      })) as { findings: { findingArn: string; packageVulnerabilityDetails: { vulnerabilityId: string } }[] };
      assert.equal(findings.findings.length, 2);
      const requests = findings.findings.find(
        (f) => f.packageVulnerabilityDetails.vulnerabilityId === "CVE-2099-0001",
      )!;
      const history = (await call("GetFindingHistory", { findingArn: requests.findingArn })) as {
        history: { change: string; status: string; detail?: string; at: number }[];
      };
      assert.deepEqual(history.history, [
        { at: Date.UTC(2026, 5, 10, 8) / 1000, status: "ACTIVE", change: "opened" },
        {
          at: (Date.UTC(2026, 5, 10, 8) + DAY) / 1000,
          status: "SUPPRESSED",
          change: "suppressed",
          detail: "filter requests-accepted",
        },
        {
          at: (Date.UTC(2026, 5, 10, 8) + 2 * DAY) / 1000,
          status: "CLOSED",
          change: "closed",
          detail: "scan type disabled",
        },
      ]);
      const timeline = (await call("GetFindingsTimeline", { days: 3 })) as { days: unknown[] };
      assert.deepEqual(timeline.days, [
        { date: "2026-06-10", opened: 2, closed: 0, active: 2 },
        { date: "2026-06-11", opened: 0, closed: 0, active: 2 },
        { date: "2026-06-12", opened: 0, closed: 2, active: 0 },
      ]);
    });
  });
}
