/**
 * CVSS base scores from vector strings (v3.0/v3.1 and v2), per the FIRST specifications.
 * Severity bands follow the v3 qualitative scale, which Inspector also uses.
 */

export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "INFORMATIONAL" | "UNTRIAGED";

export interface CvssScore {
  version: "2.0" | "3.0" | "3.1";
  baseScore: number;
  vector: string;
}

function parseMetrics(parts: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parts) {
    const [k, v] = p.split(":");
    if (k && v) m.set(k, v);
  }
  return m;
}

/** Rounds up to one decimal as CVSS v3.1 defines it (avoiding floating-point artefacts). */
function roundUp31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

const V3 = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

function v3Base(vector: string): CvssScore | undefined {
  const parts = vector.split("/");
  const version = parts[0] === "CVSS:3.1" ? "3.1" : parts[0] === "CVSS:3.0" ? "3.0" : undefined;
  if (!version) return undefined;
  const m = parseMetrics(parts.slice(1));
  const get = <T extends Record<string, number>>(table: T, key: string): number | undefined =>
    table[m.get(key) as keyof T] as number | undefined;
  const av = get(V3.AV, "AV");
  const ac = get(V3.AC, "AC");
  const ui = get(V3.UI, "UI");
  const scope = m.get("S");
  const c = get(V3.CIA, "C");
  const i = get(V3.CIA, "I");
  const a = get(V3.CIA, "A");
  const prRaw = m.get("PR");
  if (av === undefined || ac === undefined || ui === undefined || c === undefined || i === undefined)
    return undefined;
  if (a === undefined || (scope !== "U" && scope !== "C")) return undefined;
  const changed = scope === "C";
  const pr =
    prRaw === "N"
      ? 0.85
      : prRaw === "L"
        ? changed
          ? 0.68
          : 0.62
        : prRaw === "H"
          ? changed
            ? 0.5
            : 0.27
          : undefined;
  if (pr === undefined) return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  let base = 0;
  if (impact > 0) {
    base = changed
      ? roundUp31(Math.min(1.08 * (impact + exploitability), 10))
      : roundUp31(Math.min(impact + exploitability, 10));
  }
  return { version, baseScore: base, vector };
}

const V2 = {
  AV: { L: 0.395, A: 0.646, N: 1.0 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  CIA: { N: 0, P: 0.275, C: 0.66 },
} as const;

function v2Base(vector: string): CvssScore | undefined {
  const body = vector.replace(/^\(|\)$/g, "").replace(/^CVSS:2\.0\//, "");
  const m = parseMetrics(body.split("/"));
  const av = V2.AV[m.get("AV") as keyof typeof V2.AV];
  const ac = V2.AC[m.get("AC") as keyof typeof V2.AC];
  const au = V2.Au[m.get("Au") as keyof typeof V2.Au];
  const c = V2.CIA[m.get("C") as keyof typeof V2.CIA];
  const i = V2.CIA[m.get("I") as keyof typeof V2.CIA];
  const a = V2.CIA[m.get("A") as keyof typeof V2.CIA];
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return undefined;
  const impact = 10.41 * (1 - (1 - c!) * (1 - i!) * (1 - a!));
  const exploitability = 20 * av! * ac! * au!;
  const f = impact === 0 ? 0 : 1.176;
  const base = Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
  return { version: "2.0", baseScore: Math.max(0, base), vector };
}

/** Base score of a CVSS v3.x or v2 vector; undefined for anything else (v4 is scored elsewhere). */
export function cvssBaseScore(vector: string): CvssScore | undefined {
  const v = vector.trim();
  if (v.startsWith("CVSS:3.")) return v3Base(v);
  if (v.startsWith("CVSS:4.")) return undefined;
  return v2Base(v);
}

/** The CVSS v3 qualitative rating of a base score. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return "CRITICAL";
  if (score >= 7) return "HIGH";
  if (score >= 4) return "MEDIUM";
  if (score > 0) return "LOW";
  return "INFORMATIONAL";
}

const SEVERITY_RANK: Record<Severity, number> = {
  UNTRIAGED: 0,
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

export const SEVERITIES = Object.keys(SEVERITY_RANK) as Severity[];
