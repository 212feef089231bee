/**
 * Worked examples from the specifications and FIRST's example documents, for every version, plus
 * hand-checked environmental cases (computed independently with exact rational arithmetic) that
 * pin down where v3.0 and v3.1 differ, and the x.x5 ties of v2 and v4.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scoreCvss, severityOfScore, withEnvironmental } from "../../src/scoring/cvss.js";

type Expect = { base: number; temporal?: number; environmental?: number; score?: number };

function check(vector: string, e: Expect): void {
  const r = scoreCvss(vector);
  assert.equal(r.baseScore, e.base, `${vector}: base`);
  assert.equal(r.temporalScore, e.temporal, `${vector}: temporal`);
  assert.equal(r.environmentalScore, e.environmental, `${vector}: environmental`);
  const score = e.score ?? e.environmental ?? e.temporal ?? e.base;
  assert.equal(r.score, score, `${vector}: score`);
  assert.equal(r.severity, severityOfScore(score), `${vector}: severity`);
}

describe("CVSS v2.0 guide, section 3.3 examples", () => {
  it("CVE-2002-0392 (Apache chunked encoding)", () => {
    const base = "AV:N/AC:L/Au:N/C:N/I:N/A:C";
    check(base, { base: 7.8 });
    assert.equal(scoreCvss(base).impactSubScore, 6.9);
    assert.equal(scoreCvss(base).exploitabilitySubScore, 10);
    check(`${base}/E:F/RL:OF/RC:C`, { base: 7.8, temporal: 6.4 });
    // AdjustedTemporal = round(10.0 × 0.95 × 0.87) = 8.3; (8.3 + 1.7 × 0.5) × 1 = 9.15 → 9.2.
    check(`${base}/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H`, {
      base: 7.8,
      temporal: 6.4,
      environmental: 9.2,
    });
  });

  it("CVE-2003-0818 (Microsoft ASN.1)", () => {
    const base = "AV:N/AC:L/Au:N/C:C/I:C/A:C";
    check(base, { base: 10 });
    check(`${base}/E:F/RL:OF/RC:C`, { base: 10, temporal: 8.3 });
    check(`${base}/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L`, { base: 10, temporal: 8.3, environmental: 9 });
  });

  it("CVE-2003-0062 (NOD32 buffer overflow)", () => {
    const base = "AV:L/AC:H/Au:N/C:C/I:C/A:C";
    check(base, { base: 6.2 });
    assert.equal(scoreCvss(base).exploitabilitySubScore, 1.9);
    check(`${base}/E:POC/RL:OF/RC:C`, { base: 6.2, temporal: 4.9 });
    check(`${base}/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M`, {
      base: 6.2,
      temporal: 4.9,
      environmental: 7.5,
    });
  });

  it("v2 base scores of FIRST's v3.0/v3.1 example documents", () => {
    const cases: [string, number][] = [
      ["AV:N/AC:L/Au:S/C:P/I:P/A:N", 5.5], // CVE-2013-1937
      ["AV:N/AC:M/Au:N/C:P/I:N/A:N", 4.3], // CVE-2014-3566
      ["AV:N/AC:L/Au:S/C:C/I:C/A:C", 9.0], // CVE-2012-1516
      ["AV:L/AC:L/Au:N/C:P/I:P/A:P", 4.6], // CVE-2009-0783
      ["AV:N/AC:M/Au:S/C:C/I:C/A:C", 8.5], // CVE-2012-0384
      ["AV:N/AC:M/Au:N/C:P/I:P/A:P", 6.8], // CVE-2015-1098
      ["AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0], // CVE-2014-0160
      ["AV:N/AC:L/Au:N/C:N/I:P/A:N", 5.0], // CVE-2008-1447
      ["AV:L/AC:M/Au:N/C:C/I:C/A:C", 6.9], // CVE-2014-2005
      ["AV:A/AC:L/Au:N/C:N/I:C/A:N", 6.1], // CVE-2013-6014
      ["AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3], // CVE-2014-9253
      ["AV:N/AC:M/Au:N/C:C/I:C/A:C", 9.3], // CVE-2009-0658
      ["AV:A/AC:L/Au:N/C:C/I:C/A:C", 8.3], // CVE-2011-1265
      ["AV:L/AC:L/Au:N/C:N/I:C/A:N", 4.9], // CVE-2014-2019
      ["AV:N/AC:M/Au:N/C:P/I:P/A:N", 5.8], // CVE-2016-0128
      ["AV:N/AC:M/Au:S/C:P/I:P/A:P", 6.0], // CVE-2019-7551
      ["AV:L/AC:L/Au:S/C:C/I:C/A:C", 6.8], // CVE-2016-5729
      ["AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2], // CVE-2015-2890
      ["AV:N/AC:H/Au:N/C:C/I:C/A:C", 7.6], // CVE-2019-0884
    ];
    for (const [vector, base] of cases) check(vector, { base });
  });

  it("rounds exact halves up (9.0 × 0.95 = 8.55 → 8.6, not binary floating point's 8.5)", () => {
    check("AV:N/AC:M/Au:N/C:P/I:C/A:C/E:F", { base: 9.0, temporal: 8.6 });
  });

  it("accepts the parenthesized and CVSS:2.0/ forms and prints NVD's form", () => {
    for (const form of ["(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"]) {
      const r = scoreCvss(form);
      assert.equal(r.baseScore, 7.5);
      assert.equal(r.vector, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    }
  });
});

describe("CVSS v3.x examples (FIRST v3.0 and v3.1 example documents)", () => {
  it("v3.0 base scores", () => {
    check("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", { base: 6.1 }); // CVE-2013-1937
    check("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", { base: 5.4 }); // CVE-2014-9253
    check("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", { base: 8.8 }); // CVE-2012-0384
  });

  it("v3.1 base scores", () => {
    const cases: [string, number][] = [
      ["AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4], // CVE-2013-0375
      ["AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1], // CVE-2014-3566
      ["AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2], // CVE-2009-0783
      ["AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2], // CVE-2012-0384
      ["AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8], // CVE-2015-1098
      ["AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5], // CVE-2014-0160
      ["AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8], // CVE-2008-1447
      ["AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8], // CVE-2014-2005
      ["AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8], // CVE-2010-0467
      ["AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8], // CVE-2012-1342
      ["AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3], // CVE-2013-6014
      ["AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8], // CVE-2011-1265
      ["AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6], // CVE-2014-2019
      ["AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8], // CVE-2015-0970
      ["AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4], // CVE-2014-0224
      ["AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6], // CVE-2012-5376
      ["AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8], // CVE-2016-0128
      ["AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5], // CVE-2016-2118
      ["AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0], // CVE-2019-7551
      ["AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1], // CVE-2017-5942
      ["AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L", 8.6], // CVE-2016-5558
      ["AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2], // CVE-2016-5729
      ["AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:H/A:H", 6.0], // CVE-2015-2890
      ["AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 7.6], // CVE-2018-3652
      ["AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8],
      ["AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9],
      ["AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10],
      ["AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0],
    ];
    for (const [body, base] of cases) check(`CVSS:3.1/${body}`, { base });
  });

  it("sub-scores", () => {
    const r = scoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    assert.equal(r.impactSubScore, 6.0);
    assert.equal(r.exploitabilitySubScore, 3.9);
    // Scope changed and nothing impacted: the Impact equation is negative (−0.218); reported as 0.
    assert.equal(scoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N").impactSubScore, 0);
  });

  it("temporal and environmental scores", () => {
    check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", { base: 9.8, temporal: 8.8 });
    check("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H/MAV:A/MAC:L/MPR:N/MUI:X/MS:U/CR:L/IR:H/AR:X", {
      base: 7.8,
      environmental: 8.0,
    });
    check("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/CR:H/IR:H/MAV:A", { base: 6.4, environmental: 6.7 });
    check("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N/E:P/RL:O/RC:R/CR:H/MS:C/MC:H/MI:H", {
      base: 6.1,
      temporal: 5.3,
      environmental: 7.6,
    });
  });

  it("v3.0 and v3.1 differ in the environmental ModifiedImpact under MS:C (^15 vs 0.9731·x ^13)", () => {
    // Values computed independently with exact rational arithmetic from the two specifications.
    const a = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N/CR:L/MS:C";
    check(`CVSS:3.0/${a}`, { base: 9.1, environmental: 9.6 }); // ModifiedImpact 4.91272…
    check(`CVSS:3.1/${a}`, { base: 9.1, environmental: 9.5 }); // ModifiedImpact 4.90875…
    const b = "AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H/CR:H/MS:C";
    check(`CVSS:3.0/${b}`, { base: 8.8, environmental: 9.6 }); // ModifiedImpact 6.04722…
    check(`CVSS:3.1/${b}`, { base: 8.8, environmental: 9.7 }); // ModifiedImpact 6.12798…
  });

  it("v3.0 Roundup is the exact ceiling: 5.0 × 0.92 = 4.6 stays 4.6", () => {
    // A binary-float ceiling (FIRST's v3.0 calculator, and the oracle) computes 4.6000000000000005
    // and rounds it up to 4.7; the v3.1 specification's Appendix A describes this defect.
    check("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L/RC:U", { base: 5.0, temporal: 4.6 });
    check("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L/RC:U", { base: 5.0, temporal: 4.6 });
  });

  it("metrics given as X do not make a temporal or environmental score", () => {
    check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/E:X/RL:X/RC:X/MS:X/CR:X", { base: 10 });
  });
});

describe("CVSS v4.0 examples (FIRST v4.0 example document and calculator)", () => {
  it("scores FIRST's examples", () => {
    const cases: [number, string][] = [
      [9.3, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
      [10, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"],
      [6.9, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"],
      [7.3, "AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
      [7.7, "AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
      [5.2, "AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"],
      [8.3, "AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N"],
      [
        8.1,
        "AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/MVA:L",
      ],
      [4.6, "AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"],
      [5.1, "AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"],
      [6.9, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"],
      [5.9, "AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N"],
      [9.4, "AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"],
      [8.3, "AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D"],
      [8.7, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A"],
      [6.4, "AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H"],
      [9.3, "AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I"],
      [8.7, "AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I"],
      [8.6, "AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"],
      [7.1, "AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"],
      [8.2, "AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"],
      [8.7, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L"],
      [6.6, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L/E:U"],
      [5.1, "AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"],
      [7.7, "AV:N/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
      [8.3, "AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N"],
      [5.6, "AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:U"],
      [8.5, "AV:L/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
      [9.2, "AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A"],
      [5.4, "AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"],
      [6.9, "AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"],
      [6.9, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N"],
      [9.4, "AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/V:C/RE:L"],
      [
        7.0,
        "AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P/CR:L/IR:H/AR:L/MAV:L/MAC:H/MAT:N/MPR:N/MUI:N/MVC:N/MVI:H/MVA:L/MSC:N/MSI:S/MSA:L",
      ],
      [
        7.4,
        "AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MAV:A/MAC:H/MAT:N/MPR:L/MUI:N/MVC:L/MVI:H/MVA:H/MSC:L/MSI:S/MSA:S/CR:L/IR:H/AR:H/E:P",
      ],
      [
        8.7,
        "AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:H/MVA:H/MSC:H/MSI:S/MSA:H/CR:M/IR:H/AR:M/E:P",
      ],
      [8.6, "AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/S:P"],
      [9.7, "AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/MSI:S/S:P"],
      [8.7, "AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/V:C"],
    ];
    const wrong = cases
      .map(([want, body]) => ({ want, v: `CVSS:4.0/${body}`, got: scoreCvss(`CVSS:4.0/${body}`).score }))
      .filter((c) => c.got !== c.want)
      .map((c) => `${c.v}: expected ${c.want}, got ${c.got}`);
    assert.deepEqual(wrong, []);
  });

  it("rounds exact x.x5 interpolations half up", () => {
    // Vectors from the reference calculator's rounding bug reports (RedHatProductSecurity
    // cvss-v4-calculator #48, #66, cvss #59): binary floating point lands on 8.549999…, 0.349999…,
    // 8.949999…; the exact values are 8.55, 0.35, 8.95 and 0.95.
    check("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H", { base: 8.6 });
    check("CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U", { base: 2, temporal: 0.4 });
    check("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:N/SC:H/SI:H/SA:H/E:P", {
      base: 9.5,
      temporal: 9.0,
    });
    const long =
      "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:P/VC:H/VI:L/VA:H/SC:H/SI:N/SA:N/E:U/CR:H/IR:M/AR:M/MAV:P/MAC:L/MAT:P/MPR:H/MUI:A/MVC:N/MVI:L/MVA:L/MSC:N/MSI:H/MSA:S/S:N/AU:Y/R:A/V:C/RE:H/U:Amber";
    assert.equal(scoreCvss(long).score, 1.0);
    // Not a tie (5.941666…): 5.9 was a regression of the reference calculator, 6.1 is right.
    check("CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", { base: 6.1 });
  });

  it("reports CVSS-B, CVSS-BT and CVSS-BE/BTE scores", () => {
    const base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    check(base, { base: 9.3 });
    check(`${base}/E:U`, { base: 9.3, temporal: 8.1 });
    check(`${base}/MAV:P`, { base: 9.3, environmental: 7 });
    // With threat and environmental metrics the environmental score is CVSS-BTE.
    check(`${base}/E:U/CR:L/MAV:P`, { base: 9.3, temporal: 8.1, environmental: 3.7 });
    // Supplemental metrics never change a score; X means not defined.
    check(`${base}/E:X/CR:X/S:P/AU:Y/R:A/V:C/RE:H/U:Red`, { base: 9.3 });
    // No impact at all (after modification) is 0, whatever the exploitability.
    check("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", { base: 0 });
    check(`${base}/MVC:N/MVI:N/MVA:N`, { base: 9.3, environmental: 0 });
  });
});

describe("withEnvironmental", () => {
  it("adds and replaces environmental (and temporal) metrics, in canonical order", () => {
    const r = withEnvironmental("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:N", {
      CR: "H",
      MAV: "L",
      E: "P",
    });
    assert.equal(r.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/CR:H/MAV:L");
    assert.equal(r.baseScore, 9.8);
    assert.equal(r.temporalScore, 9.3);
    assert.equal(r.environmentalScore, 7.9);
    assert.equal(r.score, 7.9);
    assert.equal(r.severity, "HIGH");
    assert.equal(r.environmentalScore, scoreCvss(r.vector).environmentalScore);
  });

  it("matches the v3.0/v3.1 difference and works for v2 and v4 vectors", () => {
    const body = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N";
    assert.equal(withEnvironmental(`CVSS:3.0/${body}`, { CR: "L", MS: "C" }).score, 9.6);
    assert.equal(withEnvironmental(`CVSS:3.1/${body}`, { CR: "L", MS: "C" }).score, 9.5);
    assert.equal(
      withEnvironmental("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", { CDP: "H", TD: "H", AR: "H" }).score,
      9.2,
    );
    const v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P";
    const r = withEnvironmental(v4, { MAV: "P" });
    assert.equal(r.vector, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:P/S:P");
    assert.equal(r.score, 7);
  });
});
