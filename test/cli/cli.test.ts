import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runVigil } from "../support/cli.js";
import { debianGoPrograms, vulndataDir } from "../support/fixtures.js";

describe("vigil command line", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "vigil-cli-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("prints help and exits 0", () => {
    const r = runVigil(["--help"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /scan \[options\] <target>/);
    assert.match(r.stdout, /db/);
  });

  it("exits 2 with a clear message on bad arguments", () => {
    const r = runVigil(["scan", "--fail-on", "severe", "."]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--fail-on <severity>' argument 'severe' is invalid\. expected one of/);
    const f = runVigil(["scan", "--format", "xml", "."]);
    assert.equal(f.status, 2);
    assert.match(f.stderr, /Allowed choices are table, json/);
    const u = runVigil(["frobnicate"]);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /unknown command 'frobnicate'/);
  });

  it("exits 2 naming the problem when there is no advisory data yet", () => {
    const r = runVigil(["--data-dir", dataDir, "scan", "."]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no advisory data.*vigil db update/);
  });

  it("exits 2 naming a missing scan target", () => {
    const r = runVigil(["--data-dir", dataDir, "inventory", join(dataDir, "nope")]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /scan target .*nope: no such file or directory/);
  });
});

describe("vigil start (the README's first command)", () => {
  it("loads the mirror when the public feeds are unreachable, then scans", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "vigil-start-"));
    try {
      const target = debianGoPrograms();
      // A proxy on a closed loopback port: every public fetch fails at once, with or without internet.
      const r = runVigil(
        ["--data-dir", dataDir, "start", "--fallback-mirror", vulndataDir, "--target", target],
        {
          HTTPS_PROXY: "http://127.0.0.1:9",
          https_proxy: "http://127.0.0.1:9",
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /public advisory feeds could not be reached; loading the mirror/);
      assert.match(r.stdout, /osv:Go\s*│\s*4291/);
      assert.match(r.stdout, /Target: .*debian-go/);
      assert.match(r.stdout, /\d+ findings/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a damaged advisory database", () => {
  it("is named with the reason and a way out, exit 2", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "vigil-corrupt-"));
    try {
      writeFileSync(join(dataDir, "advisories.db"), Buffer.alloc(65536, 0x5a));
      const r = runVigil(["--data-dir", dataDir, "scan", "."]);
      assert.equal(r.status, 2);
      assert.match(
        r.stderr,
        /advisories\.db: not a usable SQLite database: file is not a database \(move the file aside/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
