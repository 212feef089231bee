/**
 * CVSS v3.0 and v3.1 (FIRST specification documents, section 7 / 8 "equations"): base, temporal
 * and environmental scores, computed exactly.
 *
 * The two versions differ in
 * - Roundup: v3.0 is the exact ceiling to one decimal; v3.1 first rounds to five decimals and then
 *   takes the ceiling (Appendix A of the v3.1 specification), and
 * - the environmental ModifiedImpact when the modified scope is changed:
 *   v3.1: 7.52 × (MISS − 0.029) − 3.25 × (MISS × 0.9731 − 0.02)^13
 *   v3.0: 7.52 × (MISS − 0.029) − 3.25 × (MISS − 0.02)^15
 */
import { Dec } from "./decimal.js";
import { MetricSet, metric } from "./parse.js";

function v3Metrics(label: string): MetricSet {
  return new MetricSet(
    label,
    [
      metric("AV", "base", "N A L P"),
      metric("AC", "base", "L H"),
      metric("PR", "base", "N L H"),
      metric("UI", "base", "N R"),
      metric("S", "base", "U C"),
      metric("C", "base", "H L N"),
      metric("I", "base", "H L N"),
      metric("A", "base", "H L N"),
      metric("E", "temporal", "X H F P U"),
      metric("RL", "temporal", "X U W T O"),
      metric("RC", "temporal", "X C R U"),
      metric("CR", "environmental", "X H M L"),
      metric("IR", "environmental", "X H M L"),
      metric("AR", "environmental", "X H M L"),
      metric("MAV", "environmental", "X N A L P"),
      metric("MAC", "environmental", "X L H"),
      metric("MPR", "environmental", "X N L H"),
      metric("MUI", "environmental", "X N R"),
      metric("MS", "environmental", "X U C"),
      metric("MC", "environmental", "X H L N"),
      metric("MI", "environmental", "X H L N"),
      metric("MA", "environmental", "X H L N"),
    ],
    "X",
  );
}

export const V30_METRICS = v3Metrics("CVSS:3.0");
export const V31_METRICS = v3Metrics("CVSS:3.1");

type Table = Record<string, Dec>;
function table(entries: Record<string, string>): Table {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, Dec.of(v)]));
}

const CIA = table({ H: "0.56", L: "0.22", N: "0" });
const REQ = table({ X: "1", H: "1.5", M: "1", L: "0.5" });
const W = {
  AV: table({ N: "0.85", A: "0.62", L: "0.55", P: "0.2" }),
  AC: table({ L: "0.77", H: "0.44" }),
  PR_U: table({ N: "0.85", L: "0.62", H: "0.27" }),
  PR_C: table({ N: "0.85", L: "0.68", H: "0.5" }),
  UI: table({ N: "0.85", R: "0.62" }),
  E: table({ X: "1", H: "1", F: "0.97", P: "0.94", U: "0.91" }),
  RL: table({ X: "1", U: "1", W: "0.97", T: "0.96", O: "0.95" }),
  RC: table({ X: "1", C: "1", R: "0.96", U: "0.92" }),
};

const D = {
  c6_42: Dec.of("6.42"),
  c7_52: Dec.of("7.52"),
  c3_25: Dec.of("3.25"),
  c0_029: Dec.of("0.029"),
  c0_02: Dec.of("0.02"),
  c0_9731: Dec.of("0.9731"),
  c0_915: Dec.of("0.915"),
  c8_22: Dec.of("8.22"),
  c1_08: Dec.of("1.08"),
  c10: Dec.int(10),
};

export interface V3Scores {
  baseScore: number;
  impactSubScore: number;
  exploitabilitySubScore: number;
  temporalScore?: number;
  environmentalScore?: number;
}

export function scoreV3(version: "3.0" | "3.1", m: ReadonlyMap<string, string>): V3Scores {
  const set = version === "3.0" ? V30_METRICS : V31_METRICS;
  const roundup = version === "3.0" ? (x: Dec) => x.ceil(1) : (x: Dec) => x.round(5).ceil(1);
  const val = (name: string): string => m.get(name) ?? "X";
  /** A modified base metric, falling back to the base metric when not defined. */
  const mod = (name: string): string => {
    const v = val(`M${name}`);
    return v === "X" ? val(name) : v;
  };
  const one = Dec.ONE;
  const temporal = (x: Dec): Dec => x.mul(W.E[val("E")]!).mul(W.RL[val("RL")]!).mul(W.RC[val("RC")]!);

  const score = (impact: Dec, exploitability: Dec, changed: boolean): Dec => {
    if (!impact.isPositive()) return Dec.ZERO;
    const sum = impact.add(exploitability);
    return roundup((changed ? D.c1_08.mul(sum) : sum).min(D.c10));
  };

  // Base
  const changed = val("S") === "C";
  const iss = one.sub(
    one
      .sub(CIA[val("C")]!)
      .mul(one.sub(CIA[val("I")]!))
      .mul(one.sub(CIA[val("A")]!)),
  );
  const impact = changed
    ? D.c7_52.mul(iss.sub(D.c0_029)).sub(D.c3_25.mul(iss.sub(D.c0_02).pow(15)))
    : D.c6_42.mul(iss);
  const exploitability = D.c8_22
    .mul(W.AV[val("AV")]!)
    .mul(W.AC[val("AC")]!)
    .mul((changed ? W.PR_C : W.PR_U)[val("PR")]!)
    .mul(W.UI[val("UI")]!);
  const base = score(impact, exploitability, changed);

  const out: V3Scores = {
    baseScore: base.toNumber(),
    // Negative when the scope is changed and nothing is impacted (7.52 × −0.029): reported as 0,
    // as sub-scores range over 0–10 (the base score is 0 then anyway).
    impactSubScore: impact.isPositive() ? impact.round(1).toNumber() : 0,
    exploitabilitySubScore: exploitability.round(1).toNumber(),
  };
  if (set.hasGroup(m, "temporal")) out.temporalScore = roundup(temporal(base)).toNumber();

  if (set.hasGroup(m, "environmental")) {
    const mChanged = mod("S") === "C";
    const req = (r: string, cia: string): Dec => REQ[val(r)]!.mul(CIA[mod(cia)]!);
    const miss = one
      .sub(
        one
          .sub(req("CR", "C"))
          .mul(one.sub(req("IR", "I")))
          .mul(one.sub(req("AR", "A"))),
      )
      .min(D.c0_915);
    let mImpact: Dec;
    if (!mChanged) mImpact = D.c6_42.mul(miss);
    else if (version === "3.1") {
      mImpact = D.c7_52.mul(miss.sub(D.c0_029)).sub(D.c3_25.mul(miss.mul(D.c0_9731).sub(D.c0_02).pow(13)));
    } else {
      mImpact = D.c7_52.mul(miss.sub(D.c0_029)).sub(D.c3_25.mul(miss.sub(D.c0_02).pow(15)));
    }
    const mExploitability = D.c8_22
      .mul(W.AV[mod("AV")]!)
      .mul(W.AC[mod("AC")]!)
      .mul((mChanged ? W.PR_C : W.PR_U)[mod("PR")]!)
      .mul(W.UI[mod("UI")]!);
    const env = mImpact.isPositive()
      ? roundup(temporal(score(mImpact, mExploitability, mChanged)))
      : Dec.ZERO;
    out.environmentalScore = env.toNumber();
  }
  return out;
}
