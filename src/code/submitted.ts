/**
 * Code scanning results as they travel with a resource's inventory (`inventory.code` of
 * `POST /v1/resources/{id}/inventory`) and are stored with it: per finding only what the scan
 * observed (detector, file, lines, snippet, message, fingerprint). Everything the detector
 * catalogue knows (name, CWEs, severity, description, remediation, tags, references) is filled in
 * again by the server from the detector id, so a client cannot invent titles or severities and
 * the stored body stays small. Light on imports: the server reads this without the parsers.
 */
import { type Finding, type FindingContext, toCodeFinding } from "../findings/finding.js";
import { DETECTOR_BY_KEY, ruleIdOf } from "./detectors.js";
import { type SuggestedFix, suggestedFixesOf } from "./fixes.js";
import type { LanguageFamily } from "./parse.js";
import type { CodeFinding, CodeScanResult } from "./scan.js";

export interface CodeLine {
  lineNumber: number;
  content: string;
}

export interface SubmittedCodeFinding {
  /** `<language family>/<detector key>`, e.g. "python/sql-injection". */
  detectorId: string;
  /** Path within the function's code ("src/app.py"). */
  filePath: string;
  startLine: number;
  endLine: number;
  /** The flagged lines with a little context (1 to 20 lines, each at most 240 characters). */
  snippet: CodeLine[];
  /** What exactly was found. */
  message: string;
  /** Stable identity of the finding within the resource (64 hex digits; see CodeFinding). */
  fingerprint: string;
  /** The Lambda layer the file came from, when it came from one. */
  sourceLambdaLayerArn?: string;
}

export interface SubmittedCode {
  findings: SubmittedCodeFinding[];
}

/** What a submission may hold: a client cannot make the server store megabytes of code. */
export const CODE_LIMITS = {
  findings: 1000,
  snippetLines: 20,
  lineChars: 240,
  message: 1024,
  filePath: 1024,
  /** All snippet text of one submission together, characters. */
  snippetChars: 1_000_000,
} as const;

const FAMILIES: readonly LanguageFamily[] = ["python", "javascript", "typescript"];

/** The detector of an id, when it exists and applies to the id's language. */
export function detectorOfId(detectorId: string) {
  const slash = detectorId.indexOf("/");
  if (slash <= 0) return undefined;
  const family = detectorId.slice(0, slash) as LanguageFamily;
  const det = DETECTOR_BY_KEY.get(detectorId.slice(slash + 1));
  if (!det || !FAMILIES.includes(family) || !det.families.includes(family)) return undefined;
  return { detector: det, family };
}

/** A code scan's results in the submitted form (`vigil scan --code --submit`). */
export function toSubmittedCode(result: Pick<CodeScanResult, "findings">): SubmittedCode {
  return {
    findings: result.findings.map((f) => ({
      detectorId: f.detectorId,
      filePath: f.filePath,
      startLine: f.startLine,
      endLine: f.endLine,
      snippet: f.snippet.lines.map((l) => ({ lineNumber: l.lineNumber, content: l.content })),
      message: f.message,
      fingerprint: f.fingerprint,
    })),
  };
}

/**
 * The engine's CodeFinding of a submitted result, the catalogue's fields filled in (as the scan
 * that produced it would have); undefined for a detector this server does not know.
 */
export function codeFindingOf(s: SubmittedCodeFinding): CodeFinding | undefined {
  const known = detectorOfId(s.detectorId);
  if (!known) return undefined;
  const det = known.detector;
  const nums = det.cwes.map((c) => c.replace(/^CWE-/, ""));
  return {
    detectorId: s.detectorId,
    detectorName: det.name,
    detectorTags: det.tags,
    cwes: det.cwes,
    severity: det.severity,
    title: `CWE-${nums.join(",")} - ${det.name}`,
    description: `${det.description} ${s.message}`.slice(0, 1024),
    remediation: det.remediation,
    referenceUrls: det.references,
    ruleId: ruleIdOf(known.family, det.key),
    language: known.family,
    filePath: s.filePath,
    startLine: s.startLine,
    endLine: s.endLine,
    snippet: { lines: s.snippet },
    message: s.message,
    fingerprint: s.fingerprint,
  };
}

/** The CODE_VULNERABILITY findings of stored code results, each with the result it came from. */
export function codeFindingsOf(
  code: SubmittedCode | undefined,
  ctx: FindingContext,
): { finding: Finding; source: SubmittedCodeFinding }[] {
  const out: { finding: Finding; source: SubmittedCodeFinding }[] = [];
  for (const s of code?.findings ?? []) {
    const cf = codeFindingOf(s);
    if (!cf) continue;
    const finding = toCodeFinding(cf, {
      ...ctx,
      ...(s.sourceLambdaLayerArn ? { sourceLambdaLayerArn: s.sourceLambdaLayerArn } : {}),
    });
    out.push({ finding, source: s });
  }
  return out;
}

/** The BatchGetCodeSnippet `CodeSnippetResult` of a stored result, with its suggested fixes. */
export function snippetResultOf(
  findingArn: string,
  s: Pick<SubmittedCodeFinding, "detectorId" | "startLine" | "endLine" | "snippet">,
): {
  findingArn: string;
  startLine: number;
  endLine: number;
  codeSnippet: CodeLine[];
  suggestedFixes?: SuggestedFix[];
} {
  const fixes = suggestedFixesOf(s.detectorId);
  return {
    findingArn,
    startLine: s.startLine,
    endLine: s.endLine,
    codeSnippet: s.snippet.slice(0, CODE_LIMITS.snippetLines),
    ...(fixes.length > 0 ? { suggestedFixes: fixes } : {}),
  };
}
