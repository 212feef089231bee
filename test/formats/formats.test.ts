/**
 * Output formats checked against their published schemas where one ships in a package
 * (CycloneDX 1.5 from @cyclonedx/cyclonedx-library), SBOM input read from Trivy's real CycloneDX
 * of a debootstrap rootfs, and round trips through our own SBOMs.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Log } from "sarif";
import { readSbom } from "../../src/formats/sbom-input.js";
import { runVigil } from "../support/cli.js";
import { debianGoPrograms, debootstrapRootfs, trivyBinary, vulndataDir } from "../support/fixtures.js";

const require = createRequire(import.meta.url);
// ajv ships CommonJS with a default export; load it the CommonJS way.
const Ajv = require("ajv").default as typeof import("ajv").default;
const addFormats = require("ajv-formats").default as typeof import("ajv-formats").default;

function cycloneDxValidator(): (doc: unknown) => string[] {
  const dir = join(dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")), "res/schema");
  const load = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // The BOM schema refers to these by names relative to its own $id.
  for (const f of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
    const { $id: _id, ...schema } = load(f);
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${f}`);
  }
  const validate = ajv.compile(load("bom-1.5.SNAPSHOT.schema.json"));
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe("output formats and SBOM input", () => {
  let dataDir: string;
  let work: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "vigil-formats-"));
    work = mkdtempSync(join(tmpdir(), "vigil-formats-work-"));
    const r = runVigil(["--quiet", "--data-dir", dataDir, "db", "update", "--mirror", vulndataDir]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const scan = (target: string, format: string) => {
    const r = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", format, target]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  it("CycloneDX 1.5 with VEX validates against the official schema and reads back to the same scan", () => {
    const target = debianGoPrograms();
    const bom = scan(target, "cyclonedx");
    assert.deepEqual(cycloneDxValidator()(bom), []);
    const direct = scan(target, "json") as {
      findings: { packageVulnerabilityDetails: { vulnerabilityId: string } }[];
    };
    assert.ok(bom.vulnerabilities.length > 20);
    const ids = (list: { packageVulnerabilityDetails: { vulnerabilityId: string } }[]) =>
      [...new Set(list.map((f) => f.packageVulnerabilityDetails.vulnerabilityId))].sort();
    assert.deepEqual(bom.vulnerabilities.map((v: { id: string }) => v.id).sort(), ids(direct.findings));
    // Scanning our own SBOM gives the same vulnerabilities.
    const file = join(work, "bom.json");
    writeFileSync(file, JSON.stringify(bom));
    assert.deepEqual(ids(scan(file, "json").findings), ids(direct.findings));
  });

  it("SARIF 2.1.0: a rule per vulnerability, a located result per finding", () => {
    const target = debianGoPrograms();
    const sarif = scan(target, "sarif") as Log;
    const direct = scan(target, "json") as { findings: unknown[] };
    assert.equal(sarif.version, "2.1.0");
    const run = sarif.runs[0]!;
    assert.equal(run.tool.driver.name, "vigil");
    assert.equal(run.results?.length, direct.findings.length);
    const rules = run.tool.driver.rules ?? [];
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const r of run.results ?? []) {
      assert.equal(rules[r.ruleIndex!]?.id, r.ruleId);
      assert.match(
        r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? "",
        /^usr\/bin\/(skopeo|docker-registry)$/,
      );
      assert.ok(["error", "warning", "note"].includes(r.level!));
    }
  });

  it("SPDX 2.3 reads back to the same packages", () => {
    const target = debianGoPrograms();
    const spdx = scan(target, "spdx");
    assert.equal(spdx.spdxVersion, "SPDX-2.3");
    const file = join(work, "spdx.json");
    writeFileSync(file, JSON.stringify(spdx));
    const inv = readSbom(readFileSync(file, "utf8"), "spdx.json");
    assert.deepEqual(inv.packages.map((p) => `${p.name}@${p.version}`).sort(), [
      "stdlib@1.19.8",
      "stdlib@1.19.8",
    ]);
  });

  it("reads Trivy's CycloneDX of a debootstrap rootfs to the same packages and findings as scanning the rootfs", () => {
    const rootfs = debootstrapRootfs("bullseye");
    const trivySbom = join(work, "trivy.json");
    execFileSync(
      trivyBinary(),
      [
        "rootfs",
        "--quiet",
        "--format",
        "cyclonedx",
        "--offline-scan",
        "--skip-db-update",
        "--output",
        trivySbom,
        rootfs,
      ],
      {
        env: { ...process.env, TRIVY_CACHE_DIR: join(work, "trivy-cache") },
        stdio: "pipe",
      },
    );
    const inv = readSbom(readFileSync(trivySbom, "utf8"), "trivy.json");
    assert.equal(inv.os?.ecosystem, "Debian:11");
    const direct = scan(rootfs, "json") as {
      inventory: { packages: { type: string; name: string; version: string; source?: { name: string } }[] };
      findings: { title: string }[];
    };
    const key = (p: { name: string; version: string; source?: { name: string } }) =>
      `${p.name}@${p.version}<${p.source?.name ?? p.name}`;
    assert.deepEqual(
      inv.packages.map(key).sort(),
      direct.inventory.packages
        .filter((p) => p.type === "deb")
        .map(key)
        .sort(),
    );
    const viaSbom = scan(trivySbom, "json") as { findings: { title: string }[] };
    assert.deepEqual(viaSbom.findings.map((f) => f.title).sort(), direct.findings.map((f) => f.title).sort());
  });

  it("names what it cannot read", () => {
    assert.throws(
      () => readSbom("{}", "x.json"),
      /neither a CycloneDX BOM \(bomFormat\) nor an SPDX document/,
    );
    assert.throws(() => readSbom("{ not json", "x.json"), /malformed JSON/);
    const inv = readSbom(
      JSON.stringify({
        bomFormat: "CycloneDX",
        specVersion: "1.6",
        components: [{ name: "nopurl" }, { name: "odd", purl: "pkg:swift/x/y@1" }],
      }),
      "x.json",
    );
    assert.deepEqual(inv.packages, []);
    assert.equal(inv.warnings.length, 2);
  });
});
