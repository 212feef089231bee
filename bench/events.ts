/**
 * Events benchmark: what routing findings to a webhook costs and how fast the outbox drains.
 *
 * Real input: the inventory of the bench rootfs (debootstrap bookworm plus Debian's Go programs,
 * built by the inventory bench) matched against the real Debian and Go OSV mirrors; every host
 * submits it, so every inventory opens the same findings. Measured in one process on SQLite, against a real HTTP receiver on loopback:
 *  - inventory submission without any rule vs with a rule matching every finding event
 *    (the outbox rows and their delivery jobs are written in the same transaction): ms per
 *    inventory and the ratio;
 *  - drain rate of the queued deliveries (deliveries/s, each one an "event-delivery" job on the
 *    embedded queue) at concurrency 4 and 16;
 *  - commit → receipt latency per event while deliveries run alongside submissions (p50/p99).
 * There is no offline peer for EventBridge-style routing; the figures stand with their goals.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openAdvisoryStore } from "../src/advisories/store.js";
import { updateAdvisories } from "../src/advisories/update.js";
import { openServiceDatabase } from "../src/db/service/open.js";
import { Deliverer } from "../src/events/deliverer.js";
import { openJobQueue } from "../src/jobs/index.js";
import { inventoryTarget, openTarget } from "../src/pipeline/scan.js";
import { loadMasterKey } from "../src/service/keys.js";
import { type Principal, VigilService } from "../src/service/service.js";
import { startReceiver } from "../test/support/receiver.js";

const HOSTS = Number(process.env["BENCH_EVENT_HOSTS"] ?? 100);
const ACCOUNT = "100000000002";
const p: Principal = { accountId: ACCOUNT, id: "bench", readOnly: false };

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

export async function benchEvents(vulndataDir: string, rootfs: string): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-events-"));
  const rx = await startReceiver();
  try {
    await updateAdvisories({ dataDir, mirror: vulndataDir, feeds: ["osv:Debian", "osv:Go"] });
    const target = await openTarget(rootfs);
    const inv = await inventoryTarget(target);
    target.close();
    const store = openAdvisoryStore(dataDir);
    const database = await openServiceDatabase({ dataDir });
    const service = new VigilService(database, store, loadMasterKey(dataDir), { region: "us-east-1" });
    const inventory = { os: inv.os, packages: inv.packages };
    const submit = async (id: string) => {
      const t0 = performance.now();
      const r = await service.submitInventory(p, { id, type: "AWS_EC2_INSTANCE" }, inventory);
      return { ms: performance.now() - t0, opened: r.opened };
    };
    const phase = async (prefix: string) => {
      const times: number[] = [];
      let opened = 0;
      for (let i = 0; i < HOSTS; i++) {
        const r = await submit(`${prefix}-${i}`);
        times.push(r.ms);
        opened += r.opened;
      }
      return { msPerInventory: quantile(times, 0.5), findingsOpened: opened };
    };

    // Every delivery is a job, queued in the inventory's transaction; nothing runs them until a
    // drain starts workers (a fresh queue each time, as a restarted process would).
    const deliveryWorkers = (concurrency: number) => {
      const jobs = openJobQueue(database, { sole: true });
      service.events.useJobs(jobs);
      return { jobs, deliverer: new Deliverer(database.db, service.events, jobs, { concurrency }) };
    };
    service.events.useJobs(openJobQueue(database, { sole: true }));
    // Warm-up (advisory cache, prepared statements), then without and with a rule.
    await submit("warm-0");
    const withoutRule = await phase("plain");
    await service.events.putTarget(p, "bench", "webhook", { url: rx.url, maxAttempts: 3 });
    await service.events.putRule(p, "all", {
      pattern: { "detail-type": ["Inspector2 Finding"] },
      targets: ["bench"],
    });
    const withRule = await phase("routed");

    const drain = async (concurrency: number) => {
      const before = rx.requests.length;
      const queued = Number(
        (
          await database.db
            .selectFrom("event_deliveries")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("state", "=", "queued")
            .executeTakeFirstOrThrow()
        ).n,
      );
      const { jobs, deliverer } = deliveryWorkers(concurrency);
      const t0 = performance.now();
      await jobs.start();
      await deliverer.start();
      await rx.until((r) => r.length - before >= queued, 600_000);
      const s = (performance.now() - t0) / 1000;
      await jobs.stop();
      await deliverer.stop();
      return { deliveries: queued, seconds: Number(s.toFixed(2)), perSecond: Math.round(queued / s) };
    };
    const drain4 = await drain(4);
    // Queue the same amount again for the wider run.
    await service.events.putRule(p, "all", {
      pattern: { "detail-type": ["Inspector2 Finding"] },
      targets: ["bench"],
    });
    await phase("routed-again");
    const drain16 = await drain(16);

    // Latency: deliveries run while hosts keep arriving.
    const { jobs, deliverer } = deliveryWorkers(4);
    await jobs.start();
    await deliverer.start();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = rx.requests.length;
      const r = await submit(`live-${i}`);
      const committed = Date.now();
      await rx.until((x) => x.length - before >= r.opened, 120_000);
      for (const req of rx.requests.slice(before)) latencies.push(req.at - committed);
    }
    await jobs.stop();
    await deliverer.stop();
    await database.close();
    store.close();
    return {
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}`,
      packagesPerHost: inventory.packages.length,
      findingsPerHost: withoutRule.findingsOpened / HOSTS,
      hosts: HOSTS,
      submitMsPerInventory: {
        withoutRule: Number(withoutRule.msPerInventory.toFixed(1)),
        withRuleMatchingEveryFinding: Number(withRule.msPerInventory.toFixed(1)),
        ratio: Number((withRule.msPerInventory / withoutRule.msPerInventory).toFixed(2)),
        goal: "ratio ≤ 2 when every finding is routed (each event is a full finding snapshot written in the inventory’s transaction)",
      },
      drain: {
        concurrency4: drain4,
        concurrency16: drain16,
        goal: "≥ 500 deliveries/s to a loopback webhook",
      },
      commitToReceiptMs: {
        events: latencies.length,
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        goal: "p99 < 2 s with deliveries running alongside",
      },
    };
  } finally {
    await rx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
