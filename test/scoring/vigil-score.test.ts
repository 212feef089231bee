/**
 * The Vigil score end to end through the service: one network model (AWS CLI JSON of a VPC with a
 * public web subnet and a private subnet behind NAT), two hosts, agent facts for the web server,
 * KEV and EPSS data. The seed example: the same 9.8 CVE scores lower on the private instance than
 * on the internet-facing one with the port open, and a 7.0 with a KEV entry on the public web
 * server outranks the private 9.8. Editing the security group re-scores and closes the network
 * finding without rescanning.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { updateAdvisories } from "../../src/advisories/update.js";
import type { Package } from "../../src/extractors/types.js";
import type { Finding } from "../../src/findings/finding.js";
import type { Principal } from "../../src/service/service.js";
import { osvRecord } from "../advisories/helpers.js";
import { runVigilAsync } from "../support/cli.js";
import { startTestService, type TestService } from "../support/service.js";

const ACCOUNT = "111122223333";
const admin: Principal = { accountId: ACCOUNT, id: "test", readOnly: false };

const advisory = (cve: string, name: string, vector: string) =>
  osvRecord({
    id: `DEBIAN-${cve}`,
    aliases: [cve],
    summary: `${name} test advisory`,
    affected: [
      {
        package: { ecosystem: "Debian:12", name },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "99" }] }],
      },
    ],
    severity: [{ type: "CVSS_V3", score: vector }],
  });

const CRITICAL = "CVE-2099-9800"; // 9.8, network, low EPSS, not in KEV
const KEV = "CVE-2099-7000"; // 7.0, local, in KEV

const deb = (name: string, source = name): Package => ({
  name,
  version: "1.0-1",
  type: "deb",
  source: { name: source },
  location: "var/lib/dpkg/status",
  extractor: "dpkg",
});

const ec2 = (id: string, ip: string) => ({
  id,
  type: "AWS_EC2_INSTANCE" as const,
  details: { awsEc2Instance: { platform: "Debian GNU/Linux 12 (bookworm)", ipV4Addresses: [ip] } },
});

const allowAll = (egress: boolean) => ({
  RuleNumber: 100,
  Protocol: "-1",
  RuleAction: "allow",
  Egress: egress,
  CidrBlock: "0.0.0.0/0",
});

/** The JSON `aws ec2 describe-*` prints for a VPC: public web subnet, private app subnet behind NAT. */
function awsDocuments(webPorts: number[]) {
  const sg = (id: string, ports: number[], cidr: string) => ({
    GroupId: id,
    GroupName: id,
    VpcId: "vpc-1",
    IpPermissions: ports.map((p) => ({
      IpProtocol: "tcp",
      FromPort: p,
      ToPort: p,
      IpRanges: [{ CidrIp: cidr }],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
    })),
    IpPermissionsEgress: [
      {
        IpProtocol: "-1",
        IpRanges: [{ CidrIp: "0.0.0.0/0" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ],
  });
  const eni = (
    id: string,
    subnet: string,
    ip: string,
    group: string,
    instance: string,
    publicIp?: string,
  ) => ({
    NetworkInterfaceId: id,
    SubnetId: subnet,
    VpcId: "vpc-1",
    Groups: [{ GroupId: group, GroupName: group }],
    PrivateIpAddress: ip,
    PrivateIpAddresses: [
      { Primary: true, PrivateIpAddress: ip, ...(publicIp ? { Association: { PublicIp: publicIp } } : {}) },
    ],
    ...(publicIp ? { Association: { PublicIp: publicIp } } : {}),
    Ipv6Addresses: [],
    Attachment: { InstanceId: instance, DeviceIndex: 0, Status: "attached" },
    Status: "in-use",
  });
  const instance = (
    id: string,
    subnet: string,
    ip: string,
    group: string,
    nic: ReturnType<typeof eni>,
    publicIp?: string,
  ) => ({
    InstanceId: id,
    SubnetId: subnet,
    VpcId: "vpc-1",
    PrivateIpAddress: ip,
    ...(publicIp ? { PublicIpAddress: publicIp } : {}),
    State: { Code: 16, Name: "running" },
    SecurityGroups: [{ GroupId: group, GroupName: group }],
    NetworkInterfaces: [nic],
    Tags: [{ Key: "Name", Value: id }],
  });
  const webNic = eni("eni-web", "subnet-public", "10.0.1.10", "sg-web", "i-0public", "203.0.113.10");
  const appNic = eni("eni-app", "subnet-private", "10.0.2.20", "sg-app", "i-0private");
  return [
    {
      label: "describe-vpcs",
      json: { Vpcs: [{ VpcId: "vpc-1", CidrBlock: "10.0.0.0/16", State: "available", IsDefault: false }] },
    },
    {
      label: "describe-subnets",
      json: {
        Subnets: [
          {
            SubnetId: "subnet-public",
            VpcId: "vpc-1",
            CidrBlock: "10.0.1.0/24",
            MapPublicIpOnLaunch: true,
            State: "available",
          },
          {
            SubnetId: "subnet-private",
            VpcId: "vpc-1",
            CidrBlock: "10.0.2.0/24",
            MapPublicIpOnLaunch: false,
            State: "available",
          },
        ],
      },
    },
    {
      label: "describe-internet-gateways",
      json: {
        InternetGateways: [
          { InternetGatewayId: "igw-1", Attachments: [{ VpcId: "vpc-1", State: "available" }] },
        ],
      },
    },
    {
      label: "describe-nat-gateways",
      json: {
        NatGateways: [
          { NatGatewayId: "nat-1", SubnetId: "subnet-public", VpcId: "vpc-1", State: "available" },
        ],
      },
    },
    {
      label: "describe-route-tables",
      json: {
        RouteTables: [
          {
            RouteTableId: "rtb-public",
            VpcId: "vpc-1",
            Associations: [
              {
                RouteTableAssociationId: "rtbassoc-1",
                RouteTableId: "rtb-public",
                SubnetId: "subnet-public",
                Main: false,
              },
            ],
            Routes: [
              { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
              { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1", State: "active" },
            ],
          },
          {
            RouteTableId: "rtb-main",
            VpcId: "vpc-1",
            Associations: [
              { RouteTableAssociationId: "rtbassoc-main", RouteTableId: "rtb-main", Main: true },
            ],
            Routes: [
              { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
              { DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-1", State: "active" },
            ],
          },
        ],
      },
    },
    {
      label: "describe-network-acls",
      json: {
        NetworkAcls: [
          {
            NetworkAclId: "acl-default",
            VpcId: "vpc-1",
            IsDefault: true,
            Associations: [
              {
                NetworkAclAssociationId: "aclassoc-1",
                NetworkAclId: "acl-default",
                SubnetId: "subnet-public",
              },
              {
                NetworkAclAssociationId: "aclassoc-2",
                NetworkAclId: "acl-default",
                SubnetId: "subnet-private",
              },
            ],
            Entries: [
              allowAll(false),
              allowAll(true),
              {
                RuleNumber: 32767,
                Protocol: "-1",
                RuleAction: "deny",
                Egress: false,
                CidrBlock: "0.0.0.0/0",
              },
              { RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: true, CidrBlock: "0.0.0.0/0" },
            ],
          },
        ],
      },
    },
    {
      label: "describe-security-groups",
      json: { SecurityGroups: [sg("sg-web", webPorts, "0.0.0.0/0"), sg("sg-app", [22, 443], "10.0.0.0/16")] },
    },
    { label: "describe-network-interfaces", json: { NetworkInterfaces: [webNic, appNic] } },
    {
      label: "describe-instances",
      json: {
        Reservations: [
          {
            ReservationId: "r-1",
            Instances: [
              instance("i-0public", "subnet-public", "10.0.1.10", "sg-web", webNic, "203.0.113.10"),
              instance("i-0private", "subnet-private", "10.0.2.20", "sg-app", appNic),
            ],
          },
        ],
      },
    },
  ];
}

/** The CISA KEV catalog in the mirror, listing these CVEs. */
function writeKev(mirror: string, cves: string[]): void {
  mkdirSync(join(mirror, "kev"), { recursive: true });
  writeFileSync(
    join(mirror, "kev", "known_exploited_vulnerabilities.json"),
    JSON.stringify({
      title: "CISA Catalog of Known Exploited Vulnerabilities",
      catalogVersion: "2099.01.01",
      dateReleased: "2099-01-01T00:00:00.000Z",
      count: cves.length,
      vulnerabilities: cves.map((cveID) => ({
        cveID,
        vendorProject: "test",
        product: "test",
        vulnerabilityName: "test",
        dateAdded: "2099-01-01",
        shortDescription: "test",
        requiredAction: "patch",
        dueDate: "2099-01-21",
      })),
    }),
  );
}

describe("the Vigil score", () => {
  let t: TestService;
  const finding = async (resource: string, cve: string): Promise<Finding> => {
    const { findings } = await t.service.listFindings(ACCOUNT, {
      criteria: {
        resourceId: [{ comparison: "EQUALS", value: resource }],
        vulnerabilityId: [{ comparison: "EQUALS", value: cve }],
        findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
      },
    });
    assert.equal(findings.length, 1, `${cve} on ${resource}`);
    return findings[0]!;
  };
  const adjustments = (f: Finding) => f.inspectorScoreDetails!.adjustedCvss.adjustments.map((a) => a.metric);

  before(async () => {
    t = await startTestService({
      osv: {
        ecosystem: "Debian",
        records: [
          advisory(CRITICAL, "openssl", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
          advisory(KEV, "nginx", "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H"),
        ],
      },
    });
    // KEV and EPSS in the mirror, imported like the public feeds.
    writeKev(t.mirror, [KEV]);
    mkdirSync(join(t.mirror, "epss"), { recursive: true });
    writeFileSync(
      join(t.mirror, "epss", "epss_scores-current.csv"),
      `#model_version:v2025.03.14,score_date:2099-01-01T00:00:00+0000\ncve,epss,percentile\n${CRITICAL},0.00500,0.50000\n`,
    );
    await updateAdvisories({ dataDir: t.dataDir, mirror: t.mirror, feeds: ["osv:Debian", "kev", "epss"] });
    t.store.refresh();

    const both = [deb("libssl3", "openssl")];
    await t.service.submitInventory(admin, ec2("i-0private", "10.0.2.20"), {
      os: { id: "debian", versionId: "12", ecosystem: "Debian:12" },
      packages: both,
    });
    await t.service.submitInventory(admin, ec2("i-0public", "10.0.1.10"), {
      os: { id: "debian", versionId: "12", ecosystem: "Debian:12" },
      packages: [...both, deb("nginx")],
    });
    // The web server's agent facts: nginx (mapping libssl3) listens on 80 and 443.
    const facts = {
      kernel: {},
      processes: [{ pid: 100, name: "nginx", exe: "/usr/sbin/nginx", packages: ["nginx", "libssl3"] }],
      listening: [80, 443].map((port) => ({
        protocol: "tcp",
        family: 4,
        address: "0.0.0.0",
        port,
        inode: port,
        pid: 100,
      })),
      interfaces: [],
      inUse: { nginx: [100], libssl3: [100] },
    };
    await t.service.db
      .insertInto("hosts")
      .values({
        host_id: "i-0public",
        account_id: ACCOUNT,
        activation_id: null,
        hostname: "web",
        machine_id: null,
        agent_version: "test",
        registered_at: Date.now(),
        last_seen_at: Date.now(),
        last_sequence: 1,
        last_content_hash: null,
        last_inventory_at: Date.now(),
        facts: gzipSync(JSON.stringify(facts)),
        collection: null,
        rotate_requested: 0,
        revoked_at: null,
      })
      .execute();
    const imported = await t.network.importModel(admin, {
      format: "aws",
      documents: awsDocuments([80, 443]),
    });
    assert.equal(imported.resourcesReevaluated, 2);
  });
  after(async () => t?.close());

  it("scores the same 9.8 CVE lower on the private instance than on the internet-facing one", async () => {
    const priv = await finding("i-0private", CRITICAL);
    const pub = await finding("i-0public", CRITICAL);
    assert.ok(priv.inspectorScore! < pub.inspectorScore!, `${priv.inspectorScore} < ${pub.inspectorScore}`);
    assert.deepEqual(adjustments(priv), ["MAV:A", "E:U"]);
    assert.deepEqual(adjustments(pub), ["E:U"]);
    assert.equal(priv.inspectorScore, 8.1);
    assert.equal(pub.inspectorScore, 9);
    assert.match(
      priv.inspectorScoreDetails!.adjustedCvss.adjustments[0]!.reason,
      /not reachable from the internet/,
    );
    assert.equal(priv.epss?.score, 0.005);
  });

  it("ranks a 7.0 with a KEV entry on the public web server above the private 9.8", async () => {
    const kev = await finding("i-0public", KEV);
    const priv = await finding("i-0private", CRITICAL);
    assert.ok(kev.inspectorScore! > priv.inspectorScore!, `${kev.inspectorScore} > ${priv.inspectorScore}`);
    assert.equal(kev.exploitAvailable, "YES");
    assert.deepEqual(adjustments(kev).sort(), ["E:H", "MAC:L", "MAV:N"]);
    assert.match(
      kev.inspectorScoreDetails!.adjustedCvss.adjustments.find((a) => a.metric === "MAV:N")!.reason,
      /port 80\/tcp is open to the internet and nginx/,
    );
    assert.equal(kev.inspectorScore, 8.8);
    assert.equal(kev.severity, "HIGH");
    assert.match(kev.inspectorScoreDetails!.adjustedCvss.scoringVector, /MAV:N/);
  });

  it("emits network reachability findings, and closes them when the security group changes", async () => {
    const { findings } = await t.service.listFindings(ACCOUNT, {
      criteria: { findingType: [{ comparison: "EQUALS", value: "NETWORK_REACHABILITY" }] },
    });
    const open = findings
      .filter((f) => f.status === "ACTIVE")
      .map(
        (f) =>
          `${f.resources[0]!.id} ${f.networkReachabilityDetails!.protocol}/${f.networkReachabilityDetails!.openPortRange.begin}`,
      )
      .sort();
    assert.deepEqual(open, ["i-0public TCP/443", "i-0public TCP/80"]);
    const steps = findings[0]!.networkReachabilityDetails!.networkPath.steps.map((s) => s.componentType);
    assert.equal(steps[0], "AWS::EC2::InternetGateway");
    assert.equal(steps.at(-1), "AWS::EC2::Instance");

    // 80 closed in the security group: its finding closes; the scores follow, nothing rescanned.
    const r = await t.network.importModel(admin, { format: "aws", documents: awsDocuments([443]) });
    assert.equal(r.closed, 1);
    const after80 = await t.service.listFindings(ACCOUNT, {
      criteria: {
        findingType: [{ comparison: "EQUALS", value: "NETWORK_REACHABILITY" }],
        findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
      },
    });
    assert.deepEqual(
      after80.findings.map((f) => f.networkReachabilityDetails!.openPortRange.begin),
      [443],
    );
    const kev = await finding("i-0public", KEV);
    assert.match(
      kev.inspectorScoreDetails!.adjustedCvss.adjustments.find((a) => a.metric === "MAV:N")!.reason,
      /port 443\/tcp/,
    );
  });
  it("re-scores when a CVE enters the KEV catalog, without rescanning", async () => {
    const before = await finding("i-0private", CRITICAL);
    writeKev(t.mirror, [KEV, CRITICAL]);
    await updateAdvisories({ dataDir: t.dataDir, mirror: t.mirror, feeds: ["kev"] });
    const r = await t.service.reevaluate();
    assert.ok(r.resources >= 2, `re-evaluated ${r.resources}`);
    const after = await finding("i-0private", CRITICAL);
    assert.equal(after.findingArn, before.findingArn);
    assert.equal(after.exploitAvailable, "YES");
    assert.deepEqual(adjustments(after), ["MAV:A", "E:H"]);
    assert.equal(after.inspectorScore, 8.8);
  });

  it("is driven by the command line: vigil network import / show", async () => {
    const key = await t.service.createKey(ACCOUNT);
    const env = {
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      VIGIL_ENDPOINT_URL: t.url,
    };
    const dir = join(t.dataDir, "aws-json");
    mkdirSync(dir, { recursive: true });
    const files = awsDocuments([22, 443]).map((d) => {
      const f = join(dir, `${d.label}.json`);
      writeFileSync(f, JSON.stringify(d.json));
      return f;
    });
    const imp = await runVigilAsync(["network", "import", ...files], env);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(
      imp.stdout,
      /^2 hosts, 2 port ranges open to the internet; 2 resources re-scored \(1 findings opened, 0 closed\)/,
    );
    const show = await runVigilAsync(["network", "show"], env);
    assert.match(show.stdout, /i-0private {2}nothing open\ni-0public {2}tcp\/22 tcp\/443/);
    writeFileSync(files[0]!, "{not json");
    const bad = await runVigilAsync(["network", "import", ...files], env);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /describe-vpcs\.json: not JSON/);
  });
});
