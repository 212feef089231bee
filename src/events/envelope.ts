import { randomUUID } from "node:crypto";
import type { Finding } from "../findings/finding.js";

/**
 * Events in EventBridge's envelope with Amazon Inspector's detail types, so that rules and
 * consumers written for Inspector's events (source "aws.inspector2") work on Vigil's unchanged.
 */
export interface VigilEvent {
  version: "0";
  id: string;
  "detail-type": EventDetailType;
  source: "aws.inspector2";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export const DETAIL_TYPES = [
  "Inspector2 Finding",
  "Inspector2 Scan",
  "Inspector2 Coverage",
  "Vigil Test",
] as const;
export type EventDetailType = (typeof DETAIL_TYPES)[number];

function envelope(
  detailType: EventDetailType,
  account: string,
  region: string,
  at: number,
  resources: string[],
  detail: Record<string, unknown>,
): VigilEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": detailType,
    source: "aws.inspector2",
    account,
    // EventBridge times are second-precision UTC.
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources,
    detail,
  };
}

/** A finding was created, changed (severity, status, suppression…) or closed: detail is the finding. */
export function findingEvent(f: Finding, at: number): VigilEvent {
  return envelope(
    "Inspector2 Finding",
    f.awsAccountId,
    f.resources[0]?.region ?? "us-east-1",
    at,
    [f.findingArn],
    f as unknown as Record<string, unknown>,
  );
}

export type SeverityCounts = { CRITICAL: number; HIGH: number; MEDIUM: number; TOTAL: number };

/** The first scan of a resource completed (Inspector's "initial scan complete"). */
export function scanEvent(input: {
  accountId: string;
  region: string;
  resourceId: string;
  resourceType: string;
  details?: Record<string, unknown>;
  counts: SeverityCounts;
  at: number;
}): VigilEvent {
  const detail: Record<string, unknown> = {
    "scan-status": "INITIAL_SCAN_COMPLETE",
    "finding-severity-counts": input.counts,
    version: "1.0",
  };
  if (input.resourceType === "AWS_ECR_CONTAINER_IMAGE") {
    const img = (input.details?.["awsEcrContainerImage"] ?? {}) as {
      repositoryName?: string;
      imageHash?: string;
      imageTags?: string[];
    };
    detail["repository-name"] = img.repositoryName ?? input.resourceId.split("@")[0];
    detail["image-digest"] = img.imageHash ?? input.resourceId.split("@")[1];
    detail["image-tags"] = img.imageTags ?? [];
  } else if (input.resourceType === "AWS_LAMBDA_FUNCTION") {
    detail["function-arn"] = input.resourceId;
  } else {
    detail["instance-id"] = input.resourceId;
  }
  return envelope("Inspector2 Scan", input.accountId, input.region, input.at, [input.resourceId], detail);
}

/** A resource's coverage (scan status and its reason) changed. */
export function coverageEvent(input: {
  accountId: string;
  region: string;
  resourceId: string;
  resourceType: string;
  status: string;
  reason: string;
  detail?: string | null;
  previous?: { status: string; reason: string };
  at: number;
}): VigilEvent {
  return envelope("Inspector2 Coverage", input.accountId, input.region, input.at, [input.resourceId], {
    scanStatus: { statusCodeValue: input.status, reason: input.reason },
    scanType: "PACKAGE",
    resourceType: input.resourceType,
    resourceId: input.resourceId,
    eventTimestamp: new Date(input.at).toISOString(),
    versionId: "1.0",
    ...(input.detail ? { statusDetail: input.detail } : {}),
    ...(input.previous
      ? { previousScanStatus: { statusCodeValue: input.previous.status, reason: input.previous.reason } }
      : {}),
  });
}

/** What `vigil events test` sends: proves a target works without waiting for a finding. */
export function testEvent(accountId: string, region: string, at: number, target: string): VigilEvent {
  return envelope("Vigil Test", accountId, region, at, [], {
    message: `test delivery to target ${target}`,
  });
}
