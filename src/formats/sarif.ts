import type { Log, ReportingDescriptor, Result } from "sarif";
import type { ScanResult } from "../pipeline/scan.js";
import { packageOfFinding, VIGIL_VERSION } from "./common.js";

const LEVEL: Record<string, Result.level> = {
  CRITICAL: "error",
  HIGH: "error",
  MEDIUM: "warning",
  LOW: "note",
  INFORMATIONAL: "note",
  UNTRIAGED: "warning",
};

/** SARIF 2.1.0: one rule per vulnerability, one result per vulnerable package occurrence. */
export function toSarif(result: ScanResult): Log {
  const rules = new Map<string, ReportingDescriptor>();
  const results: Result[] = [];
  for (const f of result.findings) {
    const d = f.packageVulnerabilityDetails;
    const vp = d.vulnerablePackages[0]!;
    if (!rules.has(d.vulnerabilityId)) {
      rules.set(d.vulnerabilityId, {
        id: d.vulnerabilityId,
        name: d.vulnerabilityId.replace(/[^A-Za-z0-9]/g, ""),
        shortDescription: { text: f.title },
        fullDescription: { text: f.description.slice(0, 4000) },
        ...(d.sourceUrl ? { helpUri: d.sourceUrl } : {}),
        help: { text: f.remediation.recommendation.text },
        properties: {
          tags: ["security", "vulnerability", f.severity],
          ...(f.inspectorScore !== undefined ? { "security-severity": f.inspectorScore.toFixed(1) } : {}),
        },
      });
    }
    const pkg = packageOfFinding(f, result.inventory.packages);
    const installed = pkg?.version ?? vp.version;
    results.push({
      ruleId: d.vulnerabilityId,
      ruleIndex: [...rules.keys()].indexOf(d.vulnerabilityId),
      level: LEVEL[f.severity] ?? "warning",
      message: {
        text: `${vp.name} ${installed} is affected by ${d.vulnerabilityId} (${f.severity}); ${
          vp.fixedInVersion === "NotAvailable" ? "no fix is available" : `fixed in ${vp.fixedInVersion}`
        }.`,
      },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: (vp.filePath ?? "").replace(/!\//g, "/") } },
          ...(pkg?.purl ? { logicalLocations: [{ name: pkg.purl, kind: "package" }] } : {}),
        },
      ],
      partialFingerprints: { findingArn: f.findingArn },
    });
  }
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "vigil",
            version: VIGIL_VERSION,
            informationUri: "https://github.com/vigil",
            rules: [...rules.values()],
          },
        },
        results,
      },
    ],
  };
}
