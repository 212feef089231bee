import type { Finding } from "../findings/finding.js";

/**
 * restJson1 sends timestamps as epoch seconds. Internally findings carry ISO strings (the CLI's
 * JSON output keeps them); these helpers convert at the API edge.
 */
export const seconds = (v: string | number | undefined | null): number | undefined => {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === "number" ? v : Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms / 1000;
};

function convert(obj: Record<string, unknown> | undefined, keys: string[]): void {
  if (!obj) return;
  for (const k of keys) {
    if (obj[k] !== undefined) {
      const s = seconds(obj[k] as string | number);
      if (s === undefined) delete obj[k];
      else obj[k] = s;
    }
  }
}

/** Every timestamp member of a Finding: where it lives and its keys. */
function timestampSites(out: Record<string, unknown>): [Record<string, unknown> | undefined, string[]][] {
  const sites: [Record<string, unknown> | undefined, string[]][] = [
    [out, ["firstObservedAt", "lastObservedAt", "updatedAt"]],
    [out["exploitabilityDetails"] as Record<string, unknown> | undefined, ["lastKnownExploitAt"]],
    [
      out["packageVulnerabilityDetails"] as Record<string, unknown> | undefined,
      ["vendorCreatedAt", "vendorUpdatedAt"],
    ],
  ];
  for (const r of (out["resources"] as { details?: Record<string, Record<string, unknown>> }[]) ?? []) {
    sites.push([r.details?.["awsEcrContainerImage"], ["pushedAt", "lastInUseAt"]]);
    sites.push([r.details?.["awsLambdaFunction"], ["lastModifiedAt"]]);
    sites.push([r.details?.["awsEc2Instance"], ["launchedAt"]]);
  }
  return sites;
}

export function wireFinding(f: Finding): Record<string, unknown> {
  const out = structuredClone(f) as unknown as Record<string, unknown>;
  for (const [obj, keys] of timestampSites(out)) convert(obj, keys);
  return out;
}

/** The inverse of wireFinding: a finding read from the API (epoch seconds) with ISO timestamps. */
export function findingFromWire(wire: Record<string, unknown>): Finding {
  const out = structuredClone(wire);
  for (const [obj, keys] of timestampSites(out)) {
    if (!obj) continue;
    for (const k of keys)
      if (typeof obj[k] === "number") obj[k] = new Date((obj[k] as number) * 1000).toISOString();
  }
  return out as unknown as Finding;
}
