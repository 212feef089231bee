import type { Finding, FindingResource, VulnerablePackage } from "../../src/findings/finding.js";
import type { Severity } from "../../src/scoring/cvss.js";

/**
 * Findings over EC2 instances, ECR images and Lambda functions in two accounts, with layers,
 * tags, AMIs and in-use data: every aggregation type has groups, filters and ties to sort.
 */
export const A = "111111111111";
export const B = "222222222222";
export const NOW = "2024-07-01T00:00:00.000Z";

// ---- resources ----

const ec2 = (
  id: string,
  ec2Details: Record<string, unknown>,
  tags?: Record<string, string>,
  region = "us-east-1",
): FindingResource => ({
  type: "AWS_EC2_INSTANCE",
  id,
  partition: "aws",
  region,
  ...(tags ? { tags } : {}),
  details: { awsEc2Instance: ec2Details },
});
const ecr = (id: string, image: Record<string, unknown>): FindingResource => ({
  type: "AWS_ECR_CONTAINER_IMAGE",
  id,
  partition: "aws",
  region: "us-east-1",
  details: { awsEcrContainerImage: { registry: A, ...image } },
});
const fn = (
  name: string,
  lambda: Record<string, unknown>,
  tags: Record<string, string>,
): FindingResource => ({
  type: "AWS_LAMBDA_FUNCTION",
  id: `arn:aws:lambda:us-east-1:${A}:function:${name}`,
  partition: "aws",
  region: "us-east-1",
  tags,
  details: { awsLambdaFunction: { functionName: name, ...lambda } },
});

export const I_AAA = ec2(
  "i-aaa",
  { imageId: "ami-1", platform: "AMAZON_LINUX_2" },
  { env: "prod", team: "core" },
);
export const I_BBB = ec2("i-bbb", { imageId: "ami-1", platform: "UBUNTU_22_04" }, { env: "dev" });
export const I_CCC = ec2("i-ccc", { imageId: "ami-2", platform: "AMAZON_LINUX_2" });
export const I_DDD = ec2("i-ddd", { platform: "DEBIAN_12" }, undefined, "eu-west-1");
export const IMG_WEB = ecr("web@sha256:aaa", {
  repositoryName: "web",
  imageHash: "sha256:aaa",
  imageTags: ["latest", "v1"],
  architecture: "amd64",
  pushedAt: "2024-04-01T00:00:00.000Z",
  inUseCount: 3,
  lastInUseAt: "2024-05-01T00:00:00.000Z",
});
export const IMG_WEB2 = ecr("web@sha256:bbb", {
  repositoryName: "web",
  imageHash: "sha256:bbb",
  imageTags: ["v2"],
  architecture: "arm64",
  inUseCount: 0,
});
export const IMG_API = ecr("api@sha256:ccc", {
  repositoryName: "api",
  imageHash: "sha256:ccc",
  imageTags: [],
  architecture: "amd64",
  inUseCount: 1,
  lastInUseAt: "2024-06-01T00:00:00.000Z",
});
export const FN_ORDERS = fn(
  "orders",
  { runtime: "nodejs18.x", layers: ["shared"], lastModifiedAt: "2024-03-01T00:00:00.000Z" },
  { team: "pay" },
);
export const FN_USERS = fn("users", { runtime: "python3.12", layers: ["py"] }, { team: "id" });
export const SHARED_LAYER = `arn:aws:lambda:us-east-1:${A}:layer:shared:1`;
export const PY_LAYER = `arn:aws:lambda:us-east-1:${A}:layer:py:2`;

// ---- findings ----

interface Spec {
  account?: string;
  resource: FindingResource;
  severity: Severity;
  cve: string;
  packages: string[];
  fix?: Finding["fixAvailable"];
  exploit?: boolean;
  layerHash?: string;
  lambdaLayer?: string;
}

let serial = 0;
/** A PACKAGE_VULNERABILITY finding with every required member filled in. */
function finding(s: Spec): Finding {
  const account = s.account ?? A;
  const vulnerablePackages = s.packages.map((name) => {
    const p: VulnerablePackage = {
      name,
      version: "1.0.0",
      fixedInVersion: s.fix === "NO" || s.fix === undefined ? "NotAvailable" : "1.0.1",
      ...(s.layerHash ? { sourceLayerHash: s.layerHash } : {}),
    };
    // Not in the Finding type yet, but in inspector2's VulnerablePackage.
    if (s.lambdaLayer) Object.assign(p, { sourceLambdaLayerArn: s.lambdaLayer });
    return p;
  });
  return {
    awsAccountId: account,
    findingArn: `arn:aws:inspector2:us-east-1:${account}:finding/${String(++serial).padStart(4, "0")}`,
    type: "PACKAGE_VULNERABILITY",
    title: `${s.cve} - ${s.packages[0]}`,
    description: `${s.cve} affects ${s.packages.join(", ")}.`,
    severity: s.severity,
    status: "ACTIVE",
    firstObservedAt: NOW,
    lastObservedAt: NOW,
    updatedAt: NOW,
    fixAvailable: s.fix ?? "NO",
    exploitAvailable: s.exploit ? "YES" : "NO",
    remediation: { recommendation: { text: "None provided" } },
    resources: [s.resource],
    packageVulnerabilityDetails: {
      vulnerabilityId: s.cve,
      source: "NVD",
      cvss: [],
      relatedVulnerabilities: [],
      referenceUrls: [],
      vulnerablePackages,
    },
  };
}

export const cve = (n: number) => `CVE-2024-${String(n).padStart(4, "0")}`;

export const FINDINGS: Finding[] = [
  // EC2
  finding({
    resource: I_AAA,
    severity: "CRITICAL",
    cve: cve(1),
    packages: ["openssl"],
    fix: "YES",
    exploit: true,
  }),
  finding({ resource: I_AAA, severity: "HIGH", cve: cve(2), packages: ["curl"] }),
  finding({ resource: I_AAA, severity: "MEDIUM", cve: cve(3), packages: ["zlib"], fix: "PARTIAL" }),
  finding({
    resource: I_BBB,
    severity: "CRITICAL",
    cve: cve(1),
    packages: ["openssl"],
    fix: "YES",
    exploit: true,
  }),
  finding({ resource: I_BBB, severity: "LOW", cve: cve(4), packages: ["bash"] }),
  finding({ resource: I_CCC, severity: "HIGH", cve: cve(2), packages: ["curl"], fix: "YES" }),
  finding({
    account: B,
    resource: I_DDD,
    severity: "HIGH",
    cve: cve(5),
    packages: ["glibc"],
    fix: "YES",
    exploit: true,
  }),
  // ECR
  finding({
    resource: IMG_WEB,
    severity: "CRITICAL",
    cve: cve(1),
    packages: ["openssl"],
    layerHash: "sha256:L1",
  }),
  finding({
    resource: IMG_WEB,
    severity: "HIGH",
    cve: cve(6),
    packages: ["lodash"],
    fix: "YES",
    layerHash: "sha256:L2",
  }),
  finding({
    resource: IMG_WEB,
    severity: "MEDIUM",
    cve: cve(7),
    packages: ["express"],
    layerHash: "sha256:L2",
  }),
  finding({
    resource: IMG_WEB2,
    severity: "HIGH",
    cve: cve(6),
    packages: ["lodash"],
    layerHash: "sha256:L3",
  }),
  finding({
    resource: IMG_WEB2,
    severity: "UNTRIAGED",
    cve: cve(8),
    packages: ["musl"],
    layerHash: "sha256:L3",
  }),
  finding({
    resource: IMG_API,
    severity: "CRITICAL",
    cve: cve(1),
    packages: ["openssl"],
    layerHash: "sha256:L1",
  }),
  finding({ resource: IMG_API, severity: "MEDIUM", cve: cve(9), packages: ["requests"] }),
  // Lambda
  finding({
    resource: FN_ORDERS,
    severity: "HIGH",
    cve: cve(6),
    packages: ["lodash"],
    lambdaLayer: SHARED_LAYER,
  }),
  finding({
    resource: FN_ORDERS,
    severity: "CRITICAL",
    cve: cve(10),
    packages: ["axios"],
    fix: "YES",
    exploit: true,
  }),
  finding({
    resource: FN_ORDERS,
    severity: "MEDIUM",
    cve: cve(7),
    packages: ["express"],
    lambdaLayer: SHARED_LAYER,
  }),
  finding({
    resource: FN_USERS,
    severity: "HIGH",
    cve: cve(11),
    packages: ["urllib3"],
    lambdaLayer: PY_LAYER,
  }),
  finding({ resource: FN_USERS, severity: "LOW", cve: cve(9), packages: ["requests"] }),
  // One finding naming two packages.
  finding({ resource: I_AAA, severity: "HIGH", cve: cve(12), packages: ["libssl3", "openssl"] }),
];
