/**
 * Event deliveries are jobs: on PostgreSQL, `vigil serve` (no workers of its own) queues a
 * delivery's job in the transaction that writes it, a `vigil worker` sends it, and the worker is
 * SIGKILLed while the webhook holds the request. Once the job's claim expires a second worker
 * sends the event again and the delivery ends delivered: at-least-once (the receiver sees the
 * same event id and delivery id twice), never lost.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { JobInfo } from "../../src/jobs/index.js";
import { signedFetch } from "../../src/server/client.js";
import { tempDir } from "../advisories/helpers.js";
import { freePort } from "../support/net.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { startVigilServe, startVigilWorker, type VigilProcess } from "../support/vigil-process.js";
import { waitFor } from "../support/wait.js";

describe("SIGKILL of a worker in the middle of an event delivery (PostgreSQL)", { timeout: 300_000 }, () => {
  const tmp = tempDir("delivery-crash");
  const dataDir = join(tmp.path, "data");
  const env = { ...process.env };
  let pg: TestPostgres;
  let rx: Receiver;
  const processes: VigilProcess[] = [];

  before(async () => {
    // Abandoned jobs are noticed after 4 s instead of the target's timeout plus a minute.
    process.env["VIGIL_JOB_EXPIRE_SECONDS"] = "4";
    process.env["VIGIL_JOB_RETRY_DELAY_SECONDS"] = "1";
    pg = await startPostgres();
    // The first request hangs (the worker dies holding it); later ones are answered at once.
    rx = await startReceiver({ delayMs: 600_000 });
  });
  after(async () => {
    for (const p of processes) p.child.kill("SIGKILL");
    await rx?.close();
    pg?.stop();
    tmp.cleanup();
    process.env = env;
  });

  it("sends the event again from another worker and ends delivered", async () => {
    const port = await freePort();
    const serve = await startVigilServe(dataDir, port, ["--database", pg.url, "--workers", "0"]);
    processes.push(serve);
    assert.ok(serve.key, "the first start prints a key");
    const url = `http://127.0.0.1:${port}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await signedFetch(url, path, body, serve.key!, { method });
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
      return r.json as Record<string, unknown>;
    };
    await call("PUT", "/v1/events/targets/hook", {
      type: "webhook",
      config: { url: `${rx.url}/hook`, timeoutSeconds: 60, initialDelaySeconds: 0.05, maxDelaySeconds: 1 },
    });
    const first = await startVigilWorker(dataDir, ["--database", pg.url, "--concurrency", "1"]);
    processes.push(first);
    const { eventId, deliveryId } = (await call("POST", "/v1/events/targets/hook/test", {})) as {
      eventId: string;
      deliveryId: number;
    };
    const jobOf = async (): Promise<JobInfo | undefined> => {
      const { jobs } = (await call("POST", "/v1/jobs/list", { kind: "event-delivery" })) as {
        jobs: JobInfo[];
      };
      const mine = jobs.filter((j) => (j.data as { deliveryId: number }).deliveryId === deliveryId);
      assert.ok(mine.length <= 1, "one job per delivery");
      return mine[0];
    };
    const delivery = async () =>
      (await call("GET", `/v1/events/deliveries/${deliveryId}`))["delivery"] as {
        state: string;
        attempts: number;
      };

    // (The held request is not answered, so wait on its arrival, and kill well within the 4 s.)
    await waitFor("the send", async () => (rx.requests.length >= 1 ? true : undefined), 60_000);
    assert.equal((await jobOf())?.state, "active", "the worker holds the job");
    assert.equal((await delivery()).state, "delivering");
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    rx.behave({});

    processes.push(await startVigilWorker(dataDir, ["--database", pg.url, "--concurrency", "2"]));
    await waitFor("the delivery", async () => ((await delivery()).state === "delivered" ? true : undefined));
    const job = await waitFor("the job to complete", async () => {
      const j = await jobOf();
      return j?.state === "completed" ? j : undefined;
    });
    assert.ok(job.retryCount >= 1, "retried after the kill");
    assert.equal((job.output as { result?: string } | null)?.result, "delivered");
    assert.equal((await delivery()).attempts, 1, "one settled attempt");

    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rx.requests.length, 2, "sent before the kill and once after");
    for (const r of rx.requests) {
      assert.equal((JSON.parse(r.body) as { id: string }).id, eventId);
      assert.equal(r.headers["x-vigil-delivery"], String(deliveryId));
    }
  });
});
