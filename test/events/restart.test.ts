/**
 * At-least-once delivery across a crash: `vigil serve` is SIGKILLed while its deliveries to a
 * failing receiver wait for their next retry; the outbox is in the database, so the restarted
 * server delivers every event.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { updateAdvisories } from "../../src/advisories/update.js";
import { openServiceDatabase } from "../../src/db/service/open.js";
import { signedFetch } from "../../src/server/client.js";
import { tempDir } from "../advisories/helpers.js";
import { freePort } from "../support/net.js";
import { startReceiver } from "../support/receiver.js";
import { pypi, TEST_ADVISORIES, writeOsvMirror } from "../support/service.js";
import { startVigilServe } from "../support/vigil-process.js";

describe("event delivery across a server crash", { timeout: 300_000 }, () => {
  const tmp = tempDir("events-restart");
  let server: ChildProcess | undefined;
  after(() => {
    server?.kill("SIGKILL");
    tmp.cleanup();
  });

  it("delivers every event after the restart", async () => {
    const dataDir = join(tmp.path, "data");
    const mirror = join(tmp.path, "mirror");
    writeOsvMirror(mirror, "PyPI", TEST_ADVISORIES);
    await updateAdvisories({ dataDir, mirror, feeds: ["osv:PyPI"] });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = await startVigilServe(dataDir, port);
    server = first.child;
    const key = first.key!;
    const call = async (method: "PUT" | "POST", path: string, body: unknown) => {
      const r = await signedFetch(url, path, body, key, { method });
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
      return r.json;
    };

    const rx = await startReceiver({ failFirst: 5, failStatus: 502 });
    try {
      await call("PUT", "/v1/events/targets/hook", {
        type: "webhook",
        config: { url: rx.url, initialDelaySeconds: 1, maxDelaySeconds: 2, maxAttempts: 30 },
      });
      await call("PUT", "/v1/events/rules/all-findings", {
        pattern: { source: ["aws.inspector2"], "detail-type": ["Inspector2 Finding"] },
        targets: ["hook"],
      });
      await call("POST", "/v1/resources/web-1/inventory", {
        resourceType: "AWS_EC2_INSTANCE",
        inventory: { packages: [pypi("requests", "2.30.0"), pypi("Flask", "2.0.0")] },
      });
      await rx.until((r) => r.length >= 2, 30_000);
      server.kill("SIGKILL");
      await new Promise((r) => server!.once("exit", r));
      const failedBeforeCrash = rx.requests.length;
      assert.ok(
        rx.requests.every((r) => r.status === 502),
        "nothing delivered before the crash",
      );

      // What the crash left: both events in the outbox, not delivered.
      const db = await openServiceDatabase({ dataDir });
      const outbox = await db.db
        .selectFrom("event_deliveries")
        .select(["event_id", "state", "attempts"])
        .execute();
      await db.close();
      assert.equal(outbox.length, 2);
      assert.ok(
        outbox.every((d) => d.state === "queued" || d.state === "delivering"),
        JSON.stringify(outbox),
      );
      const eventIds = new Set(outbox.map((d) => d.event_id));

      server = (await startVigilServe(dataDir, port)).child;
      await rx.until((r) => {
        const ok = new Set(r.filter((x) => x.status === 200).map((x) => JSON.parse(x.body).id as string));
        return [...eventIds].every((id) => ok.has(id));
      }, 60_000);
      assert.ok(rx.requests.length > failedBeforeCrash);
      const log = await signedFetch(url, "/v1/events/deliveries/list", {}, key);
      const deliveries = log.json["deliveries"] as { eventId: string; state: string; attempts: number }[];
      assert.equal(deliveries.length, 2);
      for (const d of deliveries) {
        assert.equal(d.state, "delivered");
        assert.ok(eventIds.has(d.eventId));
      }
      const received = rx.requests.map((r) => JSON.parse(r.body) as { id: string; "detail-type": string });
      assert.ok(received.every((e) => eventIds.has(e.id) && e["detail-type"] === "Inspector2 Finding"));
    } finally {
      await rx.close();
    }
  });
});
