import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { inventory } from "../../../src/extractors/inventory.js";
import { dpkgDistrolessExtractor, dpkgExtractor, parseDpkgStatus } from "../../../src/extractors/os/dpkg.js";
import { osExtractors } from "../../../src/extractors/os/index.js";
import type { Package } from "../../../src/extractors/types.js";
import { DirectoryTree } from "../../../src/sources/directory.js";
import { dpkgQuery, dpkgRoot } from "./fixtures.js";

/** dpkg-query's state abbreviations whose package files are on disk (see dpkg.ts). */
const PRESENT = new Set(["i", "U", "F", "W", "t"]);

const key = (name: string, arch: string, version: string, source: string, sourceVersion: string) =>
  `${name}:${arch} ${version} src=${source} ${sourceVersion}`;

function parse(text: string, requireStatus = true): { packages: Package[]; warnings: string[] } {
  const warnings: string[] = [];
  const packages = parseDpkgStatus(text, { location: "x", extractor: "dpkg", requireStatus }, (w) =>
    warnings.push(w),
  );
  return { packages, warnings };
}

describe("dpkg status", () => {
  it("lists exactly the packages dpkg-query reports as present, with their sources", async () => {
    const root = dpkgRoot();
    const truth = dpkgQuery(join(root, "var/lib/dpkg")).filter((p) => PRESENT.has(p.abbrev[1]!));
    assert.ok(truth.length > 700, `expected this machine's ~770 packages, dpkg-query lists ${truth.length}`);
    const inv = await inventory(new DirectoryTree(root), { extractors: osExtractors });
    assert.deepEqual(inv.warnings, []);
    const debs = inv.packages.filter((p) => p.type === "deb");
    for (const p of debs) {
      assert.equal(p.location, "var/lib/dpkg/status");
      assert.equal(p.extractor, "dpkg");
    }
    assert.deepEqual(
      debs.map((p) => key(p.name, p.arch ?? "", p.version, p.source!.name, p.source!.version!)).sort(),
      truth.map((t) => key(t.name, t.arch, t.version, t.source, t.sourceVersion)).sort(),
    );
    // The states the fixture adds on top of the machine's (all "ii") packages.
    const names = new Set(debs.map((p) => p.name));
    for (const n of [
      "vigil-unpacked",
      "vigil-half-configured",
      "vigil-triggers-awaited",
      "vigil-triggers-pending",
    ]) {
      assert.ok(names.has(n), n);
    }
    for (const n of ["vigil-rc", "vigil-pn", "vigil-half-installed"]) assert.ok(!names.has(n), n);
    assert.equal(
      debs.filter((p) => p.name === "vigil-removing").length,
      2,
      "both architectures of a Multi-Arch: same package",
    );
  });

  it("reads Source with and without a version, and defaults it to the binary", () => {
    const { packages, warnings } = parse(
      [
        "Package: a\nStatus: install ok installed\nVersion: 1.0-1\nSource: src-a (1.0-0.1)\nArchitecture: amd64",
        "Package: b\nStatus: install ok installed\nVersion: 2:3.4-5+b2\nSource: src-b",
        "Package: c\nStatus: install ok installed\nVersion: 7",
      ].join("\n\n"),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.arch, p.source]),
      [
        ["a", "1.0-1", "amd64", { name: "src-a", version: "1.0-0.1" }],
        ["b", "2:3.4-5+b2", undefined, { name: "src-b", version: "2:3.4-5+b2" }],
        ["c", "7", undefined, { name: "c", version: "7" }],
      ],
    );
  });

  it("accepts any field-name case, CRLF line ends, comments and extra blank lines", () => {
    const { packages, warnings } = parse(
      "# a comment\r\n\r\n\r\npackage: a\r\nSTATUS: install ok installed\r\nversion:  1.0 \r\nDescription: x\r\n more\r\n\r\n \r\nPackage: b\nStatus: install ok installed\nVersion: 2",
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      packages.map((p) => `${p.name}=${p.version}`),
      ["a=1.0", "b=2"],
    );
  });

  it("skips a bad stanza with a warning naming it and keeps the others", () => {
    const good = "Package: ok\nStatus: install ok installed\nVersion: 1";
    const { packages, warnings } = parse(
      [
        good,
        "Package: noversion\nStatus: install ok installed\nArchitecture: amd64",
        "Status: install ok installed\nVersion: 3",
        "Package: badstatus\nStatus: install ok\nVersion: 4",
        "Package: weirdstate\nStatus: install ok exploded\nVersion: 5",
        "Package: nostatus\nVersion: 6",
        "Package: garbage\n\u0000\u0001\u00ff binary junk\nVersion: 7\nStatus: install ok installed",
        " leading continuation\nPackage: cont\nVersion: 8",
        "Package: ok2\nStatus: install ok installed\nVersion: 9",
      ].join("\n\n"),
    );
    assert.deepEqual(
      packages.map((p) => p.name),
      ["ok", "ok2"],
    );
    assert.deepEqual(warnings, [
      "stanza at line 5 (noversion): no Version field",
      "stanza at line 9: no Package field",
      'stanza at line 12 (badstatus): malformed Status "install ok"',
      'stanza at line 16 (weirdstate): unknown package state "exploded"',
      "stanza at line 20 (nostatus): no Status field",
      'stanza at line 23 (garbage): line 24: not a "Field: value" line',
      "stanza at line 28 (cont): line 28: continuation line without a field",
    ]);
  });

  it("caps per-stanza warnings and sums up the rest", () => {
    const bad = Array.from({ length: 25 }, (_, i) => `Package: p${i}\nStatus: install ok installed`);
    const { packages, warnings } = parse(
      [...bad, "Package: ok\nStatus: install ok installed\nVersion: 1"].join("\n\n"),
    );
    assert.equal(packages.length, 1);
    assert.equal(warnings.length, 11);
    assert.equal(warnings[10], "15 more malformed stanzas skipped");
  });

  it("rejects a file in which no stanza is usable, and accepts an empty one", () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString("utf8");
    assert.throws(
      () => parse(junk),
      /^Error: not a valid dpkg status file: \d+ malformed stanzas? and none usable \(first: /,
    );
    assert.deepEqual(parse(""), { packages: [], warnings: [] });
    assert.deepEqual(parse("\n\n"), { packages: [], warnings: [] });
  });

  it("parses the status file of this machine quickly", () => {
    const text = readFileSync(join(dpkgRoot(), "var/lib/dpkg/status"), "utf8").repeat(10);
    const t0 = performance.now();
    const { packages } = parse(text);
    const ms = performance.now() - t0;
    assert.ok(packages.length > 7000);
    // ~170k lines; a single pass takes well under 100 ms on an idle core.
    assert.ok(ms < 3000, `took ${ms} ms`);
  });
});

describe("distroless status.d", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "vigil-distroless-"));
    const dir = join(root, "var/lib/dpkg/status.d");
    mkdirSync(join(dir, "nested"), { recursive: true });
    // Control files as distroless writes them: no Status field, one file per package.
    writeFileSync(
      join(dir, "base-files"),
      "Package: base-files\nEssential: yes\nPriority: required\nSection: admin\nInstalled-Size: 340\nMaintainer: Santiago Vila <sanvila@debian.org>\nArchitecture: amd64\nMulti-Arch: foreign\nVersion: 12.4+deb12u5\nReplaces: base, dpkg (<= 1.15.0), miscutils\nProvides: base\nPre-Depends: awk\nBreaks: debian-security-support (<< 2019.04.25), initscripts (<< 2.88dsf-13.3), sendfile (<< 2.1b.20080616-5.2~), ubuntu-server (<< 1.453)\nDescription: Debian base system miscellaneous files\n This package contains the basic filesystem hierarchy of a Debian system, and\n several important miscellaneous files.\nHomepage: https://tracker.debian.org/pkg/base-files\n",
    );
    writeFileSync(join(dir, "base-files.md5sums"), "d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n");
    // A file holding two stanzas (libssl3 and openssl share the source openssl).
    writeFileSync(
      join(dir, "libssl3"),
      "Package: libssl3\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nDescription: Secure Sockets Layer toolkit - shared libraries\n\nPackage: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nStatus: install ok installed\n",
    );
    writeFileSync(
      join(dir, "tzdata"),
      "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nStatus: deinstall ok config-files\n",
    );
    writeFileSync(join(dir, "nested/ignored"), "Package: ignored\nVersion: 1\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("reads every package file and skips md5sums, nested files and absent packages", async () => {
    const inv = await inventory(new DirectoryTree(root), { extractors: osExtractors });
    assert.deepEqual(inv.warnings, []);
    assert.deepEqual(
      inv.packages.map((p) => [p.name, p.version, p.arch, p.source?.name, p.location, p.extractor]),
      [
        [
          "base-files",
          "12.4+deb12u5",
          "amd64",
          "base-files",
          "var/lib/dpkg/status.d/base-files",
          "dpkg-distroless",
        ],
        [
          "libssl3",
          "3.0.11-1~deb12u2",
          "amd64",
          "openssl",
          "var/lib/dpkg/status.d/libssl3",
          "dpkg-distroless",
        ],
        [
          "openssl",
          "3.0.11-1~deb12u2",
          "amd64",
          "openssl",
          "var/lib/dpkg/status.d/libssl3",
          "dpkg-distroless",
        ],
      ],
    );
  });

  it("wants only direct children of status.d and the status file itself", () => {
    const e = (path: string) => ({ path, kind: "file" as const, size: 1, mode: 0o644 });
    assert.ok(dpkgExtractor.wants(e("var/lib/dpkg/status")));
    assert.ok(!dpkgExtractor.wants(e("var/lib/dpkg/status-old")));
    assert.ok(!dpkgExtractor.wants({ ...e("var/lib/dpkg/status"), kind: "symlink" }));
    assert.ok(dpkgDistrolessExtractor.wants(e("var/lib/dpkg/status.d/zlib1g")));
    assert.ok(!dpkgDistrolessExtractor.wants(e("var/lib/dpkg/status.d/zlib1g.md5sums")));
    assert.ok(!dpkgDistrolessExtractor.wants(e("var/lib/dpkg/status.d/a/b")));
    assert.ok(!dpkgDistrolessExtractor.wants(e("var/lib/dpkg/status")));
  });
});
