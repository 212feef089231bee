import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { cvssBaseScore, severityOfScore } from "../../src/scoring/cvss.js";

const samples = resolve(import.meta.dirname, "../../../shared/vulndata/samples");

interface NvdMetric {
  cvssData: { version: string; vectorString: string; baseScore: number };
}

/** Every CVSS metric NVD published in the sample pages, with NVD's own base score. */
function nvdMetrics(): NvdMetric[] {
  const out: NvdMetric[] = [];
  for (const file of ["nvd-full-page.json", "nvd-single-entry.json"]) {
    const page = JSON.parse(readFileSync(resolve(samples, file), "utf8"));
    for (const v of page.vulnerabilities) {
      for (const [key, list] of Object.entries(v.cve.metrics ?? {})) {
        if (key.startsWith("cvssMetricV2") || key.startsWith("cvssMetricV3"))
          out.push(...(list as NvdMetric[]));
      }
    }
  }
  return out;
}

describe("CVSS base scores", () => {
  it("agree with every score NVD published in the samples (v2, v3.0, v3.1)", () => {
    const metrics = nvdMetrics();
    assert.ok(metrics.length >= 50, `only ${metrics.length} metrics in the samples`);
    const versions = new Set(metrics.map((m) => m.cvssData.version));
    assert.ok(versions.has("2.0") && versions.has("3.1"), [...versions].join(","));
    const wrong = metrics
      .map((m) => ({ m, got: cvssBaseScore(m.cvssData.vectorString)?.baseScore }))
      .filter(({ m, got }) => got !== m.cvssData.baseScore)
      .map(({ m, got }) => `${m.cvssData.vectorString}: NVD ${m.cvssData.baseScore}, ours ${got}`);
    assert.deepEqual(wrong, []);
  });

  it("scores textbook vectors", () => {
    assert.equal(cvssBaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?.baseScore, 9.8);
    assert.equal(cvssBaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")?.baseScore, 10);
    assert.equal(cvssBaseScore("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N")?.baseScore, 0);
    assert.equal(cvssBaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P")?.baseScore, 7.5);
  });

  it("rejects what it cannot score", () => {
    assert.equal(cvssBaseScore("CVSS:3.1/AV:N/AC:L"), undefined);
    assert.equal(cvssBaseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"), undefined);
    assert.equal(cvssBaseScore("garbage"), undefined);
  });

  it("maps scores onto the qualitative scale", () => {
    assert.equal(severityOfScore(9.0), "CRITICAL");
    assert.equal(severityOfScore(8.9), "HIGH");
    assert.equal(severityOfScore(4.0), "MEDIUM");
    assert.equal(severityOfScore(0.1), "LOW");
    assert.equal(severityOfScore(0), "INFORMATIONAL");
  });
});
