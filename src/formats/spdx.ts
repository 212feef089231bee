import { randomUUID } from "node:crypto";
import type { ScanResult } from "../pipeline/scan.js";
import { VIGIL_VERSION } from "./common.js";

/**
 * SPDX 2.3 JSON: one package per inventory entry with its purl as an external reference, all
 * described by the document. SPDX 2.3 has no vulnerability section; findings are not included
 * (use CycloneDX for VEX).
 */
export function toSpdx(result: ScanResult): Record<string, unknown> {
  const id = (i: number) => `SPDXRef-Package-${i}`;
  const packages = result.inventory.packages.map((p, i) => ({
    SPDXID: id(i),
    name: p.name,
    versionInfo: p.version,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    sourceInfo: `found in ${p.location}`,
    ...(p.purl
      ? {
          externalRefs: [
            { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: p.purl },
          ],
        }
      : {}),
  }));
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: result.target,
    documentNamespace: `https://vigil.invalid/spdx/${randomUUID()}`,
    creationInfo: {
      created: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      creators: [`Tool: vigil-${VIGIL_VERSION}`],
    },
    packages,
    relationships: packages.map((p) => ({
      spdxElementId: "SPDXRef-DOCUMENT",
      relationshipType: "DESCRIBES",
      relatedSpdxElement: p.SPDXID,
    })),
  };
}
