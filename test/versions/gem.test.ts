// Hand-written facts about Gem::Version; each was checked with Debian's ruby (rubygems 3.3).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gem } from "../../src/versions/gem.js";
import { evaluate } from "../../src/versions/ranges.js";
import { InvalidVersionError } from "../../src/versions/types.js";

const sign = (a: string, b: string) => Math.sign(gem.compare(a, b));

describe("gem: Gem::Version rules", () => {
  it("orders numeric segments numerically, any length", () => {
    assert.equal(sign("1.10", "1.9"), 1);
    assert.equal(sign("1.01", "1.1"), 0);
    assert.equal(sign("9007199254740993", "9007199254740992"), 1);
    assert.equal(sign("1.123456789012345678901234567891", "1.123456789012345678901234567890"), 1);
  });

  it("a letter segment makes a prerelease that sorts below the release", () => {
    assert.equal(sign("2.0.0.rc1", "2.0.0"), -1);
    assert.equal(sign("1.0.a", "1"), -1);
    assert.equal(sign("1.a", "1.0.1"), -1);
    assert.equal(sign("1.0.b1", "1.0.a2"), 1);
    assert.equal(sign("1.0b1", "1.0.b.1"), 0);
    // Letters compare as bytes: upper case first.
    assert.equal(sign("1.A", "1.a"), -1);
  });

  it("drops trailing zeros of the release and the prerelease parts", () => {
    assert.equal(sign("1.0.0", "1"), 0);
    assert.equal(sign("1.0.a", "1.a"), 0);
    assert.equal(sign("1.a.0", "1.a"), 0);
    assert.equal(sign("1.0.0.a.0.b", "1.a.0.b"), 0);
  });

  it('reads "-" as ".pre."', () => {
    assert.equal(sign("1-1", "1.pre.1"), 0);
    assert.equal(sign("1.0-rc1", "1.0"), -1);
    assert.equal(sign("1.0-rc-1", "1.0.pre.rc.pre.1"), 0);
  });

  it("isValid is Gem::Version.correct?", () => {
    for (const v of ["1", "1.0", " 1 ", "1.0a", "1.0-a-b.c", "", " ", "\n1.2\n", "01.2"])
      assert.equal(gem.isValid(v), true, v);
    for (const v of [
      "a1",
      "v1.0",
      "1..0",
      "1.0-",
      "1.",
      ".1",
      "1_0",
      "1.0+b",
      "1 .0",
      "\u00a01",
      "1\u0000",
    ]) {
      assert.equal(gem.isValid(v), false, JSON.stringify(v));
      assert.throws(() => gem.compare(v, "1"), InvalidVersionError);
    }
  });

  it("blank means 0", () => {
    assert.equal(sign("", "0"), 0);
    assert.equal(sign(" ", "0.1"), -1);
  });
});

describe("gem: hostile input", () => {
  it("long strings are decided in linear time", () => {
    const inputs = [
      `${" ".repeat(100_000)}x${" ".repeat(100_000)}x`,
      `${"1".repeat(200_000)}x`,
      `1.${"a.".repeat(100_000)}!`,
      `1-${"-".repeat(200_000)}!`,
      `1.0-${"a.".repeat(100_000)}+`,
      `1.0-${"1".repeat(100_000)}`,
    ];
    const start = performance.now();
    for (const v of inputs) {
      gem.isValid(v);
      try {
        gem.compare(v, v);
      } catch (e) {
        assert.ok(e instanceof InvalidVersionError);
      }
    }
    assert.ok(performance.now() - start < 2000, `took ${performance.now() - start} ms`);
  });
});

describe("gem: OSV range evaluation", () => {
  const range = (...events: Record<string, string>[]) => ({ ranges: [{ type: "ECOSYSTEM", events }] });

  it("introduced/fixed with prereleases", () => {
    const r = range(
      { introduced: "0" },
      { fixed: "6.1.7.1" },
      { introduced: "7.0.0.alpha1" },
      { fixed: "7.0.4.1" },
    );
    assert.deepEqual(evaluate(gem, "6.1.7", r), { affected: true, fixedVersion: "6.1.7.1" });
    assert.deepEqual(evaluate(gem, "6.1.7.1", r), { affected: false });
    assert.deepEqual(evaluate(gem, "7.0.0.alpha0", r), { affected: false });
    assert.deepEqual(evaluate(gem, "7.0.0.rc2", r), { affected: true, fixedVersion: "7.0.4.1" });
    assert.deepEqual(evaluate(gem, "7.0.4.1", r), { affected: false });
    assert.deepEqual(evaluate(gem, "7.0.4.1.0", r), { affected: false });
  });

  it("last_affected and explicit versions", () => {
    assert.deepEqual(evaluate(gem, "2.3.0", range({ introduced: "2.0" }, { last_affected: "2.3" })), {
      affected: true,
    });
    assert.deepEqual(evaluate(gem, "2.3.0.1", range({ introduced: "2.0" }, { last_affected: "2.3" })), {
      affected: false,
    });
    assert.equal(evaluate(gem, "1.2.0", { versions: ["1.2"] }).affected, true);
  });
});
