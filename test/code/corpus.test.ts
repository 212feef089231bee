/**
 * The code scanner over its corpus: every detector in every language has vulnerable cases
 * (true positives, each marked with an `expect:` comment on the line the finding must name) and
 * fixed cases (sanitised flows, placeholders, safe APIs: no finding at all). The engine must
 * report exactly the expected findings — file, detector and line — nothing more, nothing less.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { DETECTORS } from "../../src/code/detectors.js";
import { type CodeScanResult, scanCode } from "../../src/code/scan.js";
import { caseOf, corpusExpectations, corpusFiles, corpusRoot, expectationsIn, key } from "./expectations.js";

const LANGUAGES = ["python", "javascript", "typescript"] as const;

describe("code scanning corpus", () => {
  const root = corpusRoot();
  let result: CodeScanResult;
  before(async () => {
    result = await scanCode(root);
  });

  it("covers every detector in every language with vulnerable and fixed cases", () => {
    const files = corpusFiles(root);
    for (const lang of LANGUAGES) {
      for (const d of DETECTORS) {
        for (const kind of ["vulnerable", "fixed"] as const) {
          const n = files.filter((f) => f.startsWith(`${lang}/${d.key}/${kind}/`)).length;
          assert.ok(n > 0, `no ${kind} case for ${lang}/${d.key}`);
        }
      }
    }
  });

  it("marks every vulnerable case and no fixed case", () => {
    for (const file of corpusFiles(root)) {
      const c = caseOf(file);
      const expected = expectationsIn(file, readFileSync(join(root, file), "utf8"));
      if (c.kind === "fixed") assert.deepEqual(expected, [], `${file}: fixed cases expect no findings`);
      else assert.ok(expected.length > 0, `${file}: a vulnerable case without an expectation`);
      for (const e of expected) {
        // the expectation names the detector of the directory the case lives in
        assert.equal(e.detectorId, `${c.language}/${c.detector}`, `${file}:${e.line}`);
      }
    }
  });

  it("scans every corpus file without skipping or partial analysis", () => {
    assert.deepEqual(result.files.skipped, []);
    assert.deepEqual(result.files.partial, []);
    assert.equal(result.files.scanned, corpusFiles(root).length);
  });

  it("reports exactly the expected findings (file, detector, line)", () => {
    const actual = result.findings.map((f) =>
      key({ file: f.filePath, detectorId: f.detectorId, line: f.startLine }),
    );
    const expected = corpusExpectations(root).map(key);
    const extra = actual.filter((a) => !expected.includes(a));
    const missing = expected.filter((e) => !actual.includes(e));
    assert.deepEqual(
      { falsePositives: extra, falseNegatives: missing },
      { falsePositives: [], falseNegatives: [] },
    );
    assert.equal(actual.length, new Set(actual).size, "one finding per detector and line");
  });

  it("fills every finding: detector metadata, CWE, severity, snippet around the flagged lines", () => {
    for (const f of result.findings) {
      const d = DETECTORS.find((x) => f.detectorId.endsWith(`/${x.key}`));
      assert.ok(d, f.detectorId);
      assert.equal(f.detectorName, d.name);
      assert.deepEqual(f.cwes, d.cwes);
      assert.equal(f.severity, d.severity);
      assert.equal(f.ruleId, `${f.detectorId}@v1.0`);
      assert.match(f.title, /^CWE-[\d,]+ - /);
      assert.ok(f.description.startsWith(d.description));
      assert.ok(f.remediation.length > 20);
      assert.ok(f.endLine >= f.startLine);
      const lines = f.snippet.lines;
      assert.ok(lines.length > 0 && lines.length <= 20);
      assert.ok(lines.some((l) => l.lineNumber === f.startLine));
      const text = readFileSync(join(root, f.filePath), "utf8").split("\n");
      for (const l of lines) assert.equal(l.content, text[l.lineNumber - 1]);
      assert.match(f.fingerprint, /^[0-9a-f]{64}$/);
    }
    assert.equal(new Set(result.findings.map((f) => f.fingerprint)).size, result.findings.length);
  });

  it("keeps fingerprints when code moves and changes them when the flagged code changes", async () => {
    const file = "python/sql-injection/vulnerable/flask_format.py";
    const text = readFileSync(join(root, file), "utf8");
    const scanText = async (t: string) =>
      (
        await scanCode({
          async *files() {
            yield { path: file, read: async () => Buffer.from(t) };
          },
        })
      ).findings;
    const before = await scanText(text);
    const moved = await scanText(`# a header comment\n\n\n${text.replace("def get_db", "\n\ndef get_db")}`);
    assert.equal(moved.length, before.length);
    assert.deepEqual(
      moved.map((f) => f.fingerprint),
      before.map((f) => f.fingerprint),
    );
    assert.deepEqual(
      moved.map((f) => f.startLine),
      before.map((f) => f.startLine + 5),
    );
    const edited = await scanText(text.replace("rows = db.execute(query)", "result = db.execute(query)"));
    assert.notEqual(edited[0]?.fingerprint, before[0]?.fingerprint);
  });

  it("filters detectors by key or id", async () => {
    const only = await scanCode(join(root, "python"), {
      detectors: ["sql-injection", "python/code-injection"],
    });
    assert.ok(only.findings.length > 0);
    for (const f of only.findings) assert.match(f.detectorId, /^python\/(sql|code)-injection$/);
  });
});
