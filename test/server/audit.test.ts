/**
 * The audit log: configuration changes through the API are recorded, ListAuditEvents serves them
 * newest first with keyset pagination to admin (read-write) keys only, and the database itself
 * refuses to change or remove a recorded event (SQLite and PostgreSQL).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateFilterCommand,
  DeleteFilterCommand,
  DisableCommand,
  EnableCommand,
  Inspector2Client,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateConfigurationCommand,
  UpdateFilterCommand,
} from "@aws-sdk/client-inspector2";
import { sql } from "kysely";
import { openServiceDatabase, type ServiceDatabase } from "../../src/db/service/open.js";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import { tempDir } from "../advisories/helpers.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { startTestService, type TestService } from "../support/service.js";

const P = "123456789012";
const Q = "210987654321";

interface Event {
  id: number;
  accountId: string;
  principal: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  at: number;
}

describe("audit log API", () => {
  let t: TestService;
  let clock = Date.UTC(2026, 4, 1, 12, 0, 0);
  let admin: Credentials;
  let readOnly: Credentials;
  let other: Credentials;
  let filterArn: string;
  /** The clock (ms) after the filter changes, before the account changes. */
  let midway: number;

  const list = async (body: Record<string, unknown>, c = admin) => {
    const r = await signedFetch(t.url, "/v1/audit/list", body, c);
    return r;
  };
  const events = async (body: Record<string, unknown> = {}) => {
    const r = await list(body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { events: Event[]; nextToken?: string };
  };

  before(async () => {
    t = await startTestService({ now: () => clock });
    const tick = () => {
      clock += 60_000;
    };
    admin = await t.service.createKey(P, { principal: "cli:test" });
    readOnly = await t.service.createKey(P, { readOnly: true, principal: "cli:test" });
    other = await t.service.createKey(Q);
    const client = new Inspector2Client({
      endpoint: t.url,
      region: "us-east-1",
      credentials: admin,
      maxAttempts: 1,
    });
    tick();
    const f = await client.send(
      new CreateFilterCommand({
        name: "noise",
        action: "SUPPRESS",
        filterCriteria: { vulnerabilityId: [{ comparison: "EQUALS", value: "CVE-2099-0002" }] },
      }),
    );
    filterArn = f.arn!;
    tick();
    await client.send(new UpdateFilterCommand({ filterArn, reason: "accepted" }));
    tick();
    await client.send(new TagResourceCommand({ resourceArn: filterArn, tags: { team: "a" } }));
    tick();
    await client.send(new UntagResourceCommand({ resourceArn: filterArn, tagKeys: ["team"] }));
    tick();
    await client.send(new DeleteFilterCommand({ arn: filterArn }));
    tick();
    midway = clock;
    tick();
    await client.send(new DisableCommand({ resourceTypes: ["LAMBDA"] }));
    tick();
    await client.send(new EnableCommand({ resourceTypes: ["LAMBDA"] }));
    tick();
    await client.send(new UpdateConfigurationCommand({ ec2Configuration: { scanMode: "EC2_HYBRID" } }));
    tick();
    const act = await signedFetch(t.url, "/v1/hosts/activations", { count: 1 }, admin);
    assert.equal(act.status, 200, JSON.stringify(act.json));
    tick();
    const temp = await t.service.createKey(P, { principal: "cli:test" });
    await t.service.deleteKey(temp.accessKeyId, "cli:test");
  });
  after(async () => t?.close());

  it("records every change, newest first", async () => {
    const r = await events();
    const mine = r.events.map((e) => e.action);
    assert.deepEqual(mine, [
      "DeleteAccessKey",
      "CreateAccessKey",
      "CreateActivation",
      "UpdateConfiguration",
      "Enable",
      "Disable",
      "DeleteFilter",
      "UntagResource",
      "TagResource",
      "UpdateFilter",
      "CreateFilter",
      "CreateAccessKey",
      "CreateAccessKey",
    ]);
    const ids = r.events.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
    const create = r.events.find((e) => e.action === "CreateFilter")!;
    assert.equal(create.accountId, P);
    assert.equal(create.principal, admin.accessKeyId);
    assert.equal(create.target, filterArn);
    assert.equal(create.detail["name"], "noise");
    assert.equal(typeof create.at, "number", "epoch seconds on the wire");
    assert.ok(
      r.events.every((e) => e.accountId === P),
      "the caller's account only",
    );
    assert.equal(r.nextToken, undefined);
  });

  it("pages by id with a token bound to its query", async () => {
    const all = (await events()).events;
    const paged: Event[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const r = await events({ maxResults: 3, ...(nextToken ? { nextToken } : {}) });
      assert.ok(r.events.length <= 3);
      paged.push(...r.events);
      nextToken = r.nextToken;
      pages++;
    } while (nextToken);
    assert.equal(pages, Math.ceil(all.length / 3));
    assert.deepEqual(paged, all);
    const first = await events({ maxResults: 3 });
    const wrong = await list({ maxResults: 3, actions: ["Enable"], nextToken: first.nextToken });
    assert.equal(wrong.errorType, "ValidationException");
    assert.match(String(wrong.json["message"]), /nextToken/);
  });

  it("filters by action and time", async () => {
    const r = await events({ actions: ["Enable", "Disable"] });
    assert.deepEqual(
      r.events.map((e) => e.action),
      ["Enable", "Disable"],
    );
    const late = await events({ since: midway / 1000 });
    assert.deepEqual(late.events.map((e) => e.action).reverse(), [
      "Disable",
      "Enable",
      "UpdateConfiguration",
      "CreateActivation",
      "CreateAccessKey",
      "DeleteAccessKey",
    ]);
    const early = await events({ until: midway / 1000, actions: ["CreateFilter", "Enable"] });
    assert.deepEqual(
      early.events.map((e) => e.action),
      ["CreateFilter"],
    );
  });

  it("is for admin keys of the account only", async () => {
    const ro = await list({}, readOnly);
    assert.equal(ro.status, 403);
    assert.equal(ro.errorType, "AccessDeniedException");
    assert.match(String(ro.json["message"]), /audit log is readable by admin keys/);
    const cross = await list({ accountIds: [Q] });
    assert.equal(cross.status, 403);
    assert.match(String(cross.json["message"]), new RegExp(`${P}.*${Q}`));
    const theirs = await signedFetch(t.url, "/v1/audit/list", {}, other);
    assert.equal(theirs.status, 200);
    assert.ok((theirs.json["events"] as Event[]).every((e) => e.accountId === Q));
  });

  it("validates the request", async () => {
    for (const [body, field] of [
      [{ maxResults: 501 }, "maxResults"],
      [{ accountIds: ["12"] }, "accountIds[0]"],
      [{ since: "yesterday" }, "since"],
      [{ unknown: 1 }, "unknown"],
    ] as const) {
      const r = await list(body as Record<string, unknown>);
      assert.equal(r.errorType, "ValidationException", JSON.stringify(body));
      assert.ok(
        (r.json["fields"] as { name: string }[]).some((f) => f.name === field),
        `${field}: ${JSON.stringify(r.json)}`,
      );
    }
  });
});

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`audit_log is append-only on ${dialect}`, () => {
    const tmp = tempDir(`audit-${dialect}`);
    let pg: TestPostgres | undefined;
    let database: ServiceDatabase;

    before(async () => {
      if (dialect === "postgres") pg = await startPostgres();
      database = await openServiceDatabase({
        dataDir: join(tmp.path, "data"),
        ...(pg ? { url: pg.url } : {}),
      });
      await database.db
        .insertInto("audit_log")
        .values({
          account_id: P,
          principal: "test",
          action: "CreateFilter",
          target: "x",
          detail: "{}",
          at: 1,
        })
        .execute();
    });
    after(async () => {
      await database?.close();
      pg?.stop();
      tmp.cleanup();
    });

    it("refuses UPDATE", async () => {
      await assert.rejects(
        database.db.updateTable("audit_log").set({ action: "Nothing" }).where("account_id", "=", P).execute(),
        /append-only/,
      );
      await assert.rejects(sql`update audit_log set target = 'y'`.execute(database.db), /append-only/);
    });

    it("refuses DELETE", async () => {
      await assert.rejects(database.db.deleteFrom("audit_log").execute(), /append-only/);
      await assert.rejects(sql`delete from audit_log where id > 0`.execute(database.db), /append-only/);
    });

    it("keeps the event as written and still accepts new ones", async () => {
      await database.db
        .insertInto("audit_log")
        .values({
          account_id: P,
          principal: "test",
          action: "DeleteFilter",
          target: "x",
          detail: "{}",
          at: 2,
        })
        .execute();
      const rows = await database.db
        .selectFrom("audit_log")
        .select(["action", "target"])
        .orderBy("id")
        .execute();
      assert.deepEqual(rows, [
        { action: "CreateFilter", target: "x" },
        { action: "DeleteFilter", target: "x" },
      ]);
    });
  });
}
