/**
 * The public-source path against a local HTTP server on 127.0.0.1 that serves mirror files under
 * the public URLs' paths: conditional requests (ETag → 304), resumed downloads (Range/If-Range),
 * timeouts, HTTP errors and an unreachable host. Nothing here touches the internet.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { openAdvisoryStore } from "../../src/advisories/store.js";
import { advisoryStatus, type UpdateResult, updateAdvisories } from "../../src/advisories/update.js";
import { makeZip, tempDir, vulndataDir, zipEntries } from "./helpers.js";

const tmp = tempDir("fetch");
after(tmp.cleanup);

interface Route {
  body: Buffer;
  etag?: string;
  lastModified?: string;
  /** Answer with this status instead. */
  status?: number;
  /** Send this many body bytes, then drop the connection (once). */
  cutAfter?: number;
  /** Send headers and this many bytes, then go silent. */
  stallAfter?: number;
  /** Never answer at all. */
  silent?: boolean;
  /** Send the body with Content-Encoding: gzip. */
  gzip?: boolean;
  /** Build the body per request (API pages). */
  dynamic?: (url: URL) => Buffer;
}

const routes = new Map<string, Route>();
const log: { path: string; headers: IncomingMessage["headers"] }[] = [];
let server: Server;
let base = "";

function serve(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://x");
  log.push({ path: url.pathname + url.search, headers: req.headers });
  const route = routes.get(url.pathname);
  if (!route) {
    res.writeHead(404).end("not found");
    return;
  }
  if (route.silent) return;
  if (route.status) {
    res.writeHead(route.status).end("nope");
    return;
  }
  const body = route.dynamic ? route.dynamic(url) : route.body;
  const validators: Record<string, string> = {};
  if (route.etag) validators["etag"] = route.etag;
  if (route.lastModified) validators["last-modified"] = route.lastModified;
  const notModified = route.etag
    ? req.headers["if-none-match"] === route.etag
    : route.lastModified !== undefined && req.headers["if-modified-since"] === route.lastModified;
  if (notModified) {
    res.writeHead(304, validators).end();
    return;
  }
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers["range"] ?? "");
  const ifRange = req.headers["if-range"];
  if (range && (!ifRange || ifRange === route.etag || ifRange === route.lastModified))
    start = Number(range[1]);
  if (route.gzip) {
    const encoded = gzipSync(body);
    res.writeHead(200, { ...validators, "content-encoding": "gzip", "content-length": encoded.length });
    res.end(encoded);
    return;
  }
  const chunk = body.subarray(start);
  const headers: Record<string, string | number> = {
    ...validators,
    "content-length": chunk.length,
    "accept-ranges": "bytes",
  };
  if (start > 0) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  if (route.cutAfter !== undefined) {
    const n = route.cutAfter;
    route.cutAfter = undefined;
    res.write(chunk.subarray(0, n), () => res.socket?.destroy());
    return;
  }
  if (route.stallAfter !== undefined) {
    res.write(chunk.subarray(0, route.stallAfter));
    return;
  }
  res.end(chunk);
}

/** A fetch that sends https://<host>/<path> to the local server as /<host>/<path>. */
const localFetch: typeof fetch = (input, init) => {
  const u = new URL(String(input));
  return fetch(`${base}/${u.host}${u.pathname}${u.search}`, init);
};
/** A loopback port where nothing listens (taken, then released); set in before(). */
let refusedPort = 0;
/** A fetch whose every request goes to that port: connection refused. */
const refusedFetch: typeof fetch = (input, init) => {
  const u = new URL(String(input));
  return fetch(`http://127.0.0.1:${refusedPort}${u.pathname}${u.search}`, init);
};

const etagOf = (b: Buffer) => `"${createHash("sha1").update(b).digest("hex")}"`;
const CRATES = "/osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip";
const KEV = "/www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
const EPSS = "/epss.empiricalsecurity.com/epss_scores-current.csv.gz";
const TRACKER = "/security-tracker.debian.org/tracker/data/json";
const fast = { retries: 0, retryDelayMs: 10, responseTimeoutMs: 5000, idleTimeoutMs: 5000 };

function put(path: string, body: Buffer, extra: Partial<Route> = {}) {
  routes.set(path, { body, etag: etagOf(body), ...extra });
}
const requestsTo = (path: string) => log.filter((l) => l.path.startsWith(path));
const feed = (r: UpdateResult, name: string) => r.feeds.find((f) => f.name === name)!;

const cratesZip = readFileSync(join(vulndataDir, "osv/crates.io/all.zip"));

before(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe("public feeds over HTTP", () => {
  const dataDir = join(tmp.path, "conditional");

  it("downloads, then asks conditionally and gets 304 Not Modified", async () => {
    put(CRATES, cratesZip);
    put(KEV, readFileSync(join(vulndataDir, "kev/known_exploited_vulnerabilities.json")), {
      etag: undefined,
      lastModified: "Mon, 25 Aug 2025 17:04:19 GMT",
    });
    put(EPSS, gzipSync(readFileSync(join(vulndataDir, "samples/epss-example-1.csv"))));
    put(TRACKER, readFileSync(join(vulndataDir, "samples/debian-debian.json")));
    const feeds = ["osv:crates.io", "kev", "epss", "debian-tracker"];
    const r1 = await updateAdvisories({ dataDir, feeds, fetch: localFetch, http: fast });
    assert.equal(r1.ok, true, JSON.stringify(r1.feeds.map((f) => f.error)));
    assert.equal(r1.mode, "public");
    assert.deepEqual(
      r1.feeds.map((f) => [f.name, f.status, f.records]),
      [
        ["osv:crates.io", "updated", 1206],
        ["debian-tracker", "updated", 5],
        ["kev", "updated", 1404],
        ["epss", "updated", 5],
      ],
    );
    assert.equal(feed(r1, "osv:crates.io").bytes, cratesZip.length);
    assert.equal(
      feed(r1, "osv:crates.io").source,
      "https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip",
    );
    assert.equal(requestsTo(CRATES)[0]!.headers["if-none-match"], undefined);

    log.length = 0;
    const r2 = await updateAdvisories({ dataDir, feeds, fetch: localFetch, http: fast });
    assert.equal(r2.ok, true);
    for (const f of r2.feeds) {
      assert.equal(f.status, "not-modified", f.name);
      assert.equal(f.bytes, 0);
    }
    assert.equal(feed(r2, "osv:crates.io").records, 1206);
    assert.equal(requestsTo(CRATES)[0]!.headers["if-none-match"], etagOf(cratesZip));
    assert.equal(requestsTo(KEV)[0]!.headers["if-modified-since"], "Mon, 25 Aug 2025 17:04:19 GMT");
    const st = advisoryStatus(dataDir).feeds.find((f) => f.name === "osv:crates.io")!;
    assert.equal(st.status, "ok");
    assert.equal(st.records, 1206);

    // The source changes: a new ETag, one record with a new `modified`.
    const entries = await zipEntries(join(vulndataDir, "osv/crates.io/all.zip"));
    const rec = JSON.parse(entries[0]!.data.toString());
    entries[0] = {
      name: entries[0]!.name,
      data: Buffer.from(JSON.stringify({ ...rec, modified: "2030-01-01T00:00:00Z" })),
    };
    put(CRATES, makeZip(entries));
    const r3 = await updateAdvisories({ dataDir, feeds, fetch: localFetch, http: fast });
    assert.equal(feed(r3, "osv:crates.io").status, "updated");
    assert.equal(feed(r3, "osv:crates.io").changed, 1);
    assert.equal(feed(r3, "osv:crates.io").unchanged, 1205);
    assert.equal(feed(r3, "kev").status, "not-modified");
  });

  it("says plainly when the network is unreachable, and keeps the data", async () => {
    const r = await updateAdvisories({
      dataDir,
      feeds: ["osv:crates.io", "kev", "epss"],
      fetch: refusedFetch,
      http: fast,
    });
    assert.equal(r.ok, false);
    assert.equal(r.unreachable, true);
    assert.equal(
      feed(r, "osv:crates.io").error,
      "osv:crates.io: cannot reach osv-vulnerabilities.storage.googleapis.com: connection refused",
    );
    assert.equal(feed(r, "kev").error, "kev: cannot reach www.cisa.gov: connection refused");
    assert.equal(feed(r, "osv:crates.io").unreachable, true);
    // Two hosts down and nothing reached: the rest is not waited for.
    assert.equal(
      feed(r, "epss").error,
      "epss: not tried, the network looks unreachable (cannot reach osv-vulnerabilities.storage.googleapis.com: connection refused)",
    );
    assert.equal(feed(r, "epss").unreachable, true);
    const st = advisoryStatus(dataDir);
    const crates = st.feeds.find((f) => f.name === "osv:crates.io")!;
    assert.equal(crates.status, "failed");
    assert.equal(crates.records, 1206);
    const store = openAdvisoryStore(dataDir, { readonly: true });
    try {
      assert.ok(store.affected("crates.io", "openssl").length > 0);
    } finally {
      store.close();
    }
  });

  it("reports HTTP errors (after retrying) and timeouts", async () => {
    const dir = join(tmp.path, "errors");
    routes.set(CRATES, { body: Buffer.alloc(0), status: 503 });
    log.length = 0;
    const r = await updateAdvisories({
      dataDir: dir,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: { ...fast, retries: 2 },
    });
    assert.equal(
      feed(r, "osv:crates.io").error,
      `osv:crates.io: GET https://osv-vulnerabilities.storage.googleapis.com/crates.io/all.zip: HTTP 503 Service Unavailable`,
    );
    assert.equal(r.unreachable, false);
    assert.equal(requestsTo(CRATES).length, 3, "one try and two retries");
    routes.delete(CRATES);
    const missing = await updateAdvisories({
      dataDir: dir,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: fast,
    });
    assert.match(feed(missing, "osv:crates.io").error!, /HTTP 404 Not Found$/);

    routes.set(CRATES, { body: cratesZip, silent: true });
    const silent = await updateAdvisories({
      dataDir: dir,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: { ...fast, responseTimeoutMs: 300 },
    });
    assert.equal(
      feed(silent, "osv:crates.io").error,
      "osv:crates.io: cannot reach osv-vulnerabilities.storage.googleapis.com: no response within 0.3 s",
    );
    put(CRATES, cratesZip, { stallAfter: 1000 });
    const stalled = await updateAdvisories({
      dataDir: dir,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: { ...fast, idleTimeoutMs: 300 },
    });
    assert.match(feed(stalled, "osv:crates.io").error!, /broke off after 1000 bytes: no data for 0\.3 s$/);
    server.closeAllConnections();
  });

  it("resumes an interrupted download with Range, across runs and within one", async () => {
    const dir = join(tmp.path, "resume");
    const cut = Math.floor(cratesZip.length * 0.4);
    // Run 1: the connection drops at 40% and retries are off, so the feed fails…
    put(CRATES, cratesZip, { cutAfter: cut });
    const r1 = await updateAdvisories({
      dataDir: dir,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: fast,
    });
    assert.equal(feed(r1, "osv:crates.io").status, "failed");
    assert.match(feed(r1, "osv:crates.io").error!, /broke off after \d+ bytes/);
    // …run 2 asks only for the rest.
    log.length = 0;
    const r2 = await updateAdvisories({
      dataDir: dir,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: fast,
    });
    const crates = feed(r2, "osv:crates.io");
    assert.equal(crates.status, "updated", crates.error);
    assert.equal(crates.records, 1206);
    const req = requestsTo(CRATES)[0]!;
    const from = Number(/^bytes=(\d+)-$/.exec(String(req.headers["range"]))?.[1]);
    assert.ok(from > 0 && from <= cut, `resumed from ${from}`);
    assert.equal(req.headers["if-range"], etagOf(cratesZip));
    assert.equal(crates.bytes, cratesZip.length - from);
    assert.match(crates.warnings.join("\n"), new RegExp(`resumed an interrupted download at byte ${from}`));

    // Within one run: the drop is retried at once, from where it stopped.
    const dir2 = join(tmp.path, "resume2");
    put(CRATES, cratesZip, { cutAfter: cut });
    log.length = 0;
    const r3 = await updateAdvisories({
      dataDir: dir2,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: { ...fast, retries: 2 },
    });
    assert.equal(feed(r3, "osv:crates.io").records, 1206);
    const reqs = requestsTo(CRATES);
    assert.equal(reqs.length, 2);
    assert.match(String(reqs[1]!.headers["range"]), /^bytes=\d+-$/);

    // The file changed between the runs: If-Range no longer matches, the server sends it whole.
    const dir3 = join(tmp.path, "resume3");
    put(CRATES, cratesZip, { cutAfter: cut });
    await updateAdvisories({ dataDir: dir3, feeds: ["osv:crates.io"], fetch: localFetch, http: fast });
    const entries = await zipEntries(join(vulndataDir, "osv/crates.io/all.zip"));
    const changed = makeZip(entries.slice(0, 100));
    put(CRATES, changed);
    log.length = 0;
    const r4 = await updateAdvisories({
      dataDir: dir3,
      feeds: ["osv:crates.io"],
      fetch: localFetch,
      http: fast,
    });
    assert.equal(feed(r4, "osv:crates.io").records, 100);
    assert.equal(feed(r4, "osv:crates.io").bytes, changed.length);
    assert.ok(requestsTo(CRATES)[0]!.headers["range"], "it did try to resume");
  });

  it("accepts a content-encoded response", async () => {
    const dir = join(tmp.path, "encoded");
    put(TRACKER, readFileSync(join(vulndataDir, "samples/debian-debian.json")), { gzip: true });
    const r = await updateAdvisories({
      dataDir: dir,
      feeds: ["debian-tracker"],
      fetch: localFetch,
      http: fast,
    });
    assert.equal(feed(r, "debian-tracker").records, 5, feed(r, "debian-tracker").error);
  });

  it("fetches Alpine secdb branches from the index listing", async () => {
    const dir = join(tmp.path, "alpine");
    const index =
      '<html><body><a href="../">../</a>\n<a href="v3.9/">v3.9/</a>\n<a href="v3.10/">v3.10/</a>\n</body></html>';
    put("/secdb.alpinelinux.org/", Buffer.from(index));
    for (const [branch, repos] of [
      ["v3.9", ["main"]],
      ["v3.10", ["main", "community"]],
    ] as const) {
      for (const repo of repos) {
        put(
          `/secdb.alpinelinux.org/${branch}/${repo}.json`,
          readFileSync(join(vulndataDir, "alpine-secdb", branch, `${repo}.json`)),
        );
      }
    }
    routes.delete("/secdb.alpinelinux.org/v3.9/community.json");
    const r = await updateAdvisories({
      dataDir: dir,
      feeds: ["alpine-secdb"],
      fetch: localFetch,
      http: fast,
    });
    const alpine = feed(r, "alpine-secdb");
    assert.equal(alpine.status, "updated", alpine.error);
    assert.ok(alpine.records > 500);
    const store = openAdvisoryStore(dir, { readonly: true });
    try {
      assert.ok(
        store.affected("Alpine:v3.10", "libressl").some((e) => e.advisoryId === "ALPINE-CVE-2018-0732"),
      );
      assert.equal(store.affected("Alpine:v3.11", "libressl").length, 0, "v3.11 was not listed");
    } finally {
      store.close();
    }
    const again = await updateAdvisories({
      dataDir: dir,
      feeds: ["alpine-secdb"],
      fetch: localFetch,
      http: fast,
    });
    assert.equal(feed(again, "alpine-secdb").status, "not-modified");
  });

  it("pages through the NVD API, then asks only for what changed since", async () => {
    const dir = join(tmp.path, "nvd");
    const page = JSON.parse(readFileSync(join(vulndataDir, "samples/nvd-full-page.json"), "utf8"));
    const all = page.vulnerabilities as unknown[];
    routes.set("/services.nvd.nist.gov/rest/json/cves/2.0", {
      body: Buffer.alloc(0),
      dynamic(url) {
        const start = Number(url.searchParams.get("startIndex"));
        const size = Number(url.searchParams.get("resultsPerPage"));
        const pool = url.searchParams.has("lastModStartDate") ? all.slice(0, 3) : all;
        const slice = pool.slice(start, start + size);
        return Buffer.from(
          JSON.stringify({
            ...page,
            resultsPerPage: slice.length,
            startIndex: start,
            totalResults: pool.length,
            vulnerabilities: slice,
          }),
        );
      },
    });
    // Without --feeds nvd, a first public run leaves NVD alone.
    put(KEV, readFileSync(join(vulndataDir, "kev/known_exploited_vulnerabilities.json")));
    const none = await updateAdvisories({ dataDir: dir, feeds: [], fetch: localFetch, http: fast });
    assert.equal(
      none.feeds.some((f) => f.name === "nvd"),
      false,
    );
    log.length = 0;
    const opts = { nvdPageSize: 15, nvdRequestDelayMs: 0, nvdApiKey: "secret" };
    const r1 = await updateAdvisories({
      dataDir: dir,
      feeds: ["nvd"],
      fetch: localFetch,
      http: fast,
      feedOptions: opts,
    });
    assert.equal(feed(r1, "nvd").records, 38, feed(r1, "nvd").error);
    const first = log.filter((l) => l.path.includes("/cves/2.0"));
    assert.deepEqual(
      first.map((l) => new URL(l.path, "http://x").searchParams.get("startIndex")),
      ["0", "15", "30"],
    );
    assert.equal(first[0]!.headers["apikey"], "secret");
    assert.equal(new URL(first[0]!.path, "http://x").searchParams.has("lastModStartDate"), false);
    const store = openAdvisoryStore(dir, { readonly: true });
    try {
      assert.equal(store.cvss("CVE-2021-20581")!.baseScore, 4.3);
    } finally {
      store.close();
    }
    // The next default run includes NVD, incrementally.
    log.length = 0;
    const r2 = await updateAdvisories({
      dataDir: dir,
      fetch: localFetch,
      http: fast,
      feedOptions: opts,
      feeds: ["nvd", "kev"],
    });
    const inc = log.filter((l) => l.path.includes("/cves/2.0"));
    assert.equal(inc.length, 1);
    const params = new URL(inc[0]!.path, "http://x").searchParams;
    assert.match(params.get("lastModStartDate")!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    assert.ok(params.get("lastModEndDate"));
    const nvd = feed(r2, "nvd");
    assert.deepEqual(
      { unchanged: nvd.unchanged, added: nvd.added, records: nvd.records },
      { unchanged: 3, added: 0, records: 38 },
    );
  });
});
