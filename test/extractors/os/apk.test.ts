import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { inventory } from "../../../src/extractors/inventory.js";
import { parseApkInstalled } from "../../../src/extractors/os/apk.js";
import { osExtractors } from "../../../src/extractors/os/index.js";
import type { Package } from "../../../src/extractors/types.js";
import { DirectoryTree } from "../../../src/sources/directory.js";
import { handFixtures } from "./fixtures.js";

const FIXTURE = join(handFixtures, "apk/installed");

function parse(text: string): { packages: Package[]; warnings: string[] } {
  const warnings: string[] = [];
  const packages = parseApkInstalled(text, "lib/apk/db/installed", "apk", (w) => warnings.push(w));
  return { packages, warnings };
}

describe("apk installed database", () => {
  it("reads name, version, arch, origin and commit of every record", () => {
    const { packages, warnings } = parse(readFileSync(FIXTURE, "utf8"));
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.arch, p.source?.name, p.source?.version]),
      [
        ["alpine-baselayout-data", "3.4.3-r1", "x86_64", "alpine-baselayout", "3.4.3-r1"],
        ["musl", "1.2.4-r2", "x86_64", "musl", "1.2.4-r2"],
        ["busybox", "1.36.1-r5", "x86_64", "busybox", "1.36.1-r5"],
        ["libcrypto3", "3.1.4-r1", "x86_64", "openssl", "3.1.4-r1"],
        ["libssl3", "3.1.4-r1", "x86_64", "openssl", "3.1.4-r1"],
        ["libstdc++", "12.2.1_git20220924-r10", "x86_64", "gcc", "12.2.1_git20220924-r10"],
        ["ca-certificates-bundle", "20230506-r0", "x86_64", "ca-certificates", "20230506-r0"],
        // No o: line: the package is its own origin.
        ["alpine-keys", "2.4-r1", "noarch", "alpine-keys", "2.4-r1"],
        ["py3-setuptools-pyc", "68.2.2-r0", "noarch", "py3-setuptools", "68.2.2-r0"],
      ],
    );
    assert.deepEqual(packages[1]!.metadata, { commit: "7e2e0ae0f0b0b4bab9b1bf8ad3b3b37b4c26b0f4" });
    assert.equal(packages[7]!.metadata, undefined);
    for (const p of packages) {
      assert.equal(p.type, "apk");
      assert.equal(p.location, "lib/apk/db/installed");
    }
  });

  it("skips a bad record with a warning and keeps the others", () => {
    const { packages, warnings } = parse(
      [
        "P:good\nV:1.0-r0\nA:x86_64",
        "P:noversion\nA:x86_64",
        "V:2.0-r0\nA:x86_64",
        "P:junk\nV:3.0-r0\nthis is not a field\n\u0000\u0000",
        "P:good2\nV:4.0-r0",
      ].join("\n\n"),
    );
    assert.deepEqual(
      packages.map((p) => p.name),
      ["good", "good2"],
    );
    assert.deepEqual(warnings, [
      "record at line 5 (noversion): no V: (version) field",
      "record at line 8: no P: (name) field",
      'record at line 11 (junk): line 13: not a "X:value" line',
    ]);
  });

  it("rejects a file in which no record is usable", () => {
    assert.throws(
      () => parse("<html>\n<body>not a database</body>\n</html>\n"),
      /^Error: not a valid apk installed database: 1 malformed record and none usable \(first: record at line 1: line 1: not a "X:value" line\)/,
    );
    assert.deepEqual(parse(""), { packages: [], warnings: [] });
  });

  describe("in a tree", () => {
    let root: string;
    before(() => {
      root = mkdtempSync(join(tmpdir(), "vigil-apk-"));
      mkdirSync(join(root, "usr/lib/apk/db"), { recursive: true });
      mkdirSync(join(root, "lib/apk/db"), { recursive: true });
      copyFileSync(FIXTURE, join(root, "usr/lib/apk/db/installed"));
      // Newer Alpine keeps the database under /usr and a compatibility link in /lib.
      symlinkSync("../../../usr/lib/apk/db/installed", join(root, "lib/apk/db/installed"));
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("reads the database once when one path links to the other", async () => {
      const inv = await inventory(new DirectoryTree(root), { extractors: osExtractors });
      assert.deepEqual(inv.warnings, []);
      assert.equal(inv.packages.length, 9);
      assert.ok(inv.packages.every((p) => p.location === "usr/lib/apk/db/installed"));
    });
  });
});
