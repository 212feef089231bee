/**
 * Builds the network model from the JSON the AWS CLI prints for `aws ec2 describe-…` commands.
 *
 * Each document is one command's output, recognized by its top-level key:
 *
 *   Vpcs                        describe-vpcs
 *   Subnets                     describe-subnets
 *   RouteTables                 describe-route-tables
 *   InternetGateways            describe-internet-gateways
 *   EgressOnlyInternetGateways  describe-egress-only-internet-gateways
 *   NatGateways                 describe-nat-gateways
 *   SecurityGroups              describe-security-groups
 *   NetworkAcls                 describe-network-acls
 *   NetworkInterfaces           describe-network-interfaces
 *   Reservations                describe-instances
 *   Addresses                   describe-addresses (Elastic IPs)
 *   PrefixLists                 describe-managed-prefix-lists
 *   Entries                     get-managed-prefix-list-entries (the prefix list id comes from a
 *                               `PrefixListId` field in the document or a "pl-…" id in its label)
 *
 * Other top-level keys (NextToken, …) are ignored, and so is a document with none of these.
 * Documents are merged: a resource listed twice keeps the later record, except network interfaces
 * (an instance's `NetworkInterfaces[]` and describe-network-interfaces are combined) and prefix
 * lists (the list and its entries come from different commands). Fields the analysis does not use
 * are ignored; fields it uses are checked, and a bad one throws a NetworkModelError naming the
 * document (1-based index, and its label or command) and the field:
 *
 *   document 3 (describe-security-groups): SecurityGroups[2].IpPermissions[0].FromPort: expected a number, got the string "80"
 */
import { z } from "zod";
import { canonicalAddress, isCidr, parseAddress } from "./cidr.js";
import {
  emptyModel,
  type Gateway,
  type Instance,
  type InterfaceAddress,
  type NetworkAclEntry,
  type NetworkInterface,
  type NetworkModel,
  NetworkModelError,
  type Ports,
  type PrefixList,
  type Protocol,
  type Route,
  type RouteTargetKind,
  type SecurityGroupRule,
  validate,
} from "./model.js";

// ---------------------------------------------------------------------------------------------
// Shapes (loose objects: AWS prints many more fields than these)

const cidr = z.string().refine(isCidr, { message: "expected a CIDR block" });
const cidr4 = z
  .string()
  .refine((s) => isCidr(s) && !s.includes(":"), { message: "expected an IPv4 CIDR block" });
const cidr6 = z
  .string()
  .refine((s) => isCidr(s) && s.includes(":"), { message: "expected an IPv6 CIDR block" });
const address4 = z
  .string()
  .refine((s) => parseAddress(s)?.family === 4, { message: "expected an IPv4 address" });
const address6 = z
  .string()
  .refine((s) => parseAddress(s)?.family === 6, { message: "expected an IPv6 address" });
const id = z.string().min(1, { message: "expected a non-empty id" });
const port = z.number().int().min(-1).max(65535);

const PROTOCOL_NAMES: Record<string, Protocol> = {
  "-1": "all",
  all: "all",
  tcp: 6,
  udp: 17,
  icmp: 1,
  icmpv6: 58,
};

function toProtocol(v: string | number): Protocol | null {
  const s = String(v).toLowerCase();
  if (s in PROTOCOL_NAMES) return PROTOCOL_NAMES[s]!;
  if (/^[0-9]{1,3}$/.test(s) && Number(s) <= 255) return Number(s);
  return null;
}

const protocol = z
  .union([z.string(), z.number()])
  .refine((v) => toProtocol(v) !== null, {
    message: 'expected an IP protocol ("-1", "tcp", "udp", "icmp", "icmpv6" or a number 0-255)',
  })
  .transform((v) => toProtocol(v)!);

const attachments = z.array(z.object({ VpcId: id.optional(), State: z.string().optional() })).optional();

const vpcShape = z.object({
  VpcId: id,
  CidrBlock: cidr4.optional(),
  CidrBlockAssociationSet: z
    .array(
      z.object({ CidrBlock: cidr4, CidrBlockState: z.object({ State: z.string() }).partial().optional() }),
    )
    .optional(),
  Ipv6CidrBlockAssociationSet: z
    .array(
      z.object({
        Ipv6CidrBlock: cidr6.optional(),
        Ipv6CidrBlockState: z.object({ State: z.string() }).partial().optional(),
      }),
    )
    .optional(),
});

const subnetShape = z.object({
  SubnetId: id,
  VpcId: id,
  CidrBlock: cidr4.optional(),
  MapPublicIpOnLaunch: z.boolean().optional(),
  Ipv6CidrBlockAssociationSet: z.array(z.object({ Ipv6CidrBlock: cidr6.optional() })).optional(),
});

const routeShape = z
  .object({
    DestinationCidrBlock: cidr4.optional(),
    DestinationIpv6CidrBlock: cidr6.optional(),
    DestinationPrefixListId: id.optional(),
    GatewayId: id.optional(),
    NatGatewayId: id.optional(),
    EgressOnlyInternetGatewayId: id.optional(),
    NetworkInterfaceId: id.optional(),
    InstanceId: id.optional(),
    TransitGatewayId: id.optional(),
    VpcPeeringConnectionId: id.optional(),
    CarrierGatewayId: id.optional(),
    LocalGatewayId: id.optional(),
    CoreNetworkArn: id.optional(),
    State: z.string().optional(),
  })
  .refine((r) => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId, {
    message: "a route needs DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId",
  });

const routeTableShape = z.object({
  RouteTableId: id,
  VpcId: id,
  Associations: z
    .array(
      z.object({
        Main: z.boolean().optional(),
        SubnetId: id.optional(),
        GatewayId: id.optional(),
        AssociationState: z.object({ State: z.string() }).partial().optional(),
      }),
    )
    .optional(),
  Routes: z.array(routeShape).optional(),
});

const permissionShape = z
  .object({
    IpProtocol: protocol,
    FromPort: port.optional(),
    ToPort: port.optional(),
    IpRanges: z.array(z.object({ CidrIp: cidr4 })).optional(),
    Ipv6Ranges: z.array(z.object({ CidrIpv6: cidr6 })).optional(),
    PrefixListIds: z.array(z.object({ PrefixListId: id })).optional(),
    UserIdGroupPairs: z
      .array(z.object({ GroupId: id.optional(), GroupName: z.string().optional() }))
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.IpProtocol !== 6 && p.IpProtocol !== 17) return;
    for (const k of ["FromPort", "ToPort"] as const) {
      const v = p[k];
      if (v !== undefined && v < 0)
        ctx.addIssue({ code: "custom", path: [k], message: "expected a port 0-65535" });
    }
    if (p.FromPort !== undefined && p.ToPort !== undefined && p.FromPort > p.ToPort) {
      ctx.addIssue({ code: "custom", path: ["ToPort"], message: "ToPort is below FromPort" });
    }
  });

const securityGroupShape = z.object({
  GroupId: id,
  GroupName: z.string().optional(),
  VpcId: id.optional(),
  IpPermissions: z.array(permissionShape).optional(),
  IpPermissionsEgress: z.array(permissionShape).optional(),
});

const naclEntryShape = z
  .object({
    RuleNumber: z.number().int().min(1).max(32768),
    Protocol: protocol,
    RuleAction: z.enum(["allow", "deny"]),
    Egress: z.boolean(),
    CidrBlock: cidr4.optional(),
    Ipv6CidrBlock: cidr6.optional(),
    PortRange: z.object({ From: port, To: port }).optional(),
  })
  .refine((e) => e.CidrBlock ?? e.Ipv6CidrBlock, { message: "an entry needs CidrBlock or Ipv6CidrBlock" });

const networkAclShape = z.object({
  NetworkAclId: id,
  VpcId: id,
  IsDefault: z.boolean().optional(),
  Associations: z.array(z.object({ SubnetId: id })).optional(),
  Entries: z.array(naclEntryShape).optional(),
});

const interfaceShape = z.object({
  NetworkInterfaceId: id,
  SubnetId: id.optional(),
  VpcId: id.optional(),
  Groups: z.array(z.object({ GroupId: id })).optional(),
  PrivateIpAddress: address4.optional(),
  PrivateIpAddresses: z
    .array(
      z.object({
        PrivateIpAddress: address4,
        Primary: z.boolean().optional(),
        Association: z.object({ PublicIp: address4.optional() }).optional(),
      }),
    )
    .optional(),
  Association: z.object({ PublicIp: address4.optional() }).optional(),
  Ipv6Addresses: z.array(z.object({ Ipv6Address: address6 })).optional(),
  Attachment: z.object({ InstanceId: id.optional(), DeviceIndex: z.number().int().optional() }).optional(),
  InterfaceType: z.string().optional(),
});

const instanceShape = z.object({
  InstanceId: id,
  State: z.object({ Name: z.string() }).optional(),
  SubnetId: id.optional(),
  VpcId: id.optional(),
  PrivateIpAddress: address4.optional(),
  PublicIpAddress: address4.optional(),
  Ipv6Address: address6.optional(),
  NetworkInterfaces: z.array(interfaceShape).optional(),
  SecurityGroups: z.array(z.object({ GroupId: id })).optional(),
  Tags: z.array(z.object({ Key: z.string(), Value: z.string() })).optional(),
});

const sections = {
  Vpcs: { command: "describe-vpcs", item: vpcShape },
  Subnets: { command: "describe-subnets", item: subnetShape },
  RouteTables: { command: "describe-route-tables", item: routeTableShape },
  InternetGateways: {
    command: "describe-internet-gateways",
    item: z.object({ InternetGatewayId: id, Attachments: attachments }),
  },
  EgressOnlyInternetGateways: {
    command: "describe-egress-only-internet-gateways",
    item: z.object({ EgressOnlyInternetGatewayId: id, Attachments: attachments }),
  },
  NatGateways: {
    command: "describe-nat-gateways",
    item: z.object({
      NatGatewayId: id,
      SubnetId: id.optional(),
      VpcId: id.optional(),
      State: z.string().optional(),
      NatGatewayAddresses: z.array(z.object({ PublicIp: address4.optional() })).optional(),
    }),
  },
  SecurityGroups: { command: "describe-security-groups", item: securityGroupShape },
  NetworkAcls: { command: "describe-network-acls", item: networkAclShape },
  NetworkInterfaces: { command: "describe-network-interfaces", item: interfaceShape },
  Reservations: {
    command: "describe-instances",
    item: z.object({ Instances: z.array(instanceShape).optional() }),
  },
  Addresses: {
    command: "describe-addresses",
    item: z.object({
      PublicIp: address4,
      NetworkInterfaceId: id.optional(),
      PrivateIpAddress: address4.optional(),
      InstanceId: id.optional(),
    }),
  },
  PrefixLists: {
    command: "describe-managed-prefix-lists",
    item: z.object({ PrefixListId: id, PrefixListName: z.string().optional() }),
  },
  Entries: { command: "get-managed-prefix-list-entries", item: z.object({ Cidr: cidr }) },
} as const;

type SectionKey = keyof typeof sections;
const SECTION_KEYS = Object.keys(sections) as SectionKey[];

type Item<K extends SectionKey> = z.output<(typeof sections)[K]["item"]>;

// ---------------------------------------------------------------------------------------------

const ATTACHED = new Set(["available", "attached"]);

function attachedVpcs(
  list: { VpcId?: string | undefined; State?: string | undefined }[] | undefined,
): string[] {
  return (list ?? [])
    .filter((a) => a.VpcId && (a.State === undefined || ATTACHED.has(a.State)))
    .map((a) => a.VpcId!);
}

function ports(protocol: Protocol, from: number | undefined, to: number | undefined): Ports | null {
  if (protocol !== 6 && protocol !== 17) return null;
  if (from === undefined && to === undefined) return null;
  return { from: from ?? 0, to: to ?? 65535 };
}

function securityGroupRule(p: z.output<typeof permissionShape>): SecurityGroupRule {
  return {
    protocol: p.IpProtocol,
    ports: ports(p.IpProtocol, p.FromPort, p.ToPort),
    cidrs: [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)],
    prefixListIds: (p.PrefixListIds ?? []).map((r) => r.PrefixListId),
    groupIds: (p.UserIdGroupPairs ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
  };
}

function routeTarget(r: z.output<typeof routeShape>): { kind: RouteTargetKind; id: string } {
  const g = r.GatewayId;
  if (g !== undefined) {
    if (g === "local") return { kind: "local", id: "local" };
    if (g.startsWith("igw-")) return { kind: "internet-gateway", id: g };
    if (g.startsWith("vgw-")) return { kind: "virtual-private-gateway", id: g };
    if (g.startsWith("vpce-")) return { kind: "vpc-endpoint", id: g };
    return { kind: "other", id: g };
  }
  if (r.EgressOnlyInternetGatewayId)
    return { kind: "egress-only-internet-gateway", id: r.EgressOnlyInternetGatewayId };
  if (r.NatGatewayId) return { kind: "nat-gateway", id: r.NatGatewayId };
  if (r.TransitGatewayId) return { kind: "transit-gateway", id: r.TransitGatewayId };
  if (r.VpcPeeringConnectionId) return { kind: "vpc-peering-connection", id: r.VpcPeeringConnectionId };
  if (r.InstanceId) return { kind: "instance", id: r.InstanceId };
  if (r.NetworkInterfaceId) return { kind: "network-interface", id: r.NetworkInterfaceId };
  const other = r.CarrierGatewayId ?? r.LocalGatewayId ?? r.CoreNetworkArn;
  return { kind: "other", id: other ?? "unknown" };
}

function interfaceRecord(
  e: z.output<typeof interfaceShape>,
  instance?: { id: string; subnetId?: string | undefined; vpcId?: string | undefined },
): NetworkInterface {
  const addresses: InterfaceAddress[] = [];
  const primary = e.PrivateIpAddress;
  for (const a of e.PrivateIpAddresses ?? []) {
    const isPrimary = a.Primary ?? a.PrivateIpAddress === primary;
    const pub = a.Association?.PublicIp ?? (isPrimary ? e.Association?.PublicIp : undefined);
    addresses.push({
      address: a.PrivateIpAddress,
      primary: isPrimary,
      ...(pub ? { publicAddress: pub } : {}),
    });
  }
  if (primary && !addresses.some((a) => a.address === primary)) {
    const pub = e.Association?.PublicIp;
    addresses.unshift({ address: primary, primary: true, ...(pub ? { publicAddress: pub } : {}) });
  }
  const instanceId = e.Attachment?.InstanceId ?? instance?.id;
  const subnetId = e.SubnetId ?? instance?.subnetId;
  const vpcId = e.VpcId ?? instance?.vpcId;
  return {
    id: e.NetworkInterfaceId,
    componentType: "AWS::EC2::NetworkInterface",
    ...(subnetId ? { subnetId } : {}),
    ...(vpcId ? { vpcId } : {}),
    groupIds: (e.Groups ?? []).map((g) => g.GroupId),
    addresses,
    ipv6Addresses: (e.Ipv6Addresses ?? []).map((a) => canonicalAddress(a.Ipv6Address)),
    ...(instanceId ? { instanceId } : {}),
    ...(e.Attachment?.DeviceIndex !== undefined ? { deviceIndex: e.Attachment.DeviceIndex } : {}),
    ...(e.InterfaceType ? { interfaceType: e.InterfaceType } : {}),
  };
}

/** Combines two records of one interface (instance view + describe-network-interfaces). */
function mergeInterface(a: NetworkInterface, b: NetworkInterface): NetworkInterface {
  const addresses = [...a.addresses.map((x) => ({ ...x }))];
  for (const x of b.addresses) {
    const same = addresses.find((y) => y.address === x.address);
    if (!same) addresses.push({ ...x });
    else {
      if (x.publicAddress) same.publicAddress = x.publicAddress;
      same.primary ||= x.primary;
    }
  }
  const out: NetworkInterface = {
    ...a,
    ...b,
    componentType: a.componentType ?? b.componentType,
    groupIds: [...new Set([...a.groupIds, ...b.groupIds])],
    addresses,
    ipv6Addresses: [...new Set([...a.ipv6Addresses, ...b.ipv6Addresses])],
  };
  return out;
}

class Builder {
  readonly model = emptyModel();
  private readonly index = new Map<string, Map<string, number>>();
  readonly interfaces = new Map<string, NetworkInterface>();
  /** Interfaces made up for instances printed without NetworkInterfaces[]. */
  readonly synthetic = new Map<string, NetworkInterface>();
  readonly elasticIps: Item<"Addresses">[] = [];
  readonly prefixLists = new Map<string, PrefixList>();

  /** Adds or replaces (same id) a record in one of the model's lists. */
  put<K extends keyof NetworkModel>(list: K, record: NetworkModel[K][number]): void {
    let ids = this.index.get(list);
    if (!ids) {
      ids = new Map();
      this.index.set(list, ids);
    }
    const arr = this.model[list] as NetworkModel[K][number][];
    const at = ids.get(record.id);
    if (at === undefined) {
      ids.set(record.id, arr.length);
      arr.push(record);
    } else arr[at] = record;
  }

  addInterface(e: NetworkInterface): void {
    const old = this.interfaces.get(e.id);
    this.interfaces.set(e.id, old ? mergeInterface(old, e) : e);
  }

  prefixList(id: string): PrefixList {
    let pl = this.prefixLists.get(id);
    if (!pl) {
      pl = { id, cidrs: null };
      this.prefixLists.set(id, pl);
    }
    return pl;
  }

  finish(): NetworkModel {
    for (const eip of this.elasticIps) {
      const eni = eip.NetworkInterfaceId ? this.interfaces.get(eip.NetworkInterfaceId) : undefined;
      if (!eni) continue;
      const target = eip.PrivateIpAddress
        ? eni.addresses.find((a) => a.address === eip.PrivateIpAddress)
        : eni.addresses.find((a) => a.primary);
      if (target) target.publicAddress = eip.PublicIp;
      else if (eip.PrivateIpAddress)
        eni.addresses.push({ address: eip.PrivateIpAddress, publicAddress: eip.PublicIp, primary: false });
    }
    const real = new Set([...this.interfaces.values()].flatMap((e) => (e.instanceId ? [e.instanceId] : [])));
    for (const [instanceId, eni] of this.synthetic)
      if (!real.has(instanceId)) this.interfaces.set(eni.id, eni);
    this.model.networkInterfaces = [...this.interfaces.values()];
    for (const instance of this.model.instances) {
      const ids = this.model.networkInterfaces
        .filter((e) => e.instanceId === instance.id)
        .sort((x, y) => (x.deviceIndex ?? 0) - (y.deviceIndex ?? 0))
        .map((e) => e.id);
      instance.interfaceIds = ids;
    }
    this.model.prefixLists = [...this.prefixLists.values()];
    return this.model;
  }
}

function addSection<K extends SectionKey>(
  b: Builder,
  key: K,
  items: Item<K>[],
  where: string,
  label?: string,
): void {
  switch (key) {
    case "Vpcs":
      for (const v of items as Item<"Vpcs">[]) {
        const cidrs = new Set<string>();
        if (v.CidrBlock) cidrs.add(v.CidrBlock);
        for (const a of v.CidrBlockAssociationSet ?? [])
          if (!a.CidrBlockState?.State || a.CidrBlockState.State === "associated") cidrs.add(a.CidrBlock);
        for (const a of v.Ipv6CidrBlockAssociationSet ?? [])
          if (
            a.Ipv6CidrBlock &&
            (!a.Ipv6CidrBlockState?.State || a.Ipv6CidrBlockState.State === "associated")
          )
            cidrs.add(a.Ipv6CidrBlock);
        b.put("vpcs", { id: v.VpcId, componentType: "AWS::EC2::VPC", cidrs: [...cidrs] });
      }
      return;
    case "Subnets":
      for (const s of items as Item<"Subnets">[]) {
        const cidrs = [
          ...(s.CidrBlock ? [s.CidrBlock] : []),
          ...(s.Ipv6CidrBlockAssociationSet ?? []).flatMap((a) => (a.Ipv6CidrBlock ? [a.Ipv6CidrBlock] : [])),
        ];
        b.put("subnets", {
          id: s.SubnetId,
          componentType: "AWS::EC2::Subnet",
          vpcId: s.VpcId,
          cidrs,
          mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false,
        });
      }
      return;
    case "RouteTables":
      for (const t of items as Item<"RouteTables">[]) {
        const live = (t.Associations ?? []).filter(
          (a) => !a.AssociationState?.State || a.AssociationState.State === "associated",
        );
        const routes: Route[] = (t.Routes ?? []).map((r) => {
          const target = routeTarget(r);
          const destination = r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock;
          return {
            ...(destination
              ? { destinationCidr: destination }
              : { destinationPrefixListId: r.DestinationPrefixListId! }),
            targetKind: target.kind,
            targetId: target.id,
            active: r.State !== "blackhole",
          };
        });
        b.put("routeTables", {
          id: t.RouteTableId,
          componentType: "AWS::EC2::RouteTable",
          vpcId: t.VpcId,
          main: live.some((a) => a.Main === true),
          subnetIds: live.flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
          routes,
        });
      }
      return;
    case "InternetGateways":
      for (const g of items as Item<"InternetGateways">[]) {
        const gw: Gateway = {
          id: g.InternetGatewayId,
          componentType: "AWS::EC2::InternetGateway",
          attachedVpcIds: attachedVpcs(g.Attachments),
        };
        b.put("internetGateways", gw);
      }
      return;
    case "EgressOnlyInternetGateways":
      for (const g of items as Item<"EgressOnlyInternetGateways">[]) {
        b.put("egressOnlyGateways", {
          id: g.EgressOnlyInternetGatewayId,
          componentType: "AWS::EC2::EgressOnlyInternetGateway",
          attachedVpcIds: attachedVpcs(g.Attachments),
        });
      }
      return;
    case "NatGateways":
      for (const n of items as Item<"NatGateways">[]) {
        b.put("natGateways", {
          id: n.NatGatewayId,
          componentType: "AWS::EC2::NatGateway",
          ...(n.VpcId ? { vpcId: n.VpcId } : {}),
          ...(n.SubnetId ? { subnetId: n.SubnetId } : {}),
          ...(n.State ? { state: n.State } : {}),
          publicAddresses: (n.NatGatewayAddresses ?? []).flatMap((a) => (a.PublicIp ? [a.PublicIp] : [])),
        });
      }
      return;
    case "SecurityGroups":
      for (const g of items as Item<"SecurityGroups">[]) {
        b.put("securityGroups", {
          id: g.GroupId,
          componentType: "AWS::EC2::SecurityGroup",
          ...(g.GroupName !== undefined ? { name: g.GroupName } : {}),
          ...(g.VpcId ? { vpcId: g.VpcId } : {}),
          ingress: (g.IpPermissions ?? []).map(securityGroupRule),
          egress: (g.IpPermissionsEgress ?? []).map(securityGroupRule),
        });
      }
      return;
    case "NetworkAcls":
      for (const n of items as Item<"NetworkAcls">[]) {
        const entries: NetworkAclEntry[] = (n.Entries ?? []).map((e) => ({
          ruleNumber: e.RuleNumber,
          egress: e.Egress,
          action: e.RuleAction,
          protocol: e.Protocol,
          cidr: (e.CidrBlock ?? e.Ipv6CidrBlock)!,
          ports: ports(e.Protocol, e.PortRange?.From, e.PortRange?.To),
          stateful: false,
        }));
        b.put("networkAcls", {
          id: n.NetworkAclId,
          componentType: "AWS::EC2::NetworkAcl",
          vpcId: n.VpcId,
          isDefault: n.IsDefault ?? false,
          subnetIds: (n.Associations ?? []).map((a) => a.SubnetId),
          entries,
        });
      }
      return;
    case "NetworkInterfaces":
      for (const e of items as Item<"NetworkInterfaces">[]) b.addInterface(interfaceRecord(e));
      return;
    case "Reservations":
      for (const r of items as Item<"Reservations">[]) {
        for (const i of r.Instances ?? []) {
          const instance: Instance = {
            id: i.InstanceId,
            componentType: "AWS::EC2::Instance",
            state: i.State?.Name ?? "running",
            ...(i.SubnetId ? { subnetId: i.SubnetId } : {}),
            ...(i.VpcId ? { vpcId: i.VpcId } : {}),
            interfaceIds: [],
            tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value])),
          };
          b.put("instances", instance);
          const owner = { id: i.InstanceId, subnetId: i.SubnetId, vpcId: i.VpcId };
          for (const e of i.NetworkInterfaces ?? []) b.addInterface(interfaceRecord(e, owner));
          if ((i.NetworkInterfaces ?? []).length === 0 && (i.PrivateIpAddress || i.Ipv6Address)) {
            // An instance printed without NetworkInterfaces[]: its primary interface, from the
            // instance's own fields (not shown in paths: the interface id is not known).
            b.synthetic.set(i.InstanceId, {
              id: `${i.InstanceId}/primary-interface`,
              componentType: null,
              ...(i.SubnetId ? { subnetId: i.SubnetId } : {}),
              ...(i.VpcId ? { vpcId: i.VpcId } : {}),
              groupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId),
              addresses: i.PrivateIpAddress
                ? [
                    {
                      address: i.PrivateIpAddress,
                      primary: true,
                      ...(i.PublicIpAddress ? { publicAddress: i.PublicIpAddress } : {}),
                    },
                  ]
                : [],
              ipv6Addresses: i.Ipv6Address ? [canonicalAddress(i.Ipv6Address)] : [],
              instanceId: i.InstanceId,
              deviceIndex: 0,
            });
          }
        }
      }
      return;
    case "Addresses":
      b.elasticIps.push(...(items as Item<"Addresses">[]));
      return;
    case "PrefixLists":
      for (const p of items as Item<"PrefixLists">[]) {
        const pl = b.prefixList(p.PrefixListId);
        if (p.PrefixListName !== undefined) pl.name = p.PrefixListName;
      }
      return;
    case "Entries": {
      const plId = label?.match(/\bpl-[0-9a-zA-Z]+\b/)?.[0];
      if (!plId) {
        throw new NetworkModelError(
          `${where}: Entries: cannot tell which prefix list these entries belong to; add "PrefixListId" to the document or name the list ("pl-…") in its label`,
        );
      }
      const pl = b.prefixList(plId);
      pl.cidrs = [...(pl.cidrs ?? []), ...(items as Item<"Entries">[]).map((e) => e.Cidr)];
      return;
    }
  }
}

/**
 * Builds one model from the outputs of `aws ec2 describe-…` commands (see the module comment).
 * `label` names a document in errors (a file name, say); without one the error says
 * "document N (command)", N counting from 1.
 */
export function modelFromAws(docs: { label?: string; json: unknown }[]): NetworkModel {
  const b = new Builder();
  docs.forEach((doc, i) => {
    const json = doc.json;
    const present =
      json !== null && typeof json === "object" && !Array.isArray(json)
        ? SECTION_KEYS.filter((k) => k in (json as Record<string, unknown>))
        : [];
    const what = doc.label ?? (present[0] ? sections[present[0]].command : undefined);
    const where = `document ${i + 1}${what ? ` (${what})` : ""}`;
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new NetworkModelError(
        `${where}: expected a JSON object (the output of an "aws ec2 describe-…" command)`,
      );
    }
    const obj = json as Record<string, unknown>;
    let label = doc.label;
    if ("Entries" in obj && "PrefixListId" in obj) {
      const plId = validate(z.object({ PrefixListId: id }), obj, where).PrefixListId;
      label = `${plId} ${label ?? ""}`;
    }
    for (const key of present) {
      const parsed = validate(z.object({ [key]: z.array(sections[key].item) }), obj, where) as Record<
        string,
        unknown[]
      >;
      addSection(b, key, parsed[key] as Item<typeof key>[], where, label);
    }
  });
  return b.finish();
}

/** The CIDR blocks a prefix list holds, or null when unknown. Exposed for tests and tools. */
export function prefixListCidrs(model: NetworkModel, prefixListId: string): string[] | null {
  return model.prefixLists.find((p) => p.id === prefixListId)?.cidrs ?? null;
}
