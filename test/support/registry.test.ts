/**
 * The test registry support itself: a real distribution 2.8 registry without auth, with htpasswd
 * (Basic) auth and with token auth served from this process; pushes with skopeo (an image and a
 * multi-platform index); webhook notifications received by a node:http listener here.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { imageFixture } from "./fixtures.js";
import { multiPlatformFixture, parseChallenge, startRegistry, type TestRegistry } from "./registry.js";

const execFileP = promisify(execFile);

const EVENTS_TYPE = "application/vnd.docker.distribution.events.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

interface RegistryEvent {
  id: string;
  timestamp: string;
  action: string;
  target: Record<string, unknown> & {
    repository?: string;
    digest?: string;
    tag?: string;
    mediaType?: string;
  };
  actor?: { name?: string };
  request?: { method?: string };
}

interface Envelope {
  headers: IncomingHttpHeaders;
  body: { events: RegistryEvent[] };
}

/** A node:http listener the registry notifies; keeps every envelope. */
async function startListener() {
  const envelopes: Envelope[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      envelopes.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const events = () => envelopes.flatMap((e) => e.body.events);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/registry-events`,
    envelopes,
    events,
    /** Waits until an event matches (delivery is asynchronous); returns it with its envelope. */
    async waitFor(what: string, match: (e: RegistryEvent) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const envelope = envelopes.find((en) => en.body.events.some(match));
        if (envelope) return { envelope, event: envelope.body.events.find(match)! };
        if (Date.now() > deadline) {
          const seen = events().map((e) => `${e.action} ${JSON.stringify(e.target)}`);
          throw new Error(`no ${what} event within ${timeoutMs} ms; received:\n${seen.join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The digest of a tag in an OCI layout's index.json. */
function layoutDigest(layout: string, tag: string): string {
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  assert.ok(entry, `${layout} has no tag ${tag}`);
  return entry.digest;
}

const basicAuth = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

const decodeJwtPart = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

describe("test registry without auth, with notifications", () => {
  let listener: Awaited<ReturnType<typeof startListener>>;
  let registry: TestRegistry;
  let v1Digest: string;
  const layout = imageFixture().layout;

  before(async () => {
    listener = await startListener();
    registry = await startRegistry({
      notify: { url: listener.url, headers: { "X-Vigil-Hook": "hook-secret" } },
    });
  });
  after(async () => {
    await registry?.stop();
    await listener?.close();
  });

  it("answers GET /v2/ without credentials", async () => {
    assert.match(registry.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(registry.url, `http://${registry.host}`);
    assert.equal(registry.credentials, undefined);
    const res = await fetch(`${registry.url}/v2/`);
    assert.equal(res.status, 200, registry.logs());
  });

  it("pushes an image by tag and lists the tag", async () => {
    v1Digest = await registry.push(`oci:${layout}:v1`, "team/app:1.0");
    assert.equal(v1Digest, layoutDigest(layout, "v1"));
    const res = await fetch(`${registry.url}/v2/team/app/tags/list`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { name: "team/app", tags: ["1.0"] });
  });

  it("notifies the push: blob events, then the manifest with its tag", async () => {
    const { envelope, event } = await listener.waitFor(
      "manifest push",
      (e) => e.action === "push" && e.target.digest === v1Digest,
    );
    assert.equal(envelope.headers["content-type"], EVENTS_TYPE);
    assert.equal(envelope.headers["x-vigil-hook"], "hook-secret");
    assert.ok(Array.isArray(envelope.body.events));
    assert.equal(event.target.repository, "team/app");
    assert.equal(event.target.tag, "1.0");
    assert.equal(event.target.mediaType, OCI_MANIFEST);
    assert.equal(event.target.size, 351);
    assert.equal(event.request?.method, "PUT");
    assert.deepEqual(event.actor, {});
    // The layer and config went up first, each with its own "push" event (no tag).
    const manifest = JSON.parse(
      readFileSync(join(layout, "blobs/sha256", v1Digest.slice("sha256:".length)), "utf8"),
    ) as { config: { digest: string }; layers: { digest: string }[] };
    const events = listener.events();
    const at = events.indexOf(event);
    for (const blob of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      const i = events.findIndex((e) => e.action === "push" && e.target.digest === blob);
      assert.ok(i >= 0 && i < at, `push event for blob ${blob} before the manifest's`);
      assert.equal(events[i]!.target.mediaType, "application/octet-stream");
      assert.equal(events[i]!.target.tag, undefined);
    }
    for (const e of listener.envelopes) assert.equal(e.body.events.length, 1);
  });

  it("pushes a multi-platform OCI index with all=true", async () => {
    const multi = multiPlatformFixture();
    const { stdout } = await execFileP("skopeo", ["inspect", "--raw", `oci:${multi}:multi`]);
    const raw = JSON.parse(stdout) as {
      mediaType: string;
      manifests: { platform: { architecture: string } }[];
    };
    assert.equal(raw.mediaType, OCI_INDEX);
    assert.deepEqual(
      raw.manifests.map((m) => m.platform.architecture),
      ["amd64", "arm64"],
    );

    const digest = await registry.push(`oci:${multi}:multi`, "team/multi:multi", { all: true });
    assert.equal(digest, layoutDigest(multi, "multi"));
    const res = await fetch(`${registry.url}/v2/team/multi/manifests/${digest}`, {
      headers: { accept: OCI_INDEX },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), OCI_INDEX);
    const index = (await res.json()) as {
      manifests: { digest: string; mediaType: string; platform: { os: string; architecture: string } }[];
    };
    assert.equal(index.manifests.length, 2);
    for (const [i, arch] of ["amd64", "arm64"].entries()) {
      const child = index.manifests[i]!;
      assert.equal(child.platform.architecture, arch);
      const m = await fetch(`${registry.url}/v2/team/multi/manifests/${child.digest}`, {
        headers: { accept: OCI_MANIFEST },
      });
      assert.equal(m.status, 200);
      const config = (await m.json()) as { config: { digest: string } };
      const c = await fetch(`${registry.url}/v2/team/multi/blobs/${config.config.digest}`);
      assert.equal(((await c.json()) as { architecture: string }).architecture, arch);
    }
    const { event } = await listener.waitFor(
      "index push",
      (e) => e.action === "push" && e.target.digest === digest,
    );
    assert.equal(event.target.mediaType, OCI_INDEX);
    assert.equal(event.target.tag, "multi");
    // The children were pushed by digest, before the index, without a tag.
    for (const child of index.manifests) {
      const { event: c } = await listener.waitFor(
        "child push",
        (e) => e.action === "push" && e.target.digest === child.digest,
      );
      assert.equal(c.target.mediaType, OCI_MANIFEST);
      assert.equal(c.target.tag, undefined);
    }
  });

  it("deleteManifest removes the manifest and notifies a delete", async () => {
    await registry.deleteManifest("team/app", v1Digest);
    const gone = await fetch(`${registry.url}/v2/team/app/manifests/${v1Digest}`, {
      headers: { accept: OCI_MANIFEST },
    });
    assert.equal(gone.status, 404);
    const { event } = await listener.waitFor(
      "manifest delete",
      (e) => e.action === "delete" && e.target.digest === v1Digest,
    );
    assert.deepEqual(event.target, { digest: v1Digest, repository: "team/app" });
    const { event: tagEvent } = await listener.waitFor(
      "tag delete",
      (e) => e.action === "delete" && e.target.tag === "1.0",
    );
    assert.deepEqual(tagEvent.target, { repository: "team/app", tag: "1.0" });
  });

  it("stops the registry and removes its directory", async () => {
    const { url, dir } = registry;
    await registry.stop();
    assert.equal(existsSync(dir), false);
    await assert.rejects(fetch(`${url}/v2/`));
  });
});

describe("test registry with basic auth", () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ auth: "basic" });
  });
  after(async () => {
    await registry?.stop();
  });

  it("challenges anonymous requests with Basic and accepts the users", async () => {
    assert.deepEqual(registry.credentials, { username: "vigil", password: "s3cret" });
    const anonymous = await fetch(`${registry.url}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Basic realm="[^"]+"/);
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuth("vigil", "nope") },
    });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuth("vigil", "s3cret") },
    });
    assert.equal(ok.status, 200, registry.logs());
  });

  it("pushes with the credentials, and deletes", async () => {
    const digest = await registry.push(`oci:${imageFixture().layout}:v1`, "team/app:1.0");
    const tags = await fetch(`${registry.url}/v2/team/app/tags/list`, {
      headers: { authorization: basicAuth("vigil", "s3cret") },
    });
    assert.equal(tags.status, 200);
    assert.deepEqual(await tags.json(), { name: "team/app", tags: ["1.0"] });
    await registry.deleteManifest("team/app", digest);
    const gone = await registry.fetch(`/v2/team/app/manifests/${digest}`, {
      headers: { accept: OCI_MANIFEST },
    });
    assert.equal(gone.status, 404);
  });
});

describe("test registry with token auth", () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({
      auth: "token",
      users: [
        { username: "vigil", password: "s3cret" },
        { username: "other", password: "pa55" },
      ],
    });
  });
  after(async () => {
    await registry?.stop();
  });

  const token = async (scopes: string[], user = "vigil", password = "s3cret") => {
    const realm = new URL(registry.tokenRealm!);
    realm.searchParams.set("service", registry.tokenService!);
    for (const s of scopes) realm.searchParams.append("scope", s);
    return fetch(realm, { headers: { authorization: basicAuth(user, password) } });
  };

  it("challenges with Bearer realm and service", async () => {
    assert.match(registry.tokenRealm ?? "", /^http:\/\/127\.0\.0\.1:\d+\/token$/);
    const res = await fetch(`${registry.url}/v2/`);
    assert.equal(res.status, 401);
    const header = res.headers.get("www-authenticate") ?? "";
    assert.match(header, /^Bearer realm="[^"]+",service="[^"]+"/);
    const { scheme, params } = parseChallenge(header);
    assert.equal(scheme, "bearer");
    assert.equal(params.realm, registry.tokenRealm);
    assert.equal(params.service, registry.tokenService);
  });

  it("refuses wrong passwords and anonymous requests at the token server", async () => {
    assert.equal((await token(["repository:team/app:pull"], "vigil", "wrong")).status, 401);
    assert.equal((await token(["repository:team/app:pull"], "nobody", "s3cret")).status, 401);
    const anonymous = await fetch(`${registry.tokenRealm}?service=${registry.tokenService}`);
    assert.equal(anonymous.status, 401);
  });

  it("pushes with skopeo through the token flow; a token opens the tag list", async () => {
    const digest = await registry.push(`oci:${imageFixture().layout}:v1`, "team/app:1.0");
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);

    const res = await token(["repository:team/app:pull", "repository:team/other:pull,push"], "other", "pa55");
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 300);
    const [header, claims] = body.token.split(".").map((p, i) => (i < 2 ? decodeJwtPart(p) : p));
    assert.equal(header.alg, "RS256");
    assert.equal(header.x5c.length, 1);
    assert.equal(claims.sub, "other");
    assert.equal(claims.aud, registry.tokenService);
    assert.deepEqual(claims.access, [
      { type: "repository", name: "team/app", actions: ["pull"] },
      { type: "repository", name: "team/other", actions: ["pull", "push"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);

    const tags = await fetch(`${registry.url}/v2/team/app/tags/list`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    assert.equal(tags.status, 200, registry.logs().slice(-4000));
    assert.deepEqual(await tags.json(), { name: "team/app", tags: ["1.0"] });

    // The registry really checks the token: the scope, and the signature.
    const otherRepo = await (await token(["repository:team/other:pull"])).json();
    const denied = await fetch(`${registry.url}/v2/team/app/tags/list`, {
      headers: { authorization: `Bearer ${(otherRepo as { token: string }).token}` },
    });
    assert.equal(denied.status, 401);
    const parts = body.token.split(".");
    const forged = `${parts[0]}.${Buffer.from(JSON.stringify({ ...claims, sub: "mallory" })).toString("base64url")}.${parts[2]}`;
    const refused = await fetch(`${registry.url}/v2/team/app/tags/list`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    assert.equal(refused.status, 401);

    const catalog = await registry.fetch("/v2/_catalog");
    assert.equal(catalog.status, 200);
    assert.deepEqual(await catalog.json(), { repositories: ["team/app"] });

    await registry.deleteManifest("team/app", digest);
    const gone = await registry.fetch(`/v2/team/app/manifests/${digest}`, {
      headers: { accept: OCI_MANIFEST },
    });
    assert.equal(gone.status, 404);
  });
});
