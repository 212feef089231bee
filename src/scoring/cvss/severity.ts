/** Severity labels (Inspector's) and the project's score bands, shared by every CVSS version. */

export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "INFORMATIONAL" | "UNTRIAGED";

/**
 * The severity band of a score: 0 → INFORMATIONAL, (0, 4) → LOW, [4, 7) → MEDIUM, [7, 9) → HIGH,
 * [9, 10] → CRITICAL (the CVSS qualitative scale, with "None" named as Inspector names it).
 */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return "CRITICAL";
  if (score >= 7) return "HIGH";
  if (score >= 4) return "MEDIUM";
  if (score > 0) return "LOW";
  return "INFORMATIONAL";
}
