/**
 * Events in an organization: a member's finding events also go to its delegated administrator's
 * rules (as Inspector sends members' events to the administrator), and each account sees only
 * the deliveries of its own rules.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Credentials, signedFetch } from "../../src/server/client.js";
import type { Principal } from "../../src/service/service.js";
import { type Receiver, startReceiver } from "../support/receiver.js";
import { pypi, startTestService, type TestService } from "../support/service.js";

const MANAGEMENT = "111111111111";
const ADMIN = "222222222222";
const MEMBER = "333333333333";
const OUTSIDER = "444444444444";
const as = (accountId: string): Principal => ({ accountId, id: "test", readOnly: false });

describe("events in an organization", { timeout: 60_000 }, () => {
  let t: TestService;
  let adminRx: Receiver;
  let memberRx: Receiver;
  let outsiderRx: Receiver;
  const keys: Record<string, Credentials> = {};
  const call = async (account: string, method: "PUT" | "POST" | "GET", path: string, body?: unknown) => {
    const r = await signedFetch(t.url, path, body, keys[account]!, { method });
    return r;
  };
  const route = async (account: string, url: string) => {
    assert.equal(
      (
        await call(account, "PUT", "/v1/events/targets/hook", {
          type: "webhook",
          config: { url, initialDelaySeconds: 0.05 },
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await call(account, "PUT", "/v1/events/rules/findings", {
          pattern: { "detail-type": ["Inspector2 Finding"] },
          targets: ["hook"],
        })
      ).status,
      200,
    );
  };

  before(async () => {
    t = await startTestService({ events: {} });
    for (const a of [MANAGEMENT, ADMIN, MEMBER, OUTSIDER]) keys[a] = await t.service.createKey(a);
    const org = await t.service.organizations.createOrganization(MANAGEMENT);
    await t.service.organizations.addAccount(org, ADMIN);
    await t.service.organizations.enableDelegatedAdmin(as(MANAGEMENT), ADMIN);
    const joined = await t.service.organizations.addAccount(org, MEMBER);
    assert.equal(joined.associatedWith, ADMIN);
    adminRx = await startReceiver();
    memberRx = await startReceiver();
    outsiderRx = await startReceiver();
    await route(ADMIN, adminRx.url);
    await route(MEMBER, memberRx.url);
    await route(OUTSIDER, outsiderRx.url);
  });
  after(async () => {
    for (const r of [adminRx, memberRx, outsiderRx]) await r?.close();
    await t?.close();
  });

  it("sends a member's finding events to the member's and the administrator's rules", async () => {
    await t.service.submitInventory(
      as(MEMBER),
      { id: "member-host", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0")],
      },
    );
    await adminRx.until((r) => r.length >= 1);
    await memberRx.until((r) => r.length >= 1);
    const seen = JSON.parse(adminRx.requests[0]!.body) as { account: string; id: string };
    assert.equal(seen.account, MEMBER);
    assert.equal(JSON.parse(memberRx.requests[0]!.body).id, seen.id, "one event, two deliveries");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(outsiderRx.requests.length, 0, "an account outside the organization gets nothing");

    const adminLog = (await call(ADMIN, "POST", "/v1/events/deliveries/list", {})).json["deliveries"] as {
      id: number;
      eventId: string;
    }[];
    const memberLog = (await call(MEMBER, "POST", "/v1/events/deliveries/list", {})).json["deliveries"] as {
      id: number;
    }[];
    assert.equal(adminLog.length, 1);
    assert.equal(memberLog.length, 1);
    assert.notEqual(adminLog[0]!.id, memberLog[0]!.id);
    // Each sees its own delivery (with the event), not the other's.
    assert.equal((await call(ADMIN, "GET", `/v1/events/deliveries/${adminLog[0]!.id}`)).status, 200);
    assert.equal((await call(MEMBER, "GET", `/v1/events/deliveries/${adminLog[0]!.id}`)).status, 404);
    assert.equal((await call(OUTSIDER, "GET", `/v1/events/deliveries/${memberLog[0]!.id}`)).status, 404);
  });

  it("stops sending to the administrator once the member is disassociated", async () => {
    await t.service.organizations.disassociateMember(as(ADMIN), MEMBER);
    const before = adminRx.requests.length;
    await t.service.submitInventory(
      as(MEMBER),
      { id: "member-host-2", type: "AWS_EC2_INSTANCE" },
      {
        packages: [pypi("requests", "2.30.0")],
      },
    );
    await memberRx.until((r) => r.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(adminRx.requests.length, before);
  });
});
