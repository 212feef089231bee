import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runVigil } from "../support/cli.js";

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
