/**
 * Which ports of which hosts the internet can open connections to, and through which components.
 *
 * For every network interface of a running instance (on-prem: every host) and every public address
 * it answers on — a public IPv4 address mapped to one of its private addresses (auto-assigned,
 * Elastic IP, on-prem static NAT or an on-prem host's own public address), or a global IPv6
 * address (2000::/3) — a TCP/UDP port is open when traffic from the internet gets through every
 * stage of the path:
 *
 * 1. Route table (the subnet's explicit association, else the VPC's main table): the longest
 *    prefix match for the internet source is an active route to an internet gateway attached to
 *    the VPC — the route the replies take. Egress-only internet gateways, NAT gateways and every
 *    other target do not carry connections in from the internet.
 * 2. Network ACL (the subnet's association, else the VPC's default NACL; if neither is known the
 *    AWS default, allow everything, is assumed): inbound entries in ascending rule number, first
 *    match wins; and, being stateless, the outbound entries must let the replies out to the source
 *    on some ephemeral port 1024–65535 of the same protocol (the client picks its source port, so
 *    one allowed port is enough). On-prem stateful rules need no return rule.
 * 3. Security groups of the interface (stateful): the union of their ingress rules. Rules naming
 *    other security groups admit only those groups' members, never the internet; a prefix list
 *    counts through its entries (unknown entries admit nothing).
 *
 * "The internet" is every public address (see `publicRanges`) outside the VPC's own blocks (its
 * local routes). A port is reported when
 *   - the allow rules of every stage, read on their own (deny entries aside), admit the whole
 *     internet — so a security group or NACL that admits only a /32, a partner range or a
 *     private range does not make a port internet-facing, and neither does a route to the internet
 *     gateway for part of the internet; and
 *   - with deny entries and first-match order applied, some internet address actually gets
 *     through — so a NACL that denies a port ahead of a broad allow closes it, while a NACL
 *     blocklist (deny a few hostile addresses, allow the rest) leaves it open.
 *
 * The address space is cut into atoms at every block boundary the stages mention (within an atom
 * each rule matches all addresses or none) and ports are interval sets, so the cost is about
 * atoms × rules interval operations, never a loop over ports or addresses. Interfaces sharing
 * subnet, security groups and address family share one computation.
 *
 * Instances that are stopped/stopping are listed with their state and no open ports (they are not
 * reachable now; an Elastic IP keeps them addressable once started); terminated and shutting-down
 * instances are left out. Pending instances are analyzed like running ones.
 */
import {
  type AddressRange,
  ALL_PORTS,
  type Cidr,
  EPHEMERAL_PORTS,
  type Family,
  formatAddress,
  isPublicAddress,
  NO_PORTS,
  type PortSet,
  parseAddress,
  portIntersect,
  portSet,
  portSubtract,
  portsOverlap,
  portUnion,
  publicAtoms,
  tryParseCidr,
} from "./cidr.js";
import type {
  Gateway,
  Instance,
  NetworkAcl,
  NetworkAclEntry,
  NetworkInterface,
  NetworkModel,
  PathStep,
  Ports,
  Protocol,
  RouteTable,
  SecurityGroup,
  Subnet,
} from "./model.js";

export type { PathStep } from "./model.js";

export interface OpenPortRange {
  protocol: "TCP" | "UDP";
  begin: number;
  end: number;
  family: 4 | 6;
  /** The public address the internet reaches the host on. */
  address: string;
  /** Internet gateway → route table → NACL → subnet → security group(s) → interface → instance. */
  steps: PathStep[];
}

export interface HostReachability {
  /** Instance id, on-prem host name (or, with `includeUnattachedInterfaces`, an interface id). */
  hostId: string;
  /** Instance state ("running", "stopped", …); on-prem hosts are "running". */
  state: string;
  privateAddresses: string[];
  publicAddresses: string[];
  /** Merged, sorted (family, address, protocol, port), non-overlapping per protocol+family+address. */
  open: OpenPortRange[];
}

export interface ReachabilityOptions {
  /**
   * Also report interfaces not attached to an instance (load balancer nodes, endpoints, …) as
   * hosts of their own, hostId = interface id. Default: instances only.
   */
  includeUnattachedInterfaces?: boolean;
}

const PROTOCOLS = [
  { name: "TCP", number: 6 },
  { name: "UDP", number: 17 },
] as const;

const IGNORED_STATES = new Set(["terminated", "shutting-down"]);
const ANALYZED_STATES = new Set(["running", "pending"]);

// ---------------------------------------------------------------------------------------------

function rulePorts(protocol: Protocol, ports: Ports | null): PortSet {
  if (protocol === "all" || ports === null) return ALL_PORTS;
  return portSet([[Math.max(0, ports.from), Math.min(65535, ports.to)]]);
}

function matchesProtocol(p: Protocol, n: number): boolean {
  return p === "all" || p === n;
}

function cidrsOf(texts: Iterable<string>, family: Family): Cidr[] {
  const out: Cidr[] = [];
  for (const t of texts) {
    const c = tryParseCidr(t);
    if (c && c.family === family) out.push(c);
  }
  return out;
}

function contains(c: Cidr, v: bigint): boolean {
  return c.start <= v && v <= c.end;
}

interface RouteX {
  cidr: Cidr;
  /** LPM tie-break among equal prefixes: local, then CIDR routes, then prefix-list routes. */
  rank: number;
  /** The attached internet gateway this route leads to, if it does. */
  igw: string | null;
}

interface EntryX {
  entry: NetworkAclEntry;
  cidr: Cidr;
  ports: PortSet;
}

interface SgRuleX {
  ports: PortSet;
  protocol: Protocol;
  cidrs: Cidr[];
}

interface GroupX {
  group: SecurityGroup;
  rules: SgRuleX[];
}

/** Everything one computation needs; interfaces with equal keys share the result. */
interface Profile {
  family: Family;
  vpcId: string | undefined;
  subnetId: string | undefined;
  groupIds: string[];
  /** The interface's own address and the public address (for NACL entries naming local addresses). */
  inside: bigint;
  reachable: bigint;
}

/** A range with the steps up to the security groups; interface and instance are added per host. */
interface PartialRange {
  protocol: "TCP" | "UDP";
  begin: number;
  end: number;
  steps: PathStep[];
}

/** Per-component port sets that got through, to pick the steps of each reported range. */
class Contributions {
  private readonly sets = new Map<string, { step: PathStep; ports: PortSet; order: number }>();

  add(key: string, step: PathStep, ports: PortSet, order: number): void {
    if (ports.length === 0) return;
    const old = this.sets.get(key);
    if (old) old.ports = portUnion(old.ports, ports);
    else this.sets.set(key, { step, ports, order });
  }

  stepsFor(begin: number, end: number): PathStep[] {
    const range: PortSet = [[begin, end]];
    return [...this.sets.values()]
      .filter((c) => portsOverlap(c.ports, range))
      .sort((a, b) => a.order - b.order)
      .map((c) => c.step);
  }
}

class Analyzer {
  private readonly subnets = new Map<string, Subnet>();
  private readonly explicitTables = new Map<string, RouteTable>();
  private readonly mainTables = new Map<string, RouteTable>();
  private readonly naclBySubnet = new Map<string, NetworkAcl>();
  private readonly defaultNacls = new Map<string, NetworkAcl>();
  private readonly igws = new Map<string, Gateway>();
  private readonly groups = new Map<string, SecurityGroup>();
  private readonly prefixLists = new Map<string, string[] | null>();
  private readonly vpcCidrs = new Map<string, string[]>();
  private readonly cache = new Map<string, PartialRange[]>();

  constructor(model: NetworkModel) {
    for (const s of model.subnets) this.subnets.set(s.id, s);
    for (const t of model.routeTables) {
      for (const s of t.subnetIds) this.explicitTables.set(s, t);
      if (t.main) this.mainTables.set(t.vpcId, t);
    }
    for (const n of model.networkAcls) {
      for (const s of n.subnetIds) this.naclBySubnet.set(s, n);
      if (n.isDefault) this.defaultNacls.set(n.vpcId, n);
    }
    for (const g of model.internetGateways) this.igws.set(g.id, g);
    for (const g of model.securityGroups) this.groups.set(g.id, g);
    for (const p of model.prefixLists) this.prefixLists.set(p.id, p.cidrs);
    for (const v of model.vpcs) this.vpcCidrs.set(v.id, v.cidrs);
  }

  subnetStep(subnetId: string): PathStep | null {
    const s = this.subnets.get(subnetId);
    if (s) return s.componentType ? { componentId: s.id, componentType: s.componentType } : null;
    return { componentId: subnetId, componentType: "AWS::EC2::Subnet" };
  }

  private igwAttached(id: string, vpcId: string): boolean {
    const g = this.igws.get(id);
    // A gateway the documents do not describe: trust the route (AWS marks routes to detached gateways blackhole).
    return g ? g.attachedVpcIds.includes(vpcId) : true;
  }

  private igwStep(id: string): PathStep | null {
    const g = this.igws.get(id);
    if (!g) return { componentId: id, componentType: "AWS::EC2::InternetGateway" };
    return g.componentType ? { componentId: g.id, componentType: g.componentType } : null;
  }

  private prefixListCidrs(id: string, family: Family): Cidr[] {
    return cidrsOf(this.prefixLists.get(id) ?? [], family);
  }

  /** The open ranges for one profile, with the steps from the gateway to the security groups. */
  analyze(p: Profile): PartialRange[] {
    const subnetId = p.subnetId;
    const vpcId = p.vpcId ?? (subnetId ? this.subnets.get(subnetId)?.vpcId : undefined);
    const table =
      (subnetId ? this.explicitTables.get(subnetId) : undefined) ??
      (vpcId ? this.mainTables.get(vpcId) : undefined);
    if (!table || !vpcId) return [];
    const nacl =
      (subnetId ? this.naclBySubnet.get(subnetId) : undefined) ?? this.defaultNacls.get(vpcId) ?? null;
    const localMatters = nacl?.entries.some((e) => e.local) ?? false;
    const key = JSON.stringify([
      subnetId,
      vpcId,
      p.groupIds,
      p.family,
      localMatters ? [String(p.inside), String(p.reachable)] : null,
    ]);
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.compute(p, vpcId, table, nacl);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private compute(p: Profile, vpcId: string, table: RouteTable, nacl: NetworkAcl | null): PartialRange[] {
    const family = p.family;

    // Routes of this family, prefix lists expanded.
    const routes: RouteX[] = [];
    const local: Cidr[] = cidrsOf(this.vpcCidrs.get(vpcId) ?? [], family);
    for (const r of table.routes) {
      const cidrs = r.destinationCidr
        ? cidrsOf([r.destinationCidr], family)
        : this.prefixListCidrs(r.destinationPrefixListId ?? "", family);
      const igw =
        r.active && r.targetKind === "internet-gateway" && this.igwAttached(r.targetId, vpcId)
          ? r.targetId
          : null;
      const rank = r.targetKind === "local" ? 0 : r.destinationCidr ? 1 : 2;
      for (const cidr of cidrs) {
        routes.push({ cidr, rank, igw });
        if (r.targetKind === "local") local.push(cidr);
      }
    }
    const igwRoutes = routes.filter((r) => r.igw !== null);
    if (igwRoutes.length === 0) return [];

    // NACL entries of this family that apply to this address, in evaluation order.
    const applies = (e: NetworkAclEntry): boolean => {
      if (!e.local) return true;
      return cidrsOf(e.local, family).some((c) => contains(c, p.inside) || contains(c, p.reachable));
    };
    const entries: EntryX[] = [];
    for (const e of nacl?.entries ?? []) {
      const cidr = tryParseCidr(e.cidr);
      if (!cidr || cidr.family !== family || !applies(e)) continue;
      entries.push({ entry: e, cidr, ports: rulePorts(e.protocol, e.ports) });
    }
    entries.sort((a, b) => a.entry.ruleNumber - b.entry.ruleNumber);
    const inbound = entries.filter((e) => !e.entry.egress);
    const outbound = entries.filter((e) => e.entry.egress);

    // Security groups: ingress rules with internet-capable sources (group references admit none).
    const groups: GroupX[] = [];
    for (const id of p.groupIds) {
      const group = this.groups.get(id);
      if (!group) continue;
      const rules: SgRuleX[] = [];
      for (const r of group.ingress) {
        const cidrs = [
          ...cidrsOf(r.cidrs, family),
          ...r.prefixListIds.flatMap((pl) => this.prefixListCidrs(pl, family)),
        ];
        if (cidrs.length > 0)
          rules.push({ protocol: r.protocol, ports: rulePorts(r.protocol, r.ports), cidrs });
      }
      groups.push({ group, rules });
    }
    if (!groups.some((g) => g.rules.length > 0)) return [];

    const blocks: Cidr[] = [
      ...routes.map((r) => r.cidr),
      ...entries.map((e) => e.cidr),
      ...groups.flatMap((g) => g.rules.flatMap((r) => r.cidrs)),
    ];
    const atoms = publicAtoms(family, blocks, local);

    const tableStep: PathStep | null = table.componentType
      ? { componentId: table.id, componentType: table.componentType }
      : null;
    const naclStep: PathStep | null = nacl?.componentType
      ? { componentId: nacl.id, componentType: nacl.componentType }
      : null;
    const subnetStep = p.subnetId ? this.subnetStep(p.subnetId) : null;

    const out: PartialRange[] = [];
    for (const proto of PROTOCOLS) {
      const result = this.protocol(
        proto.number,
        atoms,
        routes,
        igwRoutes,
        inbound,
        outbound,
        nacl !== null,
        groups,
      );
      if (!result) continue;
      for (const [begin, end] of result.open) {
        const steps: PathStep[] = [];
        const push = (s: PathStep | null) => {
          if (s) steps.push(s);
        };
        for (const s of result.igws.stepsFor(begin, end)) push(s);
        push(tableStep);
        push(naclStep);
        for (const s of result.rules.stepsFor(begin, end)) push(s);
        push(subnetStep);
        for (const s of result.groups.stepsFor(begin, end)) push(s);
        out.push({ protocol: proto.name, begin, end, steps });
      }
    }
    return out;
  }

  private protocol(
    proto: number,
    atoms: AddressRange[],
    routes: RouteX[],
    igwRoutes: RouteX[],
    inbound: EntryX[],
    outbound: EntryX[],
    haveNacl: boolean,
    groups: GroupX[],
  ): { open: PortSet; igws: Contributions; rules: Contributions; groups: Contributions } | null {
    let intent: PortSet = ALL_PORTS;
    let actual: PortSet = NO_PORTS;
    const igws = new Contributions();
    const rules = new Contributions();
    const groupContrib = new Contributions();
    const inEntries = inbound.filter((e) => matchesProtocol(e.entry.protocol, proto));
    const outEntries = outbound.filter((e) => matchesProtocol(e.entry.protocol, proto));
    const groupRules = groups.map((g) => ({
      g,
      rules: g.rules.filter((r) => matchesProtocol(r.protocol, proto)),
    }));

    for (const [rep] of atoms) {
      // 1. Routes: union of internet gateway routes (intent), longest prefix match (actual).
      if (!igwRoutes.some((r) => contains(r.cidr, rep))) return null;
      let best: RouteX | null = null;
      for (const r of routes) {
        if (!contains(r.cidr, rep)) continue;
        if (
          !best ||
          r.cidr.prefix > best.cidr.prefix ||
          (r.cidr.prefix === best.cidr.prefix && r.rank < best.rank)
        )
          best = r;
      }
      const routeActual = best?.igw ?? null;

      // 3. Security groups.
      let sgAll: PortSet = NO_PORTS;
      const perGroup: PortSet[] = [];
      for (const { rules: rs } of groupRules) {
        let ports: PortSet = NO_PORTS;
        for (const r of rs) if (r.cidrs.some((c) => contains(c, rep))) ports = portUnion(ports, r.ports);
        perGroup.push(ports);
        sgAll = portUnion(sgAll, ports);
      }
      if (sgAll.length === 0) return null;

      // 2. NACL, inbound (first match) and the return path.
      let inStateful: PortSet = NO_PORTS;
      let inStateless: PortSet = NO_PORTS;
      let wantStateful: PortSet = NO_PORTS;
      let wantStateless: PortSet = NO_PORTS;
      let returnActual = false;
      let returnIntent = false;
      const allowedBy: [EntryX, PortSet][] = [];
      const returnBy: EntryX[] = [];
      if (!haveNacl) {
        inStateful = ALL_PORTS;
        wantStateful = ALL_PORTS;
      } else {
        let remaining: PortSet = ALL_PORTS;
        for (const e of inEntries) {
          if (!contains(e.cidr, rep)) continue;
          const allow = e.entry.action === "allow";
          if (allow) {
            if (e.entry.stateful) wantStateful = portUnion(wantStateful, e.ports);
            else wantStateless = portUnion(wantStateless, e.ports);
          }
          if (remaining.length === 0) continue;
          const m = portIntersect(remaining, e.ports);
          if (m.length === 0) continue;
          remaining = portSubtract(remaining, m);
          if (!allow) continue;
          allowedBy.push([e, m]);
          if (e.entry.stateful) inStateful = portUnion(inStateful, m);
          else inStateless = portUnion(inStateless, m);
        }
        if (wantStateless.length > 0) {
          let rem: PortSet = EPHEMERAL_PORTS;
          for (const e of outEntries) {
            if (!contains(e.cidr, rep)) continue;
            const allow = e.entry.action === "allow";
            if (allow && portsOverlap(e.ports, EPHEMERAL_PORTS)) returnIntent = true;
            if (rem.length === 0) continue;
            const m = portIntersect(rem, e.ports);
            if (m.length === 0) continue;
            rem = portSubtract(rem, m);
            if (allow) {
              returnActual = true;
              returnBy.push(e);
            }
          }
        }
      }

      const atomIntent = portIntersect(
        portUnion(wantStateful, returnIntent ? wantStateless : NO_PORTS),
        sgAll,
      );
      intent = portIntersect(intent, atomIntent);
      if (intent.length === 0) return null;

      if (routeActual === null) continue;
      const passed = portIntersect(portUnion(inStateful, returnActual ? inStateless : NO_PORTS), sgAll);
      if (passed.length === 0) continue;
      actual = portUnion(actual, passed);
      const gw = this.igwStep(routeActual);
      if (gw) igws.add(routeActual, gw, passed, 0);
      groupRules.forEach(({ g }, i) => {
        const s = g.group;
        if (s.componentType)
          groupContrib.add(
            s.id,
            { componentId: s.id, componentType: s.componentType },
            portIntersect(perGroup[i]!, passed),
            i,
          );
      });
      for (const [e, m] of allowedBy) {
        const step = e.entry.step;
        if (!step || (!e.entry.stateful && !returnActual)) continue;
        rules.add(
          `${step.componentType}\u0000${step.componentId}`,
          step,
          portIntersect(m, passed),
          e.entry.ruleNumber,
        );
      }
      const statelessPassed = portIntersect(inStateless, passed);
      if (returnActual && statelessPassed.length > 0) {
        for (const e of returnBy) {
          const step = e.entry.step;
          if (step)
            rules.add(
              `${step.componentType}\u0000${step.componentId}`,
              step,
              statelessPassed,
              100000 + e.entry.ruleNumber,
            );
        }
      }
    }
    const open = portIntersect(intent, actual);
    return open.length > 0 ? { open, igws, rules, groups: groupContrib } : null;
  }
}

interface Endpoint {
  family: Family;
  address: string;
  inside: bigint;
  reachable: bigint;
}

function endpoints(eni: NetworkInterface): Endpoint[] {
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const a of eni.addresses) {
    if (!a.publicAddress) continue;
    const pub = parseAddress(a.publicAddress);
    const inside = parseAddress(a.address);
    if (pub?.family !== 4 || !inside) continue;
    const text = formatAddress(4, pub.value);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ family: 4, address: text, inside: inside.value, reachable: pub.value });
  }
  for (const a of eni.ipv6Addresses) {
    const v = parseAddress(a);
    if (v?.family !== 6 || !isPublicAddress(a)) continue;
    const text = formatAddress(6, v.value);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ family: 6, address: text, inside: v.value, reachable: v.value });
  }
  return out;
}

function canonical(text: string): string {
  const a = parseAddress(text);
  return a ? formatAddress(a.family, a.value) : text;
}

function addressesOf(enis: NetworkInterface[]): { privateAddresses: string[]; publicAddresses: string[] } {
  const pub = new Set<string>();
  const own = new Set<string>();
  for (const e of enis) {
    for (const a of e.addresses) {
      own.add(canonical(a.address));
      if (a.publicAddress) pub.add(canonical(a.publicAddress));
    }
    for (const a of e.ipv6Addresses) {
      if (isPublicAddress(a)) pub.add(canonical(a));
      else own.add(canonical(a));
    }
  }
  return { privateAddresses: [...own].filter((a) => !pub.has(a)), publicAddresses: [...pub] };
}

function sortKey(r: OpenPortRange): [number, bigint, number, number] {
  return [r.family, parseAddress(r.address)?.value ?? 0n, r.protocol === "TCP" ? 0 : 1, r.begin];
}

function compareRanges(a: OpenPortRange, b: OpenPortRange): number {
  const x = sortKey(a);
  const y = sortKey(b);
  for (let i = 0; i < 4; i++) {
    if (x[i]! < y[i]!) return -1;
    if (x[i]! > y[i]!) return 1;
  }
  return 0;
}

function stepOf(c: { id: string; componentType: string | null }): PathStep | null {
  return c.componentType ? { componentId: c.id, componentType: c.componentType } : null;
}

function hostReachability(
  analyzer: Analyzer,
  hostId: string,
  state: string,
  enis: NetworkInterface[],
  host: Instance | null,
  fallback: { subnetId?: string | undefined; vpcId?: string | undefined },
): HostReachability {
  const { privateAddresses, publicAddresses } = addressesOf(enis);
  const open: OpenPortRange[] = [];
  if (ANALYZED_STATES.has(state) || host === null) {
    for (const eni of enis) {
      const tail = [stepOf(eni), host ? stepOf(host) : null].filter((s): s is PathStep => s !== null);
      for (const ep of endpoints(eni)) {
        const ranges = analyzer.analyze({
          family: ep.family,
          subnetId: eni.subnetId ?? fallback.subnetId,
          vpcId: eni.vpcId ?? fallback.vpcId,
          groupIds: eni.groupIds,
          inside: ep.inside,
          reachable: ep.reachable,
        });
        for (const r of ranges) {
          open.push({
            protocol: r.protocol,
            begin: r.begin,
            end: r.end,
            family: ep.family,
            address: ep.address,
            steps: [...r.steps, ...tail],
          });
        }
      }
    }
  }
  open.sort(compareRanges);
  return { hostId, state, privateAddresses, publicAddresses, open };
}

/** Every host's internet-reachable ports (see the module comment for the rules). */
export function internetReachability(
  model: NetworkModel,
  options: ReachabilityOptions = {},
): HostReachability[] {
  const analyzer = new Analyzer(model);
  const enis = new Map(model.networkInterfaces.map((e) => [e.id, e]));
  const out: HostReachability[] = [];
  const instanceIds = new Set<string>();
  for (const instance of model.instances) {
    instanceIds.add(instance.id);
    if (IGNORED_STATES.has(instance.state)) continue;
    const ids = instance.interfaceIds.length
      ? instance.interfaceIds
      : model.networkInterfaces.filter((e) => e.instanceId === instance.id).map((e) => e.id);
    const list = ids.map((id) => enis.get(id)).filter((e): e is NetworkInterface => e !== undefined);
    out.push(hostReachability(analyzer, instance.id, instance.state, list, instance, instance));
  }
  if (options.includeUnattachedInterfaces) {
    for (const eni of model.networkInterfaces) {
      if (eni.instanceId && instanceIds.has(eni.instanceId)) continue;
      out.push(hostReachability(analyzer, eni.id, "in-use", [eni], null, {}));
    }
  }
  return out;
}
