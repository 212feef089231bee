/**
 * Imports the real advisory data in ../shared/vulndata (every OSV archive, the Debian tracker
 * sample, Alpine secdb, KEV, the EPSS and NVD samples) and checks real records, incremental
 * re-runs and that a failing or interrupted update leaves the previous data intact.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { ADVISORY_MIGRATIONS } from "../../src/advisories/schema.js";
import { advisoryDbPath, openAdvisoryStore } from "../../src/advisories/store.js";
import { advisoryStatus, type UpdateResult, updateAdvisories } from "../../src/advisories/update.js";
import { schemeFor } from "../../src/versions/index.js";
import { evaluate } from "../../src/versions/ranges.js";
import { repoRoot } from "../support/fixtures.js";
import { makeZip, mirrorWith, tempDir, vulndataDir, zipEntries } from "./helpers.js";

const tmp = tempDir("import");
after(tmp.cleanup);
const dataDir = join(tmp.path, "data");

const byName = (r: UpdateResult) => new Map(r.feeds.map((f) => [f.name, f]));

/** The real Go archive with some entries rewritten (by record id), removed (null) or garbled. */
async function goArchive(
  edits: Record<string, ((r: Record<string, unknown>) => Record<string, unknown>) | null>,
  raw: Record<string, string> = {},
): Promise<Buffer> {
  const entries = await zipEntries(join(vulndataDir, "osv/Go/all.zip"));
  const out: { name: string; data: Buffer | string }[] = [];
  for (const e of entries) {
    const id = e.name.replace(/\.json$/, "");
    if (raw[id] !== undefined) {
      out.push({ name: e.name, data: raw[id] });
      continue;
    }
    const edit = edits[id];
    if (edit === null) continue;
    out.push({ name: e.name, data: edit ? JSON.stringify(edit(JSON.parse(e.data.toString()))) : e.data });
  }
  return makeZip(out);
}

/** Garbles the compressed data of one entry of an archive (its directory entry stays valid). */
function garbleEntry(zip: Buffer, name: string): Buffer {
  const at = zip.indexOf(Buffer.from(name)) + name.length;
  const copy = Buffer.from(zip);
  copy.fill(0xa5, at + 4, at + 40);
  return copy;
}

function goRecord(id: string): { modified: string; withdrawn?: string } | undefined {
  const store = openAdvisoryStore(dataDir, { readonly: true });
  try {
    const a = store.advisory(id);
    return a ? { modified: a.modified, ...(a.withdrawn ? { withdrawn: a.withdrawn } : {}) } : undefined;
  } finally {
    store.close();
  }
}

let first: UpdateResult;
let firstMs = 0;

describe("importing the real vulndata mirror", () => {
  before(async () => {
    const t0 = performance.now();
    first = await updateAdvisories({ dataDir, mirror: vulndataDir });
    firstMs = performance.now() - t0;
  });

  it("imports every feed of the mirror in a few seconds", (t) => {
    t.diagnostic(
      `full import: ${firstMs.toFixed(0)} ms, ${first.totals.advisories} advisories, ${first.totals.affected} affected entries`,
    );
    for (const f of first.feeds)
      t.diagnostic(`  ${f.name}: ${f.records} records, import ${f.importMs.toFixed(0)} ms`);
    assert.equal(first.ok, true, JSON.stringify(first.feeds.filter((f) => f.error)));
    assert.equal(first.mode, "mirror");
    const feeds = byName(first);
    assert.deepEqual(
      [...feeds.keys()],
      [
        "osv:Debian",
        "osv:Go",
        "osv:PyPI",
        "osv:crates.io",
        "debian-tracker",
        "alpine-secdb",
        "amazon-linux",
        "redhat-csaf",
        "kev",
        "epss",
        "nvd",
      ],
    );
    // Record counts from the mirror's README.
    assert.equal(feeds.get("osv:Go")!.records, 4291);
    assert.equal(feeds.get("osv:PyPI")!.records, 2661);
    assert.equal(feeds.get("osv:crates.io")!.records, 1206);
    assert.equal(feeds.get("osv:Debian")!.records, 8225);
    assert.equal(feeds.get("kev")!.records, 1404);
    assert.equal(feeds.get("epss")!.records, 5);
    assert.equal(feeds.get("nvd")!.records, 39);
    assert.ok(feeds.get("alpine-secdb")!.records > 2000);
    // The samples: one ALAS bulletin; two RHSAs, one of which only fixes module streams.
    assert.equal(feeds.get("amazon-linux")!.records, 1);
    assert.equal(feeds.get("redhat-csaf")!.records, 1);
    for (const f of first.feeds) {
      assert.equal(f.status, "updated", f.name);
      assert.equal(f.added, f.records, f.name);
      assert.equal(f.skipped, f.name === "redhat-csaf" ? 1 : 0, `${f.name}: ${f.warnings.join("; ")}`);
    }
    assert.equal(feeds.get("osv:Go")!.withdrawn, 17);
    assert.equal(feeds.get("osv:PyPI")!.withdrawn, 10);
    assert.equal(feeds.get("osv:crates.io")!.withdrawn, 13);
    assert.equal(first.totals.withdrawn, 40);
    assert.ok(firstMs < 20_000, `import took ${firstMs} ms`);
  });

  it("answers for real records", () => {
    const store = openAdvisoryStore(dataDir, { readonly: true });
    try {
      // Go standard library.
      const stdlib = store.affected("Go", "stdlib");
      assert.ok(stdlib.length > 100);
      const go67 = stdlib.find((e) => e.advisoryId === "GO-2021-0067")!;
      assert.deepEqual(go67.ranges, [
        { type: "SEMVER", events: [{ introduced: "1.16.0-0" }, { fixed: "1.16.1" }] },
      ]);
      const go69 = stdlib.find((e) => e.advisoryId === "GO-2021-0069")!;
      assert.deepEqual(go69.ranges![0]!.events, [
        { introduced: "1.14.0-0" },
        { fixed: "1.14.12" },
        { introduced: "1.15.0-0" },
        { fixed: "1.15.5" },
      ]);
      const gin = store.advisory("GO-2020-0001")!;
      assert.deepEqual(gin.aliases, ["CVE-2020-36567", "GHSA-6vm3-jj99-7229"]);
      assert.equal(gin.source, "osv:Go");
      assert.match(gin.summary!, /log line injection/);
      // A Debian DSA for a source package in Debian 11.
      const xorg = store.affected("Debian:11", "xorg-server").find((e) => e.advisoryId === "DSA-5380-1")!;
      assert.deepEqual(xorg.ranges, [
        { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2:1.20.11-1+deb11u6" }] },
      ]);
      assert.deepEqual(store.advisory("DSA-5380-1")!.aliases, ["CVE-2023-1393"]);
      assert.deepEqual(store.advisoriesWithAlias("CVE-2023-1393"), ["DLA-3372-1", "DSA-5380-1"]);
      // The Debian tracker sample.
      const chromium = store.affected("Debian:11", "chromium").find((e) => e.advisoryId === "CVE-2022-0456")!;
      assert.deepEqual(chromium.ranges![0]!.events, [
        { introduced: "0" },
        { fixed: "98.0.4758.80-1~deb11u1" },
      ]);
      assert.equal(store.advisory("CVE-2022-0456")!.source, "debian-tracker");
      assert.match(store.advisory("CVE-2022-0456")!.modified, /^\d{4}-\d{2}-\d{2}T/);
      // Alpine secdb: a CVE fixed in libressl 2.7.4-r0 on v3.10; lame's two fixes on v3.9.
      const libressl = store
        .affected("Alpine:v3.10", "libressl")
        .find((e) => e.advisoryId === "ALPINE-CVE-2018-0732")!;
      assert.deepEqual(libressl.ranges, [
        { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.7.4-r0" }] },
      ]);
      assert.deepEqual(store.advisory("ALPINE-CVE-2018-0732")!.aliases, ["CVE-2018-0732"]);
      const lame = store
        .affected("Alpine:v3.9", "lame")
        .find((e) => e.advisoryId === "ALPINE-CVE-2015-9099")!;
      assert.deepEqual(
        lame.ranges![0]!.events.map((e) => e.fixed ?? e.introduced),
        ["0", "3.100-r0", "3.99.5-r6"],
      );
      // Under apk ordering the two fixes mean "fixed from 3.99.5-r6", the smaller one.
      const apk = schemeFor("Alpine:v3.9")!;
      assert.deepEqual(evaluate(apk, "3.99.5-r5", lame), { affected: true, fixedVersion: "3.99.5-r6" });
      assert.deepEqual(evaluate(apk, "3.99.5-r6", lame), { affected: false });
      assert.deepEqual(evaluate(apk, "3.99.5-r7", lame), { affected: false });
      assert.deepEqual(evaluate(apk, "3.100-r0", lame), { affected: false });
      // PyPI lookups are PEP 503 normalized.
      assert.deepEqual(
        store.affected("PyPI", "Jw.Util").map((e) => e.packageName),
        store.affected("PyPI", "jw-util").map((e) => e.packageName),
      );
      assert.ok(store.affected("PyPI", "jw_util").length > 0);
      // crates.io keeps explicit versions lists out when empty, ranges as given.
      assert.ok(store.affected("crates.io", "openssl").some((e) => e.advisoryId === "RUSTSEC-2016-0001"));
      // Withdrawn records are kept, marked.
      assert.equal(store.advisory("GO-2022-0617")!.withdrawn, "2024-08-21T16:25:56Z");
      // KEV, EPSS, NVD.
      assert.deepEqual(store.kev("CVE-2021-44228"), {
        cveId: "CVE-2021-44228",
        vendorProject: "Apache",
        product: "Log4j2",
        vulnerabilityName: "Apache Log4j2 Remote Code Execution Vulnerability",
        dateAdded: "2021-12-10",
        dueDate: "2021-12-24",
        knownRansomwareCampaignUse: "Known",
        requiredAction: store.kev("CVE-2021-44228")!.requiredAction,
      });
      assert.deepEqual(store.epss("CVE-1999-0005"), {
        cveId: "CVE-1999-0005",
        score: 0.91963,
        percentile: 0.99214,
        date: "2025-02-20",
      });
      const nvd = store.cvss("CVE-2022-1576")!;
      assert.equal(nvd.baseScore, 6.5);
      assert.equal(nvd.version, "3.1");
      assert.equal(nvd.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N");
      assert.equal(nvd.metrics.length, 2);
      assert.equal(store.cvss("CVE-2021-20581")!.baseScore, 4.3);
      assert.equal(store.kev("CVE-1999-0001"), undefined);
    } finally {
      store.close();
    }
  });

  it("looks packages up fast", (t) => {
    // Real package names of every ecosystem, plus as many misses, each looked up once (no cache help).
    const db = new Database(advisoryDbPath(dataDir), { readonly: true });
    const real = db.prepare("SELECT DISTINCT ecosystem, raw_name FROM affected LIMIT 5000").raw().all() as [
      string,
      string,
    ][];
    db.close();
    const lookups = [...real, ...real.map(([e, n]): [string, string] => [e, `${n}-missing`])];
    const store = openAdvisoryStore(dataDir, { readonly: true });
    try {
      const t0 = performance.now();
      let hits = 0;
      for (const [ecosystem, name] of lookups) {
        for (const e of store.affected(ecosystem, name)) {
          if (store.advisory(e.advisoryId)) hits++;
        }
      }
      const ms = performance.now() - t0;
      t.diagnostic(
        `${lookups.length} affected() lookups (+ advisory() for each of ${hits} hits): ${ms.toFixed(0)} ms`,
      );
      assert.ok(hits >= real.length);
      assert.ok(ms < 10_000, `${ms} ms`);
    } finally {
      store.close();
    }
  });

  it("reports status per feed", () => {
    const st = advisoryStatus(dataDir);
    assert.equal(st.exists, true);
    assert.equal(st.schemaVersion, ADVISORY_MIGRATIONS.length);
    assert.ok(st.sizeBytes > 1_000_000);
    const go = st.feeds.find((f) => f.name === "osv:Go")!;
    assert.equal(go.records, 4291);
    assert.equal(go.status, "ok");
    assert.equal(go.kind, "advisories");
    assert.equal(go.source, join(vulndataDir, "osv/Go/all.zip"));
    assert.match(go.lastUpdate!, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(go.last.added, 4291);
    assert.equal(st.feeds.length, 11);
    assert.equal(st.totals.kev, 1404);
    assert.equal(st.totals.advisories, first.totals.advisories);
  });

  it("re-running changes nothing", async (t) => {
    const t0 = performance.now();
    const again = await updateAdvisories({ dataDir, mirror: vulndataDir });
    t.diagnostic(`re-run: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(again.ok, true);
    for (const f of again.feeds) {
      assert.deepEqual(
        {
          added: f.added,
          changed: f.changed,
          removed: f.removed,
          withdrawn: f.withdrawn,
          unchanged: f.unchanged,
        },
        { added: 0, changed: 0, removed: 0, withdrawn: 0, unchanged: f.records },
        f.name,
      );
    }
    // The Debian tracker's synthesized "modified" stays as first seen.
    assert.deepEqual(again.totals, first.totals);
  });

  it("rewrites exactly the record whose modified changed", async () => {
    const before0001 = goRecord("GO-2020-0001")!;
    const mirror = mirrorWith(tmp.path, {
      "osv/Go/all.zip": await goArchive({
        "GO-2020-0001": (r) => ({ ...r, modified: "2030-01-01T00:00:00Z" }),
      }),
    });
    const r = await updateAdvisories({ dataDir, mirror, feeds: ["osv"] });
    const go = byName(r).get("osv:Go")!;
    assert.deepEqual(
      { added: go.added, changed: go.changed, unchanged: go.unchanged, removed: go.removed },
      { added: 0, changed: 1, unchanged: 4290, removed: 0 },
    );
    assert.equal(byName(r).get("osv:PyPI")!.changed, 0);
    assert.notEqual(before0001.modified, "2030-01-01T00:00:00Z");
    assert.equal(goRecord("GO-2020-0001")!.modified, "2030-01-01T00:00:00Z");
  });

  it("withdraws and removes records", async () => {
    const mirror = mirrorWith(tmp.path, {
      "osv/Go/all.zip": await goArchive({
        "GO-2020-0001": (r) => ({ ...r, modified: "2030-01-01T00:00:00Z" }),
        "GO-2020-0003": (r) => ({
          ...r,
          modified: "2030-02-01T00:00:00Z",
          withdrawn: "2030-02-01T00:00:00Z",
        }),
        "GO-2020-0004": null,
      }),
    });
    const r = await updateAdvisories({ dataDir, mirror, feeds: ["osv:Go"] });
    const go = byName(r).get("osv:Go")!;
    assert.deepEqual(
      { changed: go.changed, withdrawn: go.withdrawn, removed: go.removed, records: go.records },
      { changed: 1, withdrawn: 1, removed: 1, records: 4290 },
    );
    assert.equal(goRecord("GO-2020-0003")!.withdrawn, "2030-02-01T00:00:00Z");
    assert.equal(goRecord("GO-2020-0004"), undefined);
    const store = openAdvisoryStore(dataDir, { readonly: true });
    try {
      assert.equal(
        store.affected("Go", "github.com/gin-gonic/gin").some((e) => e.advisoryId === "GO-2020-0004"),
        false,
      );
    } finally {
      store.close();
    }
    // Back to the real archive: both come back.
    const back = byName(await updateAdvisories({ dataDir, mirror: vulndataDir, feeds: ["osv:Go"] })).get(
      "osv:Go",
    )!;
    assert.deepEqual({ added: back.added, changed: back.changed }, { added: 1, changed: 2 });
  });

  it("a feed that fails midway leaves its previous data intact; the others still update", async () => {
    const goal = "2031-01-01T00:00:00Z";
    // An early record changes, then an entry further on is corrupt: the whole feed must roll back.
    const zip = garbleEntry(
      await goArchive({ "GO-2020-0001": (r) => ({ ...r, modified: goal }) }),
      "GO-2023-1571.json",
    );
    const pypiChanged = await zipEntries(join(vulndataDir, "osv/PyPI/all.zip"));
    const first = JSON.parse(pypiChanged[0]!.data.toString());
    pypiChanged[0] = {
      name: pypiChanged[0]!.name,
      data: Buffer.from(JSON.stringify({ ...first, modified: goal })),
    };
    const mirror = mirrorWith(tmp.path, { "osv/Go/all.zip": zip, "osv/PyPI/all.zip": makeZip(pypiChanged) });
    const beforeAll = advisoryStatus(dataDir);
    const beforeStatus = beforeAll.feeds.find((f) => f.name === "osv:Go")!;
    const r = await updateAdvisories({ dataDir, mirror });
    assert.equal(r.ok, false);
    const go = byName(r).get("osv:Go")!;
    assert.equal(go.status, "failed");
    assert.match(
      go.error!,
      /osv\/Go\/all\.zip: GO-2023-1571\.json: (cannot decompress|size mismatch|CRC mismatch)/,
    );
    assert.equal(go.records, 4291);
    assert.notEqual(goRecord("GO-2020-0001")!.modified, goal);
    assert.deepEqual(advisoryStatus(dataDir).totals, beforeAll.totals);
    // PyPI imported in the same run.
    const pypi = byName(r).get("osv:PyPI")!;
    assert.equal(pypi.status, "updated");
    assert.equal(pypi.changed, 1);
    assert.equal(goRecord(first.id)!.modified, goal);
    // Status shows the failure but keeps the last good update's facts.
    const after = advisoryStatus(dataDir).feeds.find((f) => f.name === "osv:Go")!;
    assert.equal(after.status, "failed");
    assert.match(after.error!, /GO-2023-1571\.json/);
    assert.equal(after.records, 4291);
    assert.equal(after.lastUpdate, beforeStatus.lastUpdate);
    assert.deepEqual(after.last, beforeStatus.last);
    // A truncated archive fails the same way.
    const whole = await goArchive({});
    const truncated = mirrorWith(tmp.path, { "osv/Go/all.zip": whole.subarray(0, whole.length - 1000) });
    const t = byName(await updateAdvisories({ dataDir, mirror: truncated, feeds: ["osv:Go"] })).get(
      "osv:Go",
    )!;
    assert.equal(t.status, "failed");
    assert.match(t.error!, /osv\/Go\/all\.zip: not a readable zip archive/);
    assert.equal(advisoryStatus(dataDir).feeds.find((f) => f.name === "osv:Go")!.records, 4291);
  });

  it("a malformed record inside an archive is skipped and keeps its stored version", async () => {
    const mirror = mirrorWith(tmp.path, {
      "osv/Go/all.zip": await goArchive({}, { "GO-2020-0001": '{"id": "GO-2020-0001", "modified": 12,' }),
    });
    const r = await updateAdvisories({ dataDir, mirror, feeds: ["osv:Go"] });
    const go = byName(r).get("osv:Go")!;
    assert.equal(go.status, "updated");
    assert.equal(go.skipped, 1);
    assert.equal(go.removed, 0);
    assert.match(
      go.warnings[0]!,
      /^osv\/Go\/all\.zip:GO-2020-0001\.json: malformed JSON: .* \(stored version kept\)$/,
    );
    assert.ok(goRecord("GO-2020-0001"));
  });

  it("an update killed mid-import commits nothing and the next one recovers", async () => {
    const goal = "2032-01-01T00:00:00Z";
    const mirror = mirrorWith(tmp.path, {
      "osv/Go/all.zip": await goArchive({ "GO-2020-0001": (r) => ({ ...r, modified: goal }) }),
    });
    // A child process imports Go (changing a record), then dies by SIGKILL inside the PyPI import.
    const script = `
      import { updateAdvisories } from ${JSON.stringify(join(repoRoot, "src/advisories/update.ts"))};
      await updateAdvisories({
        dataDir: ${JSON.stringify(dataDir)},
        mirror: ${JSON.stringify(mirror)},
        onProgress: (p) => { if (p.feed === "osv:PyPI" && p.phase === "import") process.kill(process.pid, "SIGKILL"); },
      });
      console.log("not killed");
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    assert.equal(child.signal, "SIGKILL", child.stderr + child.stdout);
    assert.ok(existsSync(join(dataDir, "update.lock")), "the dead process left its lock");
    const db = new Database(advisoryDbPath(dataDir), { readonly: true });
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    } finally {
      db.close();
    }
    assert.notEqual(goRecord("GO-2020-0001")!.modified, goal, "the Go change was not committed");
    // Cancelling through the signal behaves the same, in-process.
    const controller = new AbortController();
    await assert.rejects(
      updateAdvisories({
        dataDir,
        mirror,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.feed === "osv:PyPI" && p.phase === "import") controller.abort(new Error("stop now"));
        },
      }),
      /stop now/,
    );
    assert.notEqual(goRecord("GO-2020-0001")!.modified, goal);
    // The next update takes over the stale lock and completes.
    const r = await updateAdvisories({ dataDir, mirror, feeds: ["osv:Go"] });
    assert.equal(byName(r).get("osv:Go")!.changed, 1);
    assert.equal(goRecord("GO-2020-0001")!.modified, goal);
  });
});
