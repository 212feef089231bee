/**
 * The child processes of the hosts benchmark (bench/hosts.ts), selected by the first argument:
 *
 *  - `serve <dataDir>`: the Vigil server with host management on loopback (SQLite in dataDir).
 *    Prints nothing; reports its URL over IPC, then answers IPC requests `{ id, cmd }`:
 *    "activation" (creates one activation for `count` hosts), "usage" (its own CPU time and RSS),
 *    "stats" (open findings, hosts, resources).
 *  - `collect <stateDir> <runs>`: a fresh Node process that runs the agent's collection of this
 *    host `runs` times and reports each collection's cost and counts over IPC, then exits.
 */
import { join } from "node:path";
import { type RawBuilder, sql } from "kysely";

type Request = { id: number; cmd: string; [k: string]: unknown };

function reply(id: number, body: Record<string, unknown>): void {
  process.send?.({ id, ...body });
}

async function serve(dataDir: string): Promise<void> {
  const { openAdvisoryStore } = await import("../src/advisories/store.js");
  const { openServiceDatabase } = await import("../src/db/service/open.js");
  const { HostMounts, HostService } = await import("../src/hosts/hosts.js");
  const { openJobQueue } = await import("../src/jobs/index.js");
  const { buildApp } = await import("../src/server/app.js");
  const { Exports } = await import("../src/service/exports.js");
  const { loadMasterKey } = await import("../src/service/keys.js");
  const { VigilService } = await import("../src/service/service.js");

  const store = openAdvisoryStore(dataDir);
  const database = await openServiceDatabase({ dataDir });
  const service = new VigilService(database, store, loadMasterKey(dataDir), { region: "local" });
  const hosts = new HostService(service);
  // No job workers here: the bench drives agents, not agentless scans.
  const mounts = new HostMounts(service, hosts, openJobQueue(database, { passive: true }));
  const app = buildApp({ service, exports: new Exports(service, join(dataDir, "reports")), hosts, mounts });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });

  const handle = async (m: Request): Promise<Record<string, unknown>> => {
    switch (m.cmd) {
      case "activation": {
        const accountId = String(m["accountId"]);
        await service.ensureAccount(accountId);
        return hosts.createActivation(
          { accountId, id: "bench", readOnly: false },
          { count: Number(m["count"]), expiresAt: service.now() + 3_600_000, description: "hosts bench" },
        );
      }
      case "usage": {
        const cpu = process.cpuUsage();
        return {
          userUs: cpu.user,
          systemUs: cpu.system,
          rssBytes: process.memoryUsage().rss,
          at: Date.now(),
        };
      }
      case "stats": {
        const count = async (q: RawBuilder<{ n: number }>) =>
          Number((await q.execute(service.db)).rows[0]?.n ?? 0);
        return {
          openFindings: await count(sql<{ n: number }>`SELECT count(*) AS n FROM findings WHERE open = 1`),
          hostsWithFindings: await count(
            sql<{ n: number }>`SELECT count(DISTINCT resource_id) AS n FROM findings WHERE open = 1`,
          ),
          hosts: await count(sql<{ n: number }>`SELECT count(*) AS n FROM hosts`),
          activeResources: await count(
            sql<{ n: number }>`SELECT count(*) AS n FROM resources WHERE scan_status = 'ACTIVE'`,
          ),
        };
      }
      default:
        throw new Error(`unknown command ${m.cmd}`);
    }
  };
  process.on("message", (raw) => {
    const m = raw as Request;
    handle(m).then(
      (body) => reply(m.id, { ok: true, body }),
      (e: Error) => reply(m.id, { ok: false, error: e.message }),
    );
  });
  // The parent going away (killed, crashed) must not leave the server behind.
  process.once("disconnect", () => process.exit(0));
  process.once("SIGTERM", () => {
    void app
      .close()
      .then(() => database.close())
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
  process.send?.({ url: address });
}

async function collect(stateDir: string, runs: number): Promise<void> {
  const { Agent } = await import("../src/agent/agent.js");
  const baselineRssBytes = process.memoryUsage().rss;
  const agent = new Agent({ server: "http://127.0.0.1:9", stateDir, root: "/" });
  const collections = [];
  for (let i = 0; i < runs; i++) {
    const c = await agent.collect();
    collections.push({
      ...c.collection,
      /** Peak RSS of the process so far (what /usr/bin/time reports as %M), bytes. */
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      packages: c.packages.length,
      debPackages: c.packages.filter((p) => p.type === "deb").length,
      processes: c.facts.processes.length,
      listening: c.facts.listening.length,
    });
  }
  const cpu = process.cpuUsage();
  process.send?.(
    {
      baselineRssBytes,
      collections,
      // The whole process: Node's start-up, module loading and every collection.
      processTotal: {
        ms: Math.round(performance.now()),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      },
    },
    () => process.exit(0),
  );
}

const [mode, dir, arg] = process.argv.slice(2);
if (mode === "serve" && dir) await serve(dir);
else if (mode === "collect" && dir) await collect(dir, Number(arg ?? 3));
else {
  process.stderr.write("usage: hosts-server serve <dataDir> | collect <stateDir> [runs]\n");
  process.exit(2);
}
