import { z } from "zod";
import { listAuditEvents } from "../service/audit.js";
import { denied, validation } from "../service/errors.js";
import type { AutoEnable, MemberInfo } from "../service/organizations.js";
import type { RequestContext } from "./app.js";
import { type Operation, page } from "./operations.js";
import { AccountId, maxResults, NextToken } from "./shapes.js";

/**
 * inspector2's multi-account operations (delegated administrator, members, organization
 * configuration) on their model paths, and Vigil's audit-log API. Who may call what:
 *
 * - the organization's management account: Enable/Disable/ListDelegatedAdminAccounts, and
 *   GetDelegatedAdminAccount;
 * - its delegated administrator: Associate/Disassociate/Get/ListMembers and the organization
 *   configuration (GetDelegatedAdminAccount too); a member may GetMember itself;
 * - any other caller: AccessDeniedException naming both accounts.
 */

const ClientToken = z.string().min(1).max(64);

const DelegatedAdminRequest = z.strictObject({
  delegatedAdminAccountId: AccountId,
  clientToken: ClientToken.optional(),
});
const DisableDelegatedAdminRequest = z.strictObject({ delegatedAdminAccountId: AccountId });
const Empty = z.strictObject({});
const ListDelegatedAdminAccountsRequest = z.strictObject({
  maxResults: maxResults(5).optional(),
  nextToken: NextToken.optional(),
});
const MemberRequest = z.strictObject({ accountId: AccountId });
const ListMembersRequest = z.strictObject({
  onlyAssociated: z.boolean().optional(),
  maxResults: maxResults(50).optional(),
  nextToken: NextToken.optional(),
});
/** AutoEnable: ec2 and ecr required (the model), lambda in the model, the code scans newer (the SDK). */
const AutoEnableShape = z.strictObject({
  ec2: z.boolean(),
  ecr: z.boolean(),
  lambda: z.boolean().optional(),
  lambdaCode: z.boolean().optional(),
  codeRepository: z.boolean().optional(),
});
const UpdateOrganizationConfigurationRequest = z.strictObject({ autoEnable: AutoEnableShape });

/** Epoch seconds, as the SDKs send timestamps; parsed to epoch milliseconds. */
const Seconds = z
  .number()
  .min(0)
  .transform((s) => Math.round(s * 1000));
const ListAuditEventsRequest = z.strictObject({
  accountIds: z.array(AccountId).min(1).max(100).optional(),
  actions: z.array(z.string().min(1).max(128)).min(1).max(50).optional(),
  since: Seconds.optional(),
  until: Seconds.optional(),
  maxResults: maxResults(500).optional(),
  nextToken: NextToken.optional(),
});

const memberOut = (m: MemberInfo) => ({
  accountId: m.accountId,
  relationshipStatus: m.relationshipStatus,
  ...(m.delegatedAdminAccountId ? { delegatedAdminAccountId: m.delegatedAdminAccountId } : {}),
  updatedAt: new Date(m.updatedAt),
});

const orgs = (ctx: RequestContext) => ctx.service.organizations;

export const organizationOperations: Operation[] = [
  {
    name: "EnableDelegatedAdminAccount",
    method: "POST",
    path: "/delegatedadminaccounts/enable",
    input: DelegatedAdminRequest,
    writes: true,
    async handler(ctx) {
      const id = (ctx.body as { delegatedAdminAccountId: string }).delegatedAdminAccountId;
      return { delegatedAdminAccountId: await orgs(ctx).enableDelegatedAdmin(ctx.principal, id) };
    },
  },
  {
    name: "DisableDelegatedAdminAccount",
    method: "POST",
    path: "/delegatedadminaccounts/disable",
    input: DisableDelegatedAdminRequest,
    writes: true,
    async handler(ctx) {
      const id = (ctx.body as { delegatedAdminAccountId: string }).delegatedAdminAccountId;
      return { delegatedAdminAccountId: await orgs(ctx).disableDelegatedAdmin(ctx.principal, id) };
    },
  },
  {
    name: "GetDelegatedAdminAccount",
    method: "POST",
    path: "/delegatedadminaccounts/get",
    input: Empty,
    writes: false,
    async handler(ctx) {
      const admin = await orgs(ctx).getDelegatedAdmin(ctx.principal);
      return admin ? { delegatedAdmin: admin } : {};
    },
  },
  {
    name: "ListDelegatedAdminAccounts",
    method: "POST",
    path: "/delegatedadminaccounts/list",
    input: ListDelegatedAdminAccountsRequest,
    writes: false,
    async handler(ctx) {
      const all = await orgs(ctx).listDelegatedAdmins(ctx.principal);
      const { slice, more } = page(ctx, "ListDelegatedAdminAccounts", all, 5);
      return { delegatedAdminAccounts: slice, ...more };
    },
  },
  {
    name: "AssociateMember",
    method: "POST",
    path: "/members/associate",
    input: MemberRequest,
    writes: true,
    async handler(ctx) {
      const id = (ctx.body as { accountId: string }).accountId;
      return { accountId: await orgs(ctx).associateMember(ctx.principal, id) };
    },
  },
  {
    name: "DisassociateMember",
    method: "POST",
    path: "/members/disassociate",
    input: MemberRequest,
    writes: true,
    async handler(ctx) {
      const id = (ctx.body as { accountId: string }).accountId;
      return { accountId: await orgs(ctx).disassociateMember(ctx.principal, id) };
    },
  },
  {
    name: "GetMember",
    method: "POST",
    path: "/members/get",
    input: MemberRequest,
    writes: false,
    async handler(ctx) {
      const id = (ctx.body as { accountId: string }).accountId;
      return { member: memberOut(await orgs(ctx).getMember(ctx.principal, id)) };
    },
  },
  {
    name: "ListMembers",
    method: "POST",
    path: "/members/list",
    input: ListMembersRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as { onlyAssociated?: boolean };
      const all = await orgs(ctx).listMembers(ctx.principal, b.onlyAssociated ?? true);
      const { slice, more } = page(ctx, "ListMembers", all, 50);
      return { members: slice.map(memberOut), ...more };
    },
  },
  {
    name: "UpdateOrganizationConfiguration",
    method: "POST",
    path: "/organizationconfiguration/update",
    input: UpdateOrganizationConfigurationRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as { autoEnable: Partial<AutoEnable> };
      return { autoEnable: await orgs(ctx).updateConfiguration(ctx.principal, b.autoEnable) };
    },
  },
  {
    name: "DescribeOrganizationConfiguration",
    method: "POST",
    path: "/organizationconfiguration/describe",
    input: Empty,
    writes: false,
    async handler(ctx) {
      return {
        autoEnable: await orgs(ctx).describeConfiguration(ctx.principal),
        maxAccountLimitReached: false,
      };
    },
  },
  {
    // Vigil's audit log: who changed what. Read-only keys may not read it (it names keys and
    // settings); a delegated administrator may include its members' accounts.
    name: "ListAuditEvents",
    method: "POST",
    path: "/v1/audit/list",
    input: ListAuditEventsRequest,
    writes: false,
    async handler(ctx) {
      if (ctx.principal.readOnly)
        throw denied(`access key ${ctx.principal.id} is read-only; the audit log is readable by admin keys`);
      const b = ctx.body as {
        accountIds?: string[];
        actions?: string[];
        since?: number;
        until?: number;
        maxResults?: number;
        nextToken?: string;
      };
      const accountIds = b.accountIds ?? [ctx.principal.accountId];
      for (const id of accountIds) await orgs(ctx).assertVisible(ctx.principal, id);
      if (b.since !== undefined && b.until !== undefined && b.since > b.until)
        throw validation("since: after until", [{ name: "since", message: "must not be after until" }]);
      return listAuditEvents(ctx.service, {
        accountIds,
        actions: b.actions,
        since: b.since,
        until: b.until,
        maxResults: b.maxResults ?? 100,
        nextToken: b.nextToken,
      });
    },
  },
];
