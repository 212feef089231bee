/**
 * Code findings as inspector2 findings: toCodeFinding's shape and ARN identity, the
 * BatchGetCodeSnippet result, and SARIF for a result mixing package and code findings.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addCodeFindings, codeOnlyResult, codeSnippetOf } from "../../src/code/index.js";
import { type CodeTree, scanCode } from "../../src/code/scan.js";
import { type FindingContext, toCodeFinding } from "../../src/findings/finding.js";
import { toSarif } from "../../src/formats/sarif.js";
import type { ScanTarget } from "../../src/pipeline/scan.js";
import { codeAwareModel, validate } from "./inspector2-model.js";

const SOURCE = `const { exec } = require("child_process");

exports.handler = async (event) => {
  exec("ls " + event.dir);
};
`;

const one = (path: string, text: string): CodeTree => ({
  async *files() {
    yield { path, read: async () => Buffer.from(text) };
  },
});

const ctx = (resourceId: string): FindingContext => ({
  accountId: "123456789012",
  region: "eu-west-1",
  now: "2024-05-01T00:00:00.000Z",
  resource: { type: "AWS_LAMBDA_FUNCTION", id: resourceId, partition: "aws", region: "eu-west-1" },
});

describe("code findings as inspector2 findings", () => {
  it("maps a code finding to CODE_VULNERABILITY with codeVulnerabilityDetails", async () => {
    const { findings } = await scanCode(one("src/index.js", SOURCE));
    assert.equal(findings.length, 1);
    const f = toCodeFinding(findings[0]!, {
      ...ctx("orders"),
      sourceLambdaLayerArn: "arn:aws:lambda:eu-west-1:123456789012:layer:util:3",
    });
    assert.equal(f.type, "CODE_VULNERABILITY");
    assert.equal(f.severity, "CRITICAL");
    assert.equal(f.title, "CWE-77,78,88 - OS command injection");
    assert.match(f.findingArn, /^arn:aws:inspector2:eu-west-1:123456789012:finding\/[0-9a-f]{32}$/);
    assert.equal(f.remediation.recommendation.Url, "https://cwe.mitre.org/data/definitions/78.html");
    assert.deepEqual(f.codeVulnerabilityDetails, {
      cwes: ["CWE-77", "CWE-78", "CWE-88"],
      detectorId: "javascript/os-command-injection",
      detectorName: "OS command injection",
      detectorTags: ["injection", "subprocess", "owasp-top10", "cwe-top25"],
      filePath: { fileName: "index.js", filePath: "src/index.js", startLine: 4, endLine: 4 },
      referenceUrls: [
        "https://cwe.mitre.org/data/definitions/78.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html",
      ],
      ruleId: "javascript/os-command-injection@v1.0",
      sourceLambdaLayerArn: "arn:aws:lambda:eu-west-1:123456789012:layer:util:3",
    });
    assert.equal(f.packageVulnerabilityDetails, undefined);
    const model = codeAwareModel();
    if (model) {
      const { resources: _r, ...rest } = f;
      assert.deepEqual(
        validate(model, "Finding", { ...rest, resources: [] }).filter((e) => !/resources/.test(e)),
        [],
      );
      const snippet = codeSnippetOf(f.findingArn, findings[0]!);
      assert.deepEqual(validate(model, "CodeSnippetResult", snippet), []);
      assert.ok(snippet.codeSnippet.some((l) => l.lineNumber === 4 && l.content.includes("exec(")));
    }
  });

  it("derives the ARN from resource and code, not from line numbers", async () => {
    const arn = async (text: string, resource = "orders") =>
      toCodeFinding((await scanCode(one("src/index.js", text))).findings[0]!, ctx(resource)).findingArn;
    const base = await arn(SOURCE);
    assert.equal(await arn(`// moved down\n\n${SOURCE}`), base);
    assert.equal(
      await arn(SOURCE.replace('exec("ls " + event.dir);', '   exec("ls "   +   event.dir);')),
      base,
    );
    assert.notEqual(await arn(SOURCE, "payments"), base);
    assert.notEqual(await arn(SOURCE.replace('"ls "', '"cat "')), base);
    // two identical flagged lines in one file are two findings
    const twice = await scanCode(one("src/index.js", SOURCE.replace("};", '  exec("ls " + event.dir);\n};')));
    const arns = twice.findings.map((f) => toCodeFinding(f, ctx("orders")).findingArn);
    assert.equal(new Set(arns).size, 2);
    assert.ok(arns.includes(base));
  });

  it("keeps package SARIF intact and adds code results next to it", async () => {
    const code = await scanCode(one("index.js", SOURCE));
    const target: ScanTarget = {
      name: "/srv/app",
      tree: {
        description: "x",
        walk: async () => {},
        stat: async () => undefined,
        readFile: async () => Buffer.alloc(0),
        open: async () => {
          throw new Error("no");
        },
      },
      close: () => {},
    };
    const result = codeOnlyResult(target, code, { now: "2024-05-01T00:00:00.000Z" });
    assert.equal(result.findings.length, 1);
    assert.equal(result.code?.snippets.length, 1);
    const sarif = toSarif(result);
    const r = sarif.runs[0]!.results![0]!;
    assert.equal(r.ruleId, "javascript/os-command-injection@v1.0");
    assert.deepEqual(r.locations?.[0]?.physicalLocation?.region?.startLine, 4);
    assert.equal(r.locations?.[0]?.physicalLocation?.region?.snippet?.text, '  exec("ls " + event.dir);');
    // adding the same scan twice keeps findings sorted most severe first and the summary current
    addCodeFindings(result, code);
    assert.equal(result.findings.length, 2);
    assert.equal(result.code?.scanned, 1);
  });
});
