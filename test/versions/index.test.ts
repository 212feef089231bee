import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apk } from "../../src/versions/apk.js";
import { dpkg } from "../../src/versions/dpkg.js";
import { gem } from "../../src/versions/gem.js";
import { goVersion } from "../../src/versions/go.js";
import { schemeFor } from "../../src/versions/index.js";
import { maven } from "../../src/versions/maven.js";
import { nuget } from "../../src/versions/nuget.js";
import { pep440 } from "../../src/versions/pep440.js";
import { evaluate } from "../../src/versions/ranges.js";
import { rpm } from "../../src/versions/rpm.js";
import { semver } from "../../src/versions/semver.js";
import type { VersionScheme } from "../../src/versions/types.js";

// Ecosystem names as they appear in OSV records (and in the shared vulndata).
const CASES: [string, VersionScheme][] = [
  ["Debian", dpkg],
  ["Debian:12", dpkg],
  ["Debian:9", dpkg],
  ["Ubuntu", dpkg],
  ["Ubuntu:22.04:LTS", dpkg],
  ["Ubuntu:Pro:18.04:LTS", dpkg],
  ["Alpine", apk],
  ["Alpine:v3.18", apk],
  ["Wolfi", apk],
  ["Chainguard", apk],
  ["Red Hat", rpm],
  ["Red Hat:enterprise_linux:9::appstream", rpm],
  ["AlmaLinux", rpm],
  ["AlmaLinux:9", rpm],
  ["Rocky Linux:9", rpm],
  ["Amazon Linux", rpm],
  ["Amazon Linux:2023", rpm],
  ["openSUSE", rpm],
  ["openSUSE:Leap 15.5", rpm],
  ["SUSE", rpm],
  ["SUSE:Linux Enterprise Server 15 SP5", rpm],
  ["Mageia:9", rpm],
  ["npm", semver],
  ["crates.io", semver],
  ["Go", goVersion],
  ["PyPI", pep440],
  ["Maven", maven],
  ["Maven:https://maven.google.com", maven],
  ["RubyGems", gem],
  ["NuGet", nuget],
];

describe("schemeFor", () => {
  for (const [ecosystem, scheme] of CASES) {
    it(`${ecosystem} → ${scheme.name}`, () => {
      assert.equal(schemeFor(ecosystem), scheme);
    });
  }

  it("Packagist → composer", () => {
    assert.equal(schemeFor("Packagist")?.name, "composer");
  });

  it("unknown and not-yet-supported ecosystems give undefined", () => {
    for (const e of ["Hex", "Pub", "GitHub Actions", "", ":", "debian", "NPM", "Debianish", "SUSEx"]) {
      assert.equal(schemeFor(e), undefined, e);
    }
  });

  it("the scheme it picks orders that ecosystem's versions", () => {
    const fixedAt = (ecosystem: string, installed: string, fixed: string) =>
      evaluate(schemeFor(ecosystem)!, installed, {
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
      }).affected;
    assert.equal(fixedAt("Debian:12", "1.2-1~bpo1", "1.2-1"), true);
    assert.equal(fixedAt("Alpine:v3.18", "1.2.3_rc1-r0", "1.2.3-r0"), true);
    assert.equal(fixedAt("AlmaLinux:9", "1.2-1.el9", "1.10-1.el9"), true);
    assert.equal(fixedAt("npm", "1.2.3-beta.2", "1.2.3"), true);
    assert.equal(fixedAt("crates.io", "0.10.0", "0.9.1"), false);
    assert.equal(fixedAt("Go", "0.0.0-20230101000000-abcdefabcdef", "0.1.0"), true);
    assert.equal(fixedAt("PyPI", "1.0rc1", "1.0"), true);
    assert.equal(fixedAt("Maven", "2.15.0-rc1", "2.15.0"), true);
    assert.equal(fixedAt("RubyGems", "7.0.4.rc1", "7.0.4"), true);
    assert.equal(fixedAt("NuGet", "4.3.1.0", "4.3.1"), false);
  });
});
