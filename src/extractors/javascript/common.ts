import type { Package } from "../types.js";

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** JSON.parse with the position of a syntax error turned into line and column. */
export function parseJsonFile(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      const col = Number(pos[1]) - before.lastIndexOf("\n");
      throw new Error(
        `malformed JSON at line ${line}, column ${col}: ${msg.replace(/ in JSON at position \d+.*$/, "")}`,
      );
    }
    throw new Error(`malformed JSON: ${msg}`);
  }
}

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
