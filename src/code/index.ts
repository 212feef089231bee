/**
 * Code scanning (CODE_VULNERABILITY findings): the public interface.
 *
 * - `scanCode(target, options)` scans a directory, a function .zip, a FileTree or any CodeTree.
 * - `scanTargetCode(target)` scans an opened scan target (pipeline/scan.ts openTarget) and
 *   `addCodeFindings` / `codeOnlyResult` put the results into a ScanResult as inspector2 findings.
 * - `codeSnippetOf(finding, codeFinding)` is the BatchGetCodeSnippet result for a finding.
 */
import { type Finding, type FindingContext, toCodeFinding } from "../findings/finding.js";
import {
  type CodeScanSummary,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_REGION,
  resourceFor,
  type ScanResult,
  type ScanTarget,
} from "../pipeline/scan.js";
import { severityRank } from "../scoring/cvss.js";
import type { TreeEntry } from "../sources/types.js";
import { type SuggestedFix, suggestedFixesOf } from "./fixes.js";
import {
  type CodeFinding,
  type CodeScanOptions,
  type CodeScanResult,
  codeFilesOf,
  scanCode,
  wantsCodeFile,
} from "./scan.js";

export { allDetectorIds, DETECTORS, type Detector, detectorId, ruleIdOf } from "./detectors.js";
export { type SuggestedFix, suggestedFixesOf } from "./fixes.js";
export { type Language, type LanguageFamily, languageOf } from "./parse.js";
export {
  type CodeFile,
  type CodeFinding,
  type CodeScanOptions,
  type CodeScanResult,
  type CodeTree,
  codeFilesOf,
  inDependencyDir,
  scanCode,
  wantsCodeFile,
} from "./scan.js";
export {
  CODE_LIMITS,
  type CodeLine,
  codeFindingOf,
  codeFindingsOf,
  detectorOfId,
  type SubmittedCode,
  type SubmittedCodeFinding,
  snippetResultOf,
  toSubmittedCode,
} from "./submitted.js";

/** For openTarget's `alsoWants`: the source files code scanning reads. */
export function codeWants(options: CodeScanOptions = {}): (e: TreeEntry) => boolean {
  return (e) => wantsCodeFile(e, options);
}

/** Whether code scanning applies to an opened target (directories and function packages). */
export function supportsCodeScan(target: ScanTarget): boolean {
  return !target.image && !target.presetInventory;
}

/** Code scan of an opened target; a function package's paths are relative to its /var/task. */
export async function scanTargetCode(
  target: ScanTarget,
  options: CodeScanOptions = {},
): Promise<CodeScanResult> {
  if (!supportsCodeScan(target))
    throw new Error(`${target.name}: code scanning applies to directories and function packages only`);
  const files = codeFilesOf(target.tree, {
    ...(options.includeDependencies !== undefined
      ? { includeDependencies: options.includeDependencies }
      : {}),
    ...(target.functionPackage ? { stripPrefix: "var/task/" } : {}),
  });
  return scanCode(files, options);
}

/** What a code scan covered, with the snippet of each finding (`ScanResult.code`). */
export function summaryOf(code: CodeScanResult, findings: readonly Finding[]): CodeScanSummary {
  return {
    ...code.files,
    languages: { ...code.languages },
    bytes: code.bytes,
    snippets: code.findings.map((cf, i) => codeSnippetOf(findings[i]!.findingArn, cf)),
  };
}

/** inspector2 findings for a code scan of one resource, in the order of `code.findings`. */
export function toCodeFindings(code: CodeScanResult, ctx: FindingContext): Finding[] {
  return code.findings.map((cf) => toCodeFinding(cf, ctx));
}

/** Adds a code scan's findings to a scan result (most severe first, as the package findings). */
export function addCodeFindings(
  result: ScanResult,
  code: CodeScanResult,
  options: { accountId?: string; now?: string } = {},
): void {
  const ctx: FindingContext = {
    accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    region: result.resource.region,
    resource: result.resource,
    now: options.now ?? new Date().toISOString(),
  };
  const findings = toCodeFindings(code, ctx);
  result.findings.push(...findings);
  result.findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (b.inspectorScore ?? 0) - (a.inspectorScore ?? 0) ||
      a.title.localeCompare(b.title),
  );
  result.code = summaryOf(code, findings);
}

/** A scan result with code findings only (`vigil scan --code-only`: no inventory, no advisories). */
export function codeOnlyResult(
  target: ScanTarget,
  code: CodeScanResult,
  options: { accountId?: string; region?: string; now?: string; codeMs?: number } = {},
): ScanResult {
  const inventory = { packages: [], warnings: [], entries: 0 };
  const resource = resourceFor(target, inventory, options.region ?? DEFAULT_REGION);
  const fn = resource.details?.["awsLambdaFunction"] as { runtime?: string } | undefined;
  if (fn && fn.runtime === "unknown") {
    const l = code.languages;
    if (l.python > 0 && l.python >= l.javascript + l.typescript) fn.runtime = "python";
    else if (l.javascript + l.typescript > 0) fn.runtime = "nodejs";
  }
  const result: ScanResult = {
    target: target.name,
    resource,
    inventory,
    findings: [],
    matchStats: { packages: 0, unmatchable: 0, evaluated: 0 },
    timings: {
      inventoryMs: 0,
      matchMs: 0,
      ...(options.codeMs !== undefined ? { codeMs: options.codeMs } : {}),
    },
  };
  addCodeFindings(result, code, options);
  return result;
}

/** The BatchGetCodeSnippet `CodeSnippetResult` of a code finding, with the detector's suggested fixes. */
export function codeSnippetOf(
  findingArn: string,
  cf: Pick<CodeFinding, "startLine" | "endLine" | "snippet"> & { detectorId?: string },
): {
  findingArn: string;
  startLine: number;
  endLine: number;
  codeSnippet: { lineNumber: number; content: string }[];
  suggestedFixes?: SuggestedFix[];
} {
  const fixes = cf.detectorId ? suggestedFixesOf(cf.detectorId) : [];
  return {
    findingArn,
    startLine: cf.startLine,
    endLine: cf.endLine,
    codeSnippet: cf.snippet.lines.slice(0, 20),
    ...(fixes.length > 0 ? { suggestedFixes: fixes } : {}),
  };
}
