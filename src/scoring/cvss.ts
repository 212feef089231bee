/**
 * CVSS scoring entry point. The calculators (v2.0, v3.0, v3.1, v4.0; base, temporal/threat and
 * environmental scores) live in `./cvss/`; this module keeps the small API the pipeline uses.
 * Severity bands follow the CVSS qualitative scale, which Inspector also uses.
 */
import { CvssError, scoreCvss } from "./cvss/index.js";
import type { Severity } from "./cvss/severity.js";

export * from "./cvss/index.js";

export interface CvssScore {
  version: "2.0" | "3.0" | "3.1";
  baseScore: number;
  vector: string;
}

/**
 * Base score of a CVSS v3.x or v2 vector (the vector as given, trimmed); undefined for anything
 * that is not a valid v2/v3.x vector (v4 vectors are scored with `scoreCvss`).
 */
export function cvssBaseScore(vector: string): CvssScore | undefined {
  try {
    const r = scoreCvss(vector);
    if (r.version === "4.0") return undefined;
    return { version: r.version, baseScore: r.baseScore, vector: vector.trim() };
  } catch (e) {
    if (e instanceof CvssError) return undefined;
    throw e;
  }
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
