/**
 * Builders for AWS CLI JSON documents shaped like what `aws ec2 describe-…` prints (with the extra
 * fields the importer ignores), so each test states a small topology in a few lines.
 */

const OWNER = "123456789012";

export type Json = Record<string, unknown>;

export interface World {
  vpcs: Json[];
  subnets: Json[];
  routeTables: Json[];
  internetGateways: Json[];
  egressOnlyGateways: Json[];
  natGateways: Json[];
  securityGroups: Json[];
  networkAcls: Json[];
  networkInterfaces: Json[];
  reservations: Json[];
  addresses: Json[];
  prefixLists: Json[];
  /** get-managed-prefix-list-entries outputs, keyed by prefix list id. */
  prefixListEntries: Record<string, string[]>;
}

export function emptyWorld(): World {
  return {
    vpcs: [],
    subnets: [],
    routeTables: [],
    internetGateways: [],
    egressOnlyGateways: [],
    natGateways: [],
    securityGroups: [],
    networkAcls: [],
    networkInterfaces: [],
    reservations: [],
    addresses: [],
    prefixLists: [],
    prefixListEntries: {},
  };
}

/** The documents the CLI would print for this world, one per command (empty lists left out). */
export function documents(w: World): { label?: string; json: unknown }[] {
  const docs: { label?: string; json: unknown }[] = [];
  const add = (key: string, list: Json[]) => {
    if (list.length > 0) docs.push({ json: { [key]: list } });
  };
  add("Vpcs", w.vpcs);
  add("Subnets", w.subnets);
  add("RouteTables", w.routeTables);
  add("InternetGateways", w.internetGateways);
  add("EgressOnlyInternetGateways", w.egressOnlyGateways);
  add("NatGateways", w.natGateways);
  add("SecurityGroups", w.securityGroups);
  add("NetworkAcls", w.networkAcls);
  add("NetworkInterfaces", w.networkInterfaces);
  add("Reservations", w.reservations);
  add("Addresses", w.addresses);
  add("PrefixLists", w.prefixLists);
  for (const [id, cidrs] of Object.entries(w.prefixListEntries)) {
    docs.push({
      label: `get-managed-prefix-list-entries --prefix-list-id ${id}`,
      json: { Entries: cidrs.map((c) => ({ Cidr: c, Description: "" })) },
    });
  }
  return docs;
}

export function vpc(id: string, cidr: string, ipv6?: string): Json {
  return {
    CidrBlock: cidr,
    DhcpOptionsId: "dopt-0c7f1d2e3a4b5c6d7",
    State: "available",
    VpcId: id,
    OwnerId: OWNER,
    InstanceTenancy: "default",
    CidrBlockAssociationSet: [
      {
        AssociationId: `vpc-cidr-assoc-${id.slice(4)}`,
        CidrBlock: cidr,
        CidrBlockState: { State: "associated" },
      },
    ],
    ...(ipv6
      ? {
          Ipv6CidrBlockAssociationSet: [
            {
              AssociationId: `vpc-cidr-assoc-6${id.slice(4)}`,
              Ipv6CidrBlock: ipv6,
              Ipv6CidrBlockState: { State: "associated" },
              NetworkBorderGroup: "us-east-1",
              Ipv6Pool: "Amazon",
            },
          ],
        }
      : {}),
    IsDefault: false,
    Tags: [{ Key: "Name", Value: "main" }],
  };
}

export function subnet(
  id: string,
  vpcId: string,
  cidr: string | null,
  opts: { ipv6?: string; public?: boolean } = {},
): Json {
  return {
    AvailabilityZone: "us-east-1a",
    AvailabilityZoneId: "use1-az4",
    AvailableIpAddressCount: 250,
    ...(cidr ? { CidrBlock: cidr } : {}),
    DefaultForAz: false,
    MapPublicIpOnLaunch: opts.public ?? false,
    MapCustomerOwnedIpOnLaunch: false,
    State: "available",
    SubnetId: id,
    VpcId: vpcId,
    OwnerId: OWNER,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: opts.ipv6
      ? [
          {
            AssociationId: `subnet-cidr-assoc-${id.slice(7)}`,
            Ipv6CidrBlock: opts.ipv6,
            Ipv6CidrBlockState: { State: "associated" },
          },
        ]
      : [],
    SubnetArn: `arn:aws:ec2:us-east-1:${OWNER}:subnet/${id}`,
    EnableDns64: false,
    Ipv6Native: cidr === null,
    PrivateDnsNameOptionsOnLaunch: {
      HostnameType: "ip-name",
      EnableResourceNameDnsARecord: false,
      EnableResourceNameDnsAAAARecord: false,
    },
  };
}

export type RouteSpec = Json;

export const route = {
  local: (cidr: string): RouteSpec =>
    cidr.includes(":")
      ? { DestinationIpv6CidrBlock: cidr, GatewayId: "local", Origin: "CreateRouteTable", State: "active" }
      : { DestinationCidrBlock: cidr, GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
  igw: (dest: string, igwId: string, state = "active"): RouteSpec => ({
    ...(dest.startsWith("pl-")
      ? { DestinationPrefixListId: dest }
      : dest.includes(":")
        ? { DestinationIpv6CidrBlock: dest }
        : { DestinationCidrBlock: dest }),
    GatewayId: igwId,
    Origin: "CreateRoute",
    State: state,
  }),
  nat: (dest: string, natId: string): RouteSpec => ({
    DestinationCidrBlock: dest,
    NatGatewayId: natId,
    Origin: "CreateRoute",
    State: "active",
  }),
  eigw: (dest: string, eigwId: string): RouteSpec => ({
    DestinationIpv6CidrBlock: dest,
    EgressOnlyInternetGatewayId: eigwId,
    Origin: "CreateRoute",
    State: "active",
  }),
  tgw: (dest: string, tgwId: string): RouteSpec => ({
    DestinationCidrBlock: dest,
    TransitGatewayId: tgwId,
    Origin: "CreateRoute",
    State: "active",
  }),
};

export function routeTable(
  id: string,
  vpcId: string,
  opts: { main?: boolean; subnets?: string[]; routes: RouteSpec[] },
): Json {
  const associations: Json[] = [];
  if (opts.main)
    associations.push({
      Main: true,
      RouteTableAssociationId: `rtbassoc-m${id.slice(4)}`,
      RouteTableId: id,
      AssociationState: { State: "associated" },
    });
  for (const s of opts.subnets ?? [])
    associations.push({
      Main: false,
      RouteTableAssociationId: `rtbassoc-${s.slice(7)}`,
      RouteTableId: id,
      SubnetId: s,
      AssociationState: { State: "associated" },
    });
  return {
    Associations: associations,
    PropagatingVgws: [],
    RouteTableId: id,
    Routes: opts.routes,
    Tags: [],
    VpcId: vpcId,
    OwnerId: OWNER,
  };
}

export function internetGateway(id: string, vpcId: string | null, state = "available"): Json {
  return {
    Attachments: vpcId ? [{ State: state, VpcId: vpcId }] : [],
    InternetGatewayId: id,
    OwnerId: OWNER,
    Tags: [],
  };
}

export function egressOnlyGateway(id: string, vpcId: string): Json {
  return { Attachments: [{ State: "attached", VpcId: vpcId }], EgressOnlyInternetGatewayId: id, Tags: [] };
}

export function natGateway(id: string, vpcId: string, subnetId: string, publicIp: string): Json {
  return {
    CreateTime: "2024-03-01T10:00:00+00:00",
    NatGatewayAddresses: [
      {
        AllocationId: "eipalloc-0aa11bb22cc33dd44",
        NetworkInterfaceId: "eni-0f00000000000a0a0",
        PrivateIp: "10.0.1.200",
        PublicIp: publicIp,
        AssociationId: "eipassoc-0123456789abcdef0",
        IsPrimary: true,
        Status: "succeeded",
      },
    ],
    NatGatewayId: id,
    State: "available",
    SubnetId: subnetId,
    VpcId: vpcId,
    Tags: [],
    ConnectivityType: "public",
  };
}

export interface PermSpec {
  proto: string;
  from?: number;
  to?: number;
  cidrs?: string[];
  v6?: string[];
  prefixLists?: string[];
  groups?: string[];
}

export function permission(p: PermSpec): Json {
  return {
    IpProtocol: p.proto,
    ...(p.from !== undefined ? { FromPort: p.from } : {}),
    ...(p.to !== undefined ? { ToPort: p.to } : {}),
    IpRanges: (p.cidrs ?? []).map((c) => ({ CidrIp: c })),
    Ipv6Ranges: (p.v6 ?? []).map((c) => ({ CidrIpv6: c })),
    PrefixListIds: (p.prefixLists ?? []).map((id) => ({ PrefixListId: id })),
    UserIdGroupPairs: (p.groups ?? []).map((g) => ({ GroupId: g, UserId: OWNER })),
  };
}

/** tcp/udp port (or range) open to 0.0.0.0/0. */
export function openTo(proto: "tcp" | "udp", from: number, to = from, cidrs = ["0.0.0.0/0"]): PermSpec {
  return { proto, from, to, cidrs };
}

export function securityGroup(id: string, vpcId: string, ingress: PermSpec[], name = id): Json {
  return {
    Description: `${name} group`,
    GroupName: name,
    IpPermissions: ingress.map(permission),
    OwnerId: OWNER,
    GroupId: id,
    IpPermissionsEgress: [permission({ proto: "-1", cidrs: ["0.0.0.0/0"] })],
    VpcId: vpcId,
  };
}

export interface EntrySpec {
  rule: number;
  egress?: boolean;
  action?: "allow" | "deny";
  proto?: string;
  cidr?: string;
  from?: number;
  to?: number;
}

export function naclEntry(e: EntrySpec): Json {
  const cidr = e.cidr ?? "0.0.0.0/0";
  return {
    ...(cidr.includes(":") ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    Egress: e.egress ?? false,
    Protocol: e.proto ?? "-1",
    RuleAction: e.action ?? "allow",
    RuleNumber: e.rule,
    ...(e.from !== undefined ? { PortRange: { From: e.from, To: e.to ?? e.from } } : {}),
  };
}

/** The entries of a default NACL: allow everything both ways, then the `*` denies. */
export function defaultEntries(ipv6 = false): EntrySpec[] {
  const out: EntrySpec[] = [
    { rule: 100, egress: false },
    { rule: 100, egress: true },
    { rule: 32767, egress: false, action: "deny" },
    { rule: 32767, egress: true, action: "deny" },
  ];
  if (ipv6)
    out.push(
      { rule: 101, egress: false, cidr: "::/0" },
      { rule: 101, egress: true, cidr: "::/0" },
      { rule: 32768, egress: false, action: "deny", cidr: "::/0" },
      { rule: 32768, egress: true, action: "deny", cidr: "::/0" },
    );
  return out;
}

export function networkAcl(
  id: string,
  vpcId: string,
  opts: { isDefault?: boolean; subnets: string[]; entries: EntrySpec[] },
): Json {
  return {
    Associations: opts.subnets.map((s, i) => ({
      NetworkAclAssociationId: `aclassoc-0${i}${s.slice(8)}`,
      NetworkAclId: id,
      SubnetId: s,
    })),
    Entries: opts.entries.map(naclEntry),
    IsDefault: opts.isDefault ?? false,
    NetworkAclId: id,
    Tags: [],
    VpcId: vpcId,
    OwnerId: OWNER,
  };
}

export interface EniSpec {
  id: string;
  subnetId: string;
  vpcId: string;
  privateIp?: string;
  publicIp?: string;
  /** Further private addresses, with an optional Elastic IP each. */
  secondary?: { ip: string; publicIp?: string }[];
  ipv6?: string[];
  groups: string[];
  deviceIndex?: number;
  instanceId?: string;
  interfaceType?: string;
}

/** A network interface as describe-network-interfaces prints it (`inInstance`: as inside describe-instances). */
export function networkInterface(e: EniSpec, inInstance = false): Json {
  const assoc = (ip: string) => ({
    IpOwnerId: "amazon",
    PublicDnsName: `ec2-${ip.replaceAll(".", "-")}.compute-1.amazonaws.com`,
    PublicIp: ip,
  });
  const privateIps: Json[] = [];
  if (e.privateIp)
    privateIps.push({
      ...(e.publicIp ? { Association: assoc(e.publicIp) } : {}),
      Primary: true,
      PrivateDnsName: `ip-${e.privateIp.replaceAll(".", "-")}.ec2.internal`,
      PrivateIpAddress: e.privateIp,
    });
  for (const s of e.secondary ?? [])
    privateIps.push({
      ...(s.publicIp ? { Association: assoc(s.publicIp) } : {}),
      Primary: false,
      PrivateIpAddress: s.ip,
    });
  return {
    ...(e.publicIp ? { Association: assoc(e.publicIp) } : {}),
    Attachment: {
      AttachTime: "2024-03-01T10:00:00+00:00",
      AttachmentId: `eni-attach-${e.id.slice(4)}`,
      DeleteOnTermination: true,
      DeviceIndex: e.deviceIndex ?? 0,
      Status: "attached",
      NetworkCardIndex: 0,
      ...(!inInstance && e.instanceId ? { InstanceId: e.instanceId, InstanceOwnerId: OWNER } : {}),
    },
    AvailabilityZone: "us-east-1a",
    Description: "",
    Groups: e.groups.map((g) => ({ GroupName: g, GroupId: g })),
    InterfaceType: e.interfaceType ?? "interface",
    Ipv6Addresses: (e.ipv6 ?? []).map((a, i) => ({ Ipv6Address: a, IsPrimaryIpv6: i === 0 })),
    MacAddress: "0e:8f:3a:11:22:33",
    NetworkInterfaceId: e.id,
    OwnerId: OWNER,
    ...(e.privateIp
      ? {
          PrivateIpAddress: e.privateIp,
          PrivateDnsName: `ip-${e.privateIp.replaceAll(".", "-")}.ec2.internal`,
        }
      : {}),
    PrivateIpAddresses: privateIps,
    RequesterManaged: false,
    SourceDestCheck: true,
    Status: "in-use",
    SubnetId: e.subnetId,
    TagSet: [],
    VpcId: e.vpcId,
  };
}

export interface InstanceSpec {
  id: string;
  state?: string;
  subnetId: string;
  vpcId: string;
  privateIp?: string;
  publicIp?: string;
  ipv6?: string[];
  groups: string[];
  /** Interfaces; default: one primary interface from the fields above. */
  enis?: EniSpec[];
  name?: string;
}

export function primaryEni(i: InstanceSpec): EniSpec {
  return {
    id: `eni-${i.id.slice(2)}`,
    subnetId: i.subnetId,
    vpcId: i.vpcId,
    ...(i.privateIp ? { privateIp: i.privateIp } : {}),
    ...(i.publicIp ? { publicIp: i.publicIp } : {}),
    ...(i.ipv6 ? { ipv6: i.ipv6 } : {}),
    groups: i.groups,
    instanceId: i.id,
  };
}

/** One reservation of describe-instances holding this instance. */
export function reservation(i: InstanceSpec): Json {
  const state = i.state ?? "running";
  const codes: Record<string, number> = {
    pending: 0,
    running: 16,
    "shutting-down": 32,
    terminated: 48,
    stopping: 64,
    stopped: 80,
  };
  const enis = state === "terminated" ? [] : (i.enis ?? [primaryEni(i)]);
  const instance: Json = {
    AmiLaunchIndex: 0,
    ImageId: "ami-0fc5d935ebf8bc3bc",
    InstanceId: i.id,
    InstanceType: "t3.micro",
    LaunchTime: "2024-03-01T10:00:00+00:00",
    Monitoring: { State: "disabled" },
    Placement: { AvailabilityZone: "us-east-1a", GroupName: "", Tenancy: "default" },
    ...(state !== "terminated"
      ? {
          PrivateDnsName: i.privateIp ? `ip-${i.privateIp.replaceAll(".", "-")}.ec2.internal` : "",
          ...(i.privateIp ? { PrivateIpAddress: i.privateIp } : {}),
          PublicDnsName: i.publicIp ? `ec2-${i.publicIp.replaceAll(".", "-")}.compute-1.amazonaws.com` : "",
          ...(i.publicIp && state === "running" ? { PublicIpAddress: i.publicIp } : {}),
          SubnetId: i.subnetId,
          VpcId: i.vpcId,
        }
      : { PrivateDnsName: "", PublicDnsName: "" }),
    ProductCodes: [],
    State: { Code: codes[state] ?? 16, Name: state },
    StateTransitionReason: "",
    Architecture: "x86_64",
    BlockDeviceMappings: [],
    EbsOptimized: false,
    EnaSupport: true,
    Hypervisor: "xen",
    NetworkInterfaces: enis.map((e) => networkInterface(e, true)),
    RootDeviceName: "/dev/xvda",
    RootDeviceType: "ebs",
    SecurityGroups: state === "terminated" ? [] : i.groups.map((g) => ({ GroupName: g, GroupId: g })),
    SourceDestCheck: true,
    Tags: [{ Key: "Name", Value: i.name ?? i.id }],
    VirtualizationType: "hvm",
    CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
    MetadataOptions: {
      State: "applied",
      HttpTokens: "required",
      HttpPutResponseHopLimit: 2,
      HttpEndpoint: "enabled",
    },
  };
  return { Groups: [], Instances: [instance], OwnerId: OWNER, ReservationId: `r-${i.id.slice(2)}` };
}

export function prefixList(id: string, name: string, family: "IPv4" | "IPv6" = "IPv4"): Json {
  return {
    PrefixListId: id,
    AddressFamily: family,
    State: "create-complete",
    PrefixListArn: `arn:aws:ec2:us-east-1:${OWNER}:prefix-list/${id}`,
    PrefixListName: name,
    MaxEntries: 10,
    Version: 1,
    Tags: [],
    OwnerId: OWNER,
  };
}

export function elasticIp(publicIp: string, eniId: string, privateIp: string, instanceId?: string): Json {
  return {
    AllocationId: "eipalloc-0ab12cd34ef56ab78",
    AssociationId: "eipassoc-0ab12cd34ef56ab78",
    Domain: "vpc",
    ...(instanceId ? { InstanceId: instanceId } : {}),
    NetworkInterfaceId: eniId,
    NetworkInterfaceOwnerId: OWNER,
    PrivateIpAddress: privateIp,
    PublicIp: publicIp,
    PublicIpv4Pool: "amazon",
    NetworkBorderGroup: "us-east-1",
  };
}

// ---------------------------------------------------------------------------------------------
// The base topology most cases start from: a VPC with a public subnet (route to the internet
// gateway) and a private one (route to a NAT gateway), default NACL, one web server.

export const VPC = "vpc-0a1b2c3d4e5f60718";
export const PUBLIC_SUBNET = "subnet-0a1b2c3d4e5f60001";
export const PRIVATE_SUBNET = "subnet-0a1b2c3d4e5f60002";
export const IGW = "igw-0a1b2c3d4e5f60718";
export const NAT = "nat-0a1b2c3d4e5f60718";
export const MAIN_RTB = "rtb-0a1b2c3d4e5f60000";
export const PUBLIC_RTB = "rtb-0a1b2c3d4e5f60001";
export const PRIVATE_RTB = "rtb-0a1b2c3d4e5f60002";
export const DEFAULT_ACL = "acl-0a1b2c3d4e5f60000";
export const WEB_SG = "sg-0a1b2c3d4e5f60080";
export const WEB = "i-0a1b2c3d4e5f60001";
export const WEB_ENI = "eni-0a1b2c3d4e5f60001";
export const WEB_PUBLIC_IP = "54.210.1.10";

export function baseWorld(): World {
  const w = emptyWorld();
  w.vpcs.push(vpc(VPC, "10.0.0.0/16"));
  w.subnets.push(
    subnet(PUBLIC_SUBNET, VPC, "10.0.1.0/24", { public: true }),
    subnet(PRIVATE_SUBNET, VPC, "10.0.2.0/24"),
  );
  w.internetGateways.push(internetGateway(IGW, VPC));
  w.natGateways.push(natGateway(NAT, VPC, PUBLIC_SUBNET, "3.210.7.7"));
  w.routeTables.push(
    routeTable(MAIN_RTB, VPC, { main: true, routes: [route.local("10.0.0.0/16")] }),
    routeTable(PUBLIC_RTB, VPC, {
      subnets: [PUBLIC_SUBNET],
      routes: [route.local("10.0.0.0/16"), route.igw("0.0.0.0/0", IGW)],
    }),
    routeTable(PRIVATE_RTB, VPC, {
      subnets: [PRIVATE_SUBNET],
      routes: [route.local("10.0.0.0/16"), route.nat("0.0.0.0/0", NAT)],
    }),
  );
  w.networkAcls.push(
    networkAcl(DEFAULT_ACL, VPC, {
      isDefault: true,
      subnets: [PUBLIC_SUBNET, PRIVATE_SUBNET],
      entries: defaultEntries(),
    }),
  );
  w.securityGroups.push(securityGroup(WEB_SG, VPC, [openTo("tcp", 80), openTo("tcp", 443)], "web"));
  w.reservations.push(
    reservation({
      id: WEB,
      subnetId: PUBLIC_SUBNET,
      vpcId: VPC,
      privateIp: "10.0.1.10",
      publicIp: WEB_PUBLIC_IP,
      groups: [WEB_SG],
      enis: [
        {
          id: WEB_ENI,
          subnetId: PUBLIC_SUBNET,
          vpcId: VPC,
          privateIp: "10.0.1.10",
          publicIp: WEB_PUBLIC_IP,
          groups: [WEB_SG],
        },
      ],
      name: "web",
    }),
  );
  return w;
}

/** Replaces the web server's security groups (on the instance and its interface). */
export function setWebGroups(w: World, groups: Json[]): void {
  w.securityGroups = w.securityGroups.filter((g) => g.GroupId !== WEB_SG).concat(groups);
  const ids = groups.map((g) => String(g.GroupId));
  w.reservations = w.reservations.map((r) => {
    const inst = (r.Instances as Json[])[0]!;
    if (inst.InstanceId !== WEB) return r;
    inst.SecurityGroups = ids.map((g) => ({ GroupName: g, GroupId: g }));
    for (const e of inst.NetworkInterfaces as Json[])
      e.Groups = ids.map((g) => ({ GroupName: g, GroupId: g }));
    return r;
  });
}

/** Replaces the NACL of the public subnet with a custom one holding these entries. */
export function setPublicAcl(w: World, entries: EntrySpec[], id = "acl-0a1b2c3d4e5f60001"): void {
  w.networkAcls = [
    networkAcl(DEFAULT_ACL, VPC, { isDefault: true, subnets: [PRIVATE_SUBNET], entries: defaultEntries() }),
    networkAcl(id, VPC, { subnets: [PUBLIC_SUBNET], entries }),
  ];
}

/** Replaces the routes of the public subnet's table. */
export function setPublicRoutes(w: World, routes: RouteSpec[]): void {
  w.routeTables = w.routeTables.map((t) => (t.RouteTableId === PUBLIC_RTB ? { ...t, Routes: routes } : t));
}
