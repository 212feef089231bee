import { PackageURL } from "packageurl-js";
import { osEcosystem } from "../extractors/os/os-release.js";
import { parseJsonText } from "../extractors/parse.js";
import type { Inventory, InventoryWarning, OsInfo, Package, PackageType } from "../extractors/types.js";

const LANGUAGE_ECOSYSTEMS: Partial<Record<PackageType, string>> = {
  npm: "npm",
  pypi: "PyPI",
  golang: "Go",
  cargo: "crates.io",
  maven: "Maven",
  gem: "RubyGems",
  nuget: "NuGet",
  composer: "Packagist",
};
const OS_TYPES = new Set(["deb", "rpm", "apk"]);

/** "debian-12.4" / "alpine-3.18.4" / "ubuntu-22.04" → os-release style id and version. */
function distroOf(qualifier: string | undefined, namespace: string | undefined): OsInfo | undefined {
  if (!qualifier) return undefined;
  const m = /^([a-z]+)-(.+)$/.exec(qualifier);
  const id = m?.[1] ?? namespace;
  if (!id) return undefined;
  const versionId = m?.[2];
  const os: OsInfo = { id, ...(versionId ? { versionId } : {}) };
  const eco = osEcosystem(id, versionId, undefined);
  if (eco) os.ecosystem = eco;
  return os;
}

/** One purl → a Package (undefined for types Vigil does not match). */
function packageOfPurl(purl: string, location: string): { pkg?: Package; os?: OsInfo; problem?: string } {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(purl);
  } catch (e) {
    return { problem: `unreadable purl ${JSON.stringify(purl)}: ${(e as Error).message}` };
  }
  if (!p.version) return { problem: `purl ${purl} has no version` };
  const type = p.type as PackageType;
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  let name = p.name;
  if (type === "maven" && p.namespace) name = `${p.namespace}:${p.name}`;
  else if ((type === "npm" || type === "golang" || type === "composer") && p.namespace)
    name = `${p.namespace}/${p.name}`;
  const pkg: Package = { name, version: p.version, type, location, extractor: "sbom", purl };
  if (OS_TYPES.has(type)) {
    const os = distroOf(q["distro"], p.namespace ?? undefined);
    if (os?.ecosystem) pkg.ecosystem = os.ecosystem;
    if (q["arch"]) pkg.arch = q["arch"];
    // Trivy and syft name the source package in "upstream" ("openssl@3.0.11-1").
    const upstream = q["upstream"];
    if (upstream) {
      const at = upstream.indexOf("@");
      pkg.source =
        at > 0 ? { name: upstream.slice(0, at), version: upstream.slice(at + 1) } : { name: upstream };
    }
    if (type === "deb" && q["epoch"] && q["epoch"] !== "0") pkg.version = `${q["epoch"]}:${pkg.version}`;
    return os ? { pkg, os } : { pkg };
  }
  const eco = LANGUAGE_ECOSYSTEMS[type];
  if (!eco) return { problem: `purl type ${type} is not matched by Vigil (${purl})` };
  pkg.ecosystem = eco;
  return { pkg };
}

interface CdxComponent {
  purl?: string;
  properties?: { name?: string; value?: string }[];
  name?: string;
  type?: string;
  version?: string;
  components?: CdxComponent[];
}

/** Whether a parsed JSON document is an SBOM we read. */
export function sbomKind(doc: unknown): "cyclonedx" | "spdx" | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  if (d["bomFormat"] === "CycloneDX") return "cyclonedx";
  if (typeof d["spdxVersion"] === "string") return "spdx";
  return undefined;
}

/**
 * Reads a CycloneDX (1.4–1.6) or SPDX 2.3 JSON document into an inventory, through each
 * package's purl. Components without a purl, or of types Vigil does not match, are reported.
 */
export function readSbom(text: string, location: string): Inventory {
  return readSbomDocument(parseJsonText(text), location);
}

/** As readSbom, for a document already parsed (the API receives it inside a JSON body). */
export function readSbomDocument(doc: unknown, location: string): Inventory {
  const kind = sbomKind(doc);
  if (!kind)
    throw new Error(`${location}: neither a CycloneDX BOM (bomFormat) nor an SPDX document (spdxVersion)`);
  const d = doc as Record<string, unknown>;
  const packages: Package[] = [];
  const warnings: InventoryWarning[] = [];
  let os: OsInfo | undefined;
  const take = (purl: string | undefined, label: string, properties?: CdxComponent["properties"]) => {
    if (!purl) {
      warnings.push({ path: location, extractor: "sbom", reason: `${label} has no purl; skipped` });
      return;
    }
    const r = packageOfPurl(purl, location);
    if (r.problem) warnings.push({ path: location, extractor: "sbom", reason: r.problem });
    if (r.pkg) {
      // Trivy names a Debian/RPM source package in properties rather than in the purl.
      const prop = (n: string) => properties?.find((x) => x.name === n)?.value;
      const srcName = prop("aquasecurity:trivy:SrcName");
      if (srcName && !r.pkg.source && OS_TYPES.has(r.pkg.type)) {
        const srcVersion = prop("aquasecurity:trivy:SrcVersion");
        const srcRelease = prop("aquasecurity:trivy:SrcRelease");
        const srcEpoch = prop("aquasecurity:trivy:SrcEpoch");
        const v = srcVersion
          ? `${srcEpoch && srcEpoch !== "0" ? `${srcEpoch}:` : ""}${srcVersion}${srcRelease ? `-${srcRelease}` : ""}`
          : undefined;
        r.pkg.source = v ? { name: srcName, version: v } : { name: srcName };
      }
      packages.push(r.pkg);
    }
    if (r.os && !os) os = r.os;
  };
  let entries = 0;
  if (kind === "cyclonedx") {
    const stack: CdxComponent[] = [...((d["components"] as CdxComponent[] | undefined) ?? [])];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (++entries > 2_000_000) throw new Error(`${location}: too many components`);
      if (c.components) stack.push(...c.components);
      if (c.type === "operating-system") {
        if (c.name && !os) {
          const eco = osEcosystem(c.name, c.version, undefined);
          os = {
            id: c.name,
            ...(c.version ? { versionId: c.version } : {}),
            ...(eco ? { ecosystem: eco } : {}),
          };
        }
        continue;
      }
      take(c.purl, `component ${c.name ?? "(unnamed)"}`, c.properties);
    }
  } else {
    for (const p of (d["packages"] as Record<string, unknown>[] | undefined) ?? []) {
      const refs =
        (p["externalRefs"] as { referenceType?: string; referenceLocator?: string }[] | undefined) ?? [];
      const purl = refs.find((r) => r.referenceType === "purl")?.referenceLocator;
      take(purl, `package ${String(p["name"] ?? p["SPDXID"] ?? "(unnamed)")}`);
    }
  }
  // OS packages named without a distro qualifier take the document's OS.
  for (const p of packages)
    if (OS_TYPES.has(p.type) && !p.ecosystem && os?.ecosystem) p.ecosystem = os.ecosystem;
  return { ...(os ? { os } : {}), packages, warnings, entries };
}
