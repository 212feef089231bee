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

export function wireFinding(f: Finding): Record<string, unknown> {
  const out = structuredClone(f) as unknown as Record<string, unknown>;
  convert(out, ["firstObservedAt", "lastObservedAt", "updatedAt"]);
  convert(out["exploitabilityDetails"] as Record<string, unknown> | undefined, ["lastKnownExploitAt"]);
  convert(out["packageVulnerabilityDetails"] as Record<string, unknown> | undefined, [
    "vendorCreatedAt",
    "vendorUpdatedAt",
  ]);
  for (const r of (out["resources"] as { details?: Record<string, Record<string, unknown>> }[]) ?? []) {
    convert(r.details?.["awsEcrContainerImage"], ["pushedAt", "lastInUseAt"]);
    convert(r.details?.["awsLambdaFunction"], ["lastModifiedAt"]);
    convert(r.details?.["awsEc2Instance"], ["launchedAt"]);
  }
  return out;
}
