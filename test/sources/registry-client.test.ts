/**
 * The OCI distribution client against small in-test registries: token and Basic auth, pagination,
 * multi-platform indexes, and hostile registries (oversized or lying manifests, bad blobs, deep or
 * wide indexes, hangs, closed ports, cross-origin redirects).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import type { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  parseImageReference,
  parseWwwAuthenticate,
  RegistryClient,
  type RegistryClientOptions,
  RegistryError,
  type RegistryErrorKind,
} from "../../src/sources/registry/client.js";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const basic = (user: string, pass: string) => "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");

// ---- test servers ----

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface TestServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<TestServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `fn` against a one-off server, closing it afterwards. */
async function withServer(handler: Handler, fn: (url: string) => Promise<void>): Promise<void> {
  const s = await serve(handler);
  try {
    await fn(s.url);
  } finally {
    await s.close();
  }
}

function distributionError(res: ServerResponse, status: number, code: string, message: string, extra = {}) {
  res.writeHead(status, { "content-type": "application/json", ...extra });
  res.end(JSON.stringify({ errors: [{ code, message }] }));
}

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Blobs and manifests, served by `handleV2` the way CNCF distribution does. */
class Store {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { body: Buffer; type: string }>();
  readonly tags = new Map<string, string[]>();
  readonly repos = new Set<string>();
  readonly fetched: string[] = [];

  blob(data: Buffer, mediaType: string): Desc {
    const digest = sha256(data);
    this.blobs.set(digest, data);
    return { mediaType, digest, size: data.length };
  }

  manifest(repo: string, doc: unknown, mediaType: string, tag?: string): Desc {
    const body = Buffer.from(JSON.stringify(doc, null, 2));
    const digest = sha256(body);
    this.repos.add(repo);
    this.manifests.set(`${repo}@${digest}`, { body, type: mediaType });
    if (tag !== undefined) {
      this.manifests.set(`${repo}:${tag}`, { body, type: mediaType });
      this.tags.set(repo, [...(this.tags.get(repo) ?? []), tag]);
    }
    return { mediaType, digest, size: body.length };
  }

  /** A real single-platform image: config + `layers` random layers. */
  image(
    repo: string,
    platform: { os: string; architecture: string; variant?: string },
    opts: { layers?: number; tag?: string; docker?: boolean; layerType?: string } = {},
  ): Desc & { layers: Desc[]; config: Desc } {
    const layers = Array.from({ length: opts.layers ?? 2 }, (_, i) =>
      this.blob(randomBytes(500 + i * 100), opts.layerType ?? (opts.docker ? DOCKER_LAYER : OCI_LAYER)),
    );
    const config = this.blob(
      Buffer.from(
        JSON.stringify({
          ...platform,
          config: { Env: ["PATH=/usr/bin"] },
          rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
        }),
      ),
      opts.docker ? DOCKER_CONFIG : OCI_CONFIG,
    );
    const type = opts.docker ? DOCKER_MANIFEST : OCI_MANIFEST;
    const d = this.manifest(repo, { schemaVersion: 2, mediaType: type, config, layers }, type, opts.tag);
    return { ...d, platform, layers, config };
  }

  index(repo: string, entries: Desc[], tag?: string, docker = false): Desc {
    const type = docker ? DOCKER_LIST : OCI_INDEX;
    return this.manifest(
      repo,
      {
        schemaVersion: 2,
        mediaType: type,
        manifests: entries.map(({ mediaType, digest, size, platform, annotations }) => ({
          mediaType,
          digest,
          size,
          ...(platform ? { platform } : {}),
          ...(annotations ? { annotations } : {}),
        })),
      },
      type,
      tag,
    );
  }
}

/** Serves the read side of /v2/ from `store`; `pageSize` caps catalog and tag pages. */
function handleV2(store: Store, req: IncomingMessage, res: ServerResponse, pageSize = 2) {
  const url = new URL(req.url!, "http://registry");
  const p = url.pathname;
  const head = req.method === "HEAD";
  if (p === "/v2/" || p === "/v2") {
    res.writeHead(200, {
      "content-type": "application/json",
      "docker-distribution-api-version": "registry/2.0",
    });
    res.end("{}");
    return;
  }
  const page = (items: string[], base: string, key: string, absolute: boolean) => {
    const n = Math.min(Number(url.searchParams.get("n") ?? pageSize) || pageSize, pageSize);
    const last = url.searchParams.get("last");
    const sorted = [...items].sort();
    const start = last === null ? 0 : sorted.findIndex((x) => x > last);
    const slice = start < 0 ? [] : sorted.slice(start, start + n);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (start >= 0 && start + n < sorted.length) {
      const next = `${base}?n=${n}&last=${encodeURIComponent(slice[slice.length - 1]!)}`;
      headers.link = `<${absolute ? `http://${req.headers.host}${next}` : next}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(JSON.stringify({ [key]: slice }));
  };
  if (p === "/v2/_catalog") {
    page([...store.repos], "/v2/_catalog", "repositories", false);
    return;
  }
  let m = /^\/v2\/(.+)\/tags\/list$/.exec(p);
  if (m) {
    const tags = store.tags.get(m[1]!);
    if (!tags) return distributionError(res, 404, "NAME_UNKNOWN", "repository name not known to registry");
    page(tags, p, "tags", true);
    return;
  }
  m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(p);
  if (m) {
    const [, repo, ref] = m;
    const entry = store.manifests.get(ref!.startsWith("sha256:") ? `${repo}@${ref}` : `${repo}:${ref}`);
    if (!entry) return distributionError(res, 404, "MANIFEST_UNKNOWN", "manifest unknown");
    store.fetched.push(`manifest ${ref}`);
    res.writeHead(200, {
      "content-type": entry.type,
      "content-length": entry.body.length,
      "docker-content-digest": sha256(entry.body),
    });
    res.end(head ? undefined : entry.body);
    return;
  }
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(p);
  if (m) {
    const blob = store.blobs.get(m[2]!);
    if (!blob) return distributionError(res, 404, "BLOB_UNKNOWN", "blob unknown to registry");
    store.fetched.push(`blob ${m[2]}`);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length });
    res.end(head ? undefined : blob);
    return;
  }
  distributionError(res, 404, "NOT_FOUND", "no route");
}

/** The scope a request needs, as distribution's token auth computes it. */
function neededScope(path: string): string {
  if (path === "/v2/" || path === "/v2") return "";
  if (path === "/v2/_catalog") return "registry:catalog:*";
  const m = /^\/v2\/(.+)\/(?:manifests|blobs|tags)\//.exec(path);
  return m ? `repository:${m[1]}:pull` : "?";
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function rejectsWith(
  p: Promise<unknown>,
  kind: RegistryErrorKind,
  message?: RegExp,
): Promise<RegistryError> {
  let caught: RegistryError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RegistryError, `expected a RegistryError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of: ${e.message}`);
    if (message) assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught!;
}

const client = (url: string, extra: Partial<RegistryClientOptions> = {}) =>
  new RegistryClient({ url, ...extra });

// ---- tests ----

describe("registry client: options and parsing", () => {
  it("normalizes the base URL and host", () => {
    const a = client("http://127.0.0.1:5000/");
    assert.equal(a.url, "http://127.0.0.1:5000");
    assert.equal(a.host, "127.0.0.1:5000");
    const b = client("https://ghcr.io/v2/");
    assert.equal(b.url, "https://ghcr.io");
    assert.equal(b.host, "ghcr.io");
    assert.throws(
      () => client("ftp://example.com"),
      (e: unknown) => e instanceof RegistryError,
    );
  });

  it("parses image references", () => {
    const d = `sha256:${"a".repeat(64)}`;
    assert.deepEqual(parseImageReference("alpine"), { repository: "alpine" });
    assert.deepEqual(parseImageReference("library/alpine:3.19"), {
      repository: "library/alpine",
      tag: "3.19",
    });
    assert.deepEqual(parseImageReference("localhost:5000/team/app:v1@" + d), {
      host: "localhost:5000",
      repository: "team/app",
      tag: "v1",
      digest: d,
    });
    assert.deepEqual(parseImageReference("ghcr.io/owner/img@" + d), {
      host: "ghcr.io",
      repository: "owner/img",
      digest: d,
    });
    assert.deepEqual(parseImageReference("127.0.0.1:5000/x"), { host: "127.0.0.1:5000", repository: "x" });
    for (const bad of ["Alpine", "a/../b", "x@sha256:123", "x:" + "t".repeat(200), "a//b", ""]) {
      assert.throws(
        () => parseImageReference(bad),
        (e: unknown) => e instanceof RegistryError,
        bad,
      );
    }
  });

  it("parses WWW-Authenticate challenges with quoted commas and several schemes", () => {
    const c = parseWwwAuthenticate(
      'Bearer realm="https://auth.example/token?a=1,b=2",service="registry, example",scope="repository:a/b:pull,push", Basic realm="x\\"y"',
    );
    assert.deepEqual(
      c.map((x) => ({ scheme: x.scheme, params: { ...x.params } })),
      [
        {
          scheme: "bearer",
          params: {
            realm: "https://auth.example/token?a=1,b=2",
            service: "registry, example",
            scope: "repository:a/b:pull,push",
          },
        },
        { scheme: "basic", params: { realm: 'x"y' } },
      ],
    );
    assert.deepEqual(parseWwwAuthenticate("Bearer realm=https://a/t,service=reg")[0]?.params.service, "reg");
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.doesNotThrow(() => parseWwwAuthenticate('=,,"" Bearer ="x'));
  });
});

describe("registry client: a well-behaved registry with token auth", () => {
  const store = new Store();
  let registry: TestServer;
  let tokenServer: TestServer;
  const tokenRequests: { authorization?: string; scope: string | null; service: string | null }[] = [];
  const issued = new Map<string, { scope: string; expires: number }>();
  let unauthorized = 0;
  let amd64: ReturnType<Store["image"]>;
  let arm64: ReturnType<Store["image"]>;
  let attestationTarget: ReturnType<Store["image"]>;
  let index: Desc;
  let legacyList: Desc;

  before(async () => {
    amd64 = store.image("team/app", { os: "linux", architecture: "amd64" }, { layers: 2 });
    arm64 = store.image("team/app", { os: "linux", architecture: "arm64", variant: "v8" }, { layers: 3 });
    attestationTarget = store.image("team/app", { os: "unknown", architecture: "unknown" }, { layers: 1 });
    index = store.index(
      "team/app",
      [
        amd64,
        arm64,
        {
          ...attestationTarget,
          platform: { os: "unknown", architecture: "unknown" },
          annotations: {
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": amd64.digest,
          },
        },
      ],
      "1.0",
    );
    store.image("team/app", { os: "linux", architecture: "amd64" }, { tag: "single" });
    const legacy = store.image("legacy/app", { os: "linux", architecture: "amd64" }, { docker: true });
    legacyList = store.index("legacy/app", [legacy], "latest", true);
    for (const t of ["2.0", "2.1", "3.0", "latest"])
      store.manifest("team/app", { schemaVersion: 2 }, OCI_MANIFEST, t);
    for (const r of ["aa/one", "bb/two", "cc/three", "dd/four"]) store.repos.add(r);

    tokenServer = await serve((req, res) => {
      const u = new URL(req.url!, "http://token");
      tokenRequests.push({
        authorization: req.headers.authorization,
        scope: u.searchParams.get("scope"),
        service: u.searchParams.get("service"),
      });
      // The realm carries a comma inside its quoted value: it must arrive whole.
      if (u.pathname !== "/token" || u.searchParams.get("x") !== "a,b")
        return distributionError(res, 404, "X", "bad realm");
      if (u.searchParams.get("service") !== "vigil test, registry") {
        return distributionError(res, 400, "SERVICE", "wrong service");
      }
      if (req.headers.authorization !== basic("alice", "s3cret")) {
        return distributionError(res, 401, "UNAUTHORIZED", "bad credentials");
      }
      const scope = u.searchParams.get("scope") ?? "";
      const token = `tok-${issued.size + 1}`;
      issued.set(token, { scope, expires: Date.now() + 1000 });
      res.writeHead(200, { "content-type": "application/json" });
      // Alternate the two field names the spec allows.
      res.end(JSON.stringify({ [issued.size % 2 ? "token" : "access_token"]: token, expires_in: 1 }));
    });
    registry = await serve((req, res) => {
      const path = new URL(req.url!, "http://registry").pathname;
      const need = neededScope(path);
      const auth = req.headers.authorization ?? "";
      const grant = auth.startsWith("Bearer ") ? issued.get(auth.slice(7)) : undefined;
      if (!grant || grant.expires < Date.now() || (need !== "" && grant.scope !== need)) {
        unauthorized++;
        const scope = need ? `,scope="${need}"` : "";
        return distributionError(res, 401, "UNAUTHORIZED", "authentication required", {
          "www-authenticate": `Bearer realm="${tokenServer.url}/token?x=a,b",service="vigil test, registry"${scope}`,
        });
      }
      handleV2(store, req, res);
    });
  });
  after(async () => {
    await registry.close();
    await tokenServer.close();
  });

  it("pings, fetching a token with the right service, scope and credentials", async () => {
    const c = client(registry.url, { credentials: { username: "alice", password: "s3cret" } });
    await c.ping();
    assert.equal(tokenRequests.length, 1);
    assert.equal(tokenRequests[0]!.scope, null, "no scope for /v2/");
    assert.equal(tokenRequests[0]!.authorization, basic("alice", "s3cret"));
  });

  it("caches tokens per scope and renews them when they expire, without another 401", async () => {
    const c = client(registry.url, { credentials: { username: "alice", password: "s3cret" } });
    const before401 = unauthorized;
    const beforeTokens = tokenRequests.length;
    const m = await c.manifest("team/app", "single");
    assert.equal(m.mediaType, OCI_MANIFEST);
    await c.manifest("team/app", m.digest);
    assert.equal(unauthorized - before401, 1, "one challenge for the scope");
    assert.equal(tokenRequests.length - beforeTokens, 1, "one token for the scope");
    assert.equal(tokenRequests.at(-1)!.scope, "repository:team/app:pull");
    await sleep(1100);
    await c.manifest("team/app", "single");
    assert.equal(tokenRequests.length - beforeTokens, 2, "the expired token was renewed");
    assert.equal(unauthorized - before401, 1, "renewed before sending, not after a 401");
  });

  it("lists the catalog (scope registry:catalog:*) and tags across Link pages", async () => {
    const c = client(registry.url + "/", { credentials: { username: "alice", password: "s3cret" } });
    const repos: string[] = [];
    for await (const r of c.catalog()) repos.push(r);
    assert.deepEqual(repos, [...store.repos].sort());
    assert.ok(tokenRequests.some((t) => t.scope === "registry:catalog:*"));
    assert.deepEqual((await c.tags("team/app")).sort(), ["1.0", "2.0", "2.1", "3.0", "latest", "single"]);
    await rejectsWith(c.tags("no/such"), "not-found", /tag list of http:\/\/127\.0\.0\.1:\d+\/no\/such/);
  });

  it("resolves an OCI index to its two platform images, skipping the attestation", async () => {
    const c = client(registry.url, { credentials: { username: "alice", password: "s3cret" } });
    store.fetched.length = 0;
    const images = await c.resolveImages("team/app", "1.0");
    assert.equal(images.length, 2);
    assert.ok(!store.fetched.includes(`manifest ${attestationTarget.digest}`), "attestation not fetched");
    const [a, b] = images;
    assert.equal(a!.indexDigest, index.digest);
    assert.equal(a!.manifestDigest, amd64.digest);
    assert.deepEqual(a!.platform, { os: "linux", architecture: "amd64" });
    assert.equal(a!.configDigest, amd64.config.digest);
    assert.equal(a!.config.architecture, "amd64");
    assert.equal(a!.mediaType, OCI_MANIFEST);
    assert.deepEqual(
      a!.layers.map((l) => l.digest),
      amd64.layers.map((l) => l.digest),
    );
    assert.equal(
      a!.size,
      amd64.layers.reduce((s, l) => s + l.size, 0),
    );
    assert.deepEqual(b!.platform, { os: "linux", architecture: "arm64", variant: "v8" });
    assert.equal(b!.layers.length, 3);
    assert.equal(b!.repository, "team/app");

    // The same by digest, and a single manifest (platform from its config).
    assert.equal((await c.resolveImages("team/app", index.digest)).length, 2);
    const [single] = await c.resolveImages("team/app", "single");
    assert.equal(single!.indexDigest, undefined);
    assert.deepEqual(single!.platform, { os: "linux", architecture: "amd64" });

    // Docker media types.
    const [legacy] = await c.resolveImages("legacy/app", "latest");
    assert.equal(legacy!.mediaType, DOCKER_MANIFEST);
    assert.equal(legacy!.indexDigest, legacyList.digest);
    assert.equal(legacy!.layers[0]!.mediaType, DOCKER_LAYER);
  });

  it("streams verified blobs, heads manifests, and reports what is missing", async () => {
    const c = client(registry.url, { credentials: { username: "alice", password: "s3cret" } });
    const layer = arm64.layers[1]!;
    assert.deepEqual(await collect(await c.blob("team/app", layer)), store.blobs.get(layer.digest));
    assert.deepEqual(await c.blobBuffer("team/app", layer, 10_000), store.blobs.get(layer.digest));
    await rejectsWith(c.blobBuffer("team/app", layer, 10), "refused", /over the limit of 10/);
    assert.deepEqual(await c.headManifest("team/app", "1.0"), {
      digest: index.digest,
      mediaType: OCI_INDEX,
      size: index.size,
    });
    assert.equal(await c.headManifest("team/app", "nope"), undefined);
    await rejectsWith(
      c.manifest("team/app", "nope"),
      "not-found",
      /manifest http:\/\/127\.0\.0\.1:\d+\/team\/app:nope.*MANIFEST_UNKNOWN/,
    );
    await rejectsWith(
      c.blob("team/app", { digest: sha256("missing"), size: 7 }),
      "not-found",
      /blob http:\/\/127\.0\.0\.1:\d+\/team\/app@sha256:/,
    );
  });

  it("fails with kind auth on wrong credentials (the token endpoint refuses them)", async () => {
    const c = client(registry.url, { credentials: { username: "alice", password: "wrong" } });
    const e = await rejectsWith(
      c.manifest("team/app", "1.0"),
      "auth",
      /authentication failed for http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.equal(e.status, 401);
    assert.match(e.message, /team\/app:1\.0/);
  });
});

describe("registry client: Basic auth and static tokens", () => {
  const store = new Store();
  let registry: TestServer;
  let challenges = 0;
  before(async () => {
    store.image("team/app", { os: "linux", architecture: "amd64" }, { tag: "v1" });
    registry = await serve((req, res) => {
      if (req.headers.authorization !== basic("bob", "hunter2")) {
        challenges++;
        return distributionError(res, 401, "UNAUTHORIZED", "authentication required", {
          "www-authenticate": 'Basic realm="Registry Realm"',
        });
      }
      handleV2(store, req, res);
    });
  });
  after(() => registry.close());

  it("answers a Basic challenge once, then sends credentials up front", async () => {
    const c = client(registry.url, { credentials: { username: "bob", password: "hunter2" } });
    await c.ping();
    const images = await c.resolveImages("team/app", "v1");
    assert.equal(images.length, 1);
    assert.equal(challenges, 1);
  });

  it("wrong password -> auth naming the registry and status", async () => {
    const c = client(registry.url, { credentials: { username: "bob", password: "nope" } });
    const e = await rejectsWith(
      c.manifest("team/app", "v1"),
      "auth",
      new RegExp(`authentication failed for ${registry.url.replace(/\./g, "\\.")}: 401 Unauthorized`),
    );
    assert.equal(e.status, 401);
  });

  it("no credentials -> auth", async () => {
    await rejectsWith(client(registry.url).ping(), "auth", /requires credentials/);
  });

  it("a static token goes as the bearer first, then to the token server as <token>'s password", async () => {
    const tokenCalls: (string | undefined)[] = [];
    const tokenServer = await serve((req, res) => {
      tokenCalls.push(req.headers.authorization);
      if (req.headers.authorization !== basic("<token>", "pat-xyz"))
        return distributionError(res, 401, "DENIED", "no");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: "exchanged" }));
    });
    try {
      // A registry that takes the PAT directly.
      let direct = 0;
      await withServer(
        (req, res) => {
          if (req.headers.authorization !== "Bearer pat-xyz")
            return distributionError(res, 401, "UNAUTHORIZED", "x");
          direct++;
          handleV2(store, req, res);
        },
        async (url) => {
          await client(url, { credentials: { token: "pat-xyz" } }).manifest("team/app", "v1");
          assert.equal(direct, 1);
        },
      );
      // A registry that wants a token from its token server.
      await withServer(
        (req, res) => {
          if (req.headers.authorization !== "Bearer exchanged") {
            return distributionError(res, 401, "UNAUTHORIZED", "x", {
              "www-authenticate": `Bearer realm="${tokenServer.url}/token",service="reg"`,
            });
          }
          handleV2(store, req, res);
        },
        async (url) => {
          await client(url, { credentials: { token: "pat-xyz" } }).manifest("team/app", "v1");
          assert.deepEqual(tokenCalls, [basic("<token>", "pat-xyz")]);
        },
      );
    } finally {
      await tokenServer.close();
    }
  });

  it("token endpoint 500 -> auth", async () => {
    const tokenServer = await serve((_req, res) =>
      distributionError(res, 500, "UNKNOWN", "token backend down"),
    );
    try {
      await withServer(
        (_req, res) =>
          distributionError(res, 401, "UNAUTHORIZED", "x", {
            "www-authenticate": `Bearer realm="${tokenServer.url}/token",service="reg"`,
          }),
        async (url) => {
          const e = await rejectsWith(
            client(url).manifest("team/app", "v1"),
            "auth",
            /authentication failed for http:\/\/127\.0\.0\.1:\d+.*500 Internal Server Error.*token backend down/,
          );
          assert.equal(e.status, 500);
        },
      );
    } finally {
      await tokenServer.close();
    }
  });
});

describe("registry client: hostile registries", () => {
  const manifestBody = (extra: object = {}) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: sha256("{}"), size: 2 },
        layers: [],
        ...extra,
      }),
    );

  it("refuses an oversized manifest by Content-Length without reading it", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": 5 * 1024 * 1024 + 1 });
        res.write("{"); // and never finish
      },
      async (url) => {
        await rejectsWith(
          client(url).manifest("evil/app", "latest"),
          "refused",
          /manifest http:\/\/127\.0\.0\.1:\d+\/evil\/app:latest: the manifest is 5242881 bytes .*over the limit of 4194304/,
        );
      },
    );
  });

  it("stops reading a chunked manifest that grows past the limit", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": OCI_MANIFEST });
        for (let i = 0; i < 10; i++) res.write(" ".repeat(600));
        // never ends: the client must give up on size, not wait
      },
      async (url) => {
        await rejectsWith(
          client(url, { maxManifestBytes: 1024 }).manifest("evil/app", "latest"),
          "refused",
          /evil\/app:latest: the manifest body grows past the limit of 1024 bytes/,
        );
      },
    );
  });

  it("refuses a manifest whose bytes do not match the requested digest", async () => {
    const body = manifestBody();
    const asked = sha256(manifestBody({ annotations: { other: "x" } }));
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": OCI_MANIFEST });
        res.end(body);
      },
      async (url) => {
        await rejectsWith(
          client(url).manifest("evil/app", asked),
          "refused",
          new RegExp(`evil/app@${asked}: digest mismatch`),
        );
      },
    );
  });

  it("refuses a Docker-Content-Digest that does not match the content", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, {
          "content-type": OCI_MANIFEST,
          "docker-content-digest": sha256("something else"),
        });
        res.end(manifestBody());
      },
      async (url) => {
        await rejectsWith(
          client(url).manifest("evil/app", "v1"),
          "refused",
          /digest mismatch: Docker-Content-Digest says/,
        );
        await rejectsWith(
          client(url).headManifest("evil/app", sha256(manifestBody())),
          "refused",
          /digest mismatch/,
        );
      },
    );
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": OCI_MANIFEST, "docker-content-digest": "sha256:../../x" });
        res.end(manifestBody());
      },
      async (url) => {
        await rejectsWith(client(url).manifest("evil/app", "v1"), "refused", /invalid Docker-Content-Digest/);
      },
    );
  });

  it("refuses an index whose child is the index itself", async () => {
    const child = sha256("the child the index claims to have");
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          {
            mediaType: OCI_INDEX,
            digest: child,
            size: 100,
            platform: { os: "linux", architecture: "amd64" },
          },
        ],
      }),
    );
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": OCI_INDEX });
        res.end(index); // whatever is asked for
      },
      async (url) => {
        await rejectsWith(
          client(url).resolveImages("evil/app", "latest"),
          "refused",
          /digest mismatch|cyclic/,
        );
        // And by its own digest: the entry names a different digest, which again serves the index.
        await rejectsWith(
          client(url).resolveImages("evil/app", sha256(index)),
          "refused",
          /digest mismatch|cyclic/,
        );
      },
    );
  });

  it("refuses index nesting deeper than maxIndexDepth (real nested indexes)", async () => {
    const store = new Store();
    const image = store.image("deep/app", { os: "linux", architecture: "amd64" });
    const i1 = store.index("deep/app", [image]);
    const i2 = store.index("deep/app", [i1]);
    const i3 = store.index("deep/app", [i2], "deep");
    store.index("deep/app", [i1], "nested");
    await withServer(
      (req, res) => handleV2(store, req, res),
      async (url) => {
        // depth 2 (index -> index -> manifest) is fine by default
        const ok = await client(url).resolveImages("deep/app", "nested");
        assert.equal(ok.length, 1);
        assert.equal(ok[0]!.manifestDigest, image.digest);
        await rejectsWith(
          client(url).resolveImages("deep/app", "deep"),
          "refused",
          /nesting is deeper than 2/,
        );
        const deeper = await client(url, { maxIndexDepth: 3 }).resolveImages("deep/app", "deep");
        assert.equal(deeper[0]!.indexDigest, i3.digest);
      },
    );
  });

  it("refuses too many platforms and too many layers", async () => {
    const store = new Store();
    const images = ["amd64", "arm64", "s390x"].map((architecture) =>
      store.image("wide/app", { os: "linux", architecture }, { layers: 2 }),
    );
    store.index("wide/app", images, "three");
    const fake = Array.from({ length: 65 }, (_, i) => ({
      mediaType: OCI_MANIFEST,
      digest: sha256(`m${i}`),
      size: 10,
      platform: { os: "linux", architecture: `a${i}` },
    }));
    store.index("wide/app", fake, "sixty-five");
    await withServer(
      (req, res) => handleV2(store, req, res),
      async (url) => {
        assert.equal((await client(url).resolveImages("wide/app", "three")).length, 3);
        await rejectsWith(
          client(url, { maxPlatforms: 2 }).resolveImages("wide/app", "three"),
          "refused",
          /lists 3 manifests, over the limit of 2/,
        );
        await rejectsWith(
          client(url).resolveImages("wide/app", "sixty-five"),
          "refused",
          /65 manifests, over the limit of 64/,
        );
        await rejectsWith(
          client(url, { maxLayers: 1 }).resolveImages("wide/app", "three"),
          "refused",
          /2 layers, over the limit of 1/,
        );
      },
    );
  });

  it("refuses unknown layer media types and schema 1 manifests as unsupported", async () => {
    const store = new Store();
    store.image(
      "odd/app",
      { os: "linux", architecture: "amd64" },
      { tag: "helm", layerType: "application/x-weird" },
    );
    const schema1 = Buffer.from(
      JSON.stringify({ schemaVersion: 1, name: "odd/app", tag: "old", fsLayers: [] }),
    );
    await withServer(
      (req, res) => {
        if (req.url?.endsWith("/manifests/old")) {
          res.writeHead(200, { "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws" });
          res.end(schema1);
          return;
        }
        if (req.url?.endsWith("/manifests/garbage")) {
          res.writeHead(200, { "content-type": OCI_MANIFEST });
          res.end("{not json");
          return;
        }
        handleV2(store, req, res);
      },
      async (url) => {
        await rejectsWith(
          client(url).resolveImages("odd/app", "helm"),
          "unsupported",
          /application\/x-weird/,
        );
        await rejectsWith(
          client(url).manifest("odd/app", "old"),
          "unsupported",
          /odd\/app:old: schema 1 manifests \(application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws\)/,
        );
        await rejectsWith(
          client(url).manifest("odd/app", "garbage"),
          "protocol",
          /odd\/app:garbage: malformed manifest JSON/,
        );
      },
    );
  });

  it("reports other HTTP errors as protocol with the distribution error excerpt", async () => {
    await withServer(
      (_req, res) => distributionError(res, 500, "UNKNOWN", "storage backend exploded"),
      async (url) => {
        const e = await rejectsWith(
          client(url).manifest("team/app", "v1"),
          "protocol",
          /team\/app:v1: unexpected HTTP 500 Internal Server Error: UNKNOWN: storage backend exploded/,
        );
        assert.equal(e.status, 500);
      },
    );
  });

  it("errors the blob stream on a wrong digest, a longer or shorter body, or a wrong Content-Length", async () => {
    const good = randomBytes(4096);
    const desc = { digest: sha256(good), size: good.length };
    const modes: Record<string, (res: ServerResponse) => void> = {
      wrong: (res) => {
        res.writeHead(200, { "content-length": good.length });
        res.end(randomBytes(good.length));
      },
      longer: (res) => {
        res.writeHead(200); // chunked: no length to check up front
        res.write(good);
        res.end(randomBytes(100));
      },
      shorter: (res) => {
        res.writeHead(200);
        res.end(good.subarray(0, 100));
      },
      length: (res) => {
        res.writeHead(200, { "content-length": good.length + 1 });
        res.end(Buffer.concat([good, Buffer.from("x")]));
      },
    };
    let mode = "wrong";
    await withServer(
      (_req, res) => modes[mode]!(res),
      async (url) => {
        const c = client(url);
        mode = "wrong";
        await rejectsWith(
          collect(await c.blob("evil/app", desc)),
          "refused",
          /evil\/app@sha256:[0-9a-f]{64}: digest mismatch/,
        );
        mode = "longer";
        await rejectsWith(
          collect(await c.blob("evil/app", desc)),
          "refused",
          /longer than its declared size of 4096/,
        );
        mode = "shorter";
        await rejectsWith(
          collect(await c.blob("evil/app", desc)),
          "refused",
          /shorter than its declared size/,
        );
        await rejectsWith(
          c.blobBuffer("evil/app", desc, 1 << 20),
          "refused",
          /shorter than its declared size/,
        );
        mode = "length";
        await rejectsWith(c.blob("evil/app", desc), "refused", /announces 4097 bytes/);
      },
    );
  });

  it("validates digests and repository names before any request", async () => {
    let requests = 0;
    await withServer(
      (_req, res) => {
        requests++;
        res.writeHead(500);
        res.end();
      },
      async (url) => {
        const c = client(url);
        for (const digest of [
          "sha256:../../etc/passwd",
          "sha256:" + "A".repeat(64),
          "md5:abcd",
          `sha256:${"a".repeat(63)}`,
        ]) {
          await rejectsWith(c.blob("team/app", { digest, size: 1 }), "refused", /invalid blob digest/);
          await rejectsWith(c.manifest("team/app", digest), "refused", /invalid tag or digest/);
        }
        for (const name of ["../x", "Team/app", "a//b", "a/", "-a", "a?b", "a/b/../c", ""]) {
          await rejectsWith(c.manifest(name, "latest"), "refused", /invalid repository name/);
          await rejectsWith(c.tags(name), "refused", /invalid repository name/);
        }
        await rejectsWith(c.manifest("team/app", "../latest"), "refused", /invalid tag or digest/);
        await rejectsWith(c.blob("team/app", { digest: sha256("x"), size: -1 }), "refused", /invalid size/);
        assert.equal(requests, 0);
      },
    );
  });

  it("reports a closed port as unreachable, naming the URL and the code", async () => {
    const s = await serve(() => {});
    const url = s.url;
    await s.close();
    await rejectsWith(
      client(url).manifest("team/app", "v1"),
      "unreachable",
      new RegExp(
        `team/app:v1: cannot reach ${url.replace(/\./g, "\\.")}/v2/team/app/manifests/v1: ECONNREFUSED`,
      ),
    );
  });

  it("gives up on a server that never answers within timeoutMs", async () => {
    const sockets = new Set<Socket>();
    const server = createNetServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const t0 = Date.now();
      await rejectsWith(
        client(url, { timeoutMs: 300 }).ping(),
        "unreachable",
        /did not answer within 300 ms/,
      );
      assert.ok(Date.now() - t0 < 3000, `gave up after ${Date.now() - t0} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
    // Headers, then a body that stalls.
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": 1000 });
        res.write("{");
      },
      async (u) => {
        const t0 = Date.now();
        await rejectsWith(
          client(u, { timeoutMs: 300 }).manifest("slow/app", "v1"),
          "unreachable",
          /slow\/app:v1/,
        );
        assert.ok(Date.now() - t0 < 3000);
      },
    );
  });

  it("follows blob redirects without carrying Authorization to another origin", async () => {
    const blob = randomBytes(2048);
    const desc = { digest: sha256(blob), size: blob.length };
    const seen: { host: string; authorization?: string; url: string }[] = [];
    const cdn = await serve((req, res) => {
      seen.push({ host: "cdn", authorization: req.headers.authorization, url: req.url! });
      res.writeHead(200, { "content-length": blob.length });
      res.end(blob);
    });
    try {
      await withServer(
        (req, res) => {
          seen.push({ host: "registry", authorization: req.headers.authorization, url: req.url! });
          if (req.headers.authorization !== basic("bob", "pw")) {
            return distributionError(res, 401, "UNAUTHORIZED", "x", {
              "www-authenticate": 'Basic realm="r"',
            });
          }
          if (req.url!.startsWith("/v2/team/app/blobs/")) {
            // same-origin hop first, then off to the CDN with a presigned-looking URL
            if (!req.url!.includes("hop")) {
              res.writeHead(307, { location: `${req.url}?hop=1` });
              res.end();
              return;
            }
            res.writeHead(307, { location: `${cdn.url}/blobs/${desc.digest}?X-Amz-Signature=secret` });
            res.end();
            return;
          }
          if (req.url === "/v2/loop/app/blobs/" + desc.digest || req.url!.startsWith("/v2/loop/")) {
            res.writeHead(302, { location: "/v2/loop/app/blobs/" + desc.digest });
            res.end();
            return;
          }
          res.writeHead(404);
          res.end();
        },
        async (url) => {
          const c = client(url, { credentials: { username: "bob", password: "pw" } });
          assert.deepEqual(await collect(await c.blob("team/app", desc)), blob);
          const cdnHits = seen.filter((s) => s.host === "cdn");
          assert.equal(cdnHits.length, 1);
          assert.equal(cdnHits[0]!.authorization, undefined, "no Authorization to the CDN");
          const hop = seen.find((s) => s.host === "registry" && s.url.includes("hop=1"));
          assert.equal(hop?.authorization, basic("bob", "pw"), "same-origin redirect keeps it");
          await rejectsWith(c.blob("loop/app", desc), "protocol", /more than 5 redirects/);
        },
      );
    } finally {
      await cdn.close();
    }
  });

  it("refuses pagination loops and next pages on another origin", async () => {
    let mode = "loop";
    await withServer(
      (_req, res) => {
        const link =
          mode === "loop"
            ? '</v2/_catalog?n=100>; rel="next"'
            : '<http://example.invalid/v2/_catalog?last=a>; rel="next"';
        res.writeHead(200, { "content-type": "application/json", link });
        res.end(JSON.stringify({ repositories: ["a"] }));
      },
      async (url) => {
        const drain = async () => {
          for await (const _ of client(url).catalog()) {
            // drain
          }
        };
        await rejectsWith(drain(), "protocol", /pagination loops/);
        mode = "foreign";
        await rejectsWith(drain(), "protocol", /another origin/);
      },
    );
  });
});
