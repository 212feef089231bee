import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { modelFromAws, NetworkModelError } from "../../src/network/index.js";
import {
  baseWorld,
  documents,
  networkInterface,
  PUBLIC_SUBNET,
  permission,
  securityGroup,
  VPC,
  WEB,
  WEB_ENI,
  WEB_SG,
} from "./aws-docs.js";

function throwsModelError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof NetworkModelError, String(e));
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe("modelFromAws", () => {
  it("imports the base world", () => {
    const model = modelFromAws(documents(baseWorld()));
    assert.equal(model.vpcs.length, 1);
    assert.equal(model.subnets.length, 2);
    assert.equal(model.routeTables.length, 3);
    assert.deepEqual(model.internetGateways[0]!.attachedVpcIds, [VPC]);
    assert.equal(model.natGateways[0]!.publicAddresses[0], "3.210.7.7");
    const sg = model.securityGroups.find((g) => g.id === WEB_SG)!;
    assert.deepEqual(sg.ingress[0], {
      protocol: 6,
      ports: { from: 80, to: 80 },
      cidrs: ["0.0.0.0/0"],
      prefixListIds: [],
      groupIds: [],
    });
    assert.deepEqual(sg.egress[0]!.protocol, "all");
    const acl = model.networkAcls[0]!;
    assert.equal(acl.isDefault, true);
    assert.deepEqual(
      acl.entries.find((e) => e.ruleNumber === 32767 && !e.egress),
      {
        ruleNumber: 32767,
        egress: false,
        action: "deny",
        protocol: "all",
        cidr: "0.0.0.0/0",
        ports: null,
        stateful: false,
      },
    );
    const instance = model.instances[0]!;
    assert.equal(instance.state, "running");
    assert.equal(instance.tags.Name, "web");
    assert.deepEqual(instance.interfaceIds, [WEB_ENI]);
    const eni = model.networkInterfaces[0]!;
    assert.equal(eni.instanceId, WEB);
    assert.deepEqual(eni.addresses, [{ address: "10.0.1.10", primary: true, publicAddress: "54.210.1.10" }]);
  });

  it("merges an instance's interfaces with describe-network-interfaces and paginated documents", () => {
    const w = baseWorld();
    const extra = networkInterface({
      id: WEB_ENI,
      subnetId: PUBLIC_SUBNET,
      vpcId: VPC,
      privateIp: "10.0.1.10",
      secondary: [{ ip: "10.0.1.30", publicIp: "34.200.1.30" }],
      ipv6: ["2600:1f18:04a3:6b01:0000:0000:0000:0010"],
      groups: [WEB_SG, "sg-0000000000000beef"],
      instanceId: WEB,
    });
    const docs = [
      ...documents(w),
      { label: "enis page 1", json: { NetworkInterfaces: [extra], NextToken: "abc" } },
      { json: { SecurityGroups: [securityGroup("sg-0000000000000beef", VPC, [])] } },
    ];
    const model = modelFromAws(docs);
    assert.equal(model.networkInterfaces.length, 1);
    const eni = model.networkInterfaces[0]!;
    assert.deepEqual(eni.groupIds, [WEB_SG, "sg-0000000000000beef"]);
    assert.deepEqual(
      eni.addresses.map((a) => [a.address, a.publicAddress]),
      [
        ["10.0.1.10", "54.210.1.10"],
        ["10.0.1.30", "34.200.1.30"],
      ],
    );
    assert.deepEqual(eni.ipv6Addresses, ["2600:1f18:4a3:6b01::10"]);
    assert.equal(model.securityGroups.length, 2);
  });

  it("reads prefix lists and their entries (id from the label or a PrefixListId field)", () => {
    const model = modelFromAws([
      {
        json: {
          PrefixLists: [
            { PrefixListId: "pl-0123456789abcdef0", PrefixListName: "office", AddressFamily: "IPv4" },
          ],
        },
      },
      { label: "pl-0123456789abcdef0 entries", json: { Entries: [{ Cidr: "198.51.100.0/24" }] } },
      { json: { PrefixListId: "pl-0fedcba9876543210", Entries: [{ Cidr: "0.0.0.0/0" }] } },
    ]);
    assert.deepEqual(model.prefixLists, [
      { id: "pl-0123456789abcdef0", name: "office", cidrs: ["198.51.100.0/24"] },
      { id: "pl-0fedcba9876543210", cidrs: ["0.0.0.0/0"] },
    ]);
  });

  it("ignores unknown top-level keys and accepts empty lists", () => {
    const model = modelFromAws([
      { json: { SpotPriceHistory: [{ bogus: true }] } },
      { json: { SecurityGroups: [] } },
      { json: { Reservations: [], NextToken: null } },
      { json: {} },
    ]);
    assert.equal(model.securityGroups.length, 0);
    assert.equal(model.instances.length, 0);
  });

  it("names the document and the field: missing GroupId", () => {
    const bad = securityGroup(WEB_SG, VPC, []);
    delete bad.GroupId;
    throwsModelError(
      () =>
        modelFromAws([
          { json: { Vpcs: [] } },
          { json: { SecurityGroups: [securityGroup("sg-1", VPC, []), bad] } },
        ]),
      "document 2 (describe-security-groups): SecurityGroups[1].GroupId: missing, expected a string",
    );
  });

  it("names the document and the field: FromPort as a string", () => {
    const sg = securityGroup(WEB_SG, VPC, []);
    sg.IpPermissions = [
      permission({ proto: "tcp", from: 22, to: 22, cidrs: ["0.0.0.0/0"] }),
      { ...permission({ proto: "tcp", cidrs: [] }), FromPort: "80", ToPort: 80 },
    ];
    const groups = [securityGroup("sg-a", VPC, []), securityGroup("sg-b", VPC, []), sg];
    throwsModelError(
      () => modelFromAws([{ json: {} }, { json: {} }, { json: { SecurityGroups: groups } }]),
      'document 3 (describe-security-groups): SecurityGroups[2].IpPermissions[1].FromPort: expected a number, got the string "80"',
    );
  });

  it("uses the label when given", () => {
    throwsModelError(
      () =>
        modelFromAws([
          {
            label: "acls.json",
            json: {
              NetworkAcls: [
                {
                  NetworkAclId: "acl-1",
                  VpcId: VPC,
                  Entries: [
                    {
                      RuleNumber: 100,
                      Protocol: "-1",
                      RuleAction: "permit",
                      Egress: false,
                      CidrBlock: "0.0.0.0/0",
                    },
                  ],
                },
              ],
            },
          },
        ]),
      /^document 1 \(acls\.json\): NetworkAcls\[0\]\.Entries\[0\]\.RuleAction: expected one of "allow", "deny", got the string "permit"$/,
    );
  });

  it("rejects bad CIDRs, protocols, routes without a destination and non-object documents", () => {
    throwsModelError(
      () =>
        modelFromAws([
          {
            json: {
              SecurityGroups: [
                securityGroup("sg-1", VPC, [{ proto: "tcp", from: 1, to: 2, cidrs: ["0.0.0.0/33"] }]),
              ],
            },
          },
        ]),
      "document 1 (describe-security-groups): SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: expected an IPv4 CIDR block",
    );
    throwsModelError(
      () => modelFromAws([{ json: { SecurityGroups: [securityGroup("sg-1", VPC, [{ proto: "sctp" }])] } }]),
      /SecurityGroups\[0\]\.IpPermissions\[0\]\.IpProtocol: expected an IP protocol/,
    );
    throwsModelError(
      () =>
        modelFromAws([
          {
            json: {
              RouteTables: [
                { RouteTableId: "rtb-1", VpcId: VPC, Routes: [{ GatewayId: "igw-1", State: "active" }] },
              ],
            },
          },
        ]),
      "document 1 (describe-route-tables): RouteTables[0].Routes[0]: a route needs DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId",
    );
    throwsModelError(() => modelFromAws([{ json: [] }]), /^document 1: expected a JSON object/);
    throwsModelError(
      () => modelFromAws([{ json: { Entries: [{ Cidr: "0.0.0.0/0" }] } }]),
      /^document 1 \(get-managed-prefix-list-entries\): Entries: cannot tell which prefix list/,
    );
    throwsModelError(
      () =>
        modelFromAws([
          { json: { Reservations: [{ Instances: [{ InstanceId: "i-1", PublicIpAddress: "54.1.2" }] }] } },
        ]),
      "document 1 (describe-instances): Reservations[0].Instances[0].PublicIpAddress: expected an IPv4 address",
    );
  });

  it("reports port ranges that run backwards", () => {
    throwsModelError(
      () =>
        modelFromAws([
          {
            json: {
              SecurityGroups: [
                securityGroup("sg-1", VPC, [{ proto: "tcp", from: 90, to: 80, cidrs: ["0.0.0.0/0"] }]),
              ],
            },
          },
        ]),
      "document 1 (describe-security-groups): SecurityGroups[0].IpPermissions[0].ToPort: ToPort is below FromPort",
    );
  });
});
