import { z } from "zod";
import { codeFindingsOf, type SubmittedCodeFinding, snippetResultOf } from "../code/submitted.js";
import type { Finding } from "../findings/finding.js";
import type { VigilService } from "../service/service.js";
import type { Operation } from "./operations.js";

/**
 * Code scanning operations: inspector2's BatchGetCodeSnippet. Snippets are not stored with the
 * findings: they come from the code scanning results stored with the resource's latest
 * inventory (SubmittedInventory.code), matched to the finding by its ARN (derived from the
 * resource and the result's fingerprint). A finding whose code is no longer in that inventory
 * (fixed, removed) has no snippet any more: CODE_SNIPPET_NOT_FOUND.
 */
export const BatchGetCodeSnippetRequest = z.strictObject({
  findingArns: z.array(z.string().min(1).max(100)).min(1).max(10),
});

/** The finding ARNs this API issues (any region name, as a Vigil server's region is configurable). */
const FINDING_ARN = /^arn:[\w-]+:inspector2:[\w-]*:(\d{12}):finding\/[0-9a-f]{32}$/;

export interface CodeSnippetResult {
  findingArn: string;
  startLine: number;
  endLine: number;
  codeSnippet: { lineNumber: number; content: string }[];
  suggestedFixes?: { description: string; code: string }[];
}

export interface CodeSnippetError {
  findingArn: string;
  errorCode: "INTERNAL_ERROR" | "ACCESS_DENIED" | "CODE_SNIPPET_NOT_FOUND" | "INVALID_INPUT";
  errorMessage: string;
}

/** The last part of a finding ARN: what identifies the finding within its account and region. */
const findingKey = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

/**
 * The stored code results behind code findings: for each finding, the result of its resource's
 * latest inventory that produces it (undefined when the inventory no longer holds it). One
 * inventory read per resource.
 */
export async function storedCodeResults(
  service: VigilService,
  findings: readonly Finding[],
): Promise<Map<string, SubmittedCodeFinding>> {
  const out = new Map<string, SubmittedCodeFinding>();
  const byResource = new Map<string, Finding[]>();
  for (const f of findings) {
    const r = f.resources[0];
    if (f.type !== "CODE_VULNERABILITY" || !r) continue;
    const k = `${f.awsAccountId}\0${r.id}`;
    byResource.set(k, [...(byResource.get(k) ?? []), f]);
  }
  for (const [k, fs] of byResource) {
    const [accountId, resourceId] = k.split("\0") as [string, string];
    const inventory = await service.inventoryOf(accountId, resourceId);
    if (!inventory?.code) continue;
    const first = fs[0]!;
    // Only the ARN's key matters here: it depends on the resource id and the fingerprint.
    const results = codeFindingsOf(inventory.code, {
      accountId,
      region: first.resources[0]!.region,
      resource: first.resources[0]!,
      now: first.updatedAt,
    });
    const byKey = new Map(results.map((r) => [findingKey(r.finding.findingArn), r.source]));
    for (const f of fs) {
      const source = byKey.get(findingKey(f.findingArn));
      if (source) out.set(f.findingArn, source);
    }
  }
  return out;
}

/** BatchGetCodeSnippet for a caller who sees `visible` accounts. */
export async function batchGetCodeSnippet(
  service: VigilService,
  callerAccountId: string,
  arns: readonly string[],
): Promise<{ codeSnippetResults: CodeSnippetResult[]; errors: CodeSnippetError[] }> {
  const visible = await service.organizations.visibleAccounts(callerAccountId);
  const errors: CodeSnippetError[] = [];
  const wanted: string[] = [];
  for (const arn of new Set(arns)) {
    const account = FINDING_ARN.exec(arn)?.[1];
    if (!account)
      errors.push({
        findingArn: arn,
        errorCode: "INVALID_INPUT",
        errorMessage: `${arn} is not a finding ARN (arn:aws:inspector2:<region>:<account>:finding/<32 hex digits>)`,
      });
    else if (!visible.includes(account))
      errors.push({
        findingArn: arn,
        errorCode: "ACCESS_DENIED",
        errorMessage: `account ${callerAccountId} cannot access finding ${arn}`,
      });
    else wanted.push(arn);
  }
  const found = wanted.length
    ? await service.getFindings(visible.length === 1 ? visible[0]! : visible, wanted)
    : new Map<string, Finding>();
  const sources = await storedCodeResults(service, [...found.values()]);
  const codeSnippetResults: CodeSnippetResult[] = [];
  for (const arn of wanted) {
    const f = found.get(arn);
    const source = sources.get(arn);
    if (f && source) {
      codeSnippetResults.push(snippetResultOf(arn, source));
      continue;
    }
    errors.push({
      findingArn: arn,
      errorCode: "CODE_SNIPPET_NOT_FOUND",
      errorMessage: !f
        ? `finding ${arn} not found`
        : f.type !== "CODE_VULNERABILITY"
          ? `finding ${arn} is a ${f.type} finding; code snippets belong to CODE_VULNERABILITY findings`
          : `the code of finding ${arn} is no longer in the latest code scan of ${f.resources[0]?.id ?? "its resource"}`,
    });
  }
  return { codeSnippetResults, errors };
}

export const codeOperations: Operation[] = [
  {
    name: "BatchGetCodeSnippet",
    method: "POST",
    path: "/codesnippet/batchget",
    input: BatchGetCodeSnippetRequest,
    writes: false,
    async handler(ctx) {
      const { findingArns } = ctx.body as z.infer<typeof BatchGetCodeSnippetRequest>;
      return batchGetCodeSnippet(ctx.service, ctx.principal.accountId, findingArns);
    },
  },
];
