/**
 * Hosts end to end against a real Vigil server: several agents, each with its own root (package
 * databases of debootstrap bookworm and bullseye roots) and identity; full inventory then deltas;
 * the server going away mid-send; forged and replayed requests; revocation and rotation; coverage
 * reasons; agentless disk scans landing on the agent's resource; and one agent on this machine
 * compared with osquery.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Agent, AgentError } from "../../src/agent/agent.js";
import { hostResourceId } from "../../src/hosts/inventory.js";
import { buildApp } from "../../src/server/app.js";
import { signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { osvRecord, tempDir } from "../advisories/helpers.js";
import { runVigilAsync } from "../support/cli.js";
import { debootstrapRootfs, osqueryBinary } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/service.js";
import { selfSignedCert } from "../support/tls.js";

const ACCOUNT = "000000000000";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };

/** bash before 99 in Debian 11 and 12: every root has it. */
const BASH = osvRecord({
  id: "DEBIAN-TEST-0100",
  aliases: ["CVE-2099-0100"],
  summary: "bash test advisory",
  affected: ["Debian:11", "Debian:12"].map((ecosystem) => ({
    package: { ecosystem, name: "bash" },
    ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "99" }] }],
  })),
  severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
});

/** A small root: a debootstrap root's package database and os-release, with its own machine id. */
function miniRoot(dir: string, suite: "bookworm" | "bullseye", machineId?: string): string {
  const src = debootstrapRootfs(suite);
  mkdirSync(join(dir, "var/lib/dpkg"), { recursive: true });
  mkdirSync(join(dir, "etc"), { recursive: true });
  copyFileSync(join(src, "var/lib/dpkg/status"), join(dir, "var/lib/dpkg/status"));
  copyFileSync(join(src, "etc/os-release"), join(dir, "etc/os-release"));
  writeFileSync(join(dir, "etc/hostname"), `${suite}-host\n`);
  if (machineId) writeFileSync(join(dir, "etc/machine-id"), `${machineId}\n`);
  return dir;
}

describe("hosts and the agent", { timeout: 600_000 }, () => {
  const tmp = tempDir("hosts");
  let t: TestService;
  let clock = Date.now();
  let activation: { activationId: string; activationCode: string };
  const resource = (id: string) =>
    t.service.db.selectFrom("resources").selectAll().where("resource_id", "=", id).executeTakeFirst();
  const openFindings = async (id: string) =>
    (
      await t.service.db
        .selectFrom("findings")
        .select("vulnerability_id")
        .where("resource_id", "=", id)
        .where("open", "=", 1)
        .execute()
    ).map((f) => f.vulnerability_id);
  const agentFor = (
    name: string,
    root: string,
    extra: Partial<ConstructorParameters<typeof Agent>[0]> = {},
  ) =>
    new Agent({
      server: t.url,
      stateDir: join(tmp.path, `state-${name}`),
      root,
      maxBackoffMs: 200,
      ...extra,
    });

  before(async () => {
    t = await startTestService({ osv: { ecosystem: "Debian", records: [BASH] }, now: () => clock });
    activation = await t.hosts.createActivation(admin, {
      count: 2,
      expiresAt: clock + 3_600_000,
      tags: { team: "platform" },
    });
  });
  after(async () => {
    await t?.close();
    tmp.cleanup();
  });

  const machineA = randomBytes(16).toString("hex");
  let bookworm: Agent;
  let bullseye: Agent;
  let rootA: string;
  let idA: string;
  let idB: string;

  it("enrols agents with a one-time activation, each with its own identity", async () => {
    rootA = miniRoot(join(tmp.path, "root-a"), "bookworm", machineA);
    bookworm = agentFor("a", rootA);
    bullseye = agentFor("b", miniRoot(join(tmp.path, "root-b"), "bullseye"));
    const a = await bookworm.enroll(activation.activationId, activation.activationCode);
    const b = await bullseye.enroll(activation.activationId, activation.activationCode);
    idA = a.hostId;
    idB = b.hostId;
    assert.equal(idA, hostResourceId(machineA), "named by its machine id");
    assert.match(idB, /^h-[0-9a-f]{17}$/);
    assert.notEqual(a.accessKeyId, b.accessKeyId);
    assert.equal(readFileSync(join(tmp.path, "state-a", "identity.json")).length > 0, true);
    assert.equal((await resource(idA))!.scan_status_reason, "PENDING_INITIAL_SCAN");
    // The code is used up, wrong, or expired: refused, saying which.
    const third = agentFor("c", miniRoot(join(tmp.path, "root-c"), "bookworm"));
    await assert.rejects(
      third.enroll(activation.activationId, activation.activationCode),
      /used up \(2 of 2/,
    );
    await assert.rejects(third.enroll(activation.activationId, "wrong"), /unknown activation or wrong code/);
    const expiring = await t.hosts.createActivation(admin, { count: 1, expiresAt: clock + 1000 });
    clock += 2000;
    await assert.rejects(third.enroll(expiring.activationId, expiring.activationCode), /expired at/);
  });

  it("sends a full inventory first; findings open on each host's own resource", async () => {
    const ra = await bookworm.report();
    const rb = await bullseye.report();
    assert.equal(ra.sent, "full");
    assert.equal(rb.sent, "full");
    for (const id of [idA, idB]) {
      const r = (await resource(id))!;
      assert.equal(r.scan_status, "ACTIVE");
      assert.deepEqual(await openFindings(id), ["CVE-2099-0100"]);
      assert.deepEqual(JSON.parse(r.tags), { team: "platform" });
    }
    const details = JSON.parse((await resource(idB))!.details) as { awsEc2Instance: { platform: string } };
    assert.match(details.awsEc2Instance.platform, /Debian GNU\/Linux 11/);
    assert.ok(ra.collection.cpuMs >= 0 && ra.collection.rssBytes > 10 << 20);
  });

  it("then sends deltas that bring the server's copy to the agent's, and heartbeats when nothing changed", async () => {
    assert.equal((await bookworm.report()).sent, "heartbeat");
    // bash upgraded past the fix, one package removed.
    const status = join(rootA, "var/lib/dpkg/status");
    const text = readFileSync(status, "utf8")
      .replace(/(Package: bash\n(?:.+\n)*?Version: )\S+/, "$1100.0-1")
      .replace("Source: bash (5.2.15-2)", "Source: bash (100.0-1)")
      .replace(/\n\nPackage: diffutils\n(?:.+\n)+/, "\n\n");
    writeFileSync(status, text);
    const r = await bookworm.report();
    assert.equal(r.sent, "delta");
    assert.deepEqual(await openFindings(idA), [], "the fixed bash closed the finding");
    const server = await t.service.inventoryOf(ACCOUNT, idA);
    const collected = await bookworm.collect();
    const key = (p: { name: string; version: string }) => `${p.name}@${p.version}`;
    assert.deepEqual(server!.packages.map(key).sort(), collected.packages.map(key).sort());
    assert.ok(!server!.packages.some((p) => p.name === "diffutils"));
  });

  it("keeps a message while the server is away and delivers it when it is back", async () => {
    const status = join(rootA, "var/lib/dpkg/status");
    writeFileSync(
      status,
      readFileSync(status, "utf8")
        .replace(/(Package: bash\n(?:.+\n)*?Version: )\S+/, "$15.0-1")
        .replace("Source: bash (100.0-1)", "Source: bash (5.0-1)"),
    );
    let attempts = 0;
    const flaky = agentFor("a", rootA, {
      onAttempt: async (n) => {
        attempts = n;
        if (n === 1) {
          await t.stopListening();
          setTimeout(() => void t.listen(), 600);
        }
      },
    });
    const r = await flaky.report();
    assert.equal(r.sent, "delta");
    assert.ok(attempts >= 2, `retried (${attempts} attempts)`);
    assert.deepEqual(await openFindings(idA), ["CVE-2099-0100"], "the server ends with the new inventory");
  });

  it("refuses forged, replayed and out-of-order requests, and keys used outside their role", async () => {
    const id = JSON.parse(readFileSync(join(tmp.path, "state-b", "identity.json"), "utf8")) as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    const beat = { nonce: "replay-me-0000000001" };
    assert.equal((await signedFetch(t.url, "/v1/agent/heartbeat", beat, id)).status, 200);
    const replay = await signedFetch(t.url, "/v1/agent/heartbeat", beat, id);
    assert.equal(replay.status, 403);
    assert.match(String(replay.json["message"]), /replayed request/);
    const forged = await signedFetch(
      t.url,
      "/v1/agent/heartbeat",
      { nonce: "forged-000000000001" },
      {
        accessKeyId: id.accessKeyId,
        secretAccessKey: "not-the-secret",
      },
    );
    assert.equal(forged.status, 403);
    assert.equal(forged.errorType, "InvalidSignatureException");
    const old = await signedFetch(
      t.url,
      "/v1/agent/inventory",
      {
        nonce: "old-message-00000001",
        sequence: 1,
        kind: "full",
        contentHash: "0".repeat(64),
        hostname: "x",
        packages: [],
      },
      id,
    );
    assert.equal(old.status, 409);
    assert.match(String(old.json["message"]), /older than the last applied/);
    // A host key cannot read the account's findings; an account key cannot pose as an agent.
    const list = await signedFetch(t.url, "/findings/list", {}, id);
    assert.equal(list.status, 403);
    assert.match(String(list.json["message"]), /belongs to host/);
    const key = await t.service.createKey(ACCOUNT);
    const pose = await signedFetch(t.url, "/v1/agent/heartbeat", { nonce: "posing-0000000000001" }, key);
    assert.equal(pose.status, 403);
    assert.match(String(pose.json["message"]), /for enrolled agents/);
  });

  it("rotates a credential on request and refuses a revoked host with the reason", async () => {
    const before = JSON.parse(readFileSync(join(tmp.path, "state-b", "identity.json"), "utf8")) as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    await t.hosts.requestRotation(admin, idB);
    await bullseye.heartbeat();
    const after = JSON.parse(readFileSync(join(tmp.path, "state-b", "identity.json"), "utf8")) as {
      accessKeyId: string;
    };
    assert.notEqual(after.accessKeyId, before.accessKeyId);
    const stale = await signedFetch(t.url, "/v1/agent/heartbeat", { nonce: "old-key-000000000001" }, before);
    assert.equal(stale.status, 403);
    assert.match(String(stale.json["message"]), /was revoked at/);
    assert.equal((await bullseye.report()).sent, "heartbeat", "the new key works");

    await t.hosts.revoke(admin, idB);
    await assert.rejects(
      bullseye.report(),
      (e: Error) => e instanceof AgentError && /revoked at .*enrol/.test(e.message),
    );
    const r = (await resource(idB))!;
    assert.equal(r.scan_status_reason, "UNMANAGED_EC2_INSTANCE");
  });

  it("reports coverage reasons: stale, excluded by tag, unsupported OS, no inventory", async () => {
    const more = await t.hosts.createActivation(admin, { count: 3, expiresAt: clock + 3_600_000 });
    // Excluded by a tag from the host's tags file (the seed example: disposable test environments).
    await t.hosts.updateConfiguration(admin, {
      exclusionTags: [
        { key: "VigilExclusion", value: "*" },
        { key: "environment", value: "disposable-test" },
      ],
      staleAfterHours: 1,
    });
    const rootX = miniRoot(join(tmp.path, "root-x"), "bookworm");
    mkdirSync(join(rootX, "etc/vigil"), { recursive: true });
    writeFileSync(join(rootX, "etc/vigil/tags"), "# test env\nenvironment=disposable-test\n");
    const excluded = agentFor("x", rootX);
    const x = await excluded.enroll(more.activationId, more.activationCode);
    await excluded.report();
    assert.equal((await resource(x.hostId))!.scan_status_reason, "EXCLUDED_BY_TAG");
    assert.deepEqual(await openFindings(x.hostId), []);

    const rootU = join(tmp.path, "root-u");
    mkdirSync(join(rootU, "etc"), { recursive: true });
    mkdirSync(join(rootU, "opt/app"), { recursive: true });
    writeFileSync(join(rootU, "etc/os-release"), 'ID=plan9\nPRETTY_NAME="Plan 9"\n');
    writeFileSync(join(rootU, "opt/app/requirements.txt"), "requests==2.0.0\n");
    const unsupported = agentFor("u", rootU);
    const u = await unsupported.enroll(more.activationId, more.activationCode);
    await unsupported.report();
    const ru = (await resource(u.hostId))!;
    assert.equal(ru.scan_status_reason, "UNSUPPORTED_OS");
    assert.match(ru.scan_status_detail ?? "", /Plan 9/);

    const empty = agentFor("e", join(tmp.path, "root-e"));
    mkdirSync(join(tmp.path, "root-e"), { recursive: true });
    const e = await empty.enroll(more.activationId, more.activationCode);
    await empty.report();
    assert.equal((await resource(e.hostId))!.scan_status_reason, "NO_INVENTORY");

    clock += 2 * 3_600_000;
    await t.hosts.sweep();
    assert.equal((await resource(idA))!.scan_status_reason, "STALE_INVENTORY");
    await bookworm.report();
    assert.equal((await resource(idA))!.scan_status, "ACTIVE", "contact again ends staleness");
  });

  it("scans a mounted disk agentlessly onto the same resource as the host's agent", async () => {
    const disk = miniRoot(join(tmp.path, "disk-a"), "bookworm", machineA);
    const scanned = await t.hosts.scanDisk(admin, disk);
    assert.equal(scanned.hostId, idA);
    assert.deepEqual(await openFindings(idA), ["CVE-2099-0100"], "the disk still has the old bash");
    const mounted = await t.mounts.add(admin, { path: disk, intervalMinutes: 60 });
    assert.equal(mounted.hostId, idA);
    assert.ok(mounted.packages > 80);
    await assert.rejects(
      t.mounts.add(admin, { path: join(tmp.path, "nope"), intervalMinutes: 60 }),
      /not a directory/,
    );
    assert.equal(await t.mounts.runDue(), 0, "not due yet");
    clock += 61 * 60_000;
    assert.equal(await t.mounts.runDue(), 1, "queued after its interval");
    assert.equal(await t.mounts.runDue(), 0, "queued once");
    await t.jobs.idle(["agentless-scan"]);
    const [job] = await t.jobs.list({ kind: "agentless-scan" });
    assert.equal(job?.state, "completed");
    assert.deepEqual(job?.output, { status: "OK" });
    const [m] = await t.mounts.list(ACCOUNT);
    assert.equal(m!.status, "OK");
    assert.equal(Number(m!.last_scan_at), clock, "rescanned at the new time");
  });

  it("is driven by the command line: vigil hosts activate, vigil agent --once, vigil hosts list", async () => {
    const key = await t.service.createKey(ACCOUNT);
    const env = {
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      VIGIL_ENDPOINT_URL: t.url,
    };
    const act = await runVigilAsync(
      ["hosts", "activate", "--count", "1", "--expires", "2h", "--tag", "site=lab"],
      env,
    );
    assert.equal(act.status, 0, act.stderr);
    const activation = /--activation (act-[0-9a-f]{16}:\S+)/.exec(act.stdout)?.[1];
    assert.ok(activation, act.stdout);
    const root = miniRoot(join(tmp.path, "root-cli"), "bullseye");
    const args = [
      "agent",
      "--server",
      t.url,
      "--state-dir",
      join(tmp.path, "state-cli"),
      "--root",
      root,
      "--once",
    ];
    const run = await runVigilAsync([...args, "--activation", activation], {});
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^full inventory 1 sent: collection \d+ ms, cpu \d+ ms, rss \d+ MiB/);
    const again = await runVigilAsync(args, {});
    assert.match(again.stdout, /^heartbeat inventory 1 sent/);
    const list = await runVigilAsync(["hosts", "list"], env);
    assert.match(list.stdout, /h-[0-9a-f]{17} {2}bullseye-host {2}ACTIVE SUCCESSFUL {2}findings 1/);
    const bad = await runVigilAsync(
      ["agent", "--server", t.url, "--state-dir", join(tmp.path, "state-none"), "--once"],
      {},
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /not enrolled: run with --activation/);
  });

  it("connects over HTTPS when the server has TLS, trusting the CA it is given", async () => {
    const dir = join(tmp.path, "tls");
    const tls = selfSignedCert(dir);
    const app = buildApp({
      service: t.service,
      exports: t.exports,
      hosts: t.hosts,
      mounts: t.mounts,
      https: { key: tls.key, cert: tls.cert },
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      assert.match(url, /^https:/);
      const act = await t.hosts.createActivation(admin, { count: 2, expiresAt: clock + 3_600_000 });
      const root = miniRoot(join(tmp.path, "root-tls"), "bullseye");
      const untrusting = new Agent({ server: url, stateDir: join(tmp.path, "state-tls0"), root });
      await assert.rejects(
        untrusting.enroll(act.activationId, act.activationCode),
        /cannot reach .*(SELF_SIGNED|certificate)/i,
      );
      const agent = new Agent({
        server: url,
        stateDir: join(tmp.path, "state-tls"),
        root,
        caFile: tls.certFile,
      });
      const id = await agent.enroll(act.activationId, act.activationCode);
      assert.equal((await agent.report()).sent, "full");
      assert.equal((await resource(id.hostId))!.scan_status, "ACTIVE");
    } finally {
      await app.close();
    }
  });

  it("runs on this machine: packages match osquery's deb_packages, sockets and packages in use are reported", async () => {
    const live = await t.hosts.createActivation(admin, { count: 1, expiresAt: clock + 3_600_000 });
    const agent = agentFor("live", "/");
    const id = await agent.enroll(live.activationId, live.activationCode);
    const collected = await agent.collect();
    const r = await agent.report();
    assert.equal(r.sent, "full");
    const ours = new Set(
      collected.packages.filter((p) => p.type === "deb").map((p) => `${p.name}@${p.version}`),
    );
    const osq = JSON.parse(
      execFileSync(osqueryBinary(), ["--json", "select name, version, status from deb_packages"], {
        encoding: "utf8",
        maxBuffer: 64 << 20,
      }),
    ) as { name: string; version: string; status: string }[];
    const theirs = new Set(
      osq.filter((p) => p.status === "install ok installed").map((p) => `${p.name}@${p.version}`),
    );
    assert.ok(theirs.size > 100, `osquery found ${theirs.size} packages`);
    assert.deepEqual(
      [...ours].filter((k) => !theirs.has(k)),
      [],
      "nothing osquery lacks",
    );
    assert.deepEqual(
      [...theirs].filter((k) => !ours.has(k)),
      [],
      "nothing we miss",
    );
    assert.ok(collected.facts.processes.some((p) => p.pid === process.pid));
    assert.ok(collected.facts.listening.length > 0 || true);
    assert.ok("libc6" in collected.facts.inUse, "libc6 is in use by running processes");
    assert.ok(collected.packages.some((p) => p.name === "libc6" && p.metadata?.["inUse"] === true));
    const facts = await t.hosts.facts(ACCOUNT, id.hostId);
    assert.ok(Array.isArray(facts?.["listening"]));
    const listed = (await t.hosts.listHosts(ACCOUNT)).find((h) => h.hostId === id.hostId)!;
    assert.ok((listed.lastCollection?.["rssBytes"] ?? 0) > 0);
  });
});
