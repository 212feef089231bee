/**
 * Every CVSS vector in the real NVD CVE API 2.0 samples scores exactly as NVD published it: the
 * base score and, where NVD gives them, the exploitability and impact sub-scores and the severity.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CvssVersion, scoreCvss } from "../../src/scoring/cvss.js";
import { vulndataDir } from "../support/fixtures.js";

interface NvdMetric {
  cvssData: { version: string; vectorString: string; baseScore: number; baseSeverity?: string };
  baseSeverity?: string;
  exploitabilityScore?: number;
  impactScore?: number;
}

const KEYS: Record<string, CvssVersion> = {
  cvssMetricV2: "2.0",
  cvssMetricV30: "3.0",
  cvssMetricV31: "3.1",
  cvssMetricV40: "4.0",
};

function nvdMetrics(): { key: string; metric: NvdMetric }[] {
  const out: { key: string; metric: NvdMetric }[] = [];
  for (const file of ["nvd-full-page.json", "nvd-single-entry.json"]) {
    const page = JSON.parse(readFileSync(join(vulndataDir, "samples", file), "utf8"));
    for (const v of page.vulnerabilities) {
      for (const [key, list] of Object.entries(v.cve.metrics ?? {})) {
        for (const metric of list as NvdMetric[]) out.push({ key, metric });
      }
    }
  }
  return out;
}

describe("CVSS scores against NVD's published scores", () => {
  it("every vector in the NVD samples, per version", (t) => {
    const all = nvdMetrics();
    const counts: Partial<Record<CvssVersion, number>> = {};
    const wrong: string[] = [];
    for (const { key, metric } of all) {
      const version = KEYS[key];
      assert.ok(version, `unexpected NVD metric list ${key}`);
      const { vectorString, baseScore } = metric.cvssData;
      assert.equal(metric.cvssData.version, version, vectorString);
      const r = scoreCvss(vectorString);
      counts[version] = (counts[version] ?? 0) + 1;
      const expect = (what: string, ours: number | string | undefined, nvd: number | string | undefined) => {
        if (nvd !== undefined && ours !== nvd)
          wrong.push(`${vectorString} ${what}: NVD ${nvd}, ours ${ours}`);
      };
      assert.equal(r.version, version, vectorString);
      expect("base", r.baseScore, baseScore);
      expect("exploitability", r.exploitabilitySubScore, metric.exploitabilityScore);
      expect("impact", r.impactSubScore, metric.impactScore);
      // NVD's v2 severities use v2's own three bands; v3/v4 use the qualitative scale we follow.
      const nvdSeverity = metric.cvssData.baseSeverity;
      if (version !== "2.0" && nvdSeverity) {
        expect("severity", r.severity, nvdSeverity === "NONE" ? "INFORMATIONAL" : nvdSeverity);
      }
      // NVD prints vectors in canonical order, v2 without prefix: normalizing changes nothing.
      expect("normalized vector", r.vector, vectorString);
    }
    t.diagnostic(`NVD vectors checked: ${JSON.stringify(counts)}`);
    assert.deepEqual(wrong, []);
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      all.length,
    );
    const present = new Set(all.map((m) => KEYS[m.key]));
    for (const version of present) assert.ok((counts[version!] ?? 0) > 0, `no ${version} vector checked`);
    // The samples hold v2 and v3.1 metrics (no v3.0/v4.0; those are covered by the other tests).
    assert.ok((counts["2.0"] ?? 0) >= 1 && (counts["3.1"] ?? 0) >= 40, JSON.stringify(counts));
  });
});
