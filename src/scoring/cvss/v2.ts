/**
 * CVSS v2.0 (FIRST, "A Complete Guide to the Common Vulnerability Scoring System Version 2.0",
 * section 3.2): base, temporal and environmental equations, computed exactly.
 */
import { Dec } from "./decimal.js";
import { MetricSet, metric } from "./parse.js";

export const V2_METRICS = new MetricSet(
  "CVSS:2.0",
  [
    metric("AV", "base", "L A N"),
    metric("AC", "base", "H M L"),
    metric("Au", "base", "M S N"),
    metric("C", "base", "N P C"),
    metric("I", "base", "N P C"),
    metric("A", "base", "N P C"),
    metric("E", "temporal", "U POC F H ND"),
    metric("RL", "temporal", "OF TF W U ND"),
    metric("RC", "temporal", "UC UR C ND"),
    metric("CDP", "environmental", "N L LM MH H ND"),
    metric("TD", "environmental", "N L M H ND"),
    metric("CR", "environmental", "L M H ND"),
    metric("IR", "environmental", "L M H ND"),
    metric("AR", "environmental", "L M H ND"),
  ],
  "ND",
);

type Table = Record<string, Dec>;
function table(entries: Record<string, string>): Table {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, Dec.of(v)]));
}

const CIA = table({ N: "0", P: "0.275", C: "0.660" });
const REQ = table({ L: "0.5", M: "1.0", H: "1.51", ND: "1.0" });
const W: Record<string, Table> = {
  AV: table({ L: "0.395", A: "0.646", N: "1.0" }),
  AC: table({ H: "0.35", M: "0.61", L: "0.71" }),
  Au: table({ M: "0.45", S: "0.56", N: "0.704" }),
  C: CIA,
  I: CIA,
  A: CIA,
  E: table({ U: "0.85", POC: "0.9", F: "0.95", H: "1.00", ND: "1.00" }),
  RL: table({ OF: "0.87", TF: "0.90", W: "0.95", U: "1.00", ND: "1.00" }),
  RC: table({ UC: "0.90", UR: "0.95", C: "1.00", ND: "1.00" }),
  CDP: table({ N: "0", L: "0.1", LM: "0.3", MH: "0.4", H: "0.5", ND: "0" }),
  TD: table({ N: "0", L: "0.25", M: "0.75", H: "1.0", ND: "1.0" }),
  CR: REQ,
  IR: REQ,
  AR: REQ,
};

const D = {
  c0_6: Dec.of("0.6"),
  c0_4: Dec.of("0.4"),
  c1_5: Dec.of("1.5"),
  c1_176: Dec.of("1.176"),
  c10_41: Dec.of("10.41"),
  c20: Dec.int(20),
  c10: Dec.int(10),
};

export interface V2Scores {
  baseScore: number;
  impactSubScore: number;
  exploitabilitySubScore: number;
  temporalScore?: number;
  environmentalScore?: number;
}

export function scoreV2(m: ReadonlyMap<string, string>): V2Scores {
  const w = (name: string): Dec => W[name]![m.get(name) ?? "ND"]!;
  const one = Dec.ONE;

  const exploitability = D.c20.mul(w("AV")).mul(w("AC")).mul(w("Au"));
  const baseEquation = (impact: Dec): Dec => {
    const f = impact.isPositive() ? D.c1_176 : Dec.ZERO;
    return D.c0_6.mul(impact).add(D.c0_4.mul(exploitability)).sub(D.c1_5).mul(f).round(1);
  };
  const temporalEquation = (base: Dec): Dec => base.mul(w("E")).mul(w("RL")).mul(w("RC")).round(1);

  const impact = D.c10_41.mul(
    one.sub(
      one
        .sub(w("C"))
        .mul(one.sub(w("I")))
        .mul(one.sub(w("A"))),
    ),
  );
  const base = baseEquation(impact);
  const out: V2Scores = {
    baseScore: base.toNumber(),
    impactSubScore: impact.round(1).toNumber(),
    exploitabilitySubScore: exploitability.round(1).toNumber(),
  };
  if (V2_METRICS.hasGroup(m, "temporal")) out.temporalScore = temporalEquation(base).toNumber();
  if (V2_METRICS.hasGroup(m, "environmental")) {
    const adjustedImpact = D.c10.min(
      D.c10_41.mul(
        one.sub(
          one
            .sub(w("C").mul(w("CR")))
            .mul(one.sub(w("I").mul(w("IR"))))
            .mul(one.sub(w("A").mul(w("AR")))),
        ),
      ),
    );
    const adjustedTemporal = temporalEquation(baseEquation(adjustedImpact));
    const environmental = adjustedTemporal
      .add(D.c10.sub(adjustedTemporal).mul(w("CDP")))
      .mul(w("TD"))
      .round(1);
    // The equations can go below 0: a low requirement shrinks AdjustedImpact enough that
    // 0.6 × AdjustedImpact + 0.4 × Exploitability < 1.5 (e.g. AV:L/AC:H/Au:M/C:N/I:P/A:N/IR:L gives
    // AdjustedBase −0.2). Scores range over 0–10, so the result is clamped at 0.
    out.environmentalScore = environmental.isPositive() ? environmental.toNumber() : 0;
  }
  return out;
}
