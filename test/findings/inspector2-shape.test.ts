/**
 * Findings checked against the inspector2 service model that ships with Debian's awscli
 * (botocore's service-2.json): every member known, every required member present, enums and
 * scalar types respected.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Finding } from "../../src/findings/finding.js";
import { runVigil } from "../support/cli.js";
import { debianGoPrograms, vulndataDir } from "../support/fixtures.js";

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
}

function serviceModel(): { shapes: Record<string, Shape> } {
  const path = execFileSync(
    "bash",
    ["-c", "ls /usr/lib/python3/dist-packages/awscli/botocore/data/inspector2/*/service-2.json | tail -1"],
    {
      encoding: "utf8",
    },
  ).trim();
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Members newer than Debian's model that the current AWS SDK's Finding type has. */
const NEWER_MEMBERS = new Set(["Finding.epss"]);

function validate(
  shapes: Record<string, Shape>,
  shapeName: string,
  value: unknown,
  path: string,
  errors: string[],
): void {
  const shape = shapes[shapeName];
  if (!shape) {
    errors.push(`${path}: unknown shape ${shapeName}`);
    return;
  }
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        errors.push(`${path}: expected an object`);
        return;
      }
      for (const r of shape.required ?? [])
        if (!(r in value)) errors.push(`${path}.${r}: required member missing`);
      for (const [k, v] of Object.entries(value)) {
        const m = shape.members?.[k];
        if (!m) {
          if (!NEWER_MEMBERS.has(`${shapeName}.${k}`))
            errors.push(`${path}.${k}: not a member of ${shapeName}`);
          continue;
        }
        validate(shapes, m.shape, v, `${path}.${k}`, errors);
      }
      return;
    }
    case "list":
      if (!Array.isArray(value)) errors.push(`${path}: expected a list`);
      else
        value.forEach((v, i) => {
          validate(shapes, shape.member!.shape, v, `${path}[${i}]`, errors);
        });
      return;
    case "map":
      if (typeof value !== "object" || value === null) errors.push(`${path}: expected a map`);
      else
        for (const [k, v] of Object.entries(value))
          validate(shapes, shape.value!.shape, v, `${path}.${k}`, errors);
      return;
    case "string":
      if (typeof value !== "string") errors.push(`${path}: expected a string`);
      else if (shape.enum && !shape.enum.includes(value))
        errors.push(`${path}: ${value} is not one of ${shape.enum.join(",")}`);
      return;
    case "double":
    case "integer":
    case "long":
      if (typeof value !== "number") errors.push(`${path}: expected a number`);
      return;
    case "timestamp":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
        errors.push(`${path}: expected a timestamp`);
      return;
    case "boolean":
      if (typeof value !== "boolean") errors.push(`${path}: expected a boolean`);
      return;
  }
}

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
    const { shapes } = serviceModel();
    const errors: string[] = [];
    findings.forEach((f, i) => {
      validate(shapes, "Finding", f, `findings[${i}]`, errors);
    });
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
