/**
 * `vigil events …` and `vigil securityhub export` against a real server: set up a target and a
 * rule, watch a delivery fail into the dead-letter store, replay it, and export findings as
 * BatchImportFindings files checked against Security Hub's service model.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Principal } from "../../src/service/service.js";
import { tempDir } from "../advisories/helpers.js";
import { batchImportFindingsValidator } from "../support/botocore.js";
import { runVigilAsync } from "../support/cli.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "123456789012";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };

describe("vigil events and vigil securityhub (CLI)", { timeout: 180_000 }, () => {
  let t: TestService;
  let rx: Receiver;
  let env: NodeJS.ProcessEnv;
  const tmp = tempDir("events-cli");
  const vigil = async (...args: string[]) => {
    const r = await runVigilAsync(args, env);
    assert.equal(r.status, 0, `vigil ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    t = await startTestService({ events: {} });
    rx = await startReceiver({ status: 500 });
    const key = await t.service.createKey(ACCOUNT);
    env = {
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      VIGIL_ENDPOINT_URL: t.url,
      HOOK_SECRET: "cli-secret-0123456789",
    };
  });
  after(async () => {
    await rx?.close();
    await t?.close();
    tmp.cleanup();
  });

  it("configures routing, lists dead letters and replays them", async () => {
    const target = JSON.parse(
      await vigil(
        "events",
        "target",
        "put",
        "ops",
        "--type",
        "webhook",
        "--url",
        rx.url,
        "--secret-env",
        "HOOK_SECRET",
        "--max-attempts",
        "2",
        "--initial-delay",
        "0.05",
      ),
    ) as { config: Record<string, unknown> };
    assert.equal(target.config["secret"], "(set)");
    assert.equal(target.config["maxAttempts"], 2);
    await vigil(
      "events",
      "rule",
      "put",
      "critical",
      "--pattern",
      JSON.stringify({ "detail-type": ["Inspector2 Finding"], detail: { severity: ["CRITICAL"] } }),
      "--target",
      "ops",
    );
    assert.match(await vigil("events", "rules"), /^critical\tenabled\t→ ops\t\{"detail-type"/m);
    assert.match(await vigil("events", "targets"), new RegExp(`^ops\twebhook\t${rx.url}`, "m"));

    await t.service.submitInventory(
      admin,
      { id: "web-1", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0")],
      },
    );
    let dead = "";
    for (let i = 0; i < 100 && !dead.includes("dead"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      dead = await vigil("events", "deliveries", "--state", "dead");
    }
    assert.match(dead, /\tdead\t2 tries\tops\tInspector2 Finding\t.*HTTP 500/);
    rx.behave({ status: 200 });
    assert.match(await vigil("events", "replay", "--target", "ops"), /^1 deliveries queued again/);
    await rx.until((r) => r.some((x) => x.status === 200));
    const id = /^(\d+)\t/.exec(dead)![1]!;
    const one = JSON.parse(await vigil("events", "delivery", id)) as {
      delivery: { state: string };
      event: { "detail-type": string };
    };
    assert.equal(one.event["detail-type"], "Inspector2 Finding");

    const bad = await runVigilAsync(
      ["events", "rule", "put", "x", "--pattern", "{nope", "--target", "ops"],
      env,
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--pattern: not JSON/);
    const refused = await runVigilAsync(
      [
        "events",
        "rule",
        "put",
        "x",
        "--pattern",
        '{"detail":{"severity":[{"numeric":[">"]}]}}',
        "--target",
        "ops",
      ],
      env,
    );
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /ValidationException: rule x: pattern: detail\.severity/);
  });

  it("exports the server's findings as BatchImportFindings files", async () => {
    await t.service.submitInventory(
      admin,
      { id: "web-2", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")],
      },
    );
    const out = join(tmp.path, "asff");
    const stdout = await vigil("securityhub", "export", "--out-dir", out, "--region", "eu-central-1");
    assert.match(stdout, /^3 findings in 1 file\(s\)/);
    const files = readdirSync(out);
    assert.deepEqual(files, ["batch-0001.json"]);
    const body = JSON.parse(readFileSync(join(out, files[0]!), "utf8")) as {
      Findings: Record<string, unknown>[];
    };
    const validate = batchImportFindingsValidator();
    assert.deepEqual(validate(body), []);
    assert.equal(body.Findings.length, 3);
    for (const f of body.Findings) {
      assert.equal(f["Region"], "eu-central-1");
      assert.match(String(f["FirstObservedAt"]), /^\d{4}-\d\d-\d\dT/);
    }
  });
});
