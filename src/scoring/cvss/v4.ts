/**
 * CVSS v4.0 (FIRST specification, section 8 "CVSS v4.0 Scoring"): the vector is mapped to a
 * MacroVector (equivalence classes EQ1..EQ6) whose score is looked up, then lowered by the mean
 * proportional severity distance of the vector from the highest-severity vectors of its
 * MacroVector, interpolating towards the next lower MacroVectors — the algorithm of FIRST's
 * reference calculator.
 *
 * The interpolation is computed with integers (tenths and severity steps) and rounded half up,
 * so x.x5 ties round up as the specification intends rather than wherever binary floating point
 * happens to land (the reference calculator adds an epsilon before rounding for the same reason).
 */
import { MetricSet, metric } from "./parse.js";
import { EQ_METRICS, LEVELS, MACROVECTOR_TENTHS, MAX_SEVERITY, MAX_VECTORS } from "./v4-data.js";

export const V4_METRICS = new MetricSet(
  "CVSS:4.0",
  [
    metric("AV", "base", "N A L P"),
    metric("AC", "base", "L H"),
    metric("AT", "base", "N P"),
    metric("PR", "base", "N L H"),
    metric("UI", "base", "N P A"),
    metric("VC", "base", "H L N"),
    metric("VI", "base", "H L N"),
    metric("VA", "base", "H L N"),
    metric("SC", "base", "H L N"),
    metric("SI", "base", "H L N"),
    metric("SA", "base", "H L N"),
    // Threat
    metric("E", "temporal", "X A P U"),
    // Environmental
    metric("CR", "environmental", "X H M L"),
    metric("IR", "environmental", "X H M L"),
    metric("AR", "environmental", "X H M L"),
    metric("MAV", "environmental", "X N A L P"),
    metric("MAC", "environmental", "X L H"),
    metric("MAT", "environmental", "X N P"),
    metric("MPR", "environmental", "X N L H"),
    metric("MUI", "environmental", "X N P A"),
    metric("MVC", "environmental", "X H L N"),
    metric("MVI", "environmental", "X H L N"),
    metric("MVA", "environmental", "X H L N"),
    metric("MSC", "environmental", "X H L N"),
    metric("MSI", "environmental", "X S H L N"),
    metric("MSA", "environmental", "X S H L N"),
    // Supplemental (never used in scoring)
    metric("S", "supplemental", "X N P"),
    metric("AU", "supplemental", "X N Y"),
    metric("R", "supplemental", "X A U I"),
    metric("V", "supplemental", "X D C"),
    metric("RE", "supplemental", "X L M H"),
    metric("U", "supplemental", "X Clear Green Amber Red"),
  ],
  "X",
);

type Fragment = Readonly<Record<string, string>>;
function fragment(text: string): Fragment {
  return Object.fromEntries(text.split("/").map((p) => p.split(":") as [string, string]));
}
const MAXES = {
  eq1: MAX_VECTORS.eq1.map((l) => l.map(fragment)),
  eq2: MAX_VECTORS.eq2.map((l) => l.map(fragment)),
  eq3: MAX_VECTORS.eq3.map((byEq6) => byEq6.map((l) => l.map(fragment))),
  eq4: MAX_VECTORS.eq4.map((l) => l.map(fragment)),
  eq5: MAX_VECTORS.eq5.map((l) => l.map(fragment)),
};
const LCM = 840; // a multiple of every class depth in MAX_SEVERITY

/** The effective value of a metric under the chosen metric groups. */
type Effective = (name: string) => string;

function effective(m: ReadonlyMap<string, string>, threat: boolean, environmental: boolean): Effective {
  const defined = (name: string): string | undefined => {
    const v = m.get(name);
    return v === undefined || v === "X" ? undefined : v;
  };
  return (name) => {
    // Not defined threat and security requirements take their worst case (E:A, xR:H).
    if (name === "E") return (threat ? defined("E") : undefined) ?? "A";
    if (name === "CR" || name === "IR" || name === "AR")
      return (environmental ? defined(name) : undefined) ?? "H";
    // Modified base metrics override the base metrics.
    return (environmental ? defined(`M${name}`) : undefined) ?? m.get(name)!;
  };
}

function macroVector(e: Effective): [number, number, number, number, number, number] {
  const av = e("AV");
  const pr = e("PR");
  const ui = e("UI");
  const eq1 =
    av === "N" && pr === "N" && ui === "N"
      ? 0
      : (av === "N" || pr === "N" || ui === "N") && av !== "P"
        ? 1
        : 2;
  const eq2 = e("AC") === "L" && e("AT") === "N" ? 0 : 1;
  const vc = e("VC");
  const vi = e("VI");
  const va = e("VA");
  const eq3 = vc === "H" && vi === "H" ? 0 : vc === "H" || vi === "H" || va === "H" ? 1 : 2;
  const si = e("SI");
  const sa = e("SA");
  const eq4 = si === "S" || sa === "S" ? 0 : e("SC") === "H" || si === "H" || sa === "H" ? 1 : 2;
  const exploit = e("E");
  const eq5 = exploit === "A" ? 0 : exploit === "P" ? 1 : 2;
  const eq6 =
    (e("CR") === "H" && vc === "H") || (e("IR") === "H" && vi === "H") || (e("AR") === "H" && va === "H")
      ? 0
      : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/** The score, in tenths, of the vector with only the chosen metric groups taken into account. */
export function scoreV4Tenths(
  m: ReadonlyMap<string, string>,
  threat: boolean,
  environmental: boolean,
): number {
  const e = effective(m, threat, environmental);
  if (["VC", "VI", "VA", "SC", "SI", "SA"].every((k) => e(k) === "N")) return 0;

  const mv = macroVector(e);
  const [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
  const lookup = (change: Partial<Record<0 | 1 | 2 | 3 | 4 | 5, number>>): number | undefined =>
    MACROVECTOR_TENTHS.get(mv.map((v, i) => v + (change[i as 0] ?? 0)).join(""));
  const value = lookup({})!;

  // a. The next lower MacroVector of each EQ (EQ3 and EQ6 move together), if it exists.
  let lowerEq3Eq6: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    // Two ways down (00 → 01 and 00 → 10): the higher scoring one.
    lowerEq3Eq6 = Math.max(lookup({ 5: 1 })!, lookup({ 2: 1 })!);
  } else if (eq3 === 1 && eq6 === 0) lowerEq3Eq6 = lookup({ 5: 1 });
  else if (eq6 === 1) lowerEq3Eq6 = lookup({ 2: 1 }); // 01 → 11, 11 → 21, 21 → none
  const lower = {
    eq1: lookup({ 0: 1 }),
    eq2: lookup({ 1: 1 }),
    eq3: lowerEq3Eq6,
    eq4: lookup({ 3: 1 }),
    eq5: lookup({ 4: 1 }),
  };

  // b. The severity distance from a highest-severity vector of the MacroVector: the first one
  // (in the reference calculator's order) that the vector does not exceed in any metric.
  let distances: Record<string, number> = {};
  search: for (const a of MAXES.eq1[eq1]!) {
    for (const b of MAXES.eq2[eq2]!) {
      for (const c of MAXES.eq3[eq3]![eq6]!) {
        for (const d of MAXES.eq4[eq4]!) {
          for (const f of MAXES.eq5[eq5]!) {
            const max: Fragment = { ...a, ...b, ...c, ...d, ...f };
            distances = {};
            for (const [k, levels] of Object.entries(LEVELS)) distances[k] = levels[e(k)]! - levels[max[k]!]!;
            if (Object.values(distances).every((x) => x >= 0)) break search;
          }
        }
      }
    }
  }
  const distance = (eq: keyof typeof EQ_METRICS): number =>
    EQ_METRICS[eq].reduce((sum, k) => sum + distances[k]!, 0);

  // c.–d. Each available scoring difference times the proportion of the class depth travelled;
  // 2. their mean (EQ5 always contributes 0 but counts); 3. subtracted from the MacroVector score.
  const depth = {
    eq1: MAX_SEVERITY.eq1[eq1]!,
    eq2: MAX_SEVERITY.eq2[eq2]!,
    eq3: MAX_SEVERITY.eq3[eq3]![eq6]!,
    eq4: MAX_SEVERITY.eq4[eq4]!,
  };
  let numerator = 0; // in tenths × LCM
  let existing = 0;
  for (const eq of ["eq1", "eq2", "eq3", "eq4"] as const) {
    const l = lower[eq];
    if (l === undefined) continue;
    existing++;
    numerator += (value - l) * distance(eq) * (LCM / depth[eq]);
  }
  if (lower.eq5 !== undefined) existing++;
  if (existing === 0) return value;
  const denominator = LCM * existing;
  const scaled = value * denominator - numerator; // the score in tenths, times `denominator`
  if (scaled <= 0) return 0;
  if (scaled >= 100 * denominator) return 100;
  return Math.floor((2 * scaled + denominator) / (2 * denominator)); // round half up
}

export interface V4Scores {
  baseScore: number;
  temporalScore?: number;
  environmentalScore?: number;
  score: number;
}

export function scoreV4(m: ReadonlyMap<string, string>): V4Scores {
  const threat = V4_METRICS.hasGroup(m, "temporal");
  const environmental = V4_METRICS.hasGroup(m, "environmental");
  const out: V4Scores = { baseScore: scoreV4Tenths(m, false, false) / 10, score: 0 };
  if (threat) out.temporalScore = scoreV4Tenths(m, true, false) / 10;
  if (environmental) out.environmentalScore = scoreV4Tenths(m, threat, true) / 10;
  out.score = out.environmentalScore ?? out.temporalScore ?? out.baseScore;
  return out;
}
