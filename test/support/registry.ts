/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8.2) on loopback,
 * optionally behind htpasswd (Basic) or token (Bearer) auth — the token server runs in this
 * process — with distribution's webhook notifications pointed wherever the test listens.
 *
 * Notification envelopes, as observed from distribution 2.8.2 driven by skopeo 1.9 (registry.test.ts
 * asserts the parts marked *):
 * - * POST to the endpoint URL with `Content-Type: application/vnd.docker.distribution.events.v1+json`
 *   and the configured static headers; body `{"events":[…]}`. Each envelope held exactly one event
 *   (distribution queues and sends events one by one), but a consumer should accept several.
 *   Delivery is asynchronous: events may arrive after the client's request has been answered.
 * - Every event: `id` (uuid), `timestamp` (RFC 3339, ns), `action`, `target`, `request`
 *   ({ id, addr, host, method, useragent }), `actor` (`{ name: <user> }` with basic or token auth,
 *   `{}` without auth), `source` ({ addr: "<hostname>:<port>", instanceID }).
 * - * A push by tag sends one "push" event per blob actually uploaded — target { mediaType
 *   "application/octet-stream", size, digest, length, repository, url }, no tag — then one "push"
 *   for the manifest: target { mediaType (the manifest's own, e.g.
 *   "application/vnd.oci.image.manifest.v1+json"), size, digest, length, repository, url, tag }.
 *   Blobs the registry already has in that repository are only HEADed by skopeo, which sends
 *   "pull" events for them (no push); a blob held by another repository of the same registry is
 *   cross-mounted: action "mount", target.fromRepository set.
 * - * `skopeo copy --all` of an index: blob events, then a "push" per child manifest (pushed by
 *   digest: no `tag`), then one "push" for the index (mediaType
 *   "application/vnd.oci.image.index.v1+json", with the tag).
 * - GET or HEAD of a manifest sends a "pull" event (same target shape as push; `tag` only when
 *   fetched by tag). Listing tags sends nothing.
 * - * DELETE /v2/<repo>/manifests/<digest> sends a "delete" event whose target is exactly
 *   { digest, repository } (no mediaType, size, url or tag), followed by one "delete" event per tag
 *   that pointed at it, target exactly { repository, tag } (no digest).
 * - With `includeReferences`, manifest push/pull events also carry target.references: descriptors
 *   ({ mediaType, size, digest }) of the config and layers (image manifest) or of the child
 *   manifests (index). Delete events do not.
 * - An answer other than 2xx makes the registry resend the same event (at once up to `threshold`
 *   = 3 failures, then every `backoff` = 1 s), holding back the events queued behind it.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, createPrivateKey, createSign, randomBytes, X509Certificate } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { cacheDir, imageFixture } from "./fixtures.js";
import { freePort } from "./net.js";

const execFileP = promisify(execFile);

const REGISTRY_BIN = "/usr/bin/docker-registry";
const SERVICE = "vigil-test-registry";
const ISSUER = "vigil-test-token-issuer";
const START_TIMEOUT_MS = 15_000;

export interface RegistryUser {
  username: string;
  password: string;
}

export interface RegistryOptions {
  auth?: "none" | "basic" | "token"; // default "none"
  /** users for basic/token auth; default [{ username: "vigil", password: "s3cret" }] */
  users?: RegistryUser[];
  /** distribution `notifications` endpoint: the registry POSTs event envelopes here */
  notify?: {
    url: string;
    headers?: Record<string, string>;
    /** `notifications.events.includereferences`: manifest events list the referenced descriptors */
    includeReferences?: boolean;
    /** the endpoint's `ignore` section: events with these target media types / actions are not sent */
    ignore?: { mediaTypes?: string[]; actions?: string[] };
  };
}

export interface TestRegistry {
  url: string; // "http://127.0.0.1:<port>"
  host: string; // "127.0.0.1:<port>"
  dir: string; // temp dir (storage + config), removed on stop
  credentials?: RegistryUser; // first user, when auth != none
  /** the token server's realm ("http://127.0.0.1:<port>/token"), when auth is "token" */
  tokenRealm?: string;
  /** the token auth `service` (the JWT audience), when auth is "token" */
  tokenService?: string;
  /**
   * skopeo copy <source> docker://host/<repoTag>; returns the pushed manifest digest. source like
   * "oci:/path/layout:tag"; pass all=true for `--all` (indexes).
   */
  push(source: string, repoTag: string, opts?: { all?: boolean }): Promise<string>;
  /** DELETE /v2/<repo>/manifests/<digest> (authenticating as needed) */
  deleteManifest(repository: string, digest: string): Promise<void>;
  /**
   * fetch(url + path), answering an auth challenge as the first user if there is one (Basic
   * credentials, or a token from the realm for the challenge's scope).
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** the registry process's stderr/stdout so far, for failure messages */
  logs(): string;
  stop(): Promise<void>;
}

const DEFAULT_USERS: RegistryUser[] = [{ username: "vigil", password: "s3cret" }];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const base64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");
const basic = (u: RegistryUser) => `Basic ${Buffer.from(`${u.username}:${u.password}`).toString("base64")}`;

/** Parses `Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`) into scheme and params. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/.exec(header);
  const params: Record<string, string> = {};
  if (!m) return { scheme: "", params };
  for (const p of (m[2] ?? "").matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  return { scheme: m[1]!.toLowerCase(), params };
}

// ---------------------------------------------------------------------------------------------
// Token server (Docker registry token spec, https://distribution.github.io/distribution/spec/auth/token/)

interface TokenServer {
  realm: string;
  certPath: string;
  close(): Promise<void>;
}

/** libtrust's key id: SHA-256 of the DER public key, first 240 bits, base32, 12 groups of 4. */
function libtrustKeyId(spkiDer: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = createHash("sha256").update(spkiDer).digest().subarray(0, 30);
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5) out += alphabet[Number.parseInt(bits.slice(i, i + 5), 2)];
  return out.match(/.{4}/g)!.join(":");
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:team/app:pull,push` → access entry (the name may itself hold colons, e.g. a port). */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last <= first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(",")
    .filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

async function startTokenServer(dir: string, users: RegistryUser[]): Promise<TokenServer> {
  const keyPath = join(dir, "token-key.pem");
  const certPath = join(dir, "token-cert.pem");
  try {
    await execFileP("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "2",
      "-subj",
      `/CN=${ISSUER}`,
    ]);
  } catch (e) {
    throw new Error(
      `openssl could not make the token signing certificate: ${(e as { stderr?: string }).stderr ?? e}`,
    );
  }
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const cert = new X509Certificate(readFileSync(certPath));
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  const header = base64url(
    JSON.stringify({
      typ: "JWT",
      alg: "RS256",
      kid: libtrustKeyId(spki),
      x5c: [cert.raw.toString("base64")],
    }),
  );

  const issue = (subject: string, service: string, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access: Access[] = [];
    for (const s of scopes) {
      const a = parseScope(s);
      if (!a) continue;
      const same = access.find((x) => x.type === a.type && x.name === a.name);
      if (same) same.actions = [...new Set([...same.actions, ...a.actions])];
      else access.push(a);
    }
    if (!access.some((a) => a.type === "registry" && a.name === "catalog"))
      access.push({ type: "registry", name: "catalog", actions: ["*"] });
    const claims = {
      iss: ISSUER,
      sub: subject,
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(16).toString("hex"),
      access,
    };
    const input = `${header}.${base64url(JSON.stringify(claims))}`;
    const signature = createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url");
    const token = `${input}.${signature}`;
    return { token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() };
  };

  const authenticate = (username: string | undefined, password: string | undefined) =>
    users.find((u) => u.username === username && u.password === password);

  const server: Server = createHttpServer((req, res) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const unauthorized = () =>
      reply(
        401,
        { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
        { "www-authenticate": `Basic realm="${ISSUER}"` },
      );
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/token") return reply(404, { errors: [{ code: "NOT_FOUND" }] });
    if (req.method === "GET") {
      // Anonymous requests are refused too: every registry access needs a user here.
      const auth = req.headers.authorization ?? "";
      if (!auth.toLowerCase().startsWith("basic ")) return unauthorized();
      const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const user = colon < 0 ? undefined : authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
      if (!user) return unauthorized();
      return reply(
        200,
        issue(user.username, url.searchParams.get("service") ?? SERVICE, url.searchParams.getAll("scope")),
      );
    }
    if (req.method === "POST") {
      // OAuth2 password grant (docker login may use it): form-encoded body.
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        if (form.get("grant_type") !== "password")
          return reply(400, { error: "unsupported_grant_type" }, { "content-type": "application/json" });
        const user = authenticate(form.get("username") ?? undefined, form.get("password") ?? undefined);
        if (!user) return unauthorized();
        const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
        return reply(200, issue(user.username, form.get("service") ?? SERVICE, scopes));
      });
      return;
    }
    reply(405, { errors: [{ code: "UNSUPPORTED" }] });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.unref(); // a test that forgets stop() must not hang on it
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    realm,
    certPath,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------

async function writeHtpasswd(path: string, users: RegistryUser[]): Promise<void> {
  const lines: string[] = [];
  for (const u of users) {
    try {
      // -B: bcrypt, the only hash distribution accepts; -b: password on the command line; -n: print.
      const { stdout } = await execFileP("htpasswd", ["-Bbn", u.username, u.password]);
      lines.push(stdout.trim());
    } catch (e) {
      const err = e as { code?: string; stderr?: string };
      if (err.code === "ENOENT")
        throw new Error("htpasswd is not installed (Debian package `apache2-utils`; see .ci/apt-packages)");
      throw new Error(`htpasswd failed: ${err.stderr ?? e}`);
    }
  }
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
}

/** The registry's environment: ours without REGISTRY_* variables, which would override the config. */
function registryEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("REGISTRY_")) env[k] = v;
  return env;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  if (!existsSync(REGISTRY_BIN))
    throw new Error(`${REGISTRY_BIN} is missing (Debian package \`docker-registry\`; see .ci/apt-packages)`);
  const authMode = options.auth ?? "none";
  const users = options.users ?? DEFAULT_USERS;
  if (authMode !== "none" && users.length === 0)
    throw new Error(`auth "${authMode}" needs at least one user`);
  const credentials = authMode === "none" ? undefined : users[0];
  const dir = mkdtempSync(join(tmpdir(), "vigil-registry-"));
  mkdirSync(join(dir, "storage"));
  writeFileSync(join(dir, "policy.json"), JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  writeFileSync(join(dir, "auth.json"), JSON.stringify({ auths: {} }));

  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;
  let output = "";
  let stopped = false;

  const killNow = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const onExit = () => {
    killNow();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const proc = child;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.ref(); // the wait for its exit must keep the event loop alive
      proc.kill("SIGKILL");
      await exited;
    }
    await tokenServer?.close();
    rmSync(dir, { recursive: true, force: true });
    process.removeListener("exit", onExit);
  };

  try {
    const auth: Record<string, unknown> = {};
    if (authMode === "basic") {
      const path = join(dir, "htpasswd");
      await writeHtpasswd(path, users);
      auth.htpasswd = { realm: SERVICE, path };
    } else if (authMode === "token") {
      tokenServer = await startTokenServer(dir, users);
      auth.token = {
        realm: tokenServer.realm,
        service: SERVICE,
        issuer: ISSUER,
        rootcertbundle: tokenServer.certPath,
      };
    }

    // The free port can be taken between probing and the registry's bind: retry a few times.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const host = `127.0.0.1:${port}`;
      const config: Record<string, unknown> = {
        version: "0.1",
        log: { level: "info", formatter: "text", fields: { service: "registry" } },
        storage: {
          filesystem: { rootdirectory: join(dir, "storage") },
          delete: { enabled: true },
          maintenance: { uploadpurging: { enabled: false } },
        },
        http: { addr: host, secret: randomBytes(16).toString("hex") },
        health: { storagedriver: { enabled: false } },
      };
      if (authMode !== "none") config.auth = auth;
      if (options.notify) {
        const n = options.notify;
        const endpoint: Record<string, unknown> = {
          name: "vigil",
          url: n.url,
          headers: Object.fromEntries(Object.entries(n.headers ?? {}).map(([k, v]) => [k, [v]])),
          timeout: "2s",
          threshold: 3,
          backoff: "1s",
        };
        if (n.ignore)
          endpoint.ignore = { mediatypes: n.ignore.mediaTypes ?? [], actions: n.ignore.actions ?? [] };
        config.notifications = {
          ...(n.includeReferences ? { events: { includereferences: true } } : {}),
          endpoints: [endpoint],
        };
      }
      const configPath = join(dir, "config.yml");
      writeFileSync(configPath, stringify(config));

      output = "";
      // setpriv --pdeathsig: the registry dies with this process even when it is killed outright.
      const [cmd, args] = existsSync("/usr/bin/setpriv")
        ? ["/usr/bin/setpriv", ["--pdeathsig", "KILL", "--", REGISTRY_BIN, "serve", configPath]]
        : [REGISTRY_BIN, ["serve", configPath]];
      const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: registryEnv() });
      child = proc;
      // Neither the process nor its pipes keep this process alive: a test that forgets stop() ends
      // anyway, and the exit handler (or the parent-death signal) takes the registry down with it.
      proc.unref();
      for (const stream of [proc.stdout, proc.stderr])
        (stream as unknown as { unref?: () => void } | null)?.unref?.();
      const append = (b: Buffer) => {
        output += b.toString("utf8");
        if (output.length > 4_000_000) output = output.slice(-2_000_000);
      };
      proc.stdout?.on("data", append);
      proc.stderr?.on("data", append);
      let exited: string | undefined;
      proc.once("exit", (code, signal) => {
        exited = `exited with ${signal ?? code}`;
      });
      proc.once("error", (e) => {
        exited = `could not start: ${e.message}`;
      });

      const url = `http://${host}`;
      const deadline = Date.now() + START_TIMEOUT_MS;
      let ready = false;
      while (!ready && exited === undefined && Date.now() < deadline) {
        try {
          const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
          await res.arrayBuffer();
          ready = res.status === 200 || res.status === 401;
        } catch {
          // not listening yet
        }
        if (!ready) await sleep(50);
      }
      if (!ready) {
        if (exited !== undefined && /address already in use/.test(output) && attempt < 3) continue;
        killNow();
        throw new Error(
          `docker-registry ${exited ?? `did not answer GET ${url}/v2/ within ${START_TIMEOUT_MS / 1000} s`}; logs:\n${output}`,
        );
      }

      const registryFetch = async (path: string, init: RequestInit = {}): Promise<Response> => {
        const target = `${url}${path}`;
        const first = await fetch(target, init);
        if (first.status !== 401 || !credentials) return first;
        const challenge = parseChallenge(first.headers.get("www-authenticate") ?? "");
        await first.arrayBuffer();
        let authorization: string;
        if (challenge.scheme === "bearer") {
          const realm = new URL(challenge.params.realm ?? "");
          if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
          for (const s of (challenge.params.scope ?? "").split(" ").filter(Boolean))
            realm.searchParams.append("scope", s);
          const tokenRes = await fetch(realm, { headers: { authorization: basic(credentials) } });
          if (!tokenRes.ok)
            throw new Error(`token server answered ${tokenRes.status}: ${await tokenRes.text()}`);
          const body = (await tokenRes.json()) as { token?: string; access_token?: string };
          authorization = `Bearer ${body.token ?? body.access_token}`;
        } else {
          authorization = basic(credentials);
        }
        const headers = new Headers(init.headers);
        headers.set("authorization", authorization);
        return fetch(target, { ...init, headers });
      };

      const registry: TestRegistry = {
        url,
        host,
        dir,
        ...(credentials ? { credentials } : {}),
        ...(tokenServer ? { tokenRealm: tokenServer.realm, tokenService: SERVICE } : {}),
        async push(source, repoTag, opts = {}) {
          const digestFile = join(dir, `digest-${randomBytes(6).toString("hex")}`);
          const args = [
            "--policy",
            join(dir, "policy.json"),
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--dest-authfile",
            join(dir, "auth.json"),
            ...(credentials ? ["--dest-creds", `${credentials.username}:${credentials.password}`] : []),
            ...(opts.all ? ["--all"] : []),
            "--digestfile",
            digestFile,
            source,
            `docker://${host}/${repoTag}`,
          ];
          try {
            // Asynchronous on purpose: the test's own HTTP servers (notification listener, token
            // server) must keep answering while skopeo and the registry work.
            await execFileP("skopeo", args, { maxBuffer: 64 << 20 });
          } catch (e) {
            const err = e as { stderr?: string; message: string };
            throw new Error(
              `skopeo copy ${source} → ${host}/${repoTag} failed: ${err.stderr || err.message}\nregistry logs:\n${output.slice(-8000)}`,
            );
          }
          const digest = readFileSync(digestFile, "utf8").trim();
          rmSync(digestFile, { force: true });
          return digest;
        },
        async deleteManifest(repository, digest) {
          const res = await registryFetch(`/v2/${repository}/manifests/${digest}`, { method: "DELETE" });
          const body = await res.text();
          if (res.status !== 202)
            throw new Error(`DELETE manifest ${repository}@${digest} answered ${res.status}: ${body}`);
        },
        fetch: registryFetch,
        logs: () => output,
        stop,
      };
      return registry;
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Image fixtures for registries

/** Writes `content` as a blob of an OCI layout; returns its descriptor fields. */
function writeOciBlob(layout: string, content: string): { digest: string; size: number } {
  const hex = createHash("sha256").update(content).digest("hex");
  writeFileSync(join(layout, "blobs/sha256", hex), content);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
}

/**
 * An OCI layout (cached under .cache/) whose index.json has one entry tagged "multi": an OCI image
 * index listing two platform manifests (linux/amd64 and linux/arm64/v8) that reuse imageFixture()'s
 * v1 layer with their own config blobs (architecture set accordingly, and a label naming the
 * platform so the two configs differ from each other and from v1's). Returns the layout
 * directory; push it with `oci:<dir>:multi` and all=true.
 */
export function multiPlatformFixture(): string {
  const dir = join(cacheDir, "image-multi");
  const layout = join(dir, "layout");
  if (existsSync(join(dir, "done"))) return layout;
  const source = imageFixture().layout;
  rmSync(dir, { recursive: true, force: true });
  const tmp = join(dir, "layout-tmp");
  mkdirSync(join(tmp, "blobs/sha256"), { recursive: true });
  copyFileSync(join(source, "oci-layout"), join(tmp, "oci-layout"));
  const blob = (digest: string) => join(source, "blobs/sha256", digest.replace(/^sha256:/, ""));
  const sourceIndex = JSON.parse(readFileSync(join(source, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const v1 = sourceIndex.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === "v1");
  if (!v1) throw new Error(`${source} has no v1 tag`);
  const v1Manifest = JSON.parse(readFileSync(blob(v1.digest), "utf8")) as {
    config: { digest: string };
    layers: { mediaType: string; digest: string; size: number }[];
  };
  const v1Config = JSON.parse(readFileSync(blob(v1Manifest.config.digest), "utf8")) as Record<
    string,
    unknown
  >;
  for (const layer of v1Manifest.layers) {
    const to = join(tmp, "blobs/sha256", layer.digest.replace(/^sha256:/, ""));
    try {
      linkSync(blob(layer.digest), to); // layers are content-addressed and never rewritten
    } catch {
      copyFileSync(blob(layer.digest), to);
    }
  }
  const platforms = [
    { architecture: "amd64", os: "linux" },
    { architecture: "arm64", os: "linux", variant: "v8" },
  ];
  const manifests = platforms.map((platform) => {
    const name = [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
    const config = {
      ...v1Config,
      ...platform,
      config: { ...(v1Config.config as object), Labels: { "org.vigil.fixture.platform": name } },
    };
    const configBlob = writeOciBlob(tmp, JSON.stringify(config));
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configBlob },
      layers: v1Manifest.layers,
    };
    const manifestBlob = writeOciBlob(tmp, JSON.stringify(manifest));
    return { mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifestBlob, platform };
  });
  const index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests };
  const indexBlob = writeOciBlob(tmp, JSON.stringify(index));
  const top = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: "application/vnd.oci.image.index.v1+json",
        ...indexBlob,
        annotations: { "org.opencontainers.image.ref.name": "multi" },
      },
    ],
  };
  writeFileSync(join(tmp, "index.json"), JSON.stringify(top));
  renameSync(tmp, layout);
  writeFileSync(join(dir, "done"), "");
  return layout;
}
