import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate } from "../../src/versions/ranges.js";
import type { VersionScheme } from "../../src/versions/types.js";

/** Dotted integers: enough to exercise the event walk independently of any real scheme. */
const dotted: VersionScheme = {
  name: "dotted",
  isValid: (v) => /^\d+(\.\d+)*$/.test(v),
  compare(a, b) {
    if (!this.isValid(a) || !this.isValid(b)) throw new Error(`bad version ${a} / ${b}`);
    const x = a.split(".").map(Number);
    const y = b.split(".").map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  },
};

const range = (...events: Record<string, string>[]) => ({ ranges: [{ type: "ECOSYSTEM", events }] });

describe("OSV range evaluation", () => {
  it("introduced 0 / fixed", () => {
    const r = range({ introduced: "0" }, { fixed: "1.5" });
    assert.deepEqual(evaluate(dotted, "1.4", r), { affected: true, fixedVersion: "1.5" });
    assert.deepEqual(evaluate(dotted, "1.5", r), { affected: false });
    assert.deepEqual(evaluate(dotted, "2", r), { affected: false });
  });

  it("several intervals report the fix of the interval the version sits in", () => {
    const r = range({ introduced: "1.0" }, { fixed: "1.2" }, { introduced: "2.0" }, { fixed: "2.3" });
    assert.deepEqual(evaluate(dotted, "0.9", r), { affected: false });
    assert.deepEqual(evaluate(dotted, "1.1", r), { affected: true, fixedVersion: "1.2" });
    assert.deepEqual(evaluate(dotted, "1.5", r), { affected: false });
    assert.deepEqual(evaluate(dotted, "2.2", r), { affected: true, fixedVersion: "2.3" });
    assert.deepEqual(evaluate(dotted, "2.3", r), { affected: false });
  });

  it("events need not arrive sorted", () => {
    const r = range({ fixed: "2.3" }, { introduced: "2.0" }, { fixed: "1.2" }, { introduced: "1.0" });
    assert.deepEqual(evaluate(dotted, "2.1", r), { affected: true, fixedVersion: "2.3" });
    assert.deepEqual(evaluate(dotted, "1.9", r), { affected: false });
  });

  it("last_affected includes its own version and gives no fix", () => {
    const r = range({ introduced: "0" }, { last_affected: "3.1" });
    assert.deepEqual(evaluate(dotted, "3.1", r), { affected: true });
    assert.deepEqual(evaluate(dotted, "3.1.1", r), { affected: false });
  });

  it("introduced without a close is open-ended (unfixed)", () => {
    const r = range({ introduced: "4.0" });
    assert.deepEqual(evaluate(dotted, "9.9", r), { affected: true });
    assert.deepEqual(evaluate(dotted, "3.9", r), { affected: false });
  });

  it("limit caps the range", () => {
    const r = range({ introduced: "0" }, { limit: "2.0" });
    assert.equal(evaluate(dotted, "1.9", r).affected, true);
    assert.equal(evaluate(dotted, "2.0", r).affected, false);
  });

  it("explicit versions list matches by equality under the scheme", () => {
    assert.equal(evaluate(dotted, "1.0.0", { versions: ["1.0", "1.1"] }).affected, true);
    assert.equal(evaluate(dotted, "1.2", { versions: ["1.0", "1.1"] }).affected, false);
  });

  it("a listed version still gets the fix its range names (OSV records carry both)", () => {
    // As PYSEC-2023-138 (langchain): an ECOSYSTEM range fixed at 0.0.236 and the enumerated versions.
    const r = { ...range({ introduced: "0" }, { fixed: "0.0.236" }), versions: ["0.0.150", "0.0.235"] };
    assert.deepEqual(evaluate(dotted, "0.0.150", r), { affected: true, fixedVersion: "0.0.236" });
    // Listed but outside the ranges: affected, with no fix named.
    assert.deepEqual(evaluate(dotted, "0.0.300", { ...r, versions: ["0.0.300"] }), { affected: true });
  });

  it("GIT ranges are ignored and unparsable events are dropped, not fatal", () => {
    assert.equal(
      evaluate(dotted, "1.0", { ranges: [{ type: "GIT", events: [{ introduced: "0" }] }] }).affected,
      false,
    );
    const r = range({ introduced: "0" }, { fixed: "not-a-version" }, { fixed: "2.0" });
    assert.deepEqual(evaluate(dotted, "1.0", r), { affected: true, fixedVersion: "2.0" });
  });

  it("a fix equal to an introduce closes before it reopens", () => {
    const r = range({ introduced: "0" }, { fixed: "1.0" }, { introduced: "1.0" }, { fixed: "1.5" });
    assert.deepEqual(evaluate(dotted, "1.0", r), { affected: true, fixedVersion: "1.5" });
  });
});
