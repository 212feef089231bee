/**
 * The server killed (SIGKILL) while an agent is sending: the agent keeps its message, retries
 * with backoff, and once `vigil serve` is back on the same data directory the server holds the
 * agent's new inventory.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { updateAdvisories } from "../../src/advisories/update.js";
import { Agent } from "../../src/agent/agent.js";
import { signedFetch } from "../../src/server/client.js";
import { osvRecord, tempDir } from "../advisories/helpers.js";
import { debootstrapRootfs } from "../support/fixtures.js";
import { freePort } from "../support/net.js";
import { writeOsvMirror } from "../support/service.js";
import { startVigilServe } from "../support/vigil-process.js";

const BASH = osvRecord({
  id: "DEBIAN-TEST-0200",
  aliases: ["CVE-2099-0200"],
  summary: "bash test advisory",
  affected: [
    {
      package: { ecosystem: "Debian:12", name: "bash" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "99" }] }],
    },
  ],
});

const serve = (dataDir: string, port: number) => startVigilServe(dataDir, port);

describe("an agent and a server that dies mid-send", { timeout: 300_000 }, () => {
  const tmp = tempDir("agent-restart");
  let server: ChildProcess | undefined;
  after(() => {
    server?.kill("SIGKILL");
    tmp.cleanup();
  });

  it("retries until the restarted server has the agent's inventory", async () => {
    const dataDir = join(tmp.path, "data");
    const mirror = join(tmp.path, "mirror");
    writeOsvMirror(mirror, "Debian", [BASH]);
    await updateAdvisories({ dataDir, mirror, feeds: ["osv:Debian"] });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = await serve(dataDir, port);
    server = first.child;
    const key = first.key!;
    const act = await signedFetch(url, "/v1/hosts/activations", { count: 1 }, key);
    assert.equal(act.status, 200, JSON.stringify(act.json));

    const root = join(tmp.path, "root");
    mkdirSync(join(root, "var/lib/dpkg"), { recursive: true });
    mkdirSync(join(root, "etc"), { recursive: true });
    const src = debootstrapRootfs("bookworm");
    copyFileSync(join(src, "var/lib/dpkg/status"), join(root, "var/lib/dpkg/status"));
    copyFileSync(join(src, "etc/os-release"), join(root, "etc/os-release"));
    let kills = 0;
    const agent = new Agent({
      server: url,
      stateDir: join(tmp.path, "state"),
      root,
      maxBackoffMs: 1000,
      onAttempt: (attempt, kind) => {
        if (kind !== "delta" || attempt !== 1) return;
        // Killed while the request is on its way.
        setImmediate(() => {
          kills++;
          server!.kill("SIGKILL");
          setTimeout(() => {
            void serve(dataDir, port).then((s) => {
              server = s.child;
            });
          }, 300);
        });
      },
    });
    const id = await agent.enroll(act.json["activationId"] as string, act.json["activationCode"] as string);
    assert.equal((await agent.report()).sent, "full");

    const status = join(root, "var/lib/dpkg/status");
    writeFileSync(
      status,
      readFileSync(status, "utf8")
        .replace(/(Package: bash\n(?:.+\n)*?Version: )\S+/, "$1100.0-1")
        .replace("Source: bash (5.2.15-2)", "Source: bash (100.0-1)"),
    );
    const r = await agent.report();
    assert.equal(kills, 1);
    assert.equal(r.sequence, 2);

    const hosts = await signedFetch(url, "/v1/hosts", undefined, key, { method: "GET" });
    const host = (hosts.json["hosts"] as { hostId: string; sequence: number; activeFindings: number }[]).find(
      (h) => h.hostId === id.hostId,
    )!;
    assert.equal(host.sequence, 2, "the server applied the message sent across the crash");
    assert.equal(host.activeFindings, 0, "and its inventory is the new one (bash fixed)");
    const again = await agent.report();
    assert.equal(again.sent, "heartbeat", "agent and server agree");
  });
});
