/**
 * Findings checked against the inspector2 service model that ships with Debian's awscli
 * (botocore's service-2.json): every member known, every required member present, enums and
 * scalar types respected.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Finding } from "../../src/findings/finding.js";
import { serviceModelValidator } from "../support/botocore.js";
import { runVigil } from "../support/cli.js";
import { debianGoPrograms, vulndataDir } from "../support/fixtures.js";

/** Members newer than Debian's model that the current AWS SDK's Finding type has. */
const NEWER_MEMBERS = new Set(["Finding.epss"]);

describe("findings in the inspector2 shape", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "vigil-shape-"));
    const r = runVigil(["--quiet", "--data-dir", dataDir, "db", "update", "--mirror", vulndataDir]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("every finding of a real scan validates against the service model", () => {
    const r = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", "json", debianGoPrograms()]);
    assert.equal(r.status, 0, r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    assert.ok(findings.length > 0);
    const check = serviceModelValidator("inspector2", "Finding", { newer: NEWER_MEMBERS });
    const errors = findings.flatMap((f, i) => check(f, `findings[${i}]`));
    assert.deepEqual(errors.slice(0, 20), []);
    // ARNs are stable: the same scan again yields the same finding ids.
    const again = JSON.parse(
      runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", "json", debianGoPrograms()]).stdout,
    ) as {
      findings: Finding[];
    };
    assert.deepEqual(
      again.findings.map((f) => f.findingArn).sort(),
      findings.map((f) => f.findingArn).sort(),
    );
    assert.equal(new Set(findings.map((f) => f.findingArn)).size, findings.length);
  });
});
