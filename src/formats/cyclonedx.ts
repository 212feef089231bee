import { randomUUID } from "node:crypto";
import type { Package } from "../extractors/types.js";
import type { ScanResult } from "../pipeline/scan.js";
import { packageOfFinding, refOf, VIGIL_VERSION } from "./common.js";

const SEVERITY: Record<string, string> = {
  CRITICAL: "critical",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
  INFORMATIONAL: "info",
  UNTRIAGED: "unknown",
};

/**
 * CycloneDX 1.5 JSON: the inventory as components (bom-ref per package occurrence) and the
 * findings as a VEX `vulnerabilities` list pointing at them.
 */
export function toCycloneDx(result: ScanResult): Record<string, unknown> {
  const packages = result.inventory.packages;
  const refs = new Map<Package, string>();
  packages.forEach((p, i) => {
    refs.set(p, refOf(p, i));
  });
  const components = packages.map((p) => {
    const c: Record<string, unknown> = {
      "bom-ref": refs.get(p),
      type: p.type === "deb" || p.type === "rpm" || p.type === "apk" ? "library" : "library",
      name: p.name,
      version: p.version,
    };
    if (p.purl) c["purl"] = p.purl;
    const properties = [
      { name: "vigil:location", value: p.location },
      { name: "vigil:extractor", value: p.extractor },
    ];
    if (p.layerDigest) properties.push({ name: "vigil:layer", value: p.layerDigest });
    if (p.source && p.source.name !== p.name) properties.push({ name: "vigil:source", value: p.source.name });
    c["properties"] = properties;
    return c;
  });
  const os = result.inventory.os;
  if (os) {
    components.push({ "bom-ref": "os", type: "operating-system", name: os.id, version: os.versionId ?? "" });
  }
  const byId = new Map<string, Record<string, unknown>>();
  for (const f of result.findings) {
    const d = f.packageVulnerabilityDetails;
    const pkg = packageOfFinding(f, packages);
    const ref = pkg ? refs.get(pkg) : undefined;
    let v = byId.get(d.vulnerabilityId);
    if (!v) {
      v = {
        id: d.vulnerabilityId,
        source: { name: d.source, ...(d.sourceUrl ? { url: d.sourceUrl } : {}) },
        ratings: [
          ...d.cvss.map((c) => ({
            source: { name: c.source },
            score: c.baseScore,
            method: c.version.startsWith("3")
              ? c.version === "3.0"
                ? "CVSSv3"
                : "CVSSv31"
              : c.version.startsWith("4")
                ? "CVSSv4"
                : "CVSSv2",
            vector: c.scoringVector,
          })),
          { source: { name: "vigil" }, severity: SEVERITY[f.severity] ?? "unknown", method: "other" },
        ],
        description: f.description.slice(0, 4000),
        ...(d.relatedVulnerabilities.length > 0
          ? { references: d.relatedVulnerabilities.map((id) => ({ id, source: { name: "alias" } })) }
          : {}),
        analysis: { state: "exploitable", ...(f.fixAvailable !== "NO" ? { response: ["update"] } : {}) },
        affects: [] as { ref: string }[],
      };
      byId.set(d.vulnerabilityId, v);
    }
    if (ref) (v["affects"] as { ref: string }[]).push({ ref });
  }
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: new Date().toISOString(),
      tools: { components: [{ type: "application", name: "vigil", version: VIGIL_VERSION }] },
      component: { "bom-ref": "target", type: result.image ? "container" : "file", name: result.target },
    },
    components,
    vulnerabilities: [...byId.values()].filter((v) => (v["affects"] as unknown[]).length > 0),
  };
}
