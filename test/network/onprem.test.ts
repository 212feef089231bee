import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  type HostReachability,
  internetReachability,
  modelFromYaml,
  NetworkModelError,
  type OpenPortRange,
} from "../../src/network/index.js";
import { repoRoot } from "../support/fixtures.js";

const HQ = readFileSync(join(repoRoot, "test/fixtures/network/onprem/hq.yaml"), "utf8");

function show(r: OpenPortRange): string {
  return `${r.address} ${r.protocol} ${r.begin === r.end ? r.begin : `${r.begin}-${r.end}`}`;
}

function byHost(hosts: HostReachability[]): Record<string, string[]> {
  return Object.fromEntries(hosts.map((h) => [h.hostId, h.open.map(show)]));
}

const BASE = `
zones:
  - name: dmz
    cidrs: [203.0.113.0/24]
    internet-facing: true
hosts:
  - name: web1
    zone: dmz
    addresses: [203.0.113.10]
`;

function rules(yaml: string): Record<string, string[]> {
  return byHost(internetReachability(modelFromYaml(`${BASE}firewall:\n${yaml}`)));
}

function throwsAt(yaml: string, message: string | RegExp): void {
  assert.throws(
    () => modelFromYaml(yaml, "site.yaml"),
    (e: unknown) => {
      assert.ok(e instanceof NetworkModelError, String(e));
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

describe("modelFromYaml", () => {
  it("analyzes the documented example (fixture hq.yaml)", () => {
    const hosts = internetReachability(modelFromYaml(HQ, "hq.yaml"));
    assert.deepEqual(byHost(hosts), {
      web1: [
        "203.0.113.10 TCP 80",
        "203.0.113.10 TCP 443",
        "203.0.113.10 UDP 443",
        "2001:db8:10::10 TCP 80",
        "2001:db8:10::10 TCP 443",
        "2001:db8:10::10 UDP 443",
      ],
      ns1: ["203.0.113.53 UDP 53"],
      mail: ["198.51.100.25 TCP 25", "198.51.100.25 TCP 587"],
      files: [],
    });
    const ns1 = hosts.find((h) => h.hostId === "ns1")!;
    assert.deepEqual(ns1.open[0]!.steps, [
      { componentId: "fw-edge", componentType: "Vigil::OnPrem::Edge" },
      { componentId: "dns", componentType: "Vigil::OnPrem::FirewallRule" },
      { componentId: "dns-replies", componentType: "Vigil::OnPrem::FirewallRule" },
      { componentId: "dmz", componentType: "Vigil::OnPrem::Zone" },
      { componentId: "ns1", componentType: "Vigil::OnPrem::Host" },
    ]);
    const mail = hosts.find((h) => h.hostId === "mail")!;
    assert.deepEqual(mail.privateAddresses, ["10.99.0.25"]);
    assert.deepEqual(mail.publicAddresses, ["198.51.100.25"]);
    const web1 = hosts.find((h) => h.hostId === "web1")!;
    assert.deepEqual(web1.publicAddresses, ["203.0.113.10", "2001:db8:10::10"]);
    assert.deepEqual(web1.privateAddresses, []);
  });

  it("maps onto the shared model", () => {
    const model = modelFromYaml(HQ, "hq.yaml");
    assert.deepEqual(
      model.subnets.map((s) => [s.id, s.componentType]),
      [
        ["dmz", "Vigil::OnPrem::Zone"],
        ["office", "Vigil::OnPrem::Zone"],
      ],
    );
    assert.deepEqual(model.internetGateways, [
      { id: "fw-edge", componentType: "Vigil::OnPrem::Edge", attachedVpcIds: ["hq"] },
    ]);
    const office = model.routeTables.find((t) => t.subnetIds[0] === "office")!;
    assert.ok(office.routes.every((r) => r.targetKind === "local"));
    const acl = model.networkAcls[0]!;
    const smtp = acl.entries.filter((e) => e.step?.componentId === "smtp");
    assert.deepEqual(
      smtp.map((e) => [e.egress, e.cidr, e.ports, e.stateful]),
      [
        [false, "0.0.0.0/0", { from: 25, to: 25 }, true],
        [false, "::/0", { from: 25, to: 25 }, true],
        [true, "10.99.0.25/32", { from: 25, to: 25 }, true],
        [true, "198.51.100.25/32", { from: 25, to: 25 }, true],
        [false, "0.0.0.0/0", { from: 587, to: 587 }, true],
        [false, "::/0", { from: 587, to: 587 }, true],
        [true, "10.99.0.25/32", { from: 587, to: 587 }, true],
        [true, "198.51.100.25/32", { from: 587, to: 587 }, true],
      ],
    );
  });

  it("a stateless rule without a rule for the replies opens nothing", () => {
    assert.deepEqual(
      rules(`
  - { from: internet, to: web1, protocol: udp, ports: 53, action: allow, stateful: false }
`),
      { web1: [] },
    );
    assert.deepEqual(
      rules(`
  - { from: internet, to: web1, protocol: udp, ports: 53, action: allow, stateful: false }
  - { from: web1, to: internet, protocol: tcp, ports: 1024-65535, action: allow, stateful: false }
`),
      { web1: [] },
    );
  });

  it("first match wins; no rule = deny", () => {
    assert.deepEqual(rules("  []\n"), { web1: [] });
    assert.deepEqual(
      rules(`
  - { from: internet, to: dmz, protocol: tcp, ports: "8000-8999", action: deny }
  - { from: internet, to: web1, protocol: tcp, ports: ["1-65535"], action: allow }
`),
      { web1: ["203.0.113.10 TCP 1-7999", "203.0.113.10 TCP 9000-65535"] },
    );
  });

  it("a rule for a partner range does not open the port to the internet; all protocols open both", () => {
    assert.deepEqual(
      rules(`
  - { from: [198.51.100.0/24, 192.0.2.0/24], to: web1, protocol: all, action: allow }
`),
      { web1: [] },
    );
    assert.deepEqual(rules("  - { from: internet, to: 203.0.113.10, protocol: all, action: allow }\n"), {
      web1: ["203.0.113.10 TCP 0-65535", "203.0.113.10 UDP 0-65535"],
    });
  });

  it("a private host without NAT is not reachable", () => {
    const yaml = `
zones:
  - { name: dmz, cidrs: [10.99.0.0/24], internet-facing: true }
hosts:
  - { name: app, zone: dmz, addresses: [10.99.0.7] }
firewall:
  - { from: internet, to: any, protocol: tcp, ports: 443, action: allow }
`;
    assert.deepEqual(byHost(internetReachability(modelFromYaml(yaml))), { app: [] });
  });

  it("reports errors with the label, line and field", () => {
    throwsAt(`${BASE}    colour: red\n`, "site.yaml: line 7: hosts[0]: unknown field colour");
    throwsAt(
      `${BASE}firewall:\n  - { from: internet, to: web1, protocol: tcp, ports: [80, "90-70"], action: allow }\n`,
      'site.yaml: line 11: firewall[0].ports[1]: expected a port 0-65535 or a range "from-to", got "90-70"',
    );
    throwsAt(
      `${BASE}firewall:\n  - { from: internet, to: web2, protocol: tcp, action: allow }\n`,
      'site.yaml: line 11: firewall[0].to: "web2" is not "internet", "any", a zone, a host or a CIDR block',
    );
    throwsAt(
      `${BASE}firewall:\n  - { from: internet, to: web1, protocol: icmp, ports: 8, action: allow }\n`,
      "site.yaml: line 11: firewall[0].ports: ports apply to tcp and udp rules only",
    );
    throwsAt(
      `${BASE}firewall:\n  - { from: internet, to: web1, protocol: tcp, action: accept }\n`,
      /^site\.yaml: line 11: firewall\[0\]\.action: expected one of "allow", "deny", got the string "accept"$/,
    );
    throwsAt(
      `${BASE}  - { name: db, zone: lan, addresses: [10.0.0.1] }\n`,
      'site.yaml: line 10: hosts[1].zone: no zone named "lan"',
    );
    throwsAt(
      `${BASE}  - { name: db, zone: dmz, addresses: [10.0.0.1] }\n`,
      "site.yaml: line 10: hosts[1].addresses[0]: 10.0.0.1 is not in zone dmz (203.0.113.0/24)",
    );
    throwsAt(
      `${BASE}  - { name: dmz, zone: dmz, addresses: [203.0.113.9] }\n`,
      'site.yaml: line 10: hosts[1].name: the name "dmz" is used twice',
    );
    throwsAt("zones: [\n", /^site\.yaml: line \d+: invalid YAML/);
    throwsAt("hosts: []\n", "site.yaml: zones: missing, expected an array");
  });
});
