import type { Log, ReportingDescriptor, Result } from "sarif";
import { DETECTORS } from "../code/detectors.js";
import type { Finding } from "../findings/finding.js";
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
  const snippets = new Map((result.code?.snippets ?? []).map((sn) => [sn.findingArn, sn]));
  for (const f of result.findings) {
    if (f.type === "CODE_VULNERABILITY" && f.codeVulnerabilityDetails) {
      results.push(codeResult(f, f.codeVulnerabilityDetails, rules, snippets.get(f.findingArn)));
      continue;
    }
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

/** GitHub code scanning's severity scale for rules (security-severity). */
const SECURITY_SEVERITY: Record<string, string> = {
  CRITICAL: "9.5",
  HIGH: "8.0",
  MEDIUM: "5.5",
  LOW: "3.0",
  INFORMATIONAL: "0.0",
  UNTRIAGED: "5.0",
};

/** A code finding: one rule per detector rule, a result located at the flagged lines. */
function codeResult(
  f: Finding,
  d: NonNullable<Finding["codeVulnerabilityDetails"]>,
  rules: Map<string, ReportingDescriptor>,
  snippet: { codeSnippet: { lineNumber: number; content: string }[] } | undefined,
): Result {
  const ruleId = d.ruleId ?? d.detectorId;
  const detector = DETECTORS.find((x) => d.detectorId.endsWith(`/${x.key}`));
  if (!rules.has(ruleId)) {
    const cweTags = d.cwes.map((c) => `external/cwe/${c.toLowerCase()}`);
    rules.set(ruleId, {
      id: ruleId,
      name: d.detectorName.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
        (c ?? "").toUpperCase(),
      ),
      shortDescription: { text: f.title },
      fullDescription: { text: (detector?.description ?? f.description).slice(0, 4000) },
      ...(d.referenceUrls?.[0] ? { helpUri: d.referenceUrls[0] } : {}),
      help: { text: f.remediation.recommendation.text },
      properties: {
        tags: ["security", "code", ...(d.detectorTags ?? []), ...cweTags],
        cwe: d.cwes,
        detectorId: d.detectorId,
        "security-severity": SECURITY_SEVERITY[f.severity] ?? "5.0",
        precision: "high",
      },
    });
  }
  const lines = snippet?.codeSnippet ?? [];
  const flagged = lines.filter(
    (l) => l.lineNumber >= d.filePath.startLine && l.lineNumber <= d.filePath.endLine,
  );
  const message =
    detector && f.description.startsWith(detector.description)
      ? f.description.slice(detector.description.length).trim() || f.title
      : f.description;
  return {
    ruleId,
    ruleIndex: [...rules.keys()].indexOf(ruleId),
    level: LEVEL[f.severity] ?? "warning",
    message: { text: message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: d.filePath.filePath },
          region: {
            startLine: d.filePath.startLine,
            endLine: d.filePath.endLine,
            ...(flagged.length > 0 ? { snippet: { text: flagged.map((l) => l.content).join("\n") } } : {}),
          },
          ...(lines.length > 0
            ? {
                contextRegion: {
                  startLine: lines[0]!.lineNumber,
                  endLine: lines.at(-1)!.lineNumber,
                  snippet: { text: lines.map((l) => l.content).join("\n") },
                },
              }
            : {}),
        },
      },
    ],
    partialFingerprints: { findingArn: f.findingArn },
    properties: { cwe: d.cwes, detectorId: d.detectorId },
  };
}
