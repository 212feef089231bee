import { PackageURL } from "packageurl-js";
import type { OsInfo, Package } from "./types.js";

/**
 * Builds the package URL of a package, in the forms Trivy and Grype emit; undefined where the
 * purl spec has no form for it (a Java archive whose group is unknown).
 */
export function purlOf(pkg: Package, os: OsInfo | undefined): string | undefined {
  const qualifiers: Record<string, string> = {};
  if (pkg.arch) qualifiers["arch"] = pkg.arch;
  let namespace: string | undefined;
  let name = pkg.name;
  switch (pkg.type) {
    case "deb":
    case "rpm":
    case "apk":
      namespace = os?.id;
      if (os?.versionId) qualifiers["distro"] = `${os.id}-${os.versionId}`;
      break;
    case "npm":
    case "golang":
    case "composer": {
      const slash = name.lastIndexOf("/");
      if (slash > 0) {
        namespace = name.slice(0, slash);
        name = name.slice(slash + 1);
      }
      break;
    }
    case "maven": {
      const colon = name.indexOf(":");
      if (colon <= 0) return undefined;
      namespace = name.slice(0, colon);
      name = name.slice(colon + 1);
      break;
    }
    case "pypi":
      name = name.toLowerCase().replace(/[-_.]+/g, "-");
      break;
  }
  const q = Object.keys(qualifiers).length > 0 ? qualifiers : undefined;
  return new PackageURL(pkg.type, namespace, name, pkg.version, q, undefined).toString();
}
