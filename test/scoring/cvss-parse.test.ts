/**
 * Strict parsing: invalid vectors fail with a CvssError naming the metric and the problem; valid
 * ones in any order are normalized to the canonical order.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CvssError, cvssBaseScore, scoreCvss, withEnvironmental } from "../../src/scoring/cvss.js";

const V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
const V2 = "AV:N/AC:L/Au:N/C:P/I:P/A:P";

function rejects(vector: string, message: string | RegExp): void {
  assert.throws(
    () => scoreCvss(vector),
    (e: unknown) => {
      assert.ok(e instanceof CvssError, `${vector}: ${String(e)} is not a CvssError`);
      assert.ok(e instanceof Error);
      if (typeof message === "string") assert.equal(e.message, message, vector);
      else assert.match(e.message, message, vector);
      return true;
    },
  );
  // The old entry point keeps answering undefined for what it cannot score.
  assert.equal(cvssBaseScore(vector), undefined, vector);
}

describe("CVSS vector parsing", () => {
  it("rejects missing metrics", () => {
    rejects("CVSS:3.1/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1 vector: metric AV missing");
    rejects("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1 vector: metric A missing");
    rejects("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "CVSS:3.0 vector: metric S missing");
    rejects(
      "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
      "CVSS:4.0 vector: metric AT missing",
    );
    rejects("AV:N/AC:L/C:P/I:P/A:P", "CVSS:2.0 vector: metric Au missing");
    rejects("CVSS:3.1", "CVSS:3.1 vector: no metrics");
    rejects("CVSS:3.1/", "CVSS:3.1 vector: no metrics");
  });

  it("rejects unknown values", () => {
    rejects(
      `${V31.replace("AC:L", "AC:X")}`,
      /^CVSS:3\.1 vector: metric AC has unknown value X \(expected one of L, H\)$/,
    );
    rejects(`${V31.replace("AV:N", "AV:n")}`, /^CVSS:3\.1 vector: metric AV has unknown value n/);
    rejects(`${V31}/E:Q`, /^CVSS:3\.1 vector: metric E has unknown value Q/);
    rejects(`${V40}/MSC:S`, /^CVSS:4\.0 vector: metric MSC has unknown value S/); // S only for MSI/MSA
    rejects(`${V40}/U:red`, /^CVSS:4\.0 vector: metric U has unknown value red/);
    rejects(`${V40}/S:U`, /^CVSS:4\.0 vector: metric S has unknown value U/); // v4 S is Safety
    rejects(V2.replace("Au:N", "Au:X"), /^CVSS:2\.0 vector: metric Au has unknown value X/);
    rejects(`${V2}/E:X`, /^CVSS:2\.0 vector: metric E has unknown value X/); // v2 says ND
  });

  it("rejects unknown metrics, including other versions' metrics", () => {
    rejects(`${V31}/AT:N`, "CVSS:3.1 vector: unknown metric AT");
    rejects(`${V40}/RL:O`, "CVSS:4.0 vector: unknown metric RL");
    rejects(`${V31}/au:N`, "CVSS:3.1 vector: unknown metric au");
    rejects(
      "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      'CVSS:2.0 vector: unknown metric PR (a vector without a "CVSS:" prefix is read as CVSS v2)',
    );
  });

  it("rejects repeated metrics", () => {
    rejects(`${V31}/AV:N`, "CVSS:3.1 vector: metric AV repeated");
    rejects(V31.replace("AC:L", "AV:L"), "CVSS:3.1 vector: metric AV repeated");
    rejects(`${V31}/E:P/E:P`, "CVSS:3.1 vector: metric E repeated");
    rejects(`${V2}/A:N`, "CVSS:2.0 vector: metric A repeated");
  });

  it("rejects wrong prefixes", () => {
    rejects(
      V31.replace("3.1", "3.2"),
      'CVSS vector: unknown version prefix "CVSS:3.2" (expected CVSS:2.0, CVSS:3.0, CVSS:3.1 or CVSS:4.0)',
    );
    rejects(V31.replace("CVSS:3.1", "CVSS:3"), /unknown version prefix "CVSS:3"/);
    // A v3 body with a v4 prefix: S is v4's Safety metric, which has no value U.
    rejects(V31.replace("CVSS:3.1", "CVSS:4.0"), /^CVSS:4\.0 vector: metric S has unknown value U/);
    rejects(V40.replace("CVSS:4.0", "CVSS:3.1"), "CVSS:3.1 vector: unknown metric AT");
    rejects(
      V31.replace("CVSS:3.1", "cvss:3.1"),
      /^CVSS:2\.0 vector: malformed metric "cvss:3\.1".*read as CVSS v2/,
    );
    rejects(V31.slice("CVSS:3.1/".length), /^CVSS:2\.0 vector: unknown metric PR/); // v3 body, no prefix
  });

  it("rejects empty strings, garbage and malformed components", () => {
    rejects("", "CVSS vector: empty");
    rejects("   ", "CVSS vector: empty");
    rejects("garbage", /^CVSS:2\.0 vector: malformed metric "garbage" \(expected NAME:VALUE\)/);
    rejects("N/A", /malformed metric "N"/);
    rejects(`${V31}/`, 'CVSS:3.1 vector: empty metric (stray "/")');
    rejects(V31.replace("/AC:L", "//AC:L"), 'CVSS:3.1 vector: empty metric (stray "/")');
    rejects(V31.replace("AC:L", "AC:L:H"), /malformed metric "AC:L:H"/);
    rejects(V31.replace("AC:L", "AC"), /malformed metric "AC"/);
    rejects(V31.replace("AC:L", "AC L"), /malformed metric "AC L"/);
    rejects(`${V2})`, "CVSS:2.0 vector: unbalanced parentheses");
    rejects(`(${V2}`, "CVSS:2.0 vector: unbalanced parentheses");
    rejects("()", "CVSS:2.0 vector: no metrics");
    assert.throws(() => scoreCvss(undefined as unknown as string), CvssError);
    assert.throws(() => scoreCvss(42 as unknown as string), /expected a string, got number/);
  });

  it("accepts any metric order and surrounding whitespace, and normalizes", () => {
    const r = scoreCvss("  CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/CR:H/E:P  ");
    assert.equal(r.vector, `${V31}/E:P/CR:H`);
    assert.deepEqual(Object.keys(r.metrics), ["AV", "AC", "PR", "UI", "S", "C", "I", "A", "E", "CR"]);
    assert.equal(r.baseScore, 9.8);
    const v4 = scoreCvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N/U:Red/E:A");
    assert.equal(v4.vector, "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/U:Red");
    assert.equal(scoreCvss("C:P/I:P/A:P/AV:N/AC:L/Au:N").vector, V2);
    // cvssBaseScore keeps the vector as given (trimmed), as before.
    assert.deepEqual(cvssBaseScore(` ${V2} `), { version: "2.0", baseScore: 7.5, vector: V2 });
    assert.equal(cvssBaseScore(V40), undefined);
  });
});

describe("withEnvironmental errors", () => {
  const fails = (vector: string, metrics: Record<string, string>, message: string | RegExp) =>
    assert.throws(
      () => withEnvironmental(vector, metrics),
      (e: unknown) =>
        e instanceof CvssError &&
        (typeof message === "string" ? e.message === message : message.test(e.message)),
    );

  it("names the bad metric or value", () => {
    fails(
      V31,
      { AV: "L" },
      /^CVSS:3\.1 vector: AV is a base metric, not an environmental or temporal one; set MAV instead/,
    );
    fails(V31, { FOO: "X" }, /^CVSS:3\.1 vector: FOO is an unknown metric/);
    fails(V31, { MAV: "Q" }, /^CVSS:3\.1 vector: metric MAV has unknown value Q/);
    fails(V40, { MS: "C" }, /^CVSS:4\.0 vector: MS is an unknown metric/);
    fails(V40, { S: "P" }, /^CVSS:4\.0 vector: S is a supplemental metric/);
    fails(V2, { MAV: "N" }, /^CVSS:2\.0 vector: MAV is an unknown metric/);
    fails("CVSS:3.1/AV:N", { CR: "H" }, "CVSS:3.1 vector: metric AC missing");
  });
});
