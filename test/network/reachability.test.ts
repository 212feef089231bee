/**
 * Table-driven: each case is a small topology written as the AWS CLI JSON documents it would
 * produce, imported with modelFromAws, and the exact open ranges the analysis must report.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type HostReachability,
  internetReachability,
  modelFromAws,
  modelFromYaml,
  type NetworkModel,
  type OpenPortRange,
} from "../../src/network/index.js";
import {
  baseWorld,
  defaultEntries,
  documents,
  egressOnlyGateway,
  elasticIp,
  IGW,
  internetGateway,
  type Json,
  MAIN_RTB,
  NAT,
  networkAcl,
  networkInterface,
  openTo,
  PRIVATE_SUBNET,
  PUBLIC_RTB,
  PUBLIC_SUBNET,
  prefixList,
  primaryEni,
  reservation,
  route,
  routeTable,
  securityGroup,
  setPublicAcl,
  setPublicRoutes,
  setWebGroups,
  subnet,
  VPC,
  vpc,
  WEB,
  WEB_ENI,
  WEB_PUBLIC_IP,
  WEB_SG,
  type World,
} from "./aws-docs.js";

/** "54.210.1.10 TCP 80" / "54.210.1.10 TCP 8000-8100" */
function show(r: OpenPortRange): string {
  return `${r.address} ${r.protocol} ${r.begin === r.end ? r.begin : `${r.begin}-${r.end}`}`;
}

function analyze(w: World, options = {}): { model: NetworkModel; hosts: HostReachability[] } {
  const model = modelFromAws(documents(w));
  return { model, hosts: internetReachability(model, options) };
}

function openOf(hosts: HostReachability[], id: string): string[] {
  const h = hosts.find((x) => x.hostId === id);
  assert.ok(h, `host ${id} is reported`);
  return h.open.map(show);
}

const ALT_SG = "sg-0a1b2c3d4e5f600aa";
const SSH_SG = "sg-0a1b2c3d4e5f60022";
const LB_SG = "sg-0a1b2c3d4e5f60443";
const V6_VPC = "2600:1f18:4a3:6b00::/56";
const V6_SUBNET = "2600:1f18:4a3:6b01::/64";
const V6_ADDR = "2600:1f18:4a3:6b01:8a0c:1b3e:5d2f:10";

/** Turns the base world dual-stack (or IPv6-only with `v6only`) for the web server. */
function ipv6World(opts: { v6only?: boolean; egressOnly?: boolean; groups: Json[] }): World {
  const w = baseWorld();
  w.vpcs = [vpc(VPC, "10.0.0.0/16", V6_VPC)];
  w.subnets = [
    subnet(PUBLIC_SUBNET, VPC, opts.v6only ? null : "10.0.1.0/24", { ipv6: V6_SUBNET, public: true }),
    subnet(PRIVATE_SUBNET, VPC, "10.0.2.0/24"),
  ];
  const v6route = opts.egressOnly ? route.eigw("::/0", "eigw-0a1b2c3d4e5f60718") : route.igw("::/0", IGW);
  if (opts.egressOnly) w.egressOnlyGateways.push(egressOnlyGateway("eigw-0a1b2c3d4e5f60718", VPC));
  setPublicRoutes(w, [
    route.local("10.0.0.0/16"),
    route.local(V6_VPC),
    ...(opts.v6only ? [] : [route.igw("0.0.0.0/0", IGW)]),
    v6route,
  ]);
  w.networkAcls = [
    networkAcl("acl-0a1b2c3d4e5f60000", VPC, {
      isDefault: true,
      subnets: [PUBLIC_SUBNET, PRIVATE_SUBNET],
      entries: defaultEntries(true),
    }),
  ];
  w.reservations = [
    reservation({
      id: WEB,
      subnetId: PUBLIC_SUBNET,
      vpcId: VPC,
      ...(opts.v6only ? {} : { privateIp: "10.0.1.10", publicIp: WEB_PUBLIC_IP }),
      ipv6: [V6_ADDR],
      groups: opts.groups.map((g) => String(g.GroupId)),
      enis: [
        {
          id: WEB_ENI,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          ...(opts.v6only ? {} : { privateIp: "10.0.1.10", publicIp: WEB_PUBLIC_IP }),
          ipv6: [V6_ADDR],
          groups: opts.groups.map((g) => String(g.GroupId)),
        },
      ],
    }),
  ];
  w.securityGroups = opts.groups;
  return w;
}

interface Case {
  name: string;
  world: () => World;
  /** Expected open ranges of the web server (or of `host`). */
  expect: string[];
  host?: string;
  options?: { includeUnattachedInterfaces?: boolean };
  check?: (hosts: HostReachability[], model: NetworkModel) => void;
}

const P = WEB_PUBLIC_IP;

const cases: Case[] = [
  {
    name: "baseline public web server: 80 and 443",
    world: baseWorld,
    expect: [`${P} TCP 80`, `${P} TCP 443`],
    check: (hosts) => {
      const web = hosts.find((h) => h.hostId === WEB)!;
      assert.deepEqual(web.privateAddresses, ["10.0.1.10"]);
      assert.deepEqual(web.publicAddresses, [P]);
      assert.equal(web.state, "running");
      assert.deepEqual(web.open[0], {
        protocol: "TCP",
        begin: 80,
        end: 80,
        family: 4,
        address: P,
        steps: [
          { componentId: IGW, componentType: "AWS::EC2::InternetGateway" },
          { componentId: PUBLIC_RTB, componentType: "AWS::EC2::RouteTable" },
          { componentId: "acl-0a1b2c3d4e5f60000", componentType: "AWS::EC2::NetworkAcl" },
          { componentId: PUBLIC_SUBNET, componentType: "AWS::EC2::Subnet" },
          { componentId: WEB_SG, componentType: "AWS::EC2::SecurityGroup" },
          { componentId: WEB_ENI, componentType: "AWS::EC2::NetworkInterface" },
          { componentId: WEB, componentType: "AWS::EC2::Instance" },
        ],
      });
    },
  },
  {
    name: "no public IP: nothing",
    world: () => {
      const w = baseWorld();
      w.reservations = [
        reservation({
          id: WEB,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          groups: [WEB_SG],
        }),
      ];
      return w;
    },
    expect: [],
    check: (hosts) => assert.deepEqual(hosts[0]!.publicAddresses, []),
  },
  {
    name: "private subnet with only a NAT route: nothing, even with a public IP",
    world: () => {
      const w = baseWorld();
      w.reservations = [
        reservation({
          id: WEB,
          subnetId: PRIVATE_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.2.10",
          publicIp: P,
          groups: [WEB_SG],
        }),
      ];
      return w;
    },
    expect: [],
  },
  {
    name: "route to the internet gateway only for a block that is not the whole internet: nothing",
    world: () => {
      const w = baseWorld();
      setPublicRoutes(w, [
        route.local("10.0.0.0/16"),
        route.igw("203.0.113.0/24", IGW),
        route.nat("0.0.0.0/0", NAT),
      ]);
      return w;
    },
    expect: [],
  },
  {
    name: "internet gateway attached to another VPC: nothing",
    world: () => {
      const w = baseWorld();
      w.internetGateways = [internetGateway(IGW, "vpc-0ffffffffffffffff")];
      return w;
    },
    expect: [],
  },
  {
    name: "internet gateway detached (no attachments): nothing",
    world: () => {
      const w = baseWorld();
      w.internetGateways = [internetGateway(IGW, null)];
      return w;
    },
    expect: [],
  },
  {
    name: "blackhole default route: nothing",
    world: () => {
      const w = baseWorld();
      setPublicRoutes(w, [route.local("10.0.0.0/16"), route.igw("0.0.0.0/0", IGW, "blackhole")]);
      return w;
    },
    expect: [],
  },
  {
    name: "a public block routed elsewhere (transit gateway) leaves the rest of the internet: still open",
    world: () => {
      const w = baseWorld();
      setPublicRoutes(w, [
        route.local("10.0.0.0/16"),
        route.igw("0.0.0.0/0", IGW),
        route.tgw("52.0.0.0/8", "tgw-0a1b2c3d4e5f60718"),
      ]);
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
  },
  {
    name: "NACL deny 22 before allow all: 22 closed, others open",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [openTo("tcp", 22), openTo("tcp", 80), openTo("tcp", 443)]),
      ]);
      setPublicAcl(w, [
        { rule: 90, action: "deny", proto: "6", from: 22 },
        { rule: 100 },
        { rule: 100, egress: true },
        { rule: 32767, action: "deny" },
        { rule: 32767, egress: true, action: "deny" },
      ]);
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
  },
  {
    name: "NACL allow before deny 22: 22 stays open",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [openTo("tcp", 22), openTo("tcp", 80), openTo("tcp", 443)]),
      ]);
      setPublicAcl(w, [
        { rule: 100 },
        { rule: 110, action: "deny", proto: "6", from: 22 },
        { rule: 100, egress: true },
        { rule: 32767, action: "deny" },
        { rule: 32767, egress: true, action: "deny" },
      ]);
      return w;
    },
    expect: [`${P} TCP 22`, `${P} TCP 80`, `${P} TCP 443`],
  },
  {
    name: "NACL entries listed out of order are evaluated by rule number",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [
        { rule: 200 },
        { rule: 100, egress: true },
        { rule: 150, action: "deny", proto: "6", from: 443 },
      ]);
      return w;
    },
    expect: [`${P} TCP 80`],
  },
  {
    name: "NACL blocklist (deny one hostile /32, then allow all) leaves the port open",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [
        { rule: 50, action: "deny", cidr: "198.51.100.66/32" },
        { rule: 100 },
        { rule: 100, egress: true },
      ]);
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
  },
  {
    name: "NACL admitting only a partner range, then deny all: nothing",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [
        { rule: 100, cidr: "198.51.100.0/24" },
        { rule: 200, action: "deny" },
        { rule: 100, egress: true },
      ]);
      return w;
    },
    expect: [],
  },
  {
    name: "NACL without an outbound rule for the replies: nothing",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [
        { rule: 100 },
        { rule: 32767, action: "deny" },
        { rule: 32767, egress: true, action: "deny" },
      ]);
      return w;
    },
    expect: [],
  },
  {
    name: "NACL outbound allows only well-known ports (no ephemeral return): nothing",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [{ rule: 100 }, { rule: 100, egress: true, proto: "6", from: 80, to: 443 }]);
      return w;
    },
    expect: [],
  },
  {
    name: "NACL outbound return only for TCP: UDP closed",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [securityGroup(WEB_SG, VPC, [openTo("tcp", 80), openTo("udp", 53)])]);
      setPublicAcl(w, [{ rule: 100 }, { rule: 100, egress: true, proto: "6", from: 1024, to: 65535 }]);
      return w;
    },
    expect: [`${P} TCP 80`],
  },
  {
    name: "NACL return on part of the ephemeral range (32768-65535) is a return path",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [{ rule: 100 }, { rule: 100, egress: true, proto: "6", from: 32768, to: 65535 }]);
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
  },
  {
    name: "NACL port range partly overlapping the security group range: the intersection",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [securityGroup(WEB_SG, VPC, [openTo("tcp", 8050, 8200)])]);
      setPublicAcl(w, [
        { rule: 100, proto: "6", from: 8000, to: 8100 },
        { rule: 100, egress: true },
      ]);
      return w;
    },
    expect: [`${P} TCP 8050-8100`],
  },
  {
    name: "security group open only to a /32: nothing",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [openTo("tcp", 22, 22, ["203.0.113.5/32"]), openTo("tcp", 443)]),
      ]);
      return w;
    },
    expect: [`${P} TCP 443`],
  },
  {
    name: "security group rules that together cover the internet (0/1 + 128/1) open the port",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [
          openTo("tcp", 8443, 8443, ["0.0.0.0/1"]),
          openTo("tcp", 8443, 8443, ["128.0.0.0/1"]),
        ]),
      ]);
      return w;
    },
    expect: [`${P} TCP 8443`],
  },
  {
    name: "security group all traffic (-1) with the default NACL: every TCP and UDP port",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [securityGroup(WEB_SG, VPC, [{ proto: "-1", cidrs: ["0.0.0.0/0"] }])]);
      return w;
    },
    expect: [`${P} TCP 0-65535`, `${P} UDP 0-65535`],
  },
  {
    name: "security group all traffic (-1) intersected with a NACL allowing TCP 0-1023 and UDP 53",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [securityGroup(WEB_SG, VPC, [{ proto: "-1", cidrs: ["0.0.0.0/0"] }])]);
      setPublicAcl(w, [
        { rule: 100, proto: "6", from: 0, to: 1023 },
        { rule: 110, proto: "17", from: 53 },
        { rule: 100, egress: true },
      ]);
      return w;
    },
    expect: [`${P} TCP 0-1023`, `${P} UDP 53`],
  },
  {
    name: "two security groups whose ranges merge",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [openTo("tcp", 8000, 8080)]),
        securityGroup(ALT_SG, VPC, [openTo("tcp", 8081, 8090), openTo("tcp", 9000)]),
      ]);
      return w;
    },
    expect: [`${P} TCP 8000-8090`, `${P} TCP 9000`],
    check: (hosts) => {
      const [merged, single] = hosts[0]!.open;
      const groupsOf = (r: OpenPortRange) =>
        r.steps.filter((s) => s.componentType === "AWS::EC2::SecurityGroup").map((s) => s.componentId);
      assert.deepEqual(groupsOf(merged!), [WEB_SG, ALT_SG]);
      assert.deepEqual(groupsOf(single!), [ALT_SG]);
    },
  },
  {
    name: "security group referencing another group: nothing, and the reference is recorded",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [{ proto: "tcp", from: 8080, to: 8080, groups: [LB_SG] }]),
      ]);
      return w;
    },
    expect: [],
    check: (_hosts, model) => {
      const sg = model.securityGroups.find((g) => g.id === WEB_SG)!;
      assert.deepEqual(sg.ingress[0]!.groupIds, [LB_SG]);
      assert.deepEqual(sg.ingress[0]!.ports, { from: 8080, to: 8080 });
    },
  },
  {
    name: "instance behind a public load-balancer-like interface: the instance is not reported open",
    options: { includeUnattachedInterfaces: true },
    world: () => {
      const w = baseWorld();
      w.securityGroups.push(
        securityGroup(LB_SG, VPC, [openTo("tcp", 443)], "lb"),
        securityGroup(ALT_SG, VPC, [{ proto: "tcp", from: 8080, to: 8080, groups: [LB_SG] }], "app"),
      );
      w.networkInterfaces.push(
        networkInterface({
          id: "eni-0b0b0b0b0b0b0b0b0",
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.50",
          publicIp: "54.210.1.50",
          groups: [LB_SG],
          interfaceType: "network_load_balancer",
        }),
      );
      w.reservations = [
        reservation({
          id: WEB,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          groups: [ALT_SG],
        }),
      ];
      return w;
    },
    expect: [],
    check: (hosts) => {
      assert.deepEqual(openOf(hosts, "eni-0b0b0b0b0b0b0b0b0"), ["54.210.1.50 TCP 443"]);
      const lb = hosts.find((h) => h.hostId === "eni-0b0b0b0b0b0b0b0b0")!;
      assert.equal(lb.open[0]!.steps.at(-1)!.componentType, "AWS::EC2::NetworkInterface");
    },
  },
  {
    name: "prefix list holding 0.0.0.0/0: open",
    world: () => {
      const w = baseWorld();
      w.prefixLists.push(prefixList("pl-0a1b2c3d4e5f60001", "everyone"));
      w.prefixListEntries["pl-0a1b2c3d4e5f60001"] = ["0.0.0.0/0"];
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [
          { proto: "tcp", from: 443, to: 443, prefixLists: ["pl-0a1b2c3d4e5f60001"] },
        ]),
      ]);
      return w;
    },
    expect: [`${P} TCP 443`],
  },
  {
    name: "prefix list holding private ranges only: nothing",
    world: () => {
      const w = baseWorld();
      w.prefixLists.push(prefixList("pl-0a1b2c3d4e5f60002", "corp"));
      w.prefixListEntries["pl-0a1b2c3d4e5f60002"] = ["10.0.0.0/8", "192.168.0.0/16"];
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [
          { proto: "tcp", from: 22, to: 22, prefixLists: ["pl-0a1b2c3d4e5f60002"] },
        ]),
      ]);
      return w;
    },
    expect: [],
  },
  {
    name: "prefix list whose entries are not known: nothing",
    world: () => {
      const w = baseWorld();
      w.prefixLists.push(prefixList("pl-0a1b2c3d4e5f60003", "unknown"));
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [
          { proto: "tcp", from: 22, to: 22, prefixLists: ["pl-0a1b2c3d4e5f60003"] },
        ]),
      ]);
      return w;
    },
    expect: [],
  },
  {
    name: "IPv6-only subnet, ::/0 to the internet gateway, global address: IPv6 ranges only",
    world: () =>
      ipv6World({
        v6only: true,
        groups: [
          securityGroup(WEB_SG, VPC, [{ proto: "tcp", from: 443, to: 443, v6: ["::/0"] }, openTo("tcp", 80)]),
        ],
      }),
    expect: [`${V6_ADDR} TCP 443`],
    check: (hosts) => {
      assert.equal(hosts[0]!.open[0]!.family, 6);
      assert.deepEqual(hosts[0]!.publicAddresses, [V6_ADDR]);
    },
  },
  {
    name: "IPv6 through an egress-only internet gateway: nothing",
    world: () =>
      ipv6World({
        v6only: true,
        egressOnly: true,
        groups: [securityGroup(WEB_SG, VPC, [{ proto: "tcp", from: 443, to: 443, v6: ["::/0"] }])],
      }),
    expect: [],
  },
  {
    name: "dual-stack with different IPv4 and IPv6 rules",
    world: () =>
      ipv6World({
        groups: [
          securityGroup(WEB_SG, VPC, [
            { proto: "tcp", from: 80, to: 80, cidrs: ["0.0.0.0/0"], v6: ["::/0"] },
            openTo("tcp", 443),
            { proto: "udp", from: 443, to: 443, v6: ["::/0"] },
          ]),
        ],
      }),
    expect: [`${P} TCP 80`, `${P} TCP 443`, `${V6_ADDR} TCP 80`, `${V6_ADDR} UDP 443`],
  },
  {
    name: "IPv4 rule 0.0.0.0/0 does not open IPv6",
    world: () => ipv6World({ v6only: true, groups: [securityGroup(WEB_SG, VPC, [openTo("tcp", 443)])] }),
    expect: [],
  },
  {
    name: "main route table used when the subnet has no explicit association",
    world: () => {
      const w = baseWorld();
      w.routeTables = [
        routeTable(MAIN_RTB, VPC, {
          main: true,
          routes: [route.local("10.0.0.0/16"), route.igw("0.0.0.0/0", IGW)],
        }),
      ];
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
    check: (hosts) => assert.equal(hosts[0]!.open[0]!.steps[1]!.componentId, MAIN_RTB),
  },
  {
    name: "explicit association overrides a main table that routes to the internet",
    world: () => {
      const w = baseWorld();
      w.routeTables = [
        routeTable(MAIN_RTB, VPC, {
          main: true,
          routes: [route.local("10.0.0.0/16"), route.igw("0.0.0.0/0", IGW)],
        }),
        routeTable(PUBLIC_RTB, VPC, {
          subnets: [PUBLIC_SUBNET],
          routes: [route.local("10.0.0.0/16"), route.nat("0.0.0.0/0", NAT)],
        }),
      ];
      return w;
    },
    expect: [],
  },
  {
    name: "default NACL used when the subnet is associated with none",
    world: () => {
      const w = baseWorld();
      w.networkAcls = [
        networkAcl("acl-0a1b2c3d4e5f60000", VPC, { isDefault: true, subnets: [], entries: defaultEntries() }),
      ];
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
  },
  {
    name: "custom NACL associated with the subnet replaces the default",
    world: () => {
      const w = baseWorld();
      setPublicAcl(w, [
        { rule: 100, proto: "6", from: 443 },
        { rule: 100, egress: true, proto: "6", from: 1024, to: 65535 },
      ]);
      return w;
    },
    expect: [`${P} TCP 443`],
    check: (hosts) => assert.equal(hosts[0]!.open[0]!.steps[2]!.componentId, "acl-0a1b2c3d4e5f60001"),
  },
  {
    name: "two interfaces with different security groups and public addresses",
    world: () => {
      const w = baseWorld();
      w.securityGroups.push(securityGroup(SSH_SG, VPC, [openTo("tcp", 22)], "ssh"));
      w.reservations = [
        reservation({
          id: WEB,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          publicIp: P,
          groups: [WEB_SG, SSH_SG],
          enis: [
            {
              id: WEB_ENI,
              subnetId: PUBLIC_SUBNET,
              vpcId: VPC,
              privateIp: "10.0.1.10",
              publicIp: P,
              groups: [WEB_SG],
            },
            {
              id: "eni-0a1b2c3d4e5f60002",
              subnetId: PUBLIC_SUBNET,
              vpcId: VPC,
              privateIp: "10.0.1.11",
              publicIp: "54.210.1.11",
              groups: [SSH_SG],
              deviceIndex: 1,
            },
          ],
        }),
      ];
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`, "54.210.1.11 TCP 22"],
    check: (hosts) => {
      const ssh = hosts[0]!.open[2]!;
      assert.deepEqual(
        ssh.steps.slice(-3).map((s) => s.componentId),
        [SSH_SG, "eni-0a1b2c3d4e5f60002", WEB],
      );
    },
  },
  {
    name: "Elastic IP on a secondary interface only (from describe-addresses)",
    world: () => {
      const w = baseWorld();
      w.reservations = [
        reservation({
          id: WEB,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          groups: [WEB_SG],
          enis: [
            { id: WEB_ENI, subnetId: PUBLIC_SUBNET, vpcId: VPC, privateIp: "10.0.1.10", groups: [WEB_SG] },
            {
              id: "eni-0a1b2c3d4e5f60002",
              subnetId: PUBLIC_SUBNET,
              vpcId: VPC,
              privateIp: "10.0.1.11",
              groups: [WEB_SG],
              deviceIndex: 1,
            },
          ],
        }),
      ];
      w.addresses.push(elasticIp("34.200.9.9", "eni-0a1b2c3d4e5f60002", "10.0.1.11", WEB));
      return w;
    },
    expect: ["34.200.9.9 TCP 80", "34.200.9.9 TCP 443"],
    check: (hosts) => {
      assert.deepEqual(hosts[0]!.privateAddresses, ["10.0.1.10", "10.0.1.11"]);
      assert.deepEqual(hosts[0]!.publicAddresses, ["34.200.9.9"]);
    },
  },
  {
    name: "Elastic IP on a secondary private address (ENI association)",
    world: () => {
      const w = baseWorld();
      w.reservations = [
        reservation({
          id: WEB,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          groups: [WEB_SG],
          enis: [
            {
              id: WEB_ENI,
              subnetId: PUBLIC_SUBNET,
              vpcId: VPC,
              privateIp: "10.0.1.10",
              secondary: [{ ip: "10.0.1.20", publicIp: "34.200.9.20" }],
              groups: [WEB_SG],
            },
          ],
        }),
      ];
      return w;
    },
    expect: ["34.200.9.20 TCP 80", "34.200.9.20 TCP 443"],
  },
  {
    name: "stopped instance is listed (state stopped) with nothing open; terminated is left out",
    world: () => {
      const w = baseWorld();
      w.reservations = [
        reservation({
          id: WEB,
          state: "stopped",
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          publicIp: P,
          groups: [WEB_SG],
        }),
        reservation({
          id: "i-0dead000000000000",
          state: "terminated",
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          groups: [],
        }),
      ];
      w.addresses.push(
        elasticIp(
          P,
          primaryEni({ id: WEB, subnetId: PUBLIC_SUBNET, vpcId: VPC, groups: [] }).id,
          "10.0.1.10",
        ),
      );
      return w;
    },
    expect: [],
    check: (hosts) => {
      assert.deepEqual(
        hosts.map((h) => [h.hostId, h.state]),
        [[WEB, "stopped"]],
      );
      assert.deepEqual(hosts[0]!.publicAddresses, [P]);
    },
  },
  {
    name: "UDP 53 open",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [securityGroup(WEB_SG, VPC, [openTo("udp", 53), openTo("tcp", 53)])]);
      return w;
    },
    expect: [`${P} TCP 53`, `${P} UDP 53`],
  },
  {
    name: "rules 0-1000 and 1001-65535 merge into 0-65535",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [securityGroup(WEB_SG, VPC, [openTo("tcp", 0, 1000), openTo("tcp", 1001, 65535)])]);
      return w;
    },
    expect: [`${P} TCP 0-65535`],
  },
  {
    name: "overlapping rules merge",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [
          openTo("tcp", 80, 90),
          openTo("tcp", 85, 95),
          openTo("tcp", 95, 100),
          openTo("tcp", 443),
        ]),
      ]);
      return w;
    },
    expect: [`${P} TCP 80-100`, `${P} TCP 443`],
  },
  {
    name: "numeric protocols (6, 17) in security groups",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [
          { proto: "6", from: 25, to: 25, cidrs: ["0.0.0.0/0"] },
          { proto: "17", from: 500, to: 500, cidrs: ["0.0.0.0/0"] },
        ]),
      ]);
      return w;
    },
    expect: [`${P} TCP 25`, `${P} UDP 500`],
  },
  {
    name: "ICMP-only security group: no open ports",
    world: () => {
      const w = baseWorld();
      setWebGroups(w, [
        securityGroup(WEB_SG, VPC, [{ proto: "icmp", from: 8, to: -1, cidrs: ["0.0.0.0/0"] }]),
      ]);
      return w;
    },
    expect: [],
  },
  {
    name: "instance printed without NetworkInterfaces[]: its own fields stand for the primary interface",
    world: () => {
      const w = baseWorld();
      const r = reservation({
        id: WEB,
        subnetId: PUBLIC_SUBNET,
        vpcId: VPC,
        privateIp: "10.0.1.10",
        publicIp: P,
        groups: [WEB_SG],
      });
      delete ((r.Instances as Json[])[0] as Json).NetworkInterfaces;
      w.reservations = [r];
      return w;
    },
    expect: [`${P} TCP 80`, `${P} TCP 443`],
    check: (hosts) =>
      assert.deepEqual(hosts[0]!.open[0]!.steps.map((s) => s.componentType).slice(-2), [
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::Instance",
      ]),
  },
];

describe("internetReachability (AWS)", () => {
  it("has at least 30 cases", () => assert.ok(cases.length >= 30, `${cases.length} cases`));
  for (const c of cases) {
    it(c.name, () => {
      const { model, hosts } = analyze(c.world(), c.options);
      assert.deepEqual(openOf(hosts, c.host ?? WEB), c.expect);
      for (const h of hosts) {
        // Per protocol+family+address: sorted, non-overlapping, not adjacent (merged).
        for (let i = 1; i < h.open.length; i++) {
          const a = h.open[i - 1]!;
          const b = h.open[i]!;
          if (a.address === b.address && a.protocol === b.protocol)
            assert.ok(a.end + 1 < b.begin, `${show(a)} / ${show(b)}`);
        }
      }
      c.check?.(hosts, model);
    });
  }
});

describe("internetReachability: on-prem YAML equivalent of an AWS topology", () => {
  it("gives the same ports as the AWS model", () => {
    // AWS: NACL denies 22 ahead of allow-all, security group allows 22, 80, 443 and UDP 53.
    const w = baseWorld();
    setWebGroups(w, [
      securityGroup(WEB_SG, VPC, [
        openTo("tcp", 22),
        openTo("tcp", 80),
        openTo("tcp", 443),
        openTo("udp", 53),
      ]),
    ]);
    setPublicAcl(w, [
      { rule: 90, action: "deny", proto: "6", from: 22 },
      { rule: 100 },
      { rule: 100, egress: true },
    ]);
    const aws = analyze(w).hosts.find((h) => h.hostId === WEB)!;

    const yaml = `
network: vpc
edge: igw
zones:
  - name: public
    cidrs: [10.0.1.0/24]
    internet-facing: true
  - name: private
    cidrs: [10.0.2.0/24]
hosts:
  - name: web
    zone: public
    addresses: [10.0.1.10]
    nat: [${P}]
firewall:
  - name: no-ssh
    from: internet
    to: public
    protocol: tcp
    ports: 22
    action: deny
  - name: web
    from: internet
    to: web
    protocol: tcp
    ports: [22, 80, 443]
    action: allow
  - name: dns
    from: internet
    to: web
    protocol: udp
    ports: 53
    action: allow
`;
    const onprem = internetReachability(modelFromYaml(yaml, "equivalent.yaml")).find(
      (h) => h.hostId === "web",
    )!;
    const strip = (h: HostReachability) => h.open.map(show);
    assert.deepEqual(strip(onprem), strip(aws));
    assert.deepEqual(strip(aws), [`${P} TCP 80`, `${P} TCP 443`, `${P} UDP 53`]);
    assert.deepEqual(onprem.open[0]!.steps, [
      { componentId: "igw", componentType: "Vigil::OnPrem::Edge" },
      { componentId: "web", componentType: "Vigil::OnPrem::FirewallRule" },
      { componentId: "public", componentType: "Vigil::OnPrem::Zone" },
      { componentId: "web", componentType: "Vigil::OnPrem::Host" },
    ]);
    assert.deepEqual(onprem.publicAddresses, aws.publicAddresses);
    assert.deepEqual(onprem.privateAddresses, aws.privateAddresses);
  });
});

describe("internetReachability: scale", () => {
  it("analyzes 2000 instances with full-range rules quickly (interval sets, shared profiles)", () => {
    const w = baseWorld();
    setWebGroups(w, [
      securityGroup(WEB_SG, VPC, [
        { proto: "-1", cidrs: ["0.0.0.0/0"] },
        openTo("tcp", 0, 65535, ["203.0.113.0/24"]),
      ]),
    ]);
    setPublicAcl(w, [
      ...Array.from({ length: 50 }, (_, i) => ({
        rule: 10 + i,
        action: "deny" as const,
        cidr: `198.51.${i}.0/24`,
      })),
      { rule: 100 },
      { rule: 100, egress: true },
    ]);
    w.reservations = Array.from({ length: 2000 }, (_, i) =>
      reservation({
        id: `i-${String(i).padStart(17, "0")}`,
        subnetId: PUBLIC_SUBNET,
        vpcId: VPC,
        privateIp: `10.0.1.${i % 250}`,
        publicIp: `54.${210 + Math.floor(i / 250)}.1.${i % 250}`,
        groups: [WEB_SG],
      }),
    );
    const started = performance.now();
    const { hosts } = analyze(w);
    const ms = performance.now() - started;
    assert.equal(hosts.length, 2000);
    assert.ok(hosts.every((h) => h.open.length === 2 && h.open[0]!.end === 65535));
    assert.ok(ms < 5000, `took ${ms} ms`);
  });
});
