import type { Package } from "../types.js";

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export { parseJsonText as parseJsonFile } from "../parse.js";

export function npmPackage(
  name: string,
  version: string,
  location: string,
  extractor: string,
  dev = false,
): Package {
  return {
    name,
    version,
    type: "npm",
    ecosystem: "npm",
    location,
    extractor,
    ...(dev ? { metadata: { dev: true } } : {}),
  };
}

/** Packages of one file, each name@version once. */
export class PackageSet {
  private readonly seen = new Map<string, Package>();
  add(p: Package): void {
    const key = `${p.name}@${p.version}`;
    const prev = this.seen.get(key);
    // A package that is a dev dependency in one place and a production one in another is production.
    if (prev) {
      if (prev.metadata?.["dev"] && !p.metadata?.["dev"]) delete prev.metadata;
      return;
    }
    this.seen.set(key, p);
  }
  list(): Package[] {
    return [...this.seen.values()];
  }
}
