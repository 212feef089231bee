/**
 * End to end on full `aws ec2 describe-…` outputs of a small VPC (test/fixtures/network/aws/):
 * a public web subnet (custom NACL, route to the internet gateway) and a private app subnet
 * behind a NAT gateway, plus a stopped instance and the NAT gateway's own interface.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { internetReachability, modelFromAws } from "../../src/network/index.js";
import { repoRoot } from "../support/fixtures.js";

const DIR = join(repoRoot, "test/fixtures/network/aws");

function load() {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ label: f, json: JSON.parse(readFileSync(join(DIR, f), "utf8")) as unknown }));
}

describe("internet reachability of the fixture VPC", () => {
  it("reports the web server's 80/443 and nothing else", () => {
    const model = modelFromAws(load());
    assert.equal(model.instances.length, 3);
    assert.deepEqual(model.prefixLists.find((p) => p.id === "pl-0b1c2d3e4f5a69780")?.cidrs, [
      "198.51.100.0/24",
      "203.0.113.128/25",
    ]);
    assert.deepEqual(
      model.securityGroups.find((g) => g.id === "sg-0c5d6e7f8a9b0c1d2")?.ingress[0]?.groupIds,
      ["sg-0a7b8c9d0e1f2a3b4"],
    );

    const hosts = internetReachability(model, { includeUnattachedInterfaces: true });
    const summary = hosts.map((h) => ({
      host: h.hostId,
      state: h.state,
      private: h.privateAddresses,
      public: h.publicAddresses,
      open: h.open.map((r) => `${r.address} ${r.protocol} ${r.begin}-${r.end}`),
    }));
    assert.deepEqual(summary, [
      {
        host: "i-0f1e2d3c4b5a60021",
        state: "running",
        private: ["10.20.0.21"],
        public: ["3.91.44.21"],
        open: ["3.91.44.21 TCP 80-80", "3.91.44.21 TCP 443-443"],
      },
      { host: "i-0f1e2d3c4b5a60031", state: "running", private: ["10.20.10.31"], public: [], open: [] },
      { host: "i-0f1e2d3c4b5a60022", state: "stopped", private: ["10.20.0.22"], public: [], open: [] },
      // The NAT gateway's interface: public, but no security group admits anything.
      {
        host: "eni-0aa1bb2cc3dd4ee50",
        state: "in-use",
        private: ["10.20.0.140"],
        public: ["44.205.18.77"],
        open: [],
      },
    ]);
    assert.deepEqual(hosts[0]!.open[1]!.steps, [
      { componentId: "igw-0c9d8e7f6a5b43210", componentType: "AWS::EC2::InternetGateway" },
      { componentId: "rtb-0f00d1e2c3b4a5961", componentType: "AWS::EC2::RouteTable" },
      { componentId: "acl-0e5d4c3b2a1f09871", componentType: "AWS::EC2::NetworkAcl" },
      { componentId: "subnet-0a11b22c33d44e551", componentType: "AWS::EC2::Subnet" },
      { componentId: "sg-0a7b8c9d0e1f2a3b4", componentType: "AWS::EC2::SecurityGroup" },
      { componentId: "eni-0aa1bb2cc3dd4ee21", componentType: "AWS::EC2::NetworkInterface" },
      { componentId: "i-0f1e2d3c4b5a60021", componentType: "AWS::EC2::Instance" },
    ]);
  });

  it("opens SSH once the office prefix list is replaced by the whole internet", () => {
    const docs = load().map((d) =>
      d.label.startsWith("get-managed-prefix-list-entries")
        ? { ...d, json: { Entries: [{ Cidr: "0.0.0.0/0", Description: "oops" }] } }
        : d,
    );
    const web = internetReachability(modelFromAws(docs)).find((h) => h.hostId === "i-0f1e2d3c4b5a60021")!;
    assert.deepEqual(
      web.open.map((r) => `${r.protocol} ${r.begin}`),
      ["TCP 22", "TCP 80", "TCP 443"],
    );
  });
});
