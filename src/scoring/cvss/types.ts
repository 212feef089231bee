import type { Severity } from "./severity.js";

export type CvssVersion = "2.0" | "3.0" | "3.1" | "4.0";

/** A vector that cannot be read: the message names the metric and what is wrong with it. */
export class CvssError extends Error {
  override name = "CvssError";
}

export interface CvssResult {
  version: CvssVersion;
  /** Normalized: canonical metric order, with prefix (v2 without prefix, as NVD prints it). */
  vector: string;
  /** The metrics as given, in canonical order. */
  metrics: Record<string, string>;
  baseScore: number;
  /** v2/v3 only. */
  impactSubScore?: number;
  /** v2/v3 only. */
  exploitabilitySubScore?: number;
  /** When a temporal (v2/v3) or threat (v4) metric is given a value other than X/ND. */
  temporalScore?: number;
  /** When an environmental metric is given a value other than X/ND. */
  environmentalScore?: number;
  /**
   * The score that applies: the most specific one computed (environmental > temporal > base;
   * for v4 the single score of the vector's nomenclature, CVSS-B/BT/BE/BTE).
   */
  score: number;
  /** The severity band of `score`. */
  severity: Severity;
}
