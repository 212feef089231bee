import { DEBIAN_RELEASES } from "../../common/distros.js";
import type { TreeEntry } from "../../sources/types.js";
import type { ExtractContext, Extractor, ExtractResult, OsInfo } from "../types.js";

/** Parses the os-release(5) format: KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\([\\$"`])/g, "$1");
    }
    out[key] = value;
  }
  return out;
}

/** The OSV ecosystem for an OS's packages, where OSV names one. */
export function osEcosystem(
  id: string,
  versionId: string | undefined,
  codename: string | undefined,
): string | undefined {
  const major = versionId?.split(".")[0];
  switch (id) {
    case "debian": {
      const v = major ?? (codename ? DEBIAN_RELEASES[codename] : undefined);
      return v ? `Debian:${v}` : undefined;
    }
    case "ubuntu":
      return versionId ? `Ubuntu:${versionId}` : undefined;
    case "alpine": {
      const mm = versionId?.split(".").slice(0, 2).join(".");
      return mm ? `Alpine:v${mm}` : undefined;
    }
    case "almalinux":
      return major ? `AlmaLinux:${major}` : undefined;
    case "rocky":
      return major ? `Rocky Linux:${major}` : undefined;
    case "rhel":
      return major ? `Red Hat:${major}` : undefined;
    case "amzn":
      return versionId ? `Amazon Linux:${versionId}` : undefined;
    default:
      return undefined;
  }
}

const PATHS = new Set(["etc/os-release", "usr/lib/os-release"]);

/** Detects the OS from os-release; /etc wins over /usr/lib as the spec says. */
export const osReleaseExtractor: Extractor = {
  name: "os-release",
  wants: (e: TreeEntry) => PATHS.has(e.path),
  async extract(ctx: ExtractContext): Promise<ExtractResult> {
    const fields = parseOsRelease((await ctx.read()).toString("utf8"));
    const id = fields["ID"];
    if (!id) {
      ctx.warn("no ID= line");
      return { packages: [] };
    }
    const os: OsInfo = { id };
    if (fields["VERSION_ID"]) os.versionId = fields["VERSION_ID"];
    const codename = fields["VERSION_CODENAME"];
    if (codename) os.codename = codename;
    if (fields["PRETTY_NAME"]) os.prettyName = fields["PRETTY_NAME"];
    const eco = osEcosystem(id, os.versionId, codename);
    if (eco) os.ecosystem = eco;
    return { packages: [], os };
  },
};
