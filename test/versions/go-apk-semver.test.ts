import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apk } from "../../src/versions/apk.js";
import { goVersion, normalizeGoVersion } from "../../src/versions/go.js";
import { evaluate } from "../../src/versions/ranges.js";
import { semver } from "../../src/versions/semver.js";

/** Each row: a < b. */
function ascending(scheme: { compare(a: string, b: string): number }, rows: [string, string][]): void {
  for (const [a, b] of rows) {
    assert.ok(scheme.compare(a, b) < 0, `${a} < ${b}`);
    assert.ok(scheme.compare(b, a) > 0, `${b} > ${a}`);
  }
}

describe("Go versions", () => {
  it("orders module versions, pseudo-versions and +incompatible like the go command", () => {
    ascending(goVersion, [
      ["v0.0.0-20200101000000-abcdef123456", "v0.0.1"],
      ["v1.2.3", "v1.2.4-0.20210101000000-abcdef123456"],
      ["v1.2.4-0.20210101000000-abcdef123456", "v1.2.4"],
      ["v1.9.0-rc.1", "v1.9.0"],
      ["v2.0.0+incompatible", "v2.0.1+incompatible"],
    ]);
    assert.equal(goVersion.compare("v2.0.0+incompatible", "2.0.0"), 0);
    assert.equal(goVersion.compare("v1.2.3", "1.2.3"), 0);
  });

  it("reads Go toolchain versions as the OSV Go database writes them", () => {
    assert.equal(normalizeGoVersion("go1.21"), "1.21.0");
    assert.equal(normalizeGoVersion("1.21rc2"), "1.21.0-rc.2");
    ascending(goVersion, [
      ["1.21.0-0", "1.21rc2"],
      ["1.21beta1", "1.21rc1"],
      ["1.21rc2", "1.21.0"],
      ["1.19.8", "1.19.10"],
      ["go1.20", "1.20.1"],
    ]);
    // GO-2023-2102: introduced 0, fixed 1.20.10, introduced 1.21.0-0, fixed 1.21.3.
    const ranges = {
      ranges: [
        {
          type: "SEMVER",
          events: [
            { introduced: "0" },
            { fixed: "1.20.10" },
            { introduced: "1.21.0-0" },
            { fixed: "1.21.3" },
          ],
        },
      ],
    };
    assert.deepEqual(evaluate(goVersion, "1.19.8", ranges), { affected: true, fixedVersion: "1.20.10" });
    assert.deepEqual(evaluate(goVersion, "1.21rc2", ranges), { affected: true, fixedVersion: "1.21.3" });
    assert.deepEqual(evaluate(goVersion, "1.20.10", ranges), { affected: false });
    assert.deepEqual(evaluate(goVersion, "1.21.3", ranges), { affected: false });
  });
});

describe("SemVer beyond npm's number limit", () => {
  it("compares numeric parts above 2^53 exactly", () => {
    ascending(semver, [
      ["9007199254740992.0.0", "9007199254740993.0.0"],
      ["1.0.0-9007199254740992", "1.0.0-9007199254740993"],
      ["1.0.0-99999999999999999999", "1.0.0-a"],
    ]);
  });
});

describe("apk versions", () => {
  it("orders suffixes, letters, zero-padded components and revisions as apk-tools does", () => {
    ascending(apk, [
      // (Components that are exactly "0" take apk-tools' leading-zero path, so these use 1.1.)
      ["1.1_alpha1", "1.1_beta1"],
      ["1.1_beta1", "1.1_pre1"],
      ["1.1_pre1", "1.1_rc1"],
      ["1.1_rc1", "1.1"],
      ["1.1", "1.1_p1"],
      ["1.1_p1", "1.1.1"],
      ["1.0", "1.0a"],
      ["1.0a", "1.0b"],
      ["1.0-r0", "1.0-r1"],
      ["1.0-r9", "1.0-r10"],
      ["1.01", "1.1"],
      ["1.001", "1.01"],
      ["1.2.3_git20200101", "1.2.3_p1"],
      ["3.99.5-r6", "3.100-r0"],
      ["2.36.1-r0", "2.36.10-r0"],
    ]);
    assert.equal(apk.compare("1.0-r0", "1.0"), 1);
    assert.equal(apk.compare("1.0", "1.0"), 0);
    assert.equal(apk.isValid("1.0_foo"), false);
    assert.equal(apk.isValid("abc"), false);
    assert.throws(() => apk.compare("1.0", "x.y"), /invalid apk version "x\.y"/);
  });
});
