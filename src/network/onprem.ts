/**
 * On-prem networks in a small native YAML format, mapped onto the same NetworkModel the AWS
 * importer builds, so the same reachability analysis applies.
 *
 * ```yaml
 * network: hq                  # optional name (default: the label, else "onprem")
 * edge: fw-edge                # the internet edge: router + firewall (default "edge")
 *
 * zones:                       # address blocks behind the edge
 *   - name: dmz
 *     cidrs: [203.0.113.0/24, "2001:db8:10::/64"]
 *     internet-facing: true    # the edge routes internet traffic into (and replies out of) this zone
 *   - name: office
 *     cidrs: [10.20.0.0/16]    # internet-facing: false (default): not reachable from the internet
 *
 * hosts:
 *   - name: web1
 *     zone: dmz
 *     addresses: [203.0.113.10, "2001:db8:10::10"]   # public ones are reachable directly
 *   - name: mail
 *     zone: dmz
 *     addresses: [10.99.0.25]  # hosts may hold private addresses…
 *     nat: [198.51.100.25]     # …published by the edge with static (1:1) NAT, like an Elastic IP
 *
 * firewall:                    # the edge's rules: ordered, first match wins, no match = deny
 *   - name: block-scanner      # optional; paths show "rule N" without one
 *     from: 192.0.2.66/32      # "internet", "any", a zone, a host, a CIDR/address, or a list
 *     to: dmz                  # same choices
 *     protocol: all            # tcp | udp | icmp | icmpv6 | all | a protocol number
 *     action: deny
 *   - name: web
 *     from: internet
 *     to: [web1, mail]
 *     protocol: tcp
 *     ports: [80, 443]         # a port, "from-to", or a list of them; omitted = all ports
 *     action: allow            # stateful (default): replies are allowed automatically
 *   - name: dns
 *     from: internet
 *     to: web1
 *     protocol: udp
 *     ports: 53
 *     action: allow
 *     stateful: false          # stateless: a rule must also let the replies out…
 *   - name: dns-replies
 *     from: web1
 *     to: internet
 *     protocol: udp
 *     ports: 1024-65535        # …to the client's ephemeral port
 *     action: allow
 *     stateful: false
 * ```
 *
 * Mapping: the network is one VPC; each zone a subnet ("Vigil::OnPrem::Zone") with a route table
 * holding local routes to every zone and, when internet-facing, 0.0.0.0/0 and ::/0 to the edge
 * (an internet gateway, "Vigil::OnPrem::Edge"); the firewall is one NACL shared by all zones whose
 * entries carry the rule's order, its stateful flag, the local side it names (zone/host) and a
 * "Vigil::OnPrem::FirewallRule" path step; hosts are instances ("Vigil::OnPrem::Host") with one
 * interface behind an allow-all security group (the edge does all the filtering). A rule is a
 * filter on (source, destination): it is checked on inbound packets (source in `from`,
 * destination in `to`) and on the replies going out (source in `from`, destination in `to`).
 * A host matches a zone or CIDR by its own address or by its NAT address.
 *
 * Unknown fields are errors; errors name the label, the line and the field:
 *   "hq.yaml: line 31: firewall[2].ports[0]: expected a port 0-65535 or a range \"from-to\""
 */
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { type Cidr, formatCidr, isPublicAddress, parseAddress, tryParseCidr } from "./cidr.js";
import {
  emptyModel,
  located,
  type NetworkAclEntry,
  type NetworkModel,
  NetworkModelError,
  type Ports,
  type Protocol,
  type Route,
  validate,
} from "./model.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RESERVED = new Set(["internet", "any"]);

const name = z.string().regex(NAME, { message: "expected a name (letters, digits, '.', '_', '-')" });
const cidr = z.string().refine((s) => tryParseCidr(s) !== null, { message: "expected a CIDR block" });
const address = z.string().refine((s) => parseAddress(s) !== null, { message: "expected an IP address" });
const address4 = z
  .string()
  .refine((s) => parseAddress(s)?.family === 4, { message: "expected an IPv4 address" });
const portItem = z.union([z.number(), z.string()]);
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

const PROTOCOLS: Record<string, Protocol> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, all: "all" };

const shape = z.strictObject({
  version: z.literal(1).optional(),
  network: name.optional(),
  edge: name.default("edge"),
  zones: z
    .array(
      z.strictObject({
        name,
        cidrs: z.array(cidr).min(1),
        "internet-facing": z.boolean().default(false),
        description: z.string().optional(),
      }),
    )
    .min(1),
  hosts: z
    .array(
      z.strictObject({
        name,
        zone: name,
        addresses: z.array(address).min(1),
        nat: z.array(address4).default([]),
        description: z.string().optional(),
      }),
    )
    .default([]),
  firewall: z
    .array(
      z.strictObject({
        name: name.optional(),
        from: oneOrMany(z.string()),
        to: oneOrMany(z.string()),
        protocol: z.union([
          z.enum(["tcp", "udp", "icmp", "icmpv6", "all"]),
          z.number().int().min(0).max(255),
        ]),
        ports: oneOrMany(portItem).optional(),
        action: z.enum(["allow", "deny"]),
        stateful: z.boolean().default(true),
        description: z.string().optional(),
      }),
    )
    .default([]),
});

type Doc = z.output<typeof shape>;

function parsePort(v: number | string): Ports | null {
  const ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  if (typeof v === "number") return ok(v) ? { from: v, to: v } : null;
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(v);
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return ok(from) && ok(to) && from <= to ? { from, to } : null;
}

/** Parses the on-prem YAML (see the module comment) into a NetworkModel. */
export function modelFromYaml(text: string, label?: string): NetworkModel {
  const where = label ?? "on-prem network";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw new NetworkModelError(
      `${where}: ${pos ? `line ${pos.line}: ` : ""}invalid YAML: ${yamlError.message}`,
    );
  }
  const locate = (path: readonly PropertyKey[]): string | undefined => {
    for (let n = path.length; n >= 1; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === "object" && node.range)
        return `line ${lineCounter.linePos(node.range[0]).line}`;
    }
    return undefined;
  };
  const fail = (path: PropertyKey[], message: string): never => {
    throw new NetworkModelError(`${located(where, path, locate)}${message}`);
  };
  const data: Doc = validate(shape, doc.toJS() ?? {}, where, locate);

  // Names: zones and hosts share one namespace (rules name either).
  const zones = new Map<string, Doc["zones"][number]>();
  const hosts = new Map<string, Doc["hosts"][number]>();
  const taken = new Set<string>();
  const claim = (n: string, path: PropertyKey[]) => {
    if (RESERVED.has(n)) fail(path, `"${n}" is reserved`);
    if (taken.has(n)) fail(path, `the name "${n}" is used twice`);
    taken.add(n);
  };
  data.zones.forEach((z, i) => {
    claim(z.name, ["zones", i, "name"]);
    zones.set(z.name, z);
  });
  data.hosts.forEach((h, i) => {
    claim(h.name, ["hosts", i, "name"]);
    hosts.set(h.name, h);
    const zone = zones.get(h.zone);
    if (!zone) {
      fail(["hosts", i, "zone"], `no zone named "${h.zone}"`);
      return;
    }
    const blocks = zone.cidrs.map((c) => tryParseCidr(c)!);
    h.addresses.forEach((a, j) => {
      const v = parseAddress(a)!;
      if (!blocks.some((c) => c.family === v.family && c.start <= v.value && v.value <= c.end))
        fail(["hosts", i, "addresses", j], `${a} is not in zone ${zone.name} (${zone.cidrs.join(", ")})`);
    });
    if (h.nat.length > 0 && !h.addresses.some((a) => parseAddress(a)!.family === 4))
      fail(["hosts", i, "nat"], "static NAT needs an IPv4 address among the host's addresses");
  });

  const network = data.network ?? (label && NAME.test(label) ? label : "onprem");
  const edge = data.edge;
  const model = emptyModel();
  const allZoneCidrs = data.zones.flatMap((z) => z.cidrs.map((c) => formatCidr(tryParseCidr(c)!)));
  model.vpcs.push({ id: network, componentType: null, cidrs: allZoneCidrs });
  model.internetGateways.push({ id: edge, componentType: "Vigil::OnPrem::Edge", attachedVpcIds: [network] });

  for (const z of data.zones) {
    model.subnets.push({
      id: z.name,
      componentType: "Vigil::OnPrem::Zone",
      vpcId: network,
      cidrs: z.cidrs.map((c) => formatCidr(tryParseCidr(c)!)),
      mapPublicIpOnLaunch: false,
    });
    const routes: Route[] = allZoneCidrs.map((c) => ({
      destinationCidr: c,
      targetKind: "local",
      targetId: "local",
      active: true,
    }));
    if (z["internet-facing"]) {
      for (const d of ["0.0.0.0/0", "::/0"])
        routes.push({ destinationCidr: d, targetKind: "internet-gateway", targetId: edge, active: true });
    }
    model.routeTables.push({
      id: `${network}/${z.name}/routes`,
      componentType: null,
      vpcId: network,
      main: false,
      subnetIds: [z.name],
      routes,
    });
  }

  // Rule targets → CIDR blocks.
  const ANYWHERE = ["0.0.0.0/0", "::/0"];
  const hostBlocks = (h: Doc["hosts"][number]): string[] =>
    [...h.addresses, ...h.nat].map((a) => formatCidr(tryParseCidr(a)!));
  const resolve = (t: string, path: PropertyKey[]): string[] => {
    const s = t.trim();
    if (RESERVED.has(s)) return ANYWHERE;
    const zone = zones.get(s);
    if (zone) return zone.cidrs.map((c) => formatCidr(tryParseCidr(c)!));
    const host = hosts.get(s);
    if (host) return hostBlocks(host);
    const c: Cidr | null = tryParseCidr(s);
    if (c) return [formatCidr(c)];
    return fail(path, `"${t}" is not "internet", "any", a zone, a host or a CIDR block`);
  };

  const entries: NetworkAclEntry[] = [];
  data.firewall.forEach((r, i) => {
    const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
    const from = list(r.from).flatMap((t, j) =>
      resolve(t, Array.isArray(r.from) ? ["firewall", i, "from", j] : ["firewall", i, "from"]),
    );
    const to = list(r.to).flatMap((t, j) =>
      resolve(t, Array.isArray(r.to) ? ["firewall", i, "to", j] : ["firewall", i, "to"]),
    );
    const protocol = typeof r.protocol === "number" ? r.protocol : PROTOCOLS[r.protocol]!;
    let portRanges: (Ports | null)[] = [null];
    if (r.ports !== undefined) {
      if (protocol !== 6 && protocol !== 17)
        fail(["firewall", i, "ports"], "ports apply to tcp and udp rules only");
      const items = Array.isArray(r.ports) ? r.ports : [r.ports];
      portRanges = items.map((p, j) => {
        const parsed = parsePort(p);
        if (!parsed)
          fail(
            Array.isArray(r.ports) ? ["firewall", i, "ports", j] : ["firewall", i, "ports"],
            `expected a port 0-65535 or a range "from-to", got ${JSON.stringify(p)}`,
          );
        return parsed;
      });
    }
    const step = { componentId: r.name ?? `rule ${i + 1}`, componentType: "Vigil::OnPrem::FirewallRule" };
    const common = { ruleNumber: i + 1, action: r.action, protocol, stateful: r.stateful, step };
    for (const ports of portRanges) {
      for (const remote of from) entries.push({ ...common, egress: false, cidr: remote, ports, local: to });
      for (const remote of to) entries.push({ ...common, egress: true, cidr: remote, ports, local: from });
    }
  });
  model.networkAcls.push({
    id: `${edge}/firewall`,
    componentType: null,
    vpcId: network,
    isDefault: true,
    subnetIds: data.zones.map((z) => z.name),
    entries,
  });

  const allowAll = `${edge}/host-filter`;
  model.securityGroups.push({
    id: allowAll,
    componentType: null,
    ingress: [{ protocol: "all", ports: null, cidrs: ANYWHERE, prefixListIds: [], groupIds: [] }],
    egress: [{ protocol: "all", ports: null, cidrs: ANYWHERE, prefixListIds: [], groupIds: [] }],
  });

  for (const h of data.hosts) {
    const v4 = h.addresses.filter((a) => parseAddress(a)!.family === 4);
    const v6 = h.addresses.filter((a) => parseAddress(a)!.family === 6);
    const canon = (a: string) => formatCidr(tryParseCidr(a)!).replace(/\/(32|128)$/, "");
    const addresses = v4.map((a, k) => ({
      address: canon(a),
      primary: k === 0,
      ...(isPublicAddress(a) ? { publicAddress: canon(a) } : {}),
    }));
    // Static NAT: each published address maps to the host's first IPv4 address.
    for (const n of h.nat)
      addresses.push({ address: canon(v4[0]!), primary: false, publicAddress: canon(n) });
    const eniId = `${h.name}/interface`;
    model.networkInterfaces.push({
      id: eniId,
      componentType: null,
      subnetId: h.zone,
      vpcId: network,
      groupIds: [allowAll],
      addresses,
      ipv6Addresses: v6.map(canon),
      instanceId: h.name,
      deviceIndex: 0,
    });
    model.instances.push({
      id: h.name,
      componentType: "Vigil::OnPrem::Host",
      state: "running",
      subnetId: h.zone,
      vpcId: network,
      interfaceIds: [eniId],
      tags: {},
    });
  }
  return model;
}
