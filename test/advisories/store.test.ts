import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { normalizeEcosystem, normalizePackageName, pep503 } from "../../src/advisories/normalize.js";
import { advisoryDbPath, openAdvisoryStore } from "../../src/advisories/store.js";
import { advisoryStatus, updateAdvisories } from "../../src/advisories/update.js";
import { makeZip, mirrorWith, osvRecord, tempDir } from "./helpers.js";

const tmp = tempDir("store");
after(tmp.cleanup);

/** A mirror holding only the given OSV archives (no links to the real data). */
function osvMirror(archives: Record<string, { name: string; data: string }[]>): string {
  const files: Record<string, Buffer> = {};
  for (const [eco, entries] of Object.entries(archives)) files[`osv/${eco}/all.zip`] = makeZip(entries);
  return mirrorWith(tmp.path, files, []);
}

const pypiRecord = (id: string, extra: Record<string, unknown> = {}) => ({
  name: `${id}.json`,
  data: osvRecord({
    id,
    aliases: ["CVE-2024-0001"],
    summary: "demo",
    affected: [
      {
        package: { ecosystem: "PyPI", name: "Foo.Bar_baz" },
        ranges: [
          { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.2" }] },
          { type: "GIT", repo: "https://example.org/x", events: [{ introduced: "abc" }] },
        ],
        versions: ["1.0", "1.1"],
      },
    ],
    database_specific: { cwe_ids: ["CWE-79"] },
    ...extra,
  }),
});

describe("name and ecosystem normalization", () => {
  it("PyPI names follow PEP 503, others are exact", () => {
    assert.equal(pep503("Foo.Bar__baz"), "foo-bar-baz");
    assert.equal(normalizePackageName("PyPI", "Django_REST.framework"), "django-rest-framework");
    assert.equal(normalizePackageName("npm", "JSONStream"), "JSONStream");
    assert.equal(normalizePackageName("Go", "github.com/Foo/bar"), "github.com/Foo/bar");
    assert.equal(normalizePackageName("Debian:12", "libc6"), "libc6");
    assert.equal(normalizePackageName("crates.io", "serde_json"), "serde_json");
  });
  it("drops Ubuntu's :LTS marker, keeps the rest", () => {
    assert.equal(normalizeEcosystem("Ubuntu:22.04:LTS"), "Ubuntu:22.04");
    assert.equal(normalizeEcosystem("Ubuntu:Pro:18.04:LTS"), "Ubuntu:Pro:18.04:LTS");
    assert.equal(normalizeEcosystem("Debian:11"), "Debian:11");
    assert.equal(normalizeEcosystem("Alpine:v3.18"), "Alpine:v3.18");
  });
});

describe("advisory store", () => {
  it("refuses a read-only open of a missing database with a clear message", () => {
    assert.throws(
      () => openAdvisoryStore(join(tmp.path, "nothing-here"), { readonly: true }),
      /no advisory database in .*nothing-here: run `vigil db update` first/,
    );
    const st = advisoryStatus(join(tmp.path, "nothing-here"));
    assert.equal(st.exists, false);
    assert.deepEqual(st.feeds, []);
  });

  it("creates the schema by numbered migrations and refuses a newer one", () => {
    const dataDir = join(tmp.path, "migrations");
    openAdvisoryStore(dataDir).close();
    const db = new Database(advisoryDbPath(dataDir));
    const rows = db.prepare("SELECT version, name FROM schema_migrations").all() as { version: number }[];
    assert.deepEqual(
      rows.map((r) => r.version),
      [1, 2],
    );
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]
    ).sort();
    for (const t of ["advisories", "affected", "aliases", "changes", "epss", "feeds", "kev", "nvd_cvss"])
      assert.ok(tables.includes(t), t);
    const idx = db
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'affected_package'")
      .pluck()
      .get() as string;
    assert.match(idx, /\(ecosystem, name\)/);
    // Opening again applies nothing twice.
    openAdvisoryStore(dataDir).close();
    assert.equal(db.prepare("SELECT COUNT(*) FROM schema_migrations").pluck().get(), 2);
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 'x')").run();
    db.close();
    assert.throws(
      () => openAdvisoryStore(dataDir),
      /schema version 99, newer than this Vigil understands \(2\)/,
    );
    assert.throws(() => openAdvisoryStore(dataDir, { readonly: true }), /schema version 99/);
  });

  it("refuses a file that is not SQLite", () => {
    const dataDir = join(tmp.path, "garbage");
    openAdvisoryStore(dataDir).close();
    writeFileSync(
      advisoryDbPath(dataDir),
      "this is not a database, just text that is long enough".repeat(100),
    );
    assert.throws(
      () => openAdvisoryStore(dataDir, { readonly: true }),
      /not (a usable SQLite database|a database)/,
    );
  });

  it("stores OSV records and finds them by normalized name", async () => {
    const dataDir = join(tmp.path, "pypi");
    const mirror = osvMirror({
      PyPI: [pypiRecord("PYSEC-1")],
      npm: [
        {
          name: "GHSA-1.json",
          data: osvRecord({
            id: "GHSA-1",
            affected: [
              {
                package: { ecosystem: "npm", name: "JSONStream" },
                ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { last_affected: "1.3.0" }] }],
              },
            ],
            severity: [],
          }),
        },
      ],
      Ubuntu: [
        {
          name: "USN-1.json",
          data: osvRecord({
            id: "USN-1",
            affected: [
              {
                package: { ecosystem: "Ubuntu:22.04:LTS", name: "openssl" },
                ranges: [
                  { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.2-0ubuntu1.10" }] },
                ],
                ecosystem_specific: { urgency: "medium" },
                severity: [{ type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
              },
            ],
          }),
        },
      ],
    });
    const result = await updateAdvisories({ dataDir, mirror });
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.feeds.map((f) => [f.name, f.status, f.added]),
      [
        ["osv:PyPI", "updated", 1],
        ["osv:Ubuntu", "updated", 1],
        ["osv:npm", "updated", 1],
        ["debian-tracker", "absent", 0],
        ["alpine-secdb", "absent", 0],
        ["amazon-linux", "absent", 0],
        ["redhat-csaf", "absent", 0],
        ["kev", "absent", 0],
        ["epss", "absent", 0],
        ["nvd", "absent", 0],
      ],
    );
    const store = openAdvisoryStore(dataDir, { readonly: true });
    try {
      for (const spelling of ["Foo.Bar_baz", "foo-bar-baz", "FOO__BAR.BAZ"]) {
        const hits = store.affected("PyPI", spelling);
        assert.equal(hits.length, 1, spelling);
        assert.deepEqual(hits[0], {
          advisoryId: "PYSEC-1",
          ecosystem: "PyPI",
          packageName: "Foo.Bar_baz",
          // The GIT range is not kept: an installed package has no commit to compare.
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.2" }] }],
          versions: ["1.0", "1.1"],
        });
      }
      assert.equal(store.affected("npm", "JSONStream").length, 1);
      assert.equal(store.affected("npm", "jsonstream").length, 0, "npm names are exact");
      const usn = store.affected("Ubuntu:22.04", "openssl");
      assert.equal(usn.length, 1);
      assert.equal(usn[0]!.severity, "medium");
      // A per-package CVSS severity is lifted to the record when the record has none.
      assert.deepEqual(store.advisory("USN-1")!.severity, [
        { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
      ]);
      const adv = store.advisory("PYSEC-1")!;
      assert.equal(adv.source, "osv:PyPI");
      assert.deepEqual(adv.aliases, ["CVE-2024-0001"]);
      assert.deepEqual(adv.cwes, ["CWE-79"]);
      assert.equal(adv.modified, "2024-01-01T00:00:00Z");
      assert.equal(store.advisory("NOPE"), undefined);
      assert.deepEqual(store.advisoriesWithAlias("CVE-2024-0001"), ["PYSEC-1"]);
      // Callers may sort or filter what they get without disturbing the cache.
      store.affected("PyPI", "foo-bar-baz").pop();
      assert.equal(store.affected("PyPI", "foo-bar-baz").length, 1);
      assert.equal(store.kev("CVE-2024-0001"), undefined);
      assert.equal(store.epss("CVE-2024-0001"), undefined);
      assert.equal(store.cvss("CVE-2024-0001"), undefined);
    } finally {
      store.close();
    }
    assert.throws(() => store.affected("PyPI", "x"), /closed/);
  });

  it("tracks withdrawn, changed and removed records; skips duplicates and foreign ids", async () => {
    const dataDir = join(tmp.path, "lifecycle");
    const first = await updateAdvisories({
      dataDir,
      mirror: osvMirror({ PyPI: [pypiRecord("PYSEC-1"), pypiRecord("PYSEC-2"), pypiRecord("PYSEC-3")] }),
    });
    assert.equal(first.feeds[0]!.added, 3);
    const second = await updateAdvisories({
      dataDir,
      mirror: osvMirror({
        PyPI: [
          pypiRecord("PYSEC-1", { withdrawn: "2024-02-01T00:00:00Z", modified: "2024-02-01T00:00:00Z" }),
          pypiRecord("PYSEC-2"),
          pypiRecord("PYSEC-2", { summary: "second copy" }),
        ],
        // The same id from another feed is not allowed to overwrite PyPI's record.
        Go: [{ name: "PYSEC-2.json", data: osvRecord({ id: "PYSEC-2", affected: [] }) }],
      }),
    });
    const pypi = second.feeds.find((f) => f.name === "osv:PyPI")!;
    assert.deepEqual(
      { added: pypi.added, changed: pypi.changed, unchanged: pypi.unchanged, withdrawn: pypi.withdrawn },
      { added: 0, changed: 1, unchanged: 1, withdrawn: 1 },
    );
    assert.equal(pypi.removed, 1, "PYSEC-3 is gone from the feed");
    assert.equal(pypi.skipped, 1);
    assert.match(pypi.warnings.join("\n"), /PYSEC-2: appears more than once/);
    const go = second.feeds.find((f) => f.name === "osv:Go")!;
    assert.equal(go.skipped, 1);
    assert.match(go.warnings.join("\n"), /PYSEC-2: already provided by feed osv:PyPI/);
    const store = openAdvisoryStore(dataDir, { readonly: true });
    try {
      assert.equal(store.advisory("PYSEC-1")!.withdrawn, "2024-02-01T00:00:00Z");
      assert.equal(store.advisory("PYSEC-2")!.summary, "demo");
      assert.equal(store.advisory("PYSEC-3"), undefined);
      assert.deepEqual(
        store.affected("PyPI", "foo-bar-baz").map((e) => e.advisoryId),
        ["PYSEC-1", "PYSEC-2"],
      );
      assert.deepEqual(store.advisoriesWithAlias("CVE-2024-0001"), ["PYSEC-1", "PYSEC-2"]);
    } finally {
      store.close();
    }
    const status = advisoryStatus(dataDir);
    const row = status.feeds.find((f) => f.name === "osv:PyPI")!;
    assert.equal(row.records, 2);
    assert.equal(row.status, "ok");
    assert.equal(status.totals.withdrawn, 1);
    // An archive with no records at all does not wipe the feed.
    const empty = await updateAdvisories({ dataDir, mirror: osvMirror({ PyPI: [] }) });
    assert.equal(empty.feeds[0]!.status, "failed");
    assert.equal(
      empty.feeds[0]!.error,
      "the new data has no records; refusing to remove all 2 stored records",
    );
    assert.equal(advisoryStatus(dataDir).feeds.find((f) => f.name === "osv:PyPI")!.records, 2);
  });

  it("rejects an unknown feed name and a missing mirror", async () => {
    const dataDir = join(tmp.path, "bad-args");
    await assert.rejects(
      updateAdvisories({ dataDir, mirror: tmp.path, feeds: ["osv:Go", "nope"] }),
      /unknown feed "nope"/,
    );
    await assert.rejects(
      updateAdvisories({ dataDir, mirror: join(tmp.path, "missing") }),
      /mirror directory .* does not exist/,
    );
    await assert.rejects(
      updateAdvisories({ dataDir, mirror: tmp.path, feeds: ["osv:../etc"] }),
      /bad OSV ecosystem name/,
    );
    // A feed asked for by name that the mirror lacks is a failure, not silence.
    const r = await updateAdvisories({ dataDir, mirror: osvMirror({}), feeds: ["kev"] });
    assert.equal(r.ok, false);
    assert.match(r.feeds[0]!.error!, /has no kev\/known_exploited_vulnerabilities\.json/);
  });

  it("allows one update at a time per data directory", async () => {
    const dataDir = join(tmp.path, "lock");
    const mirror = osvMirror({ PyPI: [pypiRecord("PYSEC-1")] });
    const [a, b] = await Promise.allSettled([
      updateAdvisories({ dataDir, mirror }),
      updateAdvisories({ dataDir, mirror }),
    ]);
    const outcomes = [a.status, b.status].sort();
    assert.deepEqual(outcomes, ["fulfilled", "rejected"]);
    const rejected = (a.status === "rejected" ? a : b) as PromiseRejectedResult;
    assert.match((rejected.reason as Error).message, /another advisory update is running/);
    // A lock left by a process that no longer exists is taken over.
    writeFileSync(join(dataDir, "update.lock"), "999999999");
    const r = await updateAdvisories({ dataDir, mirror });
    assert.equal(r.ok, true);
  });
});
