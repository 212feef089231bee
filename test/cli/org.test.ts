/**
 * `vigil org …` on a data directory (as `vigil keys` does), and `vigil audit` against a server.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Inspector2Client, ListMembersCommand } from "@aws-sdk/client-inspector2";
import { runVigil, runVigilAsync } from "../support/cli.js";
import { startTestService, type TestService } from "../support/service.js";

const M = "111111111111";
const A = "222222222222";
const B = "333333333333";

describe("vigil org", () => {
  let dataDir: string;
  let orgId: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "vigil-org-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const vigil = (...args: string[]) => runVigil(["--data-dir", dataDir, ...args]);

  it("creates an organization and adds and removes accounts", () => {
    const c = vigil("org", "create", "--management-account", M);
    assert.equal(c.status, 0, c.stderr);
    orgId = c.stdout.trim();
    assert.match(orgId, /^o-[a-z0-9]{10}$/);
    for (const a of [A, B]) {
      const r = vigil("org", "add-account", orgId, a);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`added ${a} to ${orgId}`));
    }
    const show = vigil("org", "show");
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`${orgId}  management ${M}  no delegated admin`));
    assert.match(show.stdout, new RegExp(`  ${B}  created`));
    const json = JSON.parse(vigil("org", "show", "--json").stdout) as { accounts: { accountId: string }[] }[];
    assert.deepEqual(
      json[0]!.accounts.map((a) => a.accountId),
      [M, A, B],
    );
    const rm = vigil("org", "remove-account", B);
    assert.equal(rm.status, 0, rm.stderr);
    assert.match(vigil("org", "show").stdout, /222222222222/);
    assert.doesNotMatch(vigil("org", "show").stdout, /333333333333/);
  });

  it("refuses what cannot be", () => {
    const twice = vigil("org", "create", "--management-account", A);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, new RegExp(`${A} already belongs to organization ${orgId}`));
    const bad = vigil("org", "add-account", orgId, "12");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /12 digits/);
    const mgmt = vigil("org", "remove-account", M);
    assert.equal(mgmt.status, 2);
    assert.match(mgmt.stderr, /management account/);
  });
});

describe("vigil org with a running server, and vigil audit", () => {
  let t: TestService;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    t = await startTestService();
    const key = await t.service.createKey(A);
    env = { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey };
  });
  after(async () => t?.close());

  it("shows the server org changes made on its data directory", async () => {
    const vigil = (...args: string[]) => runVigilAsync(["--data-dir", t.dataDir, ...args]);
    const orgId = (await vigil("org", "create", "--management-account", M)).stdout.trim();
    assert.equal((await vigil("org", "add-account", orgId, A)).status, 0);
    await t.service.organizations.enableDelegatedAdmin({ accountId: M, id: "test", readOnly: false }, A);
    const added = await vigil("org", "add-account", orgId, B);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`member of ${A}, enabled EC2, ECR, LAMBDA`));
    // The server notices another process's change within a second.
    await new Promise((r) => setTimeout(r, 1100));
    const client = new Inspector2Client({
      endpoint: t.url,
      region: "us-east-1",
      credentials: { accessKeyId: env["AWS_ACCESS_KEY_ID"]!, secretAccessKey: env["AWS_SECRET_ACCESS_KEY"]! },
      maxAttempts: 1,
    });
    const m = await client.send(new ListMembersCommand({}));
    assert.deepEqual(
      m.members?.map((x) => [x.accountId, x.relationshipStatus]),
      [[B, "ENABLED"]],
    );
  });

  it("prints the audit log", async () => {
    const r = await runVigilAsync(["audit", "--server", t.url, "--account", A, "--account", B], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${A}  cli:\\S+  Enable  ${B}`));
    const only = await runVigilAsync(
      ["audit", "--server", t.url, "--action", "CreateAccessKey", "--json"],
      env,
    );
    assert.equal(only.status, 0, only.stderr);
    const lines = only.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { action: string; at: string });
    assert.ok(lines.length >= 1);
    assert.ok(lines.every((l) => l.action === "CreateAccessKey" && /^\d{4}-/.test(l.at)));
    const future = await runVigilAsync(["audit", "--server", t.url, "--since", "2999-01-01"], env);
    assert.equal(future.status, 0, future.stderr);
    assert.equal(future.stdout, "");
    const denied = await runVigilAsync(["audit", "--server", t.url, "--account", "999999999999"], env);
    assert.equal(denied.status, 2);
    assert.match(denied.stderr, /AccessDeniedException/);
  });
});
