// Hand-written facts about Maven's ComparableVersion; every one was checked against Debian's
// maven-artifact 3.8.7 jar (the differential test covers the rest).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maven, mavenItems } from "../../src/versions/maven.js";
import { evaluate } from "../../src/versions/ranges.js";
import { InvalidVersionError } from "../../src/versions/types.js";

function assertIncreasing(chain: string[]) {
  for (let i = 0; i < chain.length; i++) {
    for (let j = i + 1; j < chain.length; j++) {
      assert.equal(Math.sign(maven.compare(chain[i]!, chain[j]!)), -1, `${chain[i]} < ${chain[j]}`);
      assert.equal(Math.sign(maven.compare(chain[j]!, chain[i]!)), 1, `${chain[j]} > ${chain[i]}`);
    }
  }
}

function assertAllEqual(group: string[]) {
  for (const a of group) for (const b of group) assert.equal(maven.compare(a, b), 0, `${a} == ${b}`);
}

describe("maven: ComparableVersion rules", () => {
  it("orders qualifiers alpha < beta < milestone < rc < snapshot < release < sp < others < numbers", () => {
    assertIncreasing([
      "1-alpha2snapshot",
      "1-alpha2",
      "1-alpha-123",
      "1-beta-2",
      "1-beta123",
      "1-m2",
      "1-m11",
      "1-rc",
      "1-cr2",
      "1-rc123",
      "1-SNAPSHOT",
      "1",
      "1-sp",
      "1-sp2",
      "1-sp123",
      "1-abc",
      "1-def",
      "1-pom-1",
      "1-1-snapshot",
      "1-1",
      "1-2",
      "1-123",
    ]);
  });

  it("treats release spellings, trailing zeros and separators as equal", () => {
    assertAllEqual([
      "1",
      "1.0",
      "1.0.0",
      "1-0",
      "1.0-0",
      "1ga",
      "1-ga",
      "1.ga",
      "1-final",
      "1.FINAL",
      "1-release",
      "1.0.0-ga-0",
    ]);
    assertAllEqual(["1cr", "1rc", "1-RC", "1.rc", "1-cr"]);
    assertAllEqual(["1a1", "1-alpha-1", "1alpha1", "1-ALPHA1"]);
    assertAllEqual(["1..2", "1.0.2"]);
    assertAllEqual(["1--2", "1-0-2"]);
    assertAllEqual(["1.foo", "1-foo"]);
    assertAllEqual(["1.a", "1-a"]);
  });

  it("a, b, m are shorthands only when a digit follows", () => {
    assert.equal(maven.compare("1a1", "1-alpha-1"), 0);
    assert.equal(maven.compare("1b2", "1-beta-2"), 0);
    assert.equal(maven.compare("1m3", "1-milestone-3"), 0);
    // "1a" is the unknown qualifier "a", which sorts after the release.
    assert.equal(Math.sign(maven.compare("1a", "1")), 1);
    assert.equal(Math.sign(maven.compare("1-beta", "1b")), -1);
    assert.equal(mavenItems("1a1"), '[1, ["alpha", [1]]]');
    assert.equal(mavenItems("1a"), '[1, ["a"]]');
  });

  it("keeps the 3.8 parse quirks: sub-lists on transitions, '.' vs '-' after a qualifier", () => {
    assert.equal(Math.sign(maven.compare("2-1", "2.0.a")), 1);
    assert.equal(maven.compare("2.0.a", "2.0.0.a"), 0);
    assert.equal(Math.sign(maven.compare("1-ALPHA1", "1.alpha.1")), 1);
    assert.equal(Math.sign(maven.compare("1-snapshot", "1-1-snapshot")), -1);
    assert.equal(Math.sign(maven.compare("1.2-SNAPSHOT", "1.2-rc1")), 1);
    // "_" and other punctuation are letters to Maven, not separators.
    assert.equal(Math.sign(maven.compare("1_2", "1.2")), -1);
    assert.equal(maven.compare("1_2", "1-_-2"), 0);
    assert.equal(mavenItems("1-1.0.0-ga"), "[1, [1]]");
  });

  it("compares numbers of any size, with Int < Long < BigInteger by kind", () => {
    assertIncreasing([
      "1.999999999",
      "1.1000000000",
      "1.2147483648",
      "1.9007199254740993",
      "1.9007199254740994",
      "1.999999999999999999",
      "1.1000000000000000000",
      "1.9223372036854775807",
      "1.9223372036854775808",
      "1.99999999999999999999999",
      "1.100000000000000000000000",
    ]);
    // Beyond 2^53 a double would call these equal.
    assert.equal(Math.sign(maven.compare("9007199254740993", "9007199254740992")), 1);
    assert.equal(
      Math.sign(maven.compare("123456789012345678901234567891", "123456789012345678901234567890")),
      1,
    );
    // Leading zeros are stripped, so 10 zeros then 1 is an Int 1 …
    assert.equal(maven.compare("1.0000000001", "1.1"), 0);
    // … but ten zeros alone stay a Long zero: trimmed at the end, yet above an Int in the middle.
    assert.equal(maven.compare("1.0000000000", "1"), 0);
    assert.equal(Math.sign(maven.compare("1.0000000000.5", "1.1")), 1);
    assert.equal(mavenItems("1.0000000000.5"), "[1, 0L, 5]");
  });

  it("reads non-ASCII decimal digits as Java's Character.isDigit and parseInt do", () => {
    assert.equal(maven.compare("1.\u0661", "1.1"), 0);
    assert.equal(maven.compare("\u0661\u0662.\uff15", "12.5"), 0);
    // ASCII-only zero stripping: ten Arabic-Indic zeros and a one make a Long.
    assert.equal(Math.sign(maven.compare(`1.${"\u0660".repeat(10)}1`, "1.2")), 1);
  });

  it("is case-insensitive", () => {
    assert.equal(maven.compare("1.0-SNAPSHOT", "1.0-snapshot"), 0);
    assert.equal(maven.compare("1.0-Foo", "1.0-fOO"), 0);
  });

  it("rejects only empty and absurdly long strings", () => {
    assert.equal(maven.isValid("1.0"), true);
    assert.equal(maven.isValid("anything goes"), true);
    assert.equal(maven.isValid(""), false);
    assert.equal(maven.isValid("1.".repeat(600)), false);
    assert.throws(() => maven.compare("", "1"), InvalidVersionError);
    assert.throws(() => maven.compare("1", "1-".repeat(600)), /longer than 1024/);
  });

  it("handles deep nesting within the limit without blowing the stack", () => {
    const deep = "1-a1".repeat(250);
    assert.equal(maven.compare(deep, deep), 0);
    assert.equal(Math.sign(maven.compare(deep, `${deep}-1`)), -1);
  });
});

describe("maven: OSV range evaluation", () => {
  const range = (...events: Record<string, string>[]) => ({ ranges: [{ type: "ECOSYSTEM", events }] });

  it("pre-releases of the fixed version are still affected", () => {
    const r = range({ introduced: "0" }, { fixed: "2.15.0" });
    assert.deepEqual(evaluate(maven, "2.14.1", r), { affected: true, fixedVersion: "2.15.0" });
    assert.deepEqual(evaluate(maven, "2.15.0-rc1", r), { affected: true, fixedVersion: "2.15.0" });
    assert.deepEqual(evaluate(maven, "2.15.0-SNAPSHOT", r), { affected: true, fixedVersion: "2.15.0" });
    assert.deepEqual(evaluate(maven, "2.15", r), { affected: false });
    assert.deepEqual(evaluate(maven, "2.15.0.Final", r), { affected: false });
    assert.deepEqual(evaluate(maven, "2.15.0-sp1", r), { affected: false });
  });

  it("several intervals and last_affected", () => {
    const r = range(
      { introduced: "2.0-beta9" },
      { fixed: "2.3.1" },
      { introduced: "2.4" },
      { last_affected: "2.12.1" },
    );
    assert.deepEqual(evaluate(maven, "2.0-alpha1", r), { affected: false });
    assert.deepEqual(evaluate(maven, "2.0-rc1", r), { affected: true, fixedVersion: "2.3.1" });
    assert.deepEqual(evaluate(maven, "2.3.1", r), { affected: false });
    assert.deepEqual(evaluate(maven, "2.12.1", r), { affected: true });
    assert.deepEqual(evaluate(maven, "2.12.2", r), { affected: false });
  });

  it("explicit versions match by ComparableVersion equality", () => {
    assert.equal(evaluate(maven, "1.0.0.RELEASE", { versions: ["1.0"] }).affected, true);
    assert.equal(evaluate(maven, "1.0.1", { versions: ["1.0"] }).affected, false);
  });
});
