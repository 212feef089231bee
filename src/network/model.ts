/**
 * The normalized network model the reachability analysis reads. Both importers produce it: AWS
 * CLI JSON (`aws.ts`, one record per EC2 resource, ids as AWS prints them) and the on-prem YAML
 * (`onprem.ts`, which maps zones, hosts and the edge firewall onto the same records). Plain data,
 * JSON-serializable.
 *
 * Every component carries the `componentType` shown for it in a path step (Inspector's names,
 * "AWS::EC2::SecurityGroup", or Vigil's on-prem ones); `null` leaves it out of paths (helper
 * records the on-prem mapping needs, such as the edge's allow-all security group).
 */
import type { z } from "zod";

/** One hop of a network path, as Inspector's `NetworkPath.steps[]`. */
export interface PathStep {
  componentId: string;
  componentType: string;
}

/** An IP protocol number (6 = TCP, 17 = UDP, 1 = ICMP, 58 = ICMPv6), or every protocol. */
export type Protocol = number | "all";
export const TCP = 6;
export const UDP = 17;

/** A closed port range; `null` where a rule has none means every port. */
export interface Ports {
  from: number;
  to: number;
}

interface Component {
  id: string;
  componentType: string | null;
}

export interface Vpc extends Component {
  /** IPv4 and IPv6 blocks. */
  cidrs: string[];
}

export interface Subnet extends Component {
  vpcId: string;
  cidrs: string[];
  mapPublicIpOnLaunch: boolean;
}

export type RouteTargetKind =
  | "local"
  | "internet-gateway"
  | "egress-only-internet-gateway"
  | "nat-gateway"
  | "virtual-private-gateway"
  | "transit-gateway"
  | "vpc-peering-connection"
  | "network-interface"
  | "instance"
  | "vpc-endpoint"
  | "other";

export interface Route {
  /** Exactly one of the two destinations. */
  destinationCidr?: string;
  destinationPrefixListId?: string;
  targetKind: RouteTargetKind;
  targetId: string;
  /** false for a blackhole route (its target is gone). */
  active: boolean;
}

export interface RouteTable extends Component {
  vpcId: string;
  /** The VPC's main table: used by every subnet without an explicit association. */
  main: boolean;
  /** Subnets explicitly associated. */
  subnetIds: string[];
  routes: Route[];
}

/** An internet gateway or an egress-only internet gateway. */
export interface Gateway extends Component {
  /** VPCs it is attached to (attachment state "available"/"attached"). */
  attachedVpcIds: string[];
}

export interface NatGateway extends Component {
  vpcId?: string;
  subnetId?: string;
  state?: string;
  publicAddresses: string[];
}

export interface SecurityGroupRule {
  protocol: Protocol;
  /** TCP/UDP port range; null: every port (protocol "all", or a protocol without ports). */
  ports: Ports | null;
  /** IPv4 and IPv6 source (ingress) or destination (egress) blocks. */
  cidrs: string[];
  prefixListIds: string[];
  /** Referenced security groups (UserIdGroupPairs): traffic from (to) their members only. */
  groupIds: string[];
}

export interface SecurityGroup extends Component {
  name?: string;
  vpcId?: string;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
}

export interface NetworkAclEntry {
  /** Evaluated in ascending order, first match wins (entries sharing a number: listed order). */
  ruleNumber: number;
  egress: boolean;
  action: "allow" | "deny";
  protocol: Protocol;
  /** The remote side: the source of inbound traffic, the destination of outbound traffic. */
  cidr: string;
  ports: Ports | null;
  /** Return traffic of a connection this entry allows is allowed too (on-prem stateful rules); AWS NACLs are stateless. */
  stateful: boolean;
  /** The local side the entry applies to (on-prem rules naming a zone or host); absent: the whole subnet. */
  local?: string[];
  /** Shown in paths when the entry let the traffic through (on-prem firewall rules). */
  step?: PathStep;
}

export interface NetworkAcl extends Component {
  vpcId: string;
  /** The VPC's default NACL, used by subnets without an explicit association. */
  isDefault: boolean;
  subnetIds: string[];
  entries: NetworkAclEntry[];
}

export interface InterfaceAddress {
  /** The interface's own IPv4 address. */
  address: string;
  /** The public IPv4 address mapped to it (auto-assigned public IP, Elastic IP, on-prem static NAT). */
  publicAddress?: string;
  primary: boolean;
}

export interface NetworkInterface extends Component {
  subnetId?: string;
  vpcId?: string;
  groupIds: string[];
  addresses: InterfaceAddress[];
  ipv6Addresses: string[];
  instanceId?: string;
  deviceIndex?: number;
  /** AWS InterfaceType ("interface", "network_load_balancer", "nat_gateway", …). */
  interfaceType?: string;
}

export interface Instance extends Component {
  /** EC2 state name: pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
  subnetId?: string;
  vpcId?: string;
  interfaceIds: string[];
  tags: Record<string, string>;
}

export interface PrefixList {
  id: string;
  name?: string;
  /** null: the entries are not known (no get-managed-prefix-list-entries output). */
  cidrs: string[] | null;
}

export interface NetworkModel {
  vpcs: Vpc[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  internetGateways: Gateway[];
  natGateways: NatGateway[];
  egressOnlyGateways: Gateway[];
  securityGroups: SecurityGroup[];
  networkAcls: NetworkAcl[];
  networkInterfaces: NetworkInterface[];
  instances: Instance[];
  prefixLists: PrefixList[];
}

export function emptyModel(): NetworkModel {
  return {
    vpcs: [],
    subnets: [],
    routeTables: [],
    internetGateways: [],
    natGateways: [],
    egressOnlyGateways: [],
    securityGroups: [],
    networkAcls: [],
    networkInterfaces: [],
    instances: [],
    prefixLists: [],
  };
}

/** Bad input to an importer; the message names the document and the field. */
export class NetworkModelError extends Error {
  override name = "NetworkModelError";
}

/** `SecurityGroups[2].IpPermissions[0].FromPort` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (typeof p === "string" && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const expected = issue.expected === "int" ? "whole number" : String(issue.expected);
    if (!("input" in issue) || issue.input === undefined) return `missing, expected ${article(expected)}`;
    return `expected ${article(expected)}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === "invalid_value") {
    const values = issue.values.map((v) => JSON.stringify(v)).join(", ");
    return `expected one of ${values}${"input" in issue ? `, got ${describeValue(issue.input)}` : ""}`;
  }
  if (issue.code === "unrecognized_keys")
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  if (issue.code === "too_small" || issue.code === "too_big") {
    const input = "input" in issue ? `, got ${describeValue(issue.input)}` : "";
    return `${issue.message}${input}`;
  }
  return issue.message;
}

/**
 * Validates `value` against `schema`; on failure throws a NetworkModelError
 * "`where`: `path`: what is wrong" for the first issue (and says how many more there are).
 * `locate` may turn the path into a position ("line 12") put before it.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  locate?: (path: readonly PropertyKey[]) => string | undefined,
): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const [first, ...rest] = r.error.issues;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
  throw new NetworkModelError(`${located(where, first!.path, locate)}${issueText(first!)}${more}`);
}

/** "where: line 3: a.b[0]: " — the prefix of an error about the field at `path`. */
export function located(
  where: string,
  path: readonly PropertyKey[],
  locate?: (path: readonly PropertyKey[]) => string | undefined,
): string {
  const at = locate?.(path);
  const p = formatPath(path);
  return `${where}: ${at ? `${at}: ` : ""}${p ? `${p}: ` : ""}`;
}
