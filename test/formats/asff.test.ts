/**
 * ASFF output checked two ways: against a JSON Schema of the ASFF subset Vigil emits, written from
 * the ASFF syntax (test/fixtures/asff/asff-finding.schema.json: required members, enums, date-time
 * formats, length and count limits, closed objects), and against the Security Hub service model that
 * ships with Debian's awscli (every member name real, every required member present).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import type { Advisory, AdvisoryReader, KevEntry } from "../../src/advisories/types.js";
import { codeFindingOf } from "../../src/code/submitted.js";
import type { Package } from "../../src/extractors/types.js";
import { type Finding, type FindingResource, toCodeFinding, toFinding } from "../../src/findings/finding.js";
import { toNetworkFindings } from "../../src/findings/network.js";
import {
  ASFF_LIMITS,
  type AsffFinding,
  toAsff,
  toAsffBatch,
  toAsffBatches,
  truncate,
} from "../../src/formats/asff.js";
import type { Match } from "../../src/matching/match.js";
import {
  ASFF_NEWER_MEMBERS,
  type Shape,
  serviceModelValidator,
  shapesValidator,
} from "../support/botocore.js";
import { runVigil } from "../support/cli.js";
import { debianGoPrograms, imageFixture, repoRoot, vulndataDir } from "../support/fixtures.js";

const require = createRequire(import.meta.url);
const Ajv = require("ajv").default as typeof import("ajv").default;
const addFormats = require("ajv-formats").default as typeof import("ajv-formats").default;

function schemaValidator(): (doc: unknown) => string[] {
  const schema = JSON.parse(
    readFileSync(join(repoRoot, "test/fixtures/asff/asff-finding.schema.json"), "utf8"),
  );
  const ajv = new Ajv({ strict: true, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

function modelValidator(): (doc: unknown) => string[] {
  const check = serviceModelValidator("securityhub", "AwsSecurityFinding", {
    newer: ASFF_NEWER_MEMBERS,
    nonEmptyStrings: true,
  });
  return (doc) => check(doc, "finding");
}

/** Security Hub's model from python3's botocore (newer than Debian's awscli), when installed. */
function newestSecurityHubShapes(): Record<string, Shape> | undefined {
  try {
    const dir = execFileSync(
      "python3",
      ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      },
    ).trim();
    for (const name of ["service-2.json", "service-2.json.gz"]) {
      const p = join(dir, "data/securityhub/2018-10-26", name);
      if (!existsSync(p)) continue;
      const raw = readFileSync(p);
      return (
        JSON.parse((p.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as {
          shapes: Record<string, Shape>;
        }
      ).shapes;
    }
  } catch {
    // no python botocore
  }
  return undefined;
}

const OPTIONS = { region: "us-east-1" };

describe("ASFF (Security Hub) output", () => {
  let dataDir: string;
  let scanned: Finding[];
  let imageResource: FindingResource;
  let checkSchema: (doc: unknown) => string[];
  let checkModel: (doc: unknown) => string[];
  const valid = (f: AsffFinding, what: string) => {
    assert.deepEqual(checkSchema(f), [], `${what}: schema`);
    assert.deepEqual(checkModel(f), [], `${what}: service model`);
  };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "vigil-asff-"));
    const r = runVigil(["--quiet", "--data-dir", dataDir, "db", "update", "--mirror", vulndataDir]);
    assert.equal(r.status, 0, r.stderr);
    const scan = (target: string) => {
      const s = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", "json", target]);
      assert.equal(s.status, 0, s.stderr);
      return JSON.parse(s.stdout) as { resource: FindingResource; findings: Finding[] };
    };
    scanned = scan(debianGoPrograms()).findings;
    imageResource = scan(imageFixture().dockerArchive).resource;
    checkSchema = schemaValidator();
    checkModel = modelValidator();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("every finding of a real scan converts to valid ASFF, in BatchImportFindings bodies of at most 100", () => {
    assert.ok(scanned.length > 100, `${scanned.length} findings`);
    const batches = toAsffBatches(scanned, OPTIONS);
    assert.deepEqual(
      batches.map((b) => b.Findings.length),
      [100, scanned.length - 100],
    );
    const all = batches.flatMap((b) => b.Findings);
    all.forEach((f, i) => {
      valid(f, `finding ${i}`);
    });
    assert.deepEqual(
      all.map((f) => f.Id),
      scanned.map((f) => f.findingArn),
    );

    const i = scanned.findIndex((f) => f.packageVulnerabilityDetails.vulnerabilityId === "CVE-2023-24539");
    const f = scanned[i]!;
    const a = all[i]!;
    assert.equal(a.SchemaVersion, "2018-10-08");
    assert.equal(a.ProductArn, "arn:aws:securityhub:us-east-1::product/aws/inspector");
    assert.equal(a.GeneratorId, "AWSInspector");
    assert.equal(a.ProductName, "Inspector");
    assert.equal(a.CompanyName, "Amazon");
    assert.equal(a.Region, "us-east-1");
    assert.equal(a.AwsAccountId, "000000000000");
    assert.deepEqual(a.Types, ["Software and Configuration Checks/Vulnerabilities/CVE"]);
    assert.deepEqual(a.FindingProviderFields.Types, a.Types);
    assert.equal(a.CreatedAt, f.firstObservedAt);
    assert.equal(a.UpdatedAt, f.updatedAt);
    assert.equal(a.Title, "CVE-2023-24539 - stdlib");
    assert.equal(a.Description, f.description);
    // This scan's data carries no CVSS: UNTRIAGED goes out as INFORMATIONAL, the original kept.
    assert.deepEqual(a.Severity, { Label: "INFORMATIONAL", Normalized: 0, Original: "UNTRIAGED" });
    assert.deepEqual(a.FindingProviderFields.Severity, { Label: "INFORMATIONAL", Original: "UNTRIAGED" });
    assert.equal(a.RecordState, "ACTIVE");
    assert.deepEqual(a.Workflow, { Status: "NEW" });
    assert.deepEqual(a.Remediation.Recommendation, {
      Text: "Upgrade stdlib to version 1.19.9 or later.",
      Url: "https://nvd.nist.gov/vuln/detail/CVE-2023-24539",
    });
    assert.deepEqual(a.ProductFields, {
      "aws/inspector/ProductVersion": "2",
      "aws/inspector/FindingStatus": "ACTIVE",
    });
    // A directory scan: an EC2-type resource with Vigil's id, no AWS partition to claim.
    assert.deepEqual(a.Resources, [{ Type: "AwsEc2Instance", Id: debianGoPrograms(), Region: "local" }]);
    const v = a.Vulnerabilities![0]!;
    assert.equal(v.Id, "CVE-2023-24539");
    assert.deepEqual(v.VulnerablePackages, [
      {
        Name: "stdlib",
        Version: "1.19.8",
        PackageManager: "GOBINARY",
        FilePath: f.packageVulnerabilityDetails.vulnerablePackages[0]!.filePath,
        FixedInVersion: "1.19.9",
        Remediation: "Upgrade stdlib to 1.19.9 or later",
      },
    ]);
    assert.deepEqual(v.RelatedVulnerabilities, ["GO-2023-1751"]);
    // Go's zero time (0001-01-01) is a placeholder, not a vendor date.
    assert.deepEqual(v.Vendor, { Name: "GO_VULNDB", Url: "https://nvd.nist.gov/vuln/detail/CVE-2023-24539" });
    assert.equal(v.FixAvailable, "YES");
    assert.equal(v.ExploitAvailable, "NO");
    assert.equal(v.Cvss, undefined);

    // The real data holds descriptions longer than ASFF's 1,024: cut with an ellipsis.
    const long = scanned.findIndex((x) => x.description.length > ASFF_LIMITS.description);
    assert.ok(long >= 0);
    const cut = all[long]!.Description;
    assert.ok(cut.length <= 1024 && cut.endsWith("…"));
    assert.ok(scanned[long]!.description.startsWith(cut.slice(0, -1)));
  });

  it("an ECR image finding with NVD CVSS, the Vigil score's adjustments, KEV and EPSS", () => {
    const kevCatalog = JSON.parse(
      readFileSync(join(vulndataDir, "kev/known_exploited_vulnerabilities.json"), "utf8"),
    ) as {
      vulnerabilities: { cveID: string; dateAdded: string }[];
    };
    const heartbleed = kevCatalog.vulnerabilities.find((k) => k.cveID === "CVE-2014-0160")!;
    const kev: KevEntry = { cveId: heartbleed.cveID, dateAdded: heartbleed.dateAdded };
    const vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
    const store: AdvisoryReader = {
      affected: () => [],
      advisory: () => undefined,
      kev: (id) => (id === kev.cveId ? kev : undefined),
      epss: (id) => (id === kev.cveId ? { cveId: id, score: 0.94, percentile: 0.99 } : undefined),
      cvss: (id) =>
        id === kev.cveId
          ? {
              cveId: id,
              baseScore: 7.5,
              vector,
              version: "3.1",
              metrics: [{ source: "nvd@nist.gov", version: "3.1", vector, baseScore: 7.5 }],
            }
          : undefined,
    };
    const advisory: Advisory = {
      id: "DSA-2896-1",
      aliases: ["CVE-2014-0160"],
      related: [],
      summary: "openssl -- security update",
      published: "2014-04-07T00:00:00Z",
      modified: "2014-04-08T00:00:00Z",
      severity: [],
      references: [{ type: "ADVISORY", url: "https://www.debian.org/security/2014/dsa-2896" }],
      source: "osv:Debian",
    };
    const pkg: Package = {
      name: "libssl1.0.0",
      version: "1:1.0.1e-2+deb7u4",
      type: "deb",
      source: { name: "openssl" },
      arch: "amd64",
      location: "var/lib/dpkg/status",
      extractor: "dpkg",
      layerDigest: `sha256:${"ab".repeat(32)}`,
    };
    const match: Match = {
      vulnerabilityId: "CVE-2014-0160",
      related: ["DSA-2896-1"],
      package: pkg,
      evidence: [
        {
          advisory,
          entry: { advisoryId: advisory.id, ecosystem: "Debian:7", packageName: "openssl", severity: "high" },
          fixedVersion: "1.0.1e-2+deb7u5",
          viaSource: true,
        },
      ],
      fixedVersion: "1.0.1e-2+deb7u5",
      partialFix: false,
    };
    const finding = toFinding(match, store, {
      accountId: "123456789012",
      region: "eu-west-1",
      resource: imageResource,
      now: "2026-01-02T03:04:05.000Z",
      scoring: { internetOpen: [] },
    });
    const a = toAsff(finding, { region: "eu-west-1" });
    valid(a, "ECR finding");
    assert.equal(a.ProductArn, "arn:aws:securityhub:eu-west-1::product/aws/inspector");
    assert.equal(a.Severity.Original, finding.severity);
    assert.deepEqual(a.Severity, {
      Label: finding.severity as AsffFinding["Severity"]["Label"],
      Normalized: { CRITICAL: 90, HIGH: 70, MEDIUM: 40, LOW: 1 }[finding.severity as "HIGH"],
      Original: finding.severity,
    });
    assert.equal(a.ProductFields["aws/inspector/inspectorScore"], String(finding.inspectorScore));
    assert.equal(
      a.ProductFields["aws/inspector/resources/1/resourceDetails/awsEcrContainerImageDetails/platform"],
      "Debian GNU/Linux 12 (bookworm)",
    );
    const ecr = imageResource.details!["awsEcrContainerImage"] as Record<string, string>;
    assert.deepEqual(a.Resources, [
      {
        Type: "AwsEcrContainerImage",
        Id: imageResource.id,
        Region: "local",
        Details: {
          AwsEcrContainerImage: {
            RegistryId: "123456789012",
            RepositoryName: "docker.io/vigil/fixture",
            Architecture: "amd64",
            ImageDigest: ecr["imageHash"],
            ImageTags: ["v2"],
            ImagePublishedAt: new Date(ecr["pushedAt"]!).toISOString(),
          },
          Other: { registry: "local", platform: "Debian GNU/Linux 12 (bookworm)" },
        },
      },
    ]);
    const v = a.Vulnerabilities![0]!;
    assert.deepEqual(v.VulnerablePackages, [
      {
        Name: "libssl1.0.0",
        Version: "1.0.1e",
        Epoch: "1",
        Release: "2+deb7u4",
        Architecture: "amd64",
        PackageManager: "OS",
        FilePath: "var/lib/dpkg/status",
        FixedInVersion: "1.0.1e-2+deb7u5",
        Remediation: "Upgrade libssl1.0.0 to 1.0.1e-2+deb7u5 or later",
        SourceLayerHash: pkg.layerDigest,
      },
    ]);
    // NVD's score as NVD gave it, then the Vigil score: the vector adjusted, with the reasons.
    assert.deepEqual(v.Cvss![0], { Version: "3.1", BaseScore: 7.5, BaseVector: vector, Source: "NVD" });
    const adjusted = v.Cvss![1]!;
    assert.equal(adjusted.BaseScore, finding.inspectorScore);
    assert.notEqual(adjusted.BaseVector, vector);
    assert.deepEqual(
      adjusted.Adjustments?.map((x) => x.Metric),
      ["MAV:A", "E:H"],
    );
    assert.match(
      adjusted.Adjustments![1]!.Reason!,
      /Known Exploited Vulnerabilities catalog since 2022-05-04/,
    );
    assert.deepEqual(v.Vendor, {
      Name: "DEBIAN_SECURITY_ADVISORY",
      Url: "https://nvd.nist.gov/vuln/detail/CVE-2014-0160",
      VendorSeverity: "high",
      VendorCreatedAt: "2014-04-07T00:00:00.000Z",
      VendorUpdatedAt: "2014-04-08T00:00:00.000Z",
    });
    assert.equal(v.ExploitAvailable, "YES");
    assert.equal(v.LastKnownExploitAt, "2022-05-04T00:00:00.000Z");
    assert.equal(v.EpssScore, 0.94);
    assert.deepEqual(v.RelatedVulnerabilities, ["DSA-2896-1"]);
  });

  it("a network reachability finding: Network, NetworkPath and ProductFields, no Vulnerabilities", () => {
    const resource: FindingResource = {
      type: "AWS_EC2_INSTANCE",
      id: "i-0123456789abcdef0",
      partition: "aws",
      region: "us-east-1",
      tags: { Name: "bastion", Team: "ops", Empty: "" },
      details: {
        awsEc2Instance: {
          platform: "Debian GNU/Linux 12 (bookworm)",
          ipV4Addresses: ["10.0.0.12", "203.0.113.7"],
          ipV6Addresses: ["2001:db8::7"],
          keyName: "bastion",
          launchedAt: "2025-12-01T08:00:00Z",
        },
      },
    };
    const [finding] = toNetworkFindings(
      [
        {
          protocol: "TCP",
          begin: 22,
          end: 22,
          steps: [
            { componentId: "igw-0a1b2c3d", componentType: "AWS::EC2::InternetGateway" },
            { componentId: "acl-0a1b2c3d", componentType: "AWS::EC2::NetworkAcl" },
            { componentId: "sg-0a1b2c3d", componentType: "AWS::EC2::SecurityGroup" },
            { componentId: "eni-0a1b2c3d", componentType: "AWS::EC2::NetworkInterface" },
          ],
        },
      ],
      { accountId: "123456789012", region: "us-east-1", resource, now: "2026-01-02T03:04:05.000Z" },
    );
    const a = toAsff(finding!, OPTIONS);
    valid(a, "network finding");
    assert.deepEqual(a.Types, [
      "Software and Configuration Checks/AWS Security Best Practices/Network Reachability",
    ]);
    assert.deepEqual(a.Severity, { Label: "MEDIUM", Normalized: 40, Original: "MEDIUM" });
    assert.equal(a.Vulnerabilities, undefined);
    assert.deepEqual(a.Network, { Direction: "IN", Protocol: "TCP", OpenPortRange: { Begin: 22, End: 22 } });
    assert.deepEqual(
      a.NetworkPath?.map((c) => [c.ComponentId, c.ComponentType]),
      finding!.networkReachabilityDetails!.networkPath.steps.map((s) => [s.componentId, s.componentType]),
    );
    assert.deepEqual(a.NetworkPath![3]!.Ingress, {
      Protocol: "TCP",
      Destination: { PortRanges: [{ Begin: 22, End: 22 }] },
    });
    assert.deepEqual(a.ProductFields, {
      "aws/inspector/ProductVersion": "2",
      "aws/inspector/FindingStatus": "ACTIVE",
      "vigil/networkReachability/protocol": "TCP",
      "vigil/networkReachability/openPortRange": "22",
      "vigil/networkReachability/networkPath": "igw-0a1b2c3d → acl-0a1b2c3d → sg-0a1b2c3d → eni-0a1b2c3d",
      "aws/inspector/resources/1/resourceDetails/awsEc2InstanceDetails/platform":
        "Debian GNU/Linux 12 (bookworm)",
    });
    assert.deepEqual(a.Resources, [
      {
        Type: "AwsEc2Instance",
        Id: "i-0123456789abcdef0",
        Partition: "aws",
        Region: "us-east-1",
        // ASFF values must not be blank: the empty tag is left out.
        Tags: { Name: "bastion", Team: "ops" },
        Details: {
          AwsEc2Instance: {
            IpV4Addresses: ["10.0.0.12", "203.0.113.7"],
            IpV6Addresses: ["2001:db8::7"],
            KeyName: "bastion",
            LaunchedAt: "2025-12-01T08:00:00.000Z",
          },
          Other: { platform: "Debian GNU/Linux 12 (bookworm)" },
        },
      },
    ]);
  });

  it("a code finding: CWE type, the detector, CodeVulnerabilities with file and lines, no code", () => {
    const resource: FindingResource = {
      type: "AWS_LAMBDA_FUNCTION",
      id: "orders",
      partition: "aws",
      region: "us-east-1",
      details: {
        awsLambdaFunction: {
          functionName: "orders",
          runtime: "python3.12",
          version: "$LATEST",
          executionRoleArn: "arn:aws:iam::123456789012:role/orders",
          layers: ["deps.zip"],
        },
      },
    };
    const cf = codeFindingOf({
      detectorId: "python/hardcoded-credentials",
      filePath: "src/db/connect.py",
      startLine: 4,
      endLine: 4,
      snippet: [{ lineNumber: 4, content: 'PASSWORD = "hunter2-is-not-a-password"' }],
      message: "The code contains a password.",
      fingerprint: "a".repeat(64),
    })!;
    const finding = toCodeFinding(cf, {
      accountId: "123456789012",
      region: "us-east-1",
      resource,
      now: "2026-01-02T03:04:05.000Z",
      sourceLambdaLayerArn: "arn:aws:lambda:us-east-1:123456789012:layer:deps:3",
    });
    const a = toAsff(finding, OPTIONS);
    assert.deepEqual(a.Types, ["Software and Configuration Checks/Vulnerabilities/CWE"]);
    assert.equal(a.Title, "CWE-798 - Hardcoded credentials");
    assert.equal(a.Severity.Label, "CRITICAL");
    assert.deepEqual(a.Vulnerabilities, [
      {
        Id: "python/hardcoded-credentials",
        CodeVulnerabilities: [
          {
            Cwes: ["CWE-798"],
            FilePath: { FilePath: "src/db/connect.py", FileName: "connect.py", StartLine: 4, EndLine: 4 },
            SourceArn: "arn:aws:lambda:us-east-1:123456789012:layer:deps:3",
          },
        ],
        ReferenceUrls: finding.codeVulnerabilityDetails!.referenceUrls,
        FixAvailable: "NO",
        ExploitAvailable: "NO",
      },
    ]);
    assert.equal(a.ProductFields["vigil/codeVulnerability/location"], "src/db/connect.py:4");
    assert.equal(a.ProductFields["vigil/codeVulnerability/ruleId"], "python/hardcoded-credentials@v1.0");
    assert.equal(a.Resources[0]!.Type, "AwsLambdaFunction");
    assert.equal(a.Resources[0]!.Details?.AwsLambdaFunction?.FunctionName, "orders");
    // The flagged code (here a credential) is not copied into Security Hub.
    assert.ok(!JSON.stringify(a).includes("hunter2"));
    // Debian's Security Hub model predates CodeVulnerabilities; the newest botocore on the
    // machine (python3's) has it and checks all of the finding; the JSON Schema the rest.
    assert.deepEqual(
      serviceModelValidator("securityhub", "AwsSecurityFinding", {
        newer: new Set([...ASFF_NEWER_MEMBERS, "Vulnerability.CodeVulnerabilities"]),
        nonEmptyStrings: true,
      })(a, "finding"),
      [],
    );
    const { Vulnerabilities: _v, ...rest } = a;
    assert.deepEqual(checkSchema(rest), []);
    const newest = newestSecurityHubShapes();
    if (newest) {
      assert.ok(newest["VulnerabilityCodeVulnerabilities"]);
      assert.deepEqual(
        shapesValidator(newest, "AwsSecurityFinding", { nonEmptyStrings: true })(a, "finding"),
        [],
      );
    }
  });

  it("CLOSED findings are ARCHIVED and RESOLVED, SUPPRESSED ones stay ACTIVE and SUPPRESSED", () => {
    const base = scanned[0]!;
    const closed = toAsff({ ...base, status: "CLOSED" }, OPTIONS);
    const suppressed = toAsff({ ...base, status: "SUPPRESSED" }, OPTIONS);
    valid(closed, "closed");
    valid(suppressed, "suppressed");
    assert.equal(closed.RecordState, "ARCHIVED");
    assert.deepEqual(closed.Workflow, { Status: "RESOLVED" });
    assert.equal(closed.ProductFields["aws/inspector/FindingStatus"], "CLOSED");
    assert.equal(suppressed.RecordState, "ACTIVE");
    assert.deepEqual(suppressed.Workflow, { Status: "SUPPRESSED" });
    assert.equal(suppressed.ProductFields["aws/inspector/FindingStatus"], "SUPPRESSED");
  });

  it("maps every severity to Inspector's label and normalized score", () => {
    const expected = {
      CRITICAL: ["CRITICAL", 90],
      HIGH: ["HIGH", 70],
      MEDIUM: ["MEDIUM", 40],
      LOW: ["LOW", 1],
      INFORMATIONAL: ["INFORMATIONAL", 0],
      UNTRIAGED: ["INFORMATIONAL", 0],
    } as const;
    for (const [severity, [label, normalized]] of Object.entries(expected)) {
      const a = toAsff({ ...scanned[0]!, severity: severity as Finding["severity"] }, OPTIONS);
      valid(a, severity);
      assert.deepEqual(a.Severity, { Label: label, Normalized: normalized, Original: severity });
      assert.deepEqual(a.FindingProviderFields.Severity, { Label: label, Original: severity });
    }
  });

  it("cuts over-long titles, descriptions and remediation text, never inside a surrogate pair", () => {
    const title = `CVE-2099-0001 - ${"p".repeat(238)}😀 tail`;
    const description = `${"d".repeat(1022)}😀${"e".repeat(500)}`;
    const base = scanned[0]!;
    const a = toAsff(
      {
        ...base,
        title,
        description,
        remediation: { recommendation: { text: "r".repeat(600), Url: "https://example.com/fix" } },
      },
      OPTIONS,
    );
    valid(a, "long texts");
    assert.equal(a.Title.length, 255);
    assert.equal(a.Title, `${title.slice(0, 254)}…`);
    assert.equal(a.Description, `${"d".repeat(1022)}…`);
    assert.equal(a.Remediation.Recommendation.Text.length, 512);
    assert.ok(a.Remediation.Recommendation.Text.endsWith("…"));
    assert.equal(truncate("short", 10), "short");
    assert.equal(truncate("x".repeat(11), 10), `${"x".repeat(9)}…`);
  });

  it("keeps to ASFF's counts: 32 resources, 1,024 packages, tag and field sizes, 100 a batch", () => {
    const base = scanned[0]!;
    const platform = `Linux ${"v".repeat(3000)}`;
    const resources: FindingResource[] = Array.from({ length: 40 }, (_, i) => ({
      type: "AWS_EC2_INSTANCE",
      id: `i-${i.toString().padStart(17, "0")}`,
      partition: "aws",
      region: "us-east-1",
      tags: Object.fromEntries(Array.from({ length: 60 }, (_, t) => [`tag${t}`, "w".repeat(300)])),
      details: { awsEc2Instance: { platform } },
    }));
    const pkg = base.packageVulnerabilityDetails.vulnerablePackages[0]!;
    const a = toAsff(
      {
        ...base,
        resources,
        packageVulnerabilityDetails: {
          ...base.packageVulnerabilityDetails,
          vulnerablePackages: Array.from({ length: 1100 }, (_, i) => ({ ...pkg, filePath: `usr/bin/p${i}` })),
        },
      },
      OPTIONS,
    );
    valid(a, "limits");
    assert.equal(a.Resources.length, 32);
    assert.equal(a.Vulnerabilities![0]!.VulnerablePackages!.length, 1024);
    const tags = a.Resources[0]!.Tags!;
    assert.equal(Object.keys(tags).length, 50);
    assert.equal(tags["tag0"]!.length, 256);
    assert.equal(a.Resources[0]!.Details!.Other!["platform"]!.length, 1023);
    const fields = Object.entries(a.ProductFields);
    assert.ok(fields.length <= 50);
    assert.equal(fields.filter(([k]) => k.endsWith("/platform")).length, 32);
    assert.ok(fields.every(([k, v]) => k.length <= 128 && v.length <= 2048));
    assert.equal(
      a.ProductFields["aws/inspector/resources/32/resourceDetails/awsEc2InstanceDetails/platform"]!.length,
      2048,
    );

    const many = Array.from({ length: 250 }, () => base);
    assert.throws(() => toAsffBatch(many, OPTIONS), /at most 100 findings/);
    assert.deepEqual(
      toAsffBatches(many, OPTIONS).map((b) => b.Findings.length),
      [100, 100, 50],
    );
    assert.deepEqual(toAsffBatches([], OPTIONS), []);
  });

  it("the checks themselves reject what ASFF does not allow", () => {
    const good = toAsff(scanned[0]!, OPTIONS);
    const bad = (change: (f: Record<string, unknown>) => void) => {
      const f = structuredClone(good) as unknown as Record<string, unknown>;
      change(f);
      return f;
    };
    const cases: [string, Record<string, unknown>][] = [
      ["label", bad((f) => ((f["Severity"] as Record<string, unknown>)["Label"] = "UNTRIAGED"))],
      ["title", bad((f) => (f["Title"] = "t".repeat(257)))],
      ["date", bad((f) => (f["UpdatedAt"] = "2026-13-01"))],
      ["record state", bad((f) => (f["RecordState"] = "CLOSED"))],
      ["workflow", bad((f) => (f["Workflow"] = { Status: "ACTIVE" }))],
      ["blank", bad((f) => (f["Description"] = "  "))],
      ["resources", bad((f) => (f["Resources"] = Array(33).fill(good.Resources[0])))],
      ["required", bad((f) => delete f["GeneratorId"])],
    ];
    for (const [what, f] of cases) assert.notDeepEqual(checkSchema(f), [], what);
    const misspelt = bad((f) => (f["Vulnerabilities"] = [{ Id: "CVE-1", VulnerablePackage: [] }]));
    assert.notDeepEqual(checkSchema(misspelt), []);
    assert.deepEqual(checkModel(misspelt), [
      "finding.Vulnerabilities[0].VulnerablePackage: not a member of Vulnerability",
    ]);
  });

  it("takes a product ARN and generator id, and refuses what Security Hub would", () => {
    const base = scanned[0]!;
    const a = toAsff(base, {
      region: "cn-north-1",
      generatorId: "vigil/scan",
    });
    assert.equal(a.ProductArn, "arn:aws-cn:securityhub:cn-north-1::product/aws/inspector");
    assert.equal(a.GeneratorId, "vigil/scan");
    const own = toAsff(base, {
      ...OPTIONS,
      productArn: "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
    });
    valid(own, "own product");
    assert.equal(own.ProductArn, "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default");
    assert.throws(() => toAsff({ ...base, awsAccountId: "local" }, OPTIONS), /12 digits/);
    assert.throws(() => toAsff({ ...base, resources: [] }, OPTIONS), /needs a resource/);
    assert.throws(() => toAsff({ ...base, updatedAt: "yesterday" }, OPTIONS), /not a timestamp/);
    assert.throws(() => toAsff(base, { region: " " }), /region is required/);
  });
});
