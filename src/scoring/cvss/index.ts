/**
 * CVSS calculators for v2.0, v3.0, v3.1 and v4.0, written from the FIRST specifications.
 *
 * `scoreCvss` reads a vector strictly (every base metric exactly once, known metrics and values
 * only, the right prefix) and computes every score the vector defines; `withEnvironmental`
 * rescores a vector with environmental metrics replaced or added.
 */
import type { MetricSet } from "./parse.js";
import { severityOfScore } from "./severity.js";
import { CvssError, type CvssResult, type CvssVersion } from "./types.js";
import { scoreV2, V2_METRICS } from "./v2.js";
import { scoreV3, V30_METRICS, V31_METRICS } from "./v3.js";
import { scoreV4, V4_METRICS } from "./v4.js";

export { type Severity, severityOfScore } from "./severity.js";
export { CvssError, type CvssResult, type CvssVersion } from "./types.js";

const SETS: Record<CvssVersion, MetricSet> = {
  "2.0": V2_METRICS,
  "3.0": V30_METRICS,
  "3.1": V31_METRICS,
  "4.0": V4_METRICS,
};

interface Parsed {
  version: CvssVersion;
  metrics: Map<string, string>;
}

function parse(vector: unknown): Parsed {
  if (typeof vector !== "string") throw new CvssError(`CVSS vector: expected a string, got ${typeof vector}`);
  const v = vector.trim();
  if (v === "") throw new CvssError("CVSS vector: empty");
  if (v.startsWith("CVSS:")) {
    const slash = v.indexOf("/");
    const prefix = slash < 0 ? v : v.slice(0, slash);
    const body = slash < 0 ? "" : v.slice(slash + 1);
    const version = prefix.slice("CVSS:".length);
    if (version !== "2.0" && version !== "3.0" && version !== "3.1" && version !== "4.0") {
      throw new CvssError(
        `CVSS vector: unknown version prefix "${prefix}" (expected CVSS:2.0, CVSS:3.0, CVSS:3.1 or CVSS:4.0)`,
      );
    }
    return { version, metrics: SETS[version].parse(body) };
  }
  // CVSS v2 vectors carry no prefix (NVD), and are sometimes written in parentheses.
  let body = v;
  if (v.startsWith("(") || v.endsWith(")")) {
    if (!(v.startsWith("(") && v.endsWith(")"))) V2_METRICS.fail("unbalanced parentheses");
    body = v.slice(1, -1);
  }
  try {
    return { version: "2.0", metrics: V2_METRICS.parse(body) };
  } catch (e) {
    if (e instanceof CvssError && /unknown metric|malformed/.test(e.message)) {
      throw new CvssError(`${e.message} (a vector without a "CVSS:" prefix is read as CVSS v2)`);
    }
    throw e;
  }
}

function score({ version, metrics }: Parsed): CvssResult {
  const set = SETS[version];
  const body = set.format(metrics);
  const common = {
    version,
    vector: version === "2.0" ? body : `${set.label}/${body}`,
    metrics: Object.fromEntries(metrics),
  };
  if (version === "4.0") {
    const s = scoreV4(metrics);
    return { ...common, ...s, severity: severityOfScore(s.score) };
  }
  const s = version === "2.0" ? scoreV2(metrics) : scoreV3(version, metrics);
  const applies = s.environmentalScore ?? s.temporalScore ?? s.baseScore;
  return { ...common, ...s, score: applies, severity: severityOfScore(applies) };
}

/** Parses and scores a CVSS v2.0, v3.0, v3.1 or v4.0 vector; throws CvssError when it is not valid. */
export function scoreCvss(vector: string): CvssResult {
  return score(parse(vector));
}

/**
 * The vector with environmental metrics replaced or added (e.g. `{ MAV: "A", CR: "H" }` for a
 * v3.x vector; v2 and v4 vectors take their own environmental metrics the same way), rescored.
 * Temporal/threat metrics (E, RL, RC; v4: E) are accepted too, as the environmental equations use
 * them; base metrics are not (set their modified counterparts, e.g. MAV for AV).
 * Throws CvssError on a bad vector, on metric names that are not environmental or temporal
 * metrics of the vector's version, or on unknown values.
 */
export function withEnvironmental(vector: string, metrics: Record<string, string>): CvssResult {
  const parsed = parse(vector);
  const set = SETS[parsed.version];
  const merged = new Map(parsed.metrics);
  for (const [name, value] of Object.entries(metrics)) {
    const group = set.byName.get(name)?.group;
    if (group !== "environmental" && group !== "temporal") {
      const modified = set.byName.get(`M${name}`) ? `; set M${name} instead` : "";
      const what = group === undefined ? "an unknown metric" : `a ${group} metric`;
      set.fail(
        `${name} is ${what}, not an environmental or temporal one${modified} (expected one of ${envNames(set)})`,
      );
    }
    set.check(name, value);
    merged.set(name, value);
  }
  return score({ version: parsed.version, metrics: set.canonical(merged) });
}

function envNames(set: MetricSet): string {
  return set.defs
    .filter((d) => d.group === "environmental" || d.group === "temporal")
    .map((d) => d.name)
    .join(", ");
}
