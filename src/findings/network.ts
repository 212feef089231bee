import { createHash } from "node:crypto";
import type { Severity } from "../scoring/cvss.js";
import type { Finding, FindingContext } from "./finding.js";

/** One port range the network model leaves open to the internet, with the path it takes. */
export interface ReachableRange {
  protocol: "TCP" | "UDP";
  begin: number;
  end: number;
  steps: { componentId: string; componentType: string }[];
}

/** Ports whose exposure is an incident waiting to happen: remote shells, databases, caches. */
const SENSITIVE_PORTS = [22, 23, 135, 139, 445, 1433, 2375, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017];

function severityOf(r: ReachableRange): Severity {
  if (r.begin === 0 && r.end === 65535) return "HIGH";
  return SENSITIVE_PORTS.some((p) => r.begin <= p && p <= r.end) ? "MEDIUM" : "LOW";
}

const portText = (r: ReachableRange) => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`);

/** NETWORK_REACHABILITY findings for a resource: one per open range (Inspector's shape). */
export function toNetworkFindings(ranges: readonly ReachableRange[], ctx: FindingContext): Finding[] {
  return ranges.map((r) => {
    const key = createHash("sha256")
      .update([ctx.resource.id, "NETWORK_REACHABILITY", r.protocol, r.begin, r.end].join("\0"))
      .digest("hex")
      .slice(0, 32);
    const path = r.steps.map((s) => s.componentId).join(" → ");
    const finding = {
      awsAccountId: ctx.accountId,
      findingArn: `arn:aws:inspector2:${ctx.region}:${ctx.accountId}:finding/${key}`,
      type: "NETWORK_REACHABILITY",
      title: `Port ${portText(r)} is reachable from an Internet Gateway - open port range`,
      description: `On ${ctx.resource.id}, ${r.protocol} port range ${portText(r)} is reachable from the internet through ${path}.`,
      severity: severityOf(r),
      status: "ACTIVE",
      firstObservedAt: ctx.now,
      lastObservedAt: ctx.now,
      updatedAt: ctx.now,
      fixAvailable: "NO",
      exploitAvailable: "NO",
      remediation: {
        recommendation: {
          text: `Restrict the security group and network ACL rules that admit ${r.protocol} ${portText(r)} from 0.0.0.0/0 or ::/0 to the sources that need it.`,
        },
      },
      resources: [ctx.resource],
      networkReachabilityDetails: {
        openPortRange: { begin: r.begin, end: r.end },
        protocol: r.protocol,
        networkPath: {
          steps: r.steps.map((s) => ({ componentId: s.componentId, componentType: s.componentType })),
        },
      },
    };
    // Network findings have no vulnerability details; the storage and API read them optionally.
    return finding as unknown as Finding;
  });
}
