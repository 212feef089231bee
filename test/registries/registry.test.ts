/**
 * Container registries end to end: Debian's docker-registry (CNCF distribution) on loopback sends
 * its notifications to a real Vigil server; images built with debootstrap + dpkg + umoci are
 * pushed with skopeo. Findings after push, tag moves without rescans, a fixed image on its own
 * resource, continuous re-evaluation without pulls, deletes, indexes, polls, rescan expiry, auth
 * failures, unreachable and hostile registries.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { updateAdvisories } from "../../src/advisories/update.js";
import type { Principal } from "../../src/service/service.js";
import { osvRecord } from "../advisories/helpers.js";
import { imageFixture } from "../support/fixtures.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { multiPlatformFixture, startRegistry, type TestRegistry } from "../support/registry.js";
import { startTestService, type TestService, writeOsvMirror } from "../support/service.js";

const ACCOUNT = "000000000000";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };

const debian = (id: string, name: string, fixed: string) =>
  osvRecord({
    id,
    aliases: [`CVE-2099-${id.slice(-4)}`],
    summary: `${name} test advisory`,
    affected: [
      {
        package: { ecosystem: "Debian:12", name },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
      },
    ],
    severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
  });

/** openssl before 3.0.22-1~deb12u2: image v1 (libssl3 3.0.17) has it, v2 (3.0.22) does not. */
const OPENSSL = debian("DEBIAN-TEST-0001", "openssl", "3.0.22-1~deb12u2");
/** Published later: bash before 99, in every image. */
const BASH = debian("DEBIAN-TEST-0002", "bash", "99");

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const dialect of ["sqlite", "postgres"] as const)
  describe(`container registries on ${dialect}`, { timeout: 600_000 }, () => {
    let vigil: TestService;
    let pg: TestPostgres | undefined;
    let registry: TestRegistry;
    let clock = Date.now();
    const fx = imageFixture();
    const findingsOf = async (resourceId: string, open = true) =>
      (
        await vigil.service.db
          .selectFrom("findings")
          .select(["vulnerability_id", "status", "body"])
          .where("resource_id", "=", resourceId)
          .where("open", "=", open ? 1 : 0)
          .execute()
      ).map((f) => f.vulnerability_id);
    const resource = (id: string) =>
      vigil.service.db.selectFrom("resources").selectAll().where("resource_id", "=", id).executeTakeFirst();
    const jobsSettled = () => vigil.registries!.idle();

    before(async () => {
      if (dialect === "postgres") pg = await startPostgres();
      vigil = await startTestService({
        osv: { ecosystem: "Debian", records: [OPENSSL] },
        registries: { requestTimeoutMs: 3_000 },
        now: () => clock,
        ...(pg ? { databaseUrl: pg.url } : {}),
      });
      const s = vigil.registries!;
      // Registered first (the notifications URL names it), then pointed at the registry once it runs.
      const added = await s.addRegistry(admin, {
        name: "local",
        url: "http://127.0.0.1:9",
        settings: {
          pollIntervalMinutes: 0,
          rules: [
            { repositories: ["pinned/*"], mode: "scan-on-push" },
            { repositories: ["manual/**"], mode: "manual" },
          ],
          exclude: ["scratch/*"],
        },
      });
      assert.equal(added.registry.status, "ERROR");
      assert.match(added.registry.statusDetail ?? "", /127\.0\.0\.1:9/);
      registry = await startRegistry({
        notify: {
          url: `${vigil.url}${added.registry.notificationsPath}`,
          headers: { Authorization: `Bearer ${added.notificationsToken}` },
        },
      });
      const updated = await s.updateRegistry(admin, "local", { url: registry.url });
      assert.equal(updated.status, "OK");
    });

    after(async () => {
      await registry?.stop();
      await vigil?.close();
      pg?.stop();
    });

    let v1Digest: string;
    let v1Id: string;

    it("scans an image pushed to the registry and reports its findings", async () => {
      v1Digest = await registry.push(`oci:${fx.layout}:v1`, "team/app:1.0");
      v1Id = `${registry.host}/team/app@${v1Digest}`;
      await waitFor("the v1 resource", async () => (await resource(v1Id))?.last_scanned_at);
      await jobsSettled();
      assert.deepEqual(await findingsOf(v1Id), ["CVE-2099-0001"]);
      const r = (await resource(v1Id))!;
      assert.equal(r.scan_status, "ACTIVE");
      assert.equal(r.scan_status_reason, "SUCCESSFUL");
      assert.equal(r.monitored, 1);
      const details = JSON.parse(r.details) as { awsEcrContainerImage: Record<string, unknown> };
      assert.equal(details.awsEcrContainerImage["registry"], registry.host);
      assert.equal(details.awsEcrContainerImage["repositoryName"], "team/app");
      assert.equal(details.awsEcrContainerImage["imageHash"], v1Digest);
      assert.deepEqual(details.awsEcrContainerImage["imageTags"], ["1.0"]);
      assert.match(String(details.awsEcrContainerImage["platform"]), /Debian GNU\/Linux 12/);
      assert.equal(vigil.registries!.stats.imagesScanned, 1);
      assert.equal(vigil.registries!.stats.layerMisses, 1);
    });

    it("moves tags without rescanning", async () => {
      const scanned = vigil.registries!.stats.imagesScanned;
      const tagOnly = vigil.registries!.stats.tagOnlyUpdates;
      const digest = await registry.push(`oci:${fx.layout}:v1`, "team/app:latest");
      assert.equal(digest, v1Digest);
      await waitFor("the tag update", async () => vigil.registries!.stats.tagOnlyUpdates > tagOnly);
      await jobsSettled();
      assert.equal(vigil.registries!.stats.imagesScanned, scanned, "no new scan");
      const details = JSON.parse((await resource(v1Id))!.details) as {
        awsEcrContainerImage: { imageTags: string[] };
      };
      assert.deepEqual(details.awsEcrContainerImage.imageTags, ["1.0", "latest"]);
      // The findings carry the tags too (ecrImageTags filters on them).
      const f = await vigil.service.listFindings(ACCOUNT, {
        criteria: { ecrImageTags: [{ comparison: "EQUALS", value: "latest" }] },
      });
      assert.deepEqual(
        f.findings.map((x) => x.resources[0]!.id),
        [v1Id],
      );
    });

    let v2Id: string;

    it("scans a fixed image on its own resource, reusing the cached base layer", async () => {
      const hits = vigil.registries!.stats.layerHits;
      const v2Digest = await registry.push(`oci:${fx.layout}:v2`, "team/app:latest");
      v2Id = `${registry.host}/team/app@${v2Digest}`;
      await waitFor("the v2 resource", async () => (await resource(v2Id))?.last_scanned_at);
      await jobsSettled();
      assert.deepEqual(await findingsOf(v2Id), [], "the fixed image has no openssl finding");
      assert.deepEqual(await findingsOf(v1Id), ["CVE-2099-0001"], "the old image keeps its own");
      assert.equal(vigil.registries!.stats.layerHits, hits + 1, "v2's first layer is v1's");
      const v1 = JSON.parse((await resource(v1Id))!.details) as {
        awsEcrContainerImage: { imageTags: string[] };
      };
      assert.deepEqual(v1.awsEcrContainerImage.imageTags, ["1.0"], "latest moved to v2");
    });

    let pinnedId: string;

    it("re-evaluates continuous images on new advisories without pulling; scan-on-push ones keep their scan", async () => {
      const pinnedDigest = await registry.push(`oci:${fx.layout}:v1`, "pinned/app:1.0");
      pinnedId = `${registry.host}/pinned/app@${pinnedDigest}`;
      await waitFor("the pinned resource", async () => (await resource(pinnedId))?.last_scanned_at);
      await jobsSettled();
      const pinned = (await resource(pinnedId))!;
      assert.equal(pinned.scan_status, "INACTIVE");
      assert.equal(pinned.scan_status_reason, "SCAN_FREQUENCY_SCAN_ON_PUSH");
      assert.deepEqual(await findingsOf(pinnedId), ["CVE-2099-0001"]);

      const before = { ...vigil.registries!.stats };
      writeOsvMirror(vigil.mirror, "Debian", [OPENSSL, BASH]);
      await updateAdvisories({ dataDir: vigil.dataDir, mirror: vigil.mirror, feeds: ["osv:Debian"] });
      const r = await vigil.service.reevaluate();
      assert.equal(r.resources, 2, "v1 and v2; not the scan-on-push image");
      assert.deepEqual((await findingsOf(v1Id)).sort(), ["CVE-2099-0001", "CVE-2099-0002"]);
      assert.deepEqual(await findingsOf(v2Id), ["CVE-2099-0002"]);
      assert.deepEqual(await findingsOf(pinnedId), ["CVE-2099-0001"]);
      assert.deepEqual(vigil.registries!.stats, before, "nothing pulled or scanned");
    });

    it("lists manual-frequency images in coverage without scanning them, and scans on request", async () => {
      const scanned = vigil.registries!.stats.imagesScanned;
      const digest = await registry.push(`oci:${fx.layout}:v2`, "manual/tools/app:1.0");
      const id = `${registry.host}/manual/tools/app@${digest}`;
      await waitFor("the manual resource", async () => resource(id));
      await jobsSettled();
      assert.equal((await resource(id))!.scan_status_reason, "SCAN_FREQUENCY_MANUAL");
      assert.equal(vigil.registries!.stats.imagesScanned, scanned);
      await vigil.registries!.requestScan(admin, "local", "manual/tools/app", digest);
      await waitFor("the manual scan", async () => (await resource(id))?.last_scanned_at);
      await jobsSettled();
      assert.equal(vigil.registries!.stats.imagesScanned, scanned + 1);
      assert.equal((await resource(id))!.scan_status_reason, "SCAN_FREQUENCY_MANUAL");
      assert.deepEqual(await findingsOf(id), ["CVE-2099-0002"]);
    });

    it("ignores excluded repositories", async () => {
      const digest = await registry.push(`oci:${fx.layout}:v2`, "scratch/tmp:1");
      await new Promise((r) => setTimeout(r, 1500));
      await jobsSettled();
      assert.equal(await resource(`${registry.host}/scratch/tmp@${digest}`), undefined);
    });

    it("scans each platform of an index once, with its architecture", async () => {
      const scanned = vigil.registries!.stats.imagesScanned;
      const indexDigest = await registry.push(`oci:${multiPlatformFixture()}:multi`, "team/multi:1", {
        all: true,
      });
      await waitFor("the index's image row", async () => {
        const images = await vigil.registries!.listImages(ACCOUNT, "local");
        return images.find((i) => i.digest === indexDigest && i.lastScannedAt);
      });
      // The untagged platform pushes arrive first and wait; they are then found inside the index.
      await new Promise((r) => setTimeout(r, 2000));
      await jobsSettled();
      const img = (await vigil.registries!.listImages(ACCOUNT, "local")).find(
        (i) => i.digest === indexDigest,
      )!;
      assert.equal(img.resourceIds.length, 2);
      const arches = [];
      for (const id of img.resourceIds) {
        const d = JSON.parse((await resource(id))!.details) as {
          awsEcrContainerImage: { architecture: string };
        };
        arches.push(d.awsEcrContainerImage.architecture);
        assert.deepEqual((await findingsOf(id)).sort(), ["CVE-2099-0001", "CVE-2099-0002"]);
      }
      assert.deepEqual(arches.sort(), ["amd64", "arm64"]);
      assert.equal(vigil.registries!.stats.imagesScanned, scanned + 2);
    });

    it("closes an image's findings when it is deleted from the registry", async () => {
      await registry.deleteManifest("team/app", v1Digest);
      await waitFor("the delete", async () => (await resource(v1Id)) === undefined || undefined);
      assert.deepEqual(await findingsOf(v1Id), []);
      assert.deepEqual((await findingsOf(v1Id, false)).sort(), ["CVE-2099-0001", "CVE-2099-0002"]);
      const closed = await vigil.service.db
        .selectFrom("findings")
        .select("status")
        .where("resource_id", "=", v1Id)
        .execute();
      assert.ok(closed.every((f) => f.status === "CLOSED"));
    });

    it("stops monitoring images past their rescan duration and resumes when they are pulled", async () => {
      await vigil.registries!.updateRegistry(admin, "local", { settings: { rescanDuration: "DAYS_14" } });
      clock += 15 * 86_400_000;
      await vigil.registries!.expire();
      const r = (await resource(v2Id))!;
      assert.equal(r.scan_status, "INACTIVE");
      assert.equal(r.scan_status_reason, "SCAN_ELIGIBILITY_EXPIRED");
      assert.deepEqual(await findingsOf(v2Id), []);
      // A pull by someone else (not Vigil) makes it eligible again: rescanned, findings back.
      const res = await registry.fetch("/v2/team/app/manifests/latest", {
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      assert.equal(res.status, 200);
      await waitFor(
        "the rescan after the pull",
        async () => (await resource(v2Id))?.scan_status === "ACTIVE",
      );
      await jobsSettled();
      assert.deepEqual(await findingsOf(v2Id), ["CVE-2099-0002"]);
      await vigil.registries!.updateRegistry(admin, "local", { settings: { rescanDuration: "LIFETIME" } });
    });
  });

describe("registries without notifications, with auth, unreachable or hostile", { timeout: 600_000 }, () => {
  let vigil: TestService;
  const fx = imageFixture();
  const resource = (id: string) =>
    vigil.service.db.selectFrom("resources").selectAll().where("resource_id", "=", id).executeTakeFirst();

  before(async () => {
    vigil = await startTestService({
      osv: { ecosystem: "Debian", records: [OPENSSL] },
      registries: { requestTimeoutMs: 2_000 },
    });
  });
  after(async () => vigil?.close());

  it("polls a token-auth registry's catalog and tags: new digests scan, moved tags do not rescan", async () => {
    const registry = await startRegistry({ auth: "token" });
    try {
      const digest = await registry.push(`oci:${fx.layout}:v1`, "polled/app:1.0");
      await vigil.registries!.addRegistry(admin, {
        name: "polled",
        url: registry.url,
        credentials: registry.credentials!,
        settings: { pollIntervalMinutes: 0 },
      });
      const first = await vigil.registries!.pollNow(ACCOUNT, "polled");
      assert.equal(first.queued, 1);
      await vigil.registries!.idle();
      const id = `${registry.host}/polled/app@${digest}`;
      assert.equal((await resource(id))?.scan_status, "ACTIVE");
      const scanned = vigil.registries!.stats.imagesScanned;
      await registry.push(`oci:${fx.layout}:v1`, "polled/app:stable");
      const second = await vigil.registries!.pollNow(ACCOUNT, "polled");
      assert.equal(second.queued, 1);
      await vigil.registries!.idle();
      assert.equal(vigil.registries!.stats.imagesScanned, scanned);
      const tags = (await vigil.registries!.listImages(ACCOUNT, "polled")).find(
        (i) => i.digest === digest,
      )!.tags;
      assert.deepEqual(tags, ["1.0", "stable"]);
      // Deleted in the registry: the next poll closes it.
      await registry.deleteManifest("polled/app", digest);
      const third = await vigil.registries!.pollNow(ACCOUNT, "polled");
      assert.equal(third.deleted, 1);
      assert.equal(await resource(id), undefined);
    } finally {
      await registry.stop();
    }
  });

  it("shows wrong credentials as ACCESS_DENIED coverage and recovers when they are fixed", async () => {
    const registry = await startRegistry({ auth: "basic" });
    try {
      const digest = await registry.push(`oci:${fx.layout}:v1`, "private/app:1.0");
      const added = await vigil.registries!.addRegistry(admin, {
        name: "private",
        url: registry.url,
        credentials: { username: registry.credentials!.username, password: "wrong" },
        settings: { pollIntervalMinutes: 0 },
      });
      assert.equal(added.registry.status, "ERROR");
      assert.match(added.registry.statusDetail ?? "", /401|auth/i);
      await vigil.registries!.requestScan(admin, "private", "private/app", digest);
      await vigil.registries!.idle();
      const id = `${registry.host}/private/app@${digest}`;
      const r = (await resource(id))!;
      assert.equal(r.scan_status, "INACTIVE");
      assert.equal(r.scan_status_reason, "ACCESS_DENIED");
      assert.match(r.scan_status_detail ?? "", /auth/i);
      await vigil.registries!.updateRegistry(admin, "private", { credentials: registry.credentials! });
      await vigil.registries!.requestScan(admin, "private", "private/app", digest);
      await vigil.registries!.idle();
      assert.equal((await resource(id))!.scan_status, "ACTIVE");
    } finally {
      await registry.stop();
    }
  });

  it("shows an unreachable registry as coverage, and retries", async () => {
    const gone = await vigil.registries!.addRegistry(admin, {
      name: "gone",
      url: "http://127.0.0.1:9",
      settings: { pollIntervalMinutes: 0 },
    });
    await vigil.registries!.requestScan(admin, "gone", "team/app", "1.0");
    await waitFor("the failure", async () => resource("127.0.0.1:9/team/app:1.0"));
    const r = (await resource("127.0.0.1:9/team/app:1.0"))!;
    assert.equal(r.scan_status, "INACTIVE");
    assert.equal(r.scan_status_reason, "INTERNAL_ERROR");
    assert.match(r.scan_status_detail ?? "", /ECONNREFUSED|unreachable/i);
    const job = (await vigil.jobs.list({ kind: "image-scan" })).find(
      (j) => (j.data as { registryId: string }).registryId === gone.registry.registryId,
    );
    assert.ok(job, "the scan job is still there");
    assert.ok(
      ["created", "retry", "active"].includes(job.state),
      `a transient failure is retried (${job.state})`,
    );
    const reg = await vigil.registries!.getRegistry(ACCOUNT, "gone");
    assert.equal(reg.status, "ERROR");
    await vigil.registries!.removeRegistry(admin, "gone");
  });

  describe("a hostile registry", () => {
    let server: Server;
    let url: string;
    const manifests = new Map<string, Buffer>();
    const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

    before(async () => {
      // An honest-looking image manifest whose bytes are served for another digest.
      const real = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: sha(Buffer.from("{}")),
            size: 2,
          },
          layers: [],
        }),
      );
      manifests.set("wrong", real);
      manifests.set("huge", Buffer.alloc(8 << 20, 0x20));
      server = createServer((req, res) => {
        const m = /^\/v2\/([^/]+(?:\/[^/]+)*)\/manifests\/(.+)$/.exec(req.url ?? "");
        if (req.url === "/v2/") {
          res.writeHead(200).end("{}");
          return;
        }
        if (m) {
          const ref = decodeURIComponent(m[2]!);
          const body = ref === "huge" ? manifests.get("huge")! : real;
          res.writeHead(200, {
            "content-type": "application/vnd.oci.image.manifest.v1+json",
            "docker-content-digest": ref.startsWith("sha256:") ? ref : sha(body),
          });
          res.end(req.method === "HEAD" ? undefined : body);
          return;
        }
        res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await vigil.registries!.addRegistry(admin, {
        name: "hostile",
        url,
        settings: { pollIntervalMinutes: 0 },
      });
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it("refuses a manifest whose bytes do not match its digest, and a huge one", async () => {
      const fake = `sha256:${"ab".repeat(32)}`;
      await vigil.registries!.requestScan(admin, "hostile", "evil/app", fake);
      await vigil.registries!.requestScan(admin, "hostile", "evil/app", "huge");
      await vigil.registries!.idle();
      const host = new URL(url).host;
      const wrong = (await resource(`${host}/evil/app@${fake}`))!;
      assert.equal(wrong.scan_status_reason, "INTERNAL_ERROR");
      assert.match(wrong.scan_status_detail ?? "", /digest mismatch/);
      const huge = (await resource(`${host}/evil/app:huge`))!;
      assert.match(huge.scan_status_detail ?? "", /manifest|bytes|large|exceed/i);
      // The server goes on serving.
      const counts = await vigil.service.counts(ACCOUNT);
      assert.ok(counts.resources >= 2);
    });
  });
});
