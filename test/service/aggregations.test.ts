import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AGGREGATION_TYPES, aggregate } from "../../src/service/aggregations.js";

import { A, B, cve, FINDINGS, FN_ORDERS, FN_USERS, PY_LAYER, SHARED_LAYER } from "./aggregation-fixtures.js";

const counts = (all: number, critical: number, high: number, medium: number) => ({
  all,
  medium,
  high,
  critical,
});
const run = (type: string, request?: Record<string, unknown>) => aggregate(type, request, FINDINGS);
const eq = (value: string) => ({ comparison: "EQUALS", value });
const prefix = (value: string) => ({ comparison: "PREFIX", value });
const ne = (value: string) => ({ comparison: "NOT_EQUALS", value });
/** The one member of each response, for assertions on a single field. */
const inner = (rs: object[]) => rs.map((r) => Object.values(r)[0] as Record<string, unknown>);
const field = (rs: object[], name: string) => inner(rs).map((r) => r[name]);

describe("finding aggregations", () => {
  it("lists every AggregationType and rejects unknown ones by name", () => {
    assert.deepEqual([...AGGREGATION_TYPES].sort(), [
      "ACCOUNT",
      "AMI",
      "AWS_EC2_INSTANCE",
      "AWS_ECR_CONTAINER",
      "AWS_LAMBDA_FUNCTION",
      "CODE_REPOSITORY",
      "CONTAINER_IMAGE",
      "FINDING_TYPE",
      "IMAGE_LAYER",
      "LAMBDA_LAYER",
      "PACKAGE",
      "REPOSITORY",
      "SERVERLESS_FUNCTION",
      "TITLE",
      "VM_INSTANCE",
    ]);
    for (const type of AGGREGATION_TYPES) assert.ok(Array.isArray(run(type)), type);
    assert.throws(() => run("BOGUS_TYPE"), /BOGUS_TYPE/);
    assert.throws(() => run("toString"), /toString/);
  });

  it("ACCOUNT: per account, with exploit and fix counts and type filters", () => {
    assert.deepEqual(run("ACCOUNT"), [
      {
        accountAggregation: {
          accountId: A,
          severityCounts: counts(19, 5, 7, 4),
          exploitAvailableCount: 3,
          fixAvailableCount: 6,
        },
      },
      {
        accountAggregation: {
          accountId: B,
          severityCounts: counts(1, 0, 1, 0),
          exploitAvailableCount: 1,
          fixAvailableCount: 1,
        },
      },
    ]);
    assert.deepEqual(run("ACCOUNT", { resourceType: "AWS_LAMBDA_FUNCTION" }), [
      {
        accountAggregation: {
          accountId: A,
          severityCounts: counts(5, 1, 2, 1),
          exploitAvailableCount: 1,
          fixAvailableCount: 1,
        },
      },
    ]);
    assert.deepEqual(
      field(run("ACCOUNT", { resourceType: "AWS_EC2_INSTANCE", sortOrder: "ASC" }), "accountId"),
      [B, A],
    );
    assert.deepEqual(run("ACCOUNT", { findingType: "CODE_VULNERABILITY" }), []);
    assert.throws(() => run("ACCOUNT", { resourceType: "BOGUS" }), /resourceType/);
  });

  it("FINDING_TYPE: totals for the requested finding and resource type", () => {
    assert.deepEqual(
      run("FINDING_TYPE", { findingType: "PACKAGE_VULNERABILITY", resourceType: "AWS_ECR_CONTAINER_IMAGE" }),
      [
        {
          findingTypeAggregation: {
            accountId: A,
            severityCounts: counts(7, 2, 2, 2),
            exploitAvailableCount: 0,
            fixAvailableCount: 1,
          },
        },
      ],
    );
    assert.deepEqual(run("FINDING_TYPE", { findingType: "NETWORK_REACHABILITY" }), []);
  });

  it("AMI: per image id, counting affected instances", () => {
    assert.deepEqual(run("AMI"), [
      {
        amiAggregation: {
          ami: "ami-1",
          accountId: A,
          severityCounts: counts(6, 2, 2, 1),
          affectedInstances: 2,
        },
      },
      {
        amiAggregation: {
          ami: "ami-2",
          accountId: A,
          severityCounts: counts(1, 0, 1, 0),
          affectedInstances: 1,
        },
      },
    ]);
    assert.deepEqual(field(run("AMI", { sortBy: "AFFECTED_INSTANCES", sortOrder: "ASC" }), "ami"), [
      "ami-2",
      "ami-1",
    ]);
    assert.deepEqual(field(run("AMI", { amis: [ne("ami-1")] }), "ami"), ["ami-2"]);
    assert.throws(() => run("AMI", { sortBy: "NETWORK_FINDINGS" }), /sortBy/);
  });

  it("AWS_EC2_INSTANCE: per instance, with AMI, OS and tags", () => {
    assert.deepEqual(run("AWS_EC2_INSTANCE"), [
      {
        ec2InstanceAggregation: {
          instanceId: "i-aaa",
          ami: "ami-1",
          operatingSystem: "AMAZON_LINUX_2",
          instanceTags: { env: "prod", team: "core" },
          accountId: A,
          severityCounts: counts(4, 1, 2, 1),
          networkFindings: 0,
        },
      },
      {
        ec2InstanceAggregation: {
          instanceId: "i-bbb",
          ami: "ami-1",
          operatingSystem: "UBUNTU_22_04",
          instanceTags: { env: "dev" },
          accountId: A,
          severityCounts: counts(2, 1, 0, 0),
          networkFindings: 0,
        },
      },
      {
        ec2InstanceAggregation: {
          instanceId: "i-ccc",
          ami: "ami-2",
          operatingSystem: "AMAZON_LINUX_2",
          accountId: A,
          severityCounts: counts(1, 0, 1, 0),
          networkFindings: 0,
        },
      },
      {
        ec2InstanceAggregation: {
          instanceId: "i-ddd",
          operatingSystem: "DEBIAN_12",
          accountId: B,
          severityCounts: counts(1, 0, 1, 0),
          networkFindings: 0,
        },
      },
    ]);
    const ids = (request: Record<string, unknown>) => field(run("AWS_EC2_INSTANCE", request), "instanceId");
    assert.deepEqual(ids({ operatingSystems: [prefix("AMAZON")] }), ["i-aaa", "i-ccc"]);
    assert.deepEqual(ids({ instanceTags: [{ comparison: "EQUALS", key: "env" }] }), ["i-aaa", "i-bbb"]);
    assert.deepEqual(ids({ instanceTags: [{ comparison: "EQUALS", key: "env", value: "dev" }] }), ["i-bbb"]);
    assert.deepEqual(ids({ instanceIds: [prefix("i-"), ne("i-aaa"), ne("i-ddd")] }), ["i-bbb", "i-ccc"]);
    assert.deepEqual(ids({ instanceIds: [eq("i-aaa"), eq("i-ccc")], amis: [eq("ami-2")] }), ["i-ccc"]);
    // HIGH ascending; i-ccc and i-ddd tie on every count and fall back to the key.
    assert.deepEqual(ids({ sortBy: "HIGH", sortOrder: "ASC" }), ["i-bbb", "i-ccc", "i-ddd", "i-aaa"]);
    assert.deepEqual(ids({ sortBy: "NETWORK_FINDINGS" }), ["i-aaa", "i-bbb", "i-ccc", "i-ddd"]);
  });

  it("VM_INSTANCE: per instance, with cloud fields and exploit/fix counts", () => {
    assert.deepEqual(run("VM_INSTANCE", { resourceIds: [eq("i-aaa")] }), [
      {
        vmInstanceAggregation: {
          resourceId: "i-aaa",
          cloudProvider: "AWS",
          cloudAccountId: A,
          cloudPartition: "aws",
          cloudRegion: "us-east-1",
          vmImageReference: "ami-1",
          operatingSystem: "AMAZON_LINUX_2",
          tags: { env: "prod", team: "core" },
          accountId: A,
          severityCounts: counts(4, 1, 2, 1),
          networkFindings: 0,
          exploitAvailableActiveFindingsCount: 1,
          fixAvailableActiveFindingsCount: 2,
        },
      },
    ]);
    assert.deepEqual(field(run("VM_INSTANCE", { cloudRegions: [eq("eu-west-1")] }), "resourceId"), ["i-ddd"]);
    assert.deepEqual(field(run("VM_INSTANCE", { vmImageReferences: [eq("ami-1")] }), "resourceId"), [
      "i-aaa",
      "i-bbb",
    ]);
  });

  it("AWS_ECR_CONTAINER: per image, with repository, tags and use", () => {
    assert.deepEqual(run("AWS_ECR_CONTAINER"), [
      {
        awsEcrContainerAggregation: {
          resourceId: "web@sha256:aaa",
          imageSha: "sha256:aaa",
          repository: "web",
          architecture: "amd64",
          imageTags: ["latest", "v1"],
          accountId: A,
          severityCounts: counts(3, 1, 1, 1),
          lastInUseAt: new Date("2024-05-01T00:00:00.000Z"),
          inUseCount: 3,
        },
      },
      {
        awsEcrContainerAggregation: {
          resourceId: "api@sha256:ccc",
          imageSha: "sha256:ccc",
          repository: "api",
          architecture: "amd64",
          imageTags: [],
          accountId: A,
          severityCounts: counts(2, 1, 0, 1),
          lastInUseAt: new Date("2024-06-01T00:00:00.000Z"),
          inUseCount: 1,
        },
      },
      {
        awsEcrContainerAggregation: {
          resourceId: "web@sha256:bbb",
          imageSha: "sha256:bbb",
          repository: "web",
          architecture: "arm64",
          imageTags: ["v2"],
          accountId: A,
          severityCounts: counts(2, 0, 1, 0),
          inUseCount: 0,
        },
      },
    ]);
    const ids = (request: Record<string, unknown>) => field(run("AWS_ECR_CONTAINER", request), "resourceId");
    assert.deepEqual(ids({ repositories: [eq("web")] }), ["web@sha256:aaa", "web@sha256:bbb"]);
    assert.deepEqual(ids({ imageTags: [prefix("v")] }), ["web@sha256:aaa", "web@sha256:bbb"]);
    // NOT_EQUALS holds for an image without tags.
    assert.deepEqual(ids({ imageTags: [ne("latest")] }), ["api@sha256:ccc", "web@sha256:bbb"]);
    assert.deepEqual(ids({ architectures: [eq("arm64")] }), ["web@sha256:bbb"]);
    assert.deepEqual(ids({ imageShas: [eq("sha256:ccc"), eq("sha256:aaa")] }), [
      "web@sha256:aaa",
      "api@sha256:ccc",
    ]);
    assert.deepEqual(ids({ inUseCount: [{ lowerInclusive: 1 }] }), ["web@sha256:aaa", "api@sha256:ccc"]);
    assert.deepEqual(ids({ lastInUseAt: [{ startInclusive: new Date("2024-05-15T00:00:00Z") }] }), [
      "api@sha256:ccc",
    ]);
    assert.deepEqual(ids({ lastInUseAt: [{ endInclusive: Date.parse("2024-05-15T00:00:00Z") }] }), [
      "web@sha256:aaa",
    ]);
    // ALL ascending: web2 and api tie on ALL; web2 has fewer criticals.
    assert.deepEqual(ids({ sortBy: "ALL", sortOrder: "ASC" }), [
      "web@sha256:bbb",
      "api@sha256:ccc",
      "web@sha256:aaa",
    ]);
  });

  it("CONTAINER_IMAGE: per image, with registry, cloud fields and exploit/fix counts", () => {
    assert.deepEqual(run("CONTAINER_IMAGE", { imageDigests: [eq("sha256:aaa")], registries: [eq(A)] }), [
      {
        containerImageAggregation: {
          resourceId: "web@sha256:aaa",
          cloudProvider: "AWS",
          cloudAccountId: A,
          cloudPartition: "aws",
          cloudRegion: "us-east-1",
          imageDigest: "sha256:aaa",
          repository: "web",
          registry: A,
          architecture: "amd64",
          imageTags: ["latest", "v1"],
          accountId: A,
          severityCounts: counts(3, 1, 1, 1),
          lastInUseAt: new Date("2024-05-01T00:00:00.000Z"),
          inUseCount: 3,
          exploitAvailableActiveFindingsCount: 0,
          fixAvailableActiveFindingsCount: 1,
        },
      },
    ]);
    assert.deepEqual(run("CONTAINER_IMAGE", { cloudOrgIds: [eq("o-123")] }), []);
    assert.equal(run("CONTAINER_IMAGE", { cloudOrgIds: [ne("o-123")] }).length, 3);
  });

  it("REPOSITORY: per repository, counting affected images", () => {
    assert.deepEqual(run("REPOSITORY"), [
      {
        repositoryAggregation: {
          repository: "web",
          accountId: A,
          severityCounts: counts(5, 1, 2, 1),
          affectedImages: 2,
        },
      },
      {
        repositoryAggregation: {
          repository: "api",
          accountId: A,
          severityCounts: counts(2, 1, 0, 1),
          affectedImages: 1,
        },
      },
    ]);
    assert.deepEqual(
      field(run("REPOSITORY", { sortBy: "AFFECTED_IMAGES", sortOrder: "ASC" }), "repository"),
      ["api", "web"],
    );
    assert.deepEqual(field(run("REPOSITORY", { repositories: [prefix("a")] }), "repository"), ["api"]);
  });

  it("IMAGE_LAYER: per image and layer", () => {
    const layer = (repository: string, resourceId: string, layerHash: string, severityCounts: object) => ({
      imageLayerAggregation: {
        repository,
        resourceId,
        layerHash,
        accountId: A,
        cloudProvider: "AWS",
        cloudAccountId: A,
        cloudPartition: "aws",
        cloudRegion: "us-east-1",
        severityCounts,
      },
    });
    assert.deepEqual(run("IMAGE_LAYER"), [
      layer("api", "api@sha256:ccc", "sha256:L1", counts(1, 1, 0, 0)),
      layer("web", "web@sha256:aaa", "sha256:L1", counts(1, 1, 0, 0)),
      layer("web", "web@sha256:aaa", "sha256:L2", counts(2, 0, 1, 1)),
      layer("web", "web@sha256:bbb", "sha256:L3", counts(2, 0, 1, 0)),
    ]);
    const layers = (request: Record<string, unknown>) =>
      inner(run("IMAGE_LAYER", request)).map((r) => `${r["resourceId"]} ${r["layerHash"]}`);
    assert.deepEqual(layers({ repositories: [eq("web")], layerHashes: [ne("sha256:L1")] }), [
      "web@sha256:aaa sha256:L2",
      "web@sha256:bbb sha256:L3",
    ]);
    assert.deepEqual(layers({ layerHashes: [eq("sha256:L1")], sortOrder: "ASC" }), [
      "api@sha256:ccc sha256:L1",
      "web@sha256:aaa sha256:L1",
    ]);
  });

  it("AWS_LAMBDA_FUNCTION: per function, with runtime and tags", () => {
    assert.deepEqual(run("AWS_LAMBDA_FUNCTION"), [
      {
        lambdaFunctionAggregation: {
          resourceId: FN_ORDERS.id,
          functionName: "orders",
          runtime: "nodejs18.x",
          lambdaTags: { team: "pay" },
          accountId: A,
          severityCounts: counts(3, 1, 1, 1),
          lastModifiedAt: new Date("2024-03-01T00:00:00.000Z"),
        },
      },
      {
        lambdaFunctionAggregation: {
          resourceId: FN_USERS.id,
          functionName: "users",
          runtime: "python3.12",
          lambdaTags: { team: "id" },
          accountId: A,
          severityCounts: counts(2, 0, 1, 0),
        },
      },
    ]);
    const names = (request: Record<string, unknown>) =>
      field(run("AWS_LAMBDA_FUNCTION", request), "functionName");
    assert.deepEqual(names({ runtimes: [prefix("python")] }), ["users"]);
    assert.deepEqual(names({ functionTags: [{ comparison: "EQUALS", key: "team", value: "pay" }] }), [
      "orders",
    ]);
    assert.deepEqual(names({ functionNames: [ne("orders")] }), ["users"]);
    assert.deepEqual(names({ resourceIds: [eq(FN_USERS.id)] }), ["users"]);
    assert.deepEqual(names({ sortBy: "CRITICAL", sortOrder: "ASC" }), ["users", "orders"]);
  });

  it("SERVERLESS_FUNCTION: per function, with cloud fields and exploit/fix counts", () => {
    assert.deepEqual(run("SERVERLESS_FUNCTION", { functionNames: [eq("orders")] }), [
      {
        serverlessFunctionAggregation: {
          resourceId: FN_ORDERS.id,
          cloudProvider: "AWS",
          cloudAccountId: A,
          cloudPartition: "aws",
          cloudRegion: "us-east-1",
          functionName: "orders",
          runtime: "nodejs18.x",
          tags: { team: "pay" },
          accountId: A,
          severityCounts: counts(3, 1, 1, 1),
          lastModifiedAt: new Date("2024-03-01T00:00:00.000Z"),
          exploitAvailableActiveFindingsCount: 1,
          fixAvailableActiveFindingsCount: 1,
        },
      },
    ]);
    assert.deepEqual(
      field(
        run("SERVERLESS_FUNCTION", { functionTags: [{ comparison: "EQUALS", key: "nope" }] }),
        "functionName",
      ),
      [],
    );
  });

  it("LAMBDA_LAYER: per function and layer", () => {
    assert.deepEqual(run("LAMBDA_LAYER"), [
      {
        lambdaLayerAggregation: {
          functionName: "orders",
          resourceId: FN_ORDERS.id,
          layerArn: SHARED_LAYER,
          accountId: A,
          severityCounts: counts(2, 0, 1, 1),
        },
      },
      {
        lambdaLayerAggregation: {
          functionName: "users",
          resourceId: FN_USERS.id,
          layerArn: PY_LAYER,
          accountId: A,
          severityCounts: counts(1, 0, 1, 0),
        },
      },
    ]);
    assert.deepEqual(
      field(
        run("LAMBDA_LAYER", { layerArns: [prefix(`arn:aws:lambda:us-east-1:${A}:layer:py`)] }),
        "functionName",
      ),
      ["users"],
    );
    assert.deepEqual(
      field(
        run("LAMBDA_LAYER", { functionNames: [eq("users"), eq("orders")], sortOrder: "ASC" }),
        "functionName",
      ),
      ["users", "orders"],
    );
  });

  it("PACKAGE: per package name, a finding counting once under each of its packages", () => {
    const pkg = (packageName: string, severityCounts: object, accountId = A) => ({
      packageAggregation: { packageName, accountId, severityCounts },
    });
    assert.deepEqual(run("PACKAGE"), [
      pkg("openssl", counts(5, 4, 1, 0)),
      pkg("axios", counts(1, 1, 0, 0)),
      pkg("lodash", counts(3, 0, 3, 0)),
      pkg("curl", counts(2, 0, 2, 0)),
      pkg("glibc", counts(1, 0, 1, 0), B),
      pkg("libssl3", counts(1, 0, 1, 0)),
      pkg("urllib3", counts(1, 0, 1, 0)),
      pkg("express", counts(2, 0, 0, 2)),
      pkg("requests", counts(2, 0, 0, 1)),
      pkg("bash", counts(1, 0, 0, 0)),
      pkg("musl", counts(1, 0, 0, 0)),
      pkg("zlib", counts(1, 0, 0, 1)),
    ]);
    assert.deepEqual(run("PACKAGE", { packageNames: [eq("openssl"), prefix("lib")] }), [
      pkg("openssl", counts(5, 4, 1, 0)),
      pkg("libssl3", counts(1, 0, 1, 0)),
    ]);
    assert.deepEqual(field(run("PACKAGE", { packageNames: [prefix("l"), ne("lodash")] }), "packageName"), [
      "libssl3",
    ]);
  });

  it("TITLE: per title, with its vulnerability id", () => {
    assert.deepEqual(run("TITLE", { vulnerabilityIds: [eq(cve(6)), eq(cve(1))] }), [
      {
        titleAggregation: {
          title: `${cve(1)} - openssl`,
          vulnerabilityId: cve(1),
          accountId: A,
          severityCounts: counts(4, 4, 0, 0),
        },
      },
      {
        titleAggregation: {
          title: `${cve(6)} - lodash`,
          vulnerabilityId: cve(6),
          accountId: A,
          severityCounts: counts(3, 0, 3, 0),
        },
      },
    ]);
    assert.deepEqual(field(run("TITLE", { resourceType: "AWS_LAMBDA_FUNCTION" }), "vulnerabilityId"), [
      cve(10),
      cve(6),
      cve(11),
      cve(7),
      cve(9),
    ]);
    const titles = field(
      run("TITLE", {
        titles: [prefix("CVE-2024-000"), ne(`${cve(1)} - openssl`)],
        sortBy: "ALL",
        sortOrder: "ASC",
      }),
      "vulnerabilityId",
    );
    assert.deepEqual(titles, [cve(3), cve(4), cve(8), cve(5), cve(7), cve(9), cve(2), cve(6)]);
    assert.deepEqual(run("TITLE", { findingType: "CODE_VULNERABILITY" }), []);
  });

  it("CODE_REPOSITORY: nothing for package findings on EC2, ECR and Lambda", () => {
    assert.deepEqual(run("CODE_REPOSITORY"), []);
  });

  it("accepts the AggregationRequest union and rejects a mismatched or malformed request", () => {
    assert.deepEqual(
      run("AMI", { amiAggregation: { sortBy: "AFFECTED_INSTANCES", sortOrder: "ASC" } }),
      run("AMI", { sortBy: "AFFECTED_INSTANCES", sortOrder: "ASC" }),
    );
    assert.throws(() => run("AMI", { accountAggregation: {} }), /AMI/);
    assert.throws(
      () => run("AMI", { amis: [{ comparison: "LIKE", value: "ami-1" }] }),
      /amis\[0\]\.comparison/,
    );
    assert.throws(() => run("AMI", { amis: eq("ami-1") }), /amis/);
    assert.throws(() => run("AMI", { sortOrder: "UP" }), /sortOrder/);
    assert.throws(
      () => run("AWS_ECR_CONTAINER", { lastInUseAt: [{ startInclusive: "soon" }] }),
      /lastInUseAt/,
    );
  });

  it("is deterministic whatever the input order, and takes any iterable", () => {
    const reversed = [...FINDINGS].reverse();
    for (const type of AGGREGATION_TYPES) {
      assert.deepEqual(aggregate(type, undefined, reversed), run(type), type);
      assert.deepEqual(aggregate(type, undefined, FINDINGS.values()), run(type), type);
    }
    assert.deepEqual(aggregate("ACCOUNT", undefined, []), []);
  });
});
