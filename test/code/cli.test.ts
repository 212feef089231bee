/**
 * `vigil scan --code` / `--code-only` end to end: SARIF for code results (rules with CWE tags,
 * results located at file, lines and snippet), inspector2 CODE_VULNERABILITY findings that
 * validate against the service model with stable ARNs, and a function package zip built here
 * with both package and code findings.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CodeVulnerabilityDetails } from "@aws-sdk/client-inspector2";
import type { Log } from "sarif";
import type { Finding } from "../../src/findings/finding.js";
import type { CodeScanSummary } from "../../src/pipeline/scan.js";
import { makeZip } from "../advisories/helpers.js";
import { runVigil } from "../support/cli.js";
import { vulndataDir } from "../support/fixtures.js";
import { corpusExpectations, corpusRoot, key } from "./expectations.js";
import { codeAwareModel, validate } from "./inspector2-model.js";

interface JsonReport {
  resource: { type: string; id: string; details?: Record<string, Record<string, unknown>> };
  findings: Finding[];
  code?: CodeScanSummary;
}

const LAMBDA = `import os
import subprocess


def lambda_handler(event, context):
    name = event["name"]
    subprocess.run("echo " + name, shell=True)
    return {"ok": True}
`;

describe("vigil scan --code", () => {
  let work: string;
  let dataDir: string;
  const root = corpusRoot();

  before(() => {
    work = mkdtempSync(join(tmpdir(), "vigil-code-cli-"));
    dataDir = mkdtempSync(join(tmpdir(), "vigil-code-cli-db-"));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const vigil = (args: string[], status = 0) => {
    const r = runVigil(["--quiet", "--data-dir", dataDir, ...args]);
    assert.equal(r.status, status, r.stderr);
    return r;
  };

  it("writes SARIF 2.1.0 with a rule per detector and located results with snippets", () => {
    const sarif = JSON.parse(vigil(["scan", "--code-only", "--format", "sarif", root]).stdout) as Log;
    assert.equal(sarif.version, "2.1.0");
    const run = sarif.runs[0]!;
    const rules = run.tool.driver.rules ?? [];
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const rule of rules) {
      assert.match(rule.id, /^(python|javascript|typescript)\/[a-z-]+@v1\.0$/);
      assert.ok(rule.shortDescription?.text && rule.fullDescription?.text && rule.help?.text);
      const cwes = rule.properties?.["cwe"] as string[];
      assert.ok(cwes.length > 0 && cwes.every((c) => /^CWE-\d+$/.test(c)));
      const tags = rule.properties?.tags ?? [];
      for (const c of cwes)
        assert.ok(tags.includes(`external/cwe/${c.toLowerCase()}`), `${rule.id} tags ${c}`);
      assert.match(String(rule.properties?.["security-severity"]), /^\d+\.\d$/);
    }
    const results = run.results ?? [];
    const expected = corpusExpectations(root).map(key).sort();
    const actual: string[] = [];
    for (const r of results) {
      assert.equal(rules[r.ruleIndex!]?.id, r.ruleId);
      assert.ok(["error", "warning", "note"].includes(r.level!));
      assert.ok(r.message.text && r.message.text.length > 10);
      const loc = r.locations?.[0]?.physicalLocation;
      const uri = loc?.artifactLocation?.uri ?? "";
      assert.ok(uri && !uri.startsWith("/"), `relative uri: ${uri}`);
      const region = loc?.region;
      assert.ok(region && Number.isInteger(region.startLine) && region.endLine! >= region.startLine!);
      const lines = readFileSync(join(root, uri), "utf8").split("\n");
      assert.equal(region.snippet?.text, lines.slice(region.startLine! - 1, region.endLine!).join("\n"));
      assert.ok(loc?.contextRegion?.snippet?.text?.includes(region.snippet!.text!));
      assert.match(
        String(r.partialFingerprints?.["findingArn"]),
        /^arn:aws:inspector2:local:000000000000:finding\//,
      );
      const detectorId = r.ruleId!.replace(/@v1\.0$/, "");
      actual.push(key({ file: uri, detectorId, line: region.startLine! }));
    }
    assert.deepEqual(actual.sort(), expected);
  });

  it("emits CODE_VULNERABILITY findings in the inspector2 shape, with stable ARNs and snippets", () => {
    const report = () =>
      JSON.parse(vigil(["scan", "--code-only", "--format", "json", root]).stdout) as JsonReport;
    const first = report();
    const findings = first.findings;
    assert.equal(findings.length, corpusExpectations(root).length);
    for (const f of findings) {
      assert.equal(f.type, "CODE_VULNERABILITY");
      assert.equal(f.status, "ACTIVE");
      const d = f.codeVulnerabilityDetails!;
      assert.equal(d.filePath.fileName, d.filePath.filePath.split("/").at(-1));
      assert.equal(f.resources[0]?.type, "AWS_EC2_INSTANCE");
    }
    assert.equal(new Set(findings.map((f) => f.findingArn)).size, findings.length);
    assert.deepEqual(
      report().findings.map((f) => f.findingArn),
      findings.map((f) => f.findingArn),
    );
    // one snippet per finding, as BatchGetCodeSnippet returns it
    const snippets = first.code!.snippets;
    assert.deepEqual(snippets.map((s) => s.findingArn).sort(), findings.map((f) => f.findingArn).sort());
    // The details are the SDK's CodeVulnerabilityDetails (checked by the type checker in `npm test`'s lint).
    const details: CodeVulnerabilityDetails[] = findings.map((f) => f.codeVulnerabilityDetails!);
    assert.ok(details.every((d) => d.detectorId && d.filePath?.filePath && (d.cwes?.length ?? 0) > 0));
    // Where a botocore model with the code shapes is installed (Debian's awscli 2.9 predates them),
    // the whole finding is also checked against it.
    const model = codeAwareModel();
    if (model) {
      const errors = findings.flatMap((f, i) => validate(model, "Finding", f, `findings[${i}]`));
      assert.deepEqual(errors.slice(0, 20), []);
      const snippetErrors = snippets.flatMap((s, i) =>
        validate(model, "CodeSnippetResult", s, `snippets[${i}]`),
      );
      assert.deepEqual(snippetErrors.slice(0, 20), []);
    }
  });

  it("prints code findings in the table and fails on them with --fail-on", () => {
    const dir = join(work, "app");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "handler.py"), LAMBDA);
    const r = runVigil(["--data-dir", dataDir, "scan", "--code-only", "--fail-on", "high", dir]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /Code: 1 files scanned/);
    assert.match(r.stdout, /python\/os-command-injection/);
    assert.match(r.stdout, /handler\.py:7/);
    assert.doesNotMatch(r.stdout, /Packages:/);
  });

  it("scans a function package zip: package and code findings, dependencies skipped by default", () => {
    assert.equal(
      runVigil(["--quiet", "--data-dir", dataDir, "db", "update", "--mirror", vulndataDir]).status,
      0,
    );
    const zip = join(work, "orders-fn.zip");
    writeFileSync(
      zip,
      makeZip([
        { name: "lambda_function.py", data: LAMBDA },
        { name: "requirements.txt", data: "requests==2.19.0\n" },
        { name: "lib/util.js", data: "exports.handler = async (event) => eval(event.code);\n" },
        { name: "node_modules/dep/index.js", data: "exports.handler = async (event) => eval(event.code);\n" },
        {
          name: "python/site-packages/dep/x.py",
          data: "def handler(event, context):\n    eval(event['x'])\n",
        },
        { name: "big.py", data: `# ${"x".repeat(1100 * 1024)}\n` },
      ]),
    );
    const report = JSON.parse(vigil(["scan", "--code", "--format", "json", zip]).stdout) as JsonReport;
    assert.equal(report.resource.type, "AWS_LAMBDA_FUNCTION");
    const types = new Set(report.findings.map((f) => f.type));
    assert.ok(types.has("PACKAGE_VULNERABILITY"), "package findings from requirements.txt");
    const code = report.findings.filter((f) => f.type === "CODE_VULNERABILITY");
    assert.deepEqual(
      code
        .map(
          (f) =>
            `${f.codeVulnerabilityDetails!.filePath.filePath}:${f.codeVulnerabilityDetails!.filePath.startLine} ${f.codeVulnerabilityDetails!.detectorId}`,
        )
        .sort(),
      ["lambda_function.py:7 python/os-command-injection", "lib/util.js:1 javascript/code-injection"],
    );
    assert.equal(report.code?.scanned, 2);
    // big.py is not retained from the zip: over the size limit, so never offered to the scanner
    const withDeps = JSON.parse(
      vigil(["scan", "--code-only", "--code-include-dependencies", "--format", "json", zip]).stdout,
    ) as JsonReport;
    assert.equal(withDeps.code?.scanned, 4);
    assert.equal(withDeps.resource.details?.["awsLambdaFunction"]?.["runtime"], "python");
    // SBOM formats leave code findings out rather than failing on them
    const bom = JSON.parse(vigil(["scan", "--code", "--format", "cyclonedx", zip]).stdout) as {
      vulnerabilities: unknown[];
    };
    assert.ok(bom.vulnerabilities.length > 0);
  });

  it("refuses --code-only with --submit", () => {
    const r = runVigil([
      "--data-dir",
      dataDir,
      "scan",
      "--code-only",
      "--submit",
      "http://127.0.0.1:9",
      root,
    ]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--submit.*--code-only|--code-only/);
  });
});
