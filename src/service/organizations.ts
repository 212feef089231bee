import { randomBytes, randomUUID } from "node:crypto";
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { denied, notFound, ServiceError, validation } from "./errors.js";
import { isAccountId } from "./keys.js";
import type { Principal, VigilService } from "./service.js";

/**
 * Organizations: several accounts under one management account, one of them the delegated
 * administrator (inspector2's multi-account model). The administrator sees and manages the data
 * of the accounts associated with it (its members); a member sees its own data only.
 *
 * Organizations, and which accounts belong to them, are made by the operator on the data
 * directory (`vigil org …`); delegation, membership and the organization configuration are
 * inspector2 operations of the management account and the administrator.
 */

/** The scan types an account that joins the organization starts with (inspector2 AutoEnable). */
export interface AutoEnable {
  ec2: boolean;
  ecr: boolean;
  lambda: boolean;
  lambdaCode: boolean;
  codeRepository: boolean;
}

/** As a new Vigil account starts: hosts, images and functions scanned, code not. */
export const DEFAULT_AUTO_ENABLE: AutoEnable = {
  ec2: true,
  ecr: true,
  lambda: true,
  lambdaCode: false,
  codeRepository: false,
};

const AUTO_ENABLE_SCAN_TYPES: Record<keyof AutoEnable, string> = {
  ec2: "EC2",
  ecr: "ECR",
  lambda: "LAMBDA",
  lambdaCode: "LAMBDA_CODE",
  codeRepository: "CODE_REPOSITORY",
};

/** inspector2 RelationshipStatus values Vigil uses. */
export type RelationshipStatus = "CREATED" | "ENABLED" | "REMOVED";

export interface MemberInfo {
  accountId: string;
  relationshipStatus: RelationshipStatus;
  delegatedAdminAccountId?: string;
  updatedAt: number;
}

export interface OrganizationInfo {
  orgId: string;
  managementAccountId: string;
  autoEnable: AutoEnable;
  delegatedAdmin?: { accountId: string; status: string };
  accounts: MemberInfo[];
  createdAt: number;
}

interface OrgRow {
  org_id: string;
  management_account_id: string;
  auto_enable: string;
  created_at: number;
  updated_at: number;
}

/**
 * `account_id = ?` for one account (the single-account path keeps its plan) or
 * `account_id in (…)` for several. Only for queries on one table (the column is not qualified).
 */
export function accountScope(ids: string | readonly string[], column = "account_id"): RawBuilder<SqlBool> {
  const list = typeof ids === "string" ? [ids] : ids;
  if (list.length === 0) return sql<SqlBool>`1 = 0`;
  return list.length === 1
    ? sql<SqlBool>`${sql.ref(column)} = ${list[0]}`
    : sql<SqlBool>`${sql.ref(column)} in (${sql.join(list)})`;
}

/** The ids a StringFilter list names with EQUALS (the accounts a request asks for explicitly). */
export function namedAccounts(filters: readonly { comparison: string; value: string }[] | undefined): {
  named: string[];
  /** True when the filters are EQUALS only: the request reads exactly the named accounts. */
  exact: boolean;
} {
  const list = filters ?? [];
  const named = list.filter((f) => f.comparison === "EQUALS").map((f) => f.value);
  return { named, exact: named.length > 0 && named.length === list.length };
}

const ORG_GENERATION_KEY = "org_generation";
/** How long a process trusts its cached view of the organizations before asking the database. */
const SYNC_MS = 1000;

export class Organizations {
  /** account → the accounts it sees (itself first, then its associated members). */
  private readonly visibleCache = new Map<string, string[]>();
  /** account → the delegated administrator it is associated with (null: none). */
  private readonly adminCache = new Map<string, string | null>();
  private generation: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly service: VigilService) {}

  private get db() {
    return this.service.db;
  }

  // --- caches ----------------------------------------------------------------------------------

  /**
   * Notices changes made by another process on the same database (`vigil org` while the server
   * runs): every change writes a new generation token; a process re-reads it at most once a
   * second and drops what it cached when it moved.
   */
  async sync(): Promise<void> {
    const t = performance.now();
    if (t - this.checkedAt < SYNC_MS) return;
    this.checkedAt = t;
    const row = await this.db
      .selectFrom("service_state")
      .select("value")
      .where("key", "=", ORG_GENERATION_KEY)
      .executeTakeFirst();
    const g = row?.value ?? "";
    if (this.generation !== undefined && g !== this.generation) this.forget();
    this.generation = g;
  }

  private forget(): void {
    this.visibleCache.clear();
    this.adminCache.clear();
    this.service.forgetSuppression();
    this.service.events.forgetRules();
  }

  /** After every change: a new generation for other processes, and nothing stale here. */
  private async changed(): Promise<void> {
    const g = randomUUID();
    await this.db
      .insertInto("service_state")
      .values({ key: ORG_GENERATION_KEY, value: g })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: g }))
      .execute();
    this.generation = g;
    this.checkedAt = performance.now();
    this.forget();
  }

  // --- visibility ----------------------------------------------------------------------------

  /** The accounts whose data `accountId` sees: itself, and its members when it is a delegated admin. */
  async visibleAccounts(accountId: string): Promise<string[]> {
    await this.sync();
    const hit = this.visibleCache.get(accountId);
    if (hit) return hit;
    const rows = await this.db
      .selectFrom("members")
      .select("account_id")
      .where("admin_account_id", "=", accountId)
      .where("relationship_status", "=", "ENABLED")
      .orderBy("account_id")
      .execute();
    const out = [accountId, ...rows.map((r) => r.account_id).filter((a) => a !== accountId)];
    this.visibleCache.set(accountId, out);
    return out;
  }

  /**
   * The accounts a request reads: those it names explicitly (each must be visible, else
   * AccessDeniedException naming both accounts), or every visible account. One account comes
   * back as a string, so the single-account query plans stay as they were.
   */
  async scope(
    p: Principal,
    filters?: readonly { comparison: string; value: string }[],
  ): Promise<string | string[]> {
    const visible = await this.visibleAccounts(p.accountId);
    const { named, exact } = namedAccounts(filters);
    for (const a of named) if (!visible.includes(a)) throw this.crossAccount(p, a);
    const ids = exact ? [...new Set(named)] : visible;
    return ids.length === 1 ? ids[0]! : ids;
  }

  /** Throws AccessDeniedException unless `p` may see `accountId`'s data. */
  async assertVisible(p: Principal, accountId: string): Promise<void> {
    if (accountId === p.accountId) return;
    if (!(await this.visibleAccounts(p.accountId)).includes(accountId)) throw this.crossAccount(p, accountId);
  }

  crossAccount(p: Principal, accountId: string): ServiceError {
    return denied(`account ${p.accountId} cannot access account ${accountId}`);
  }

  /** The owners of the filters that apply to an account's findings: itself, and its administrator. */
  async filterOwners(accountId: string): Promise<string[]> {
    await this.sync();
    let admin = this.adminCache.get(accountId);
    if (admin === undefined) {
      const row = await this.db
        .selectFrom("members")
        .select("admin_account_id")
        .where("account_id", "=", accountId)
        .where("relationship_status", "=", "ENABLED")
        .executeTakeFirst();
      admin = row && row.admin_account_id !== accountId ? row.admin_account_id : null;
      this.adminCache.set(accountId, admin);
    }
    return admin ? [accountId, admin] : [accountId];
  }

  // --- lookups -------------------------------------------------------------------------------

  private async orgOf(accountId: string): Promise<OrgRow | undefined> {
    return this.db
      .selectFrom("organization_accounts")
      .innerJoin("organizations", "organizations.org_id", "organization_accounts.org_id")
      .select([
        "organizations.org_id",
        "organizations.management_account_id",
        "organizations.auto_enable",
        "organizations.created_at",
        "organizations.updated_at",
      ])
      .where("organization_accounts.account_id", "=", accountId)
      .executeTakeFirst();
  }

  private async orgById(orgId: string): Promise<OrgRow> {
    const row = await this.db
      .selectFrom("organizations")
      .selectAll()
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    if (!row) throw notFound(`organization ${orgId} not found`);
    return row;
  }

  private async adminOf(orgId: string) {
    return this.db.selectFrom("delegated_admins").selectAll().where("org_id", "=", orgId).executeTakeFirst();
  }

  private autoEnableOf(org: OrgRow): AutoEnable {
    return { ...DEFAULT_AUTO_ENABLE, ...(JSON.parse(org.auto_enable) as Partial<AutoEnable>) };
  }

  /** The caller's organization, when the caller is its management account; else AccessDenied. */
  private async asManagement(p: Principal, op: string): Promise<OrgRow> {
    const org = await this.orgOf(p.accountId);
    if (!org || org.management_account_id !== p.accountId)
      throw denied(`${op}: account ${p.accountId} is not the management account of an organization`);
    return org;
  }

  /** The caller's organization, when the caller is its delegated administrator; else AccessDenied. */
  private async asAdmin(p: Principal, op: string, target?: string): Promise<OrgRow> {
    const org = await this.orgOf(p.accountId);
    const admin = org && (await this.adminOf(org.org_id));
    if (!org || admin?.account_id !== p.accountId || admin.status !== "ENABLED")
      throw denied(
        `${op}: account ${p.accountId} is not the delegated administrator of an organization${
          target ? `; it cannot act on account ${target}` : ""
        }`,
      );
    return org;
  }

  /** An account's membership as the admin (or the account) sees it. */
  private async membership(org: OrgRow, accountId: string, joinedAt: number): Promise<MemberInfo> {
    const admin = await this.adminOf(org.org_id);
    if (admin && admin.account_id === accountId)
      return {
        accountId,
        relationshipStatus: "ENABLED",
        delegatedAdminAccountId: accountId,
        updatedAt: Number(admin.updated_at),
      };
    const row = await this.db
      .selectFrom("members")
      .selectAll()
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (row)
      return {
        accountId,
        relationshipStatus: row.relationship_status as RelationshipStatus,
        delegatedAdminAccountId: row.admin_account_id,
        updatedAt: Number(row.updated_at),
      };
    return {
      accountId,
      relationshipStatus: "CREATED",
      ...(admin ? { delegatedAdminAccountId: admin.account_id } : {}),
      updatedAt: joinedAt,
    };
  }

  // --- the operator's side (vigil org) ---------------------------------------------------------

  private operator(accountId: string, id: string): Principal {
    return { accountId, id, readOnly: false };
  }

  /** Creates an organization with its management account; returns its id ("o-" + 10 characters). */
  async createOrganization(managementAccountId: string, operator = "cli"): Promise<string> {
    if (!isAccountId(managementAccountId))
      throw validation(`management account ${managementAccountId}: an account id is 12 digits`);
    const existing = await this.orgOf(managementAccountId);
    if (existing)
      throw new ServiceError(
        "ConflictException",
        `account ${managementAccountId} already belongs to organization ${existing.org_id}`,
        { resourceId: existing.org_id, resourceType: "ORGANIZATION" },
      );
    await this.service.ensureAccount(managementAccountId);
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const orgId = `o-${[...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join("")}`;
    const now = this.service.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("organizations")
        .values({
          org_id: orgId,
          management_account_id: managementAccountId,
          auto_enable: JSON.stringify(DEFAULT_AUTO_ENABLE),
          created_at: now,
          updated_at: now,
        })
        .execute();
      await trx
        .insertInto("organization_accounts")
        .values({ account_id: managementAccountId, org_id: orgId, joined_at: now })
        .execute();
    });
    await this.changed();
    await this.service.audit(this.operator(managementAccountId, operator), "CreateOrganization", orgId, {
      managementAccountId,
    });
    return orgId;
  }

  /**
   * Adds an account to an organization. With a delegated administrator in place the account is
   * associated with it at once and gets the organization's auto-enabled scan types (an account
   * whose scan types were never set also has the others turned off; a configured one keeps what
   * it had of them).
   */
  async addAccount(
    orgId: string,
    accountId: string,
    operator = "cli",
  ): Promise<{ associatedWith?: string; enabled: string[] }> {
    if (!isAccountId(accountId)) throw validation(`account ${accountId}: an account id is 12 digits`);
    const org = await this.orgById(orgId);
    const current = await this.orgOf(accountId);
    if (current && current.org_id !== orgId)
      throw new ServiceError(
        "ConflictException",
        `account ${accountId} already belongs to organization ${current.org_id}`,
        { resourceId: current.org_id, resourceType: "ORGANIZATION" },
      );
    if (current) return { enabled: [] };
    // An account whose scan types were never set (a new one, or one with keys only) takes the
    // organization's configuration whole; one already configured only gains the enabled types.
    const before = await this.db
      .selectFrom("accounts")
      .select(["created_at", "updated_at"])
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    const isNew = !before || Number(before.created_at) === Number(before.updated_at);
    await this.service.ensureAccount(accountId);
    const now = this.service.now();
    await this.db
      .insertInto("organization_accounts")
      .values({ account_id: accountId, org_id: orgId, joined_at: now })
      .execute();
    const admin = await this.adminOf(orgId);
    const out: { associatedWith?: string; enabled: string[] } = { enabled: [] };
    const by = this.operator(org.management_account_id, operator);
    if (admin && admin.status === "ENABLED" && admin.account_id !== accountId) {
      await this.setMember(accountId, admin.account_id, "ENABLED");
      out.associatedWith = admin.account_id;
      const auto = this.autoEnableOf(org);
      const keys = Object.keys(AUTO_ENABLE_SCAN_TYPES) as (keyof AutoEnable)[];
      const on = keys.filter((k) => auto[k]).map((k) => AUTO_ENABLE_SCAN_TYPES[k]);
      const off = keys.filter((k) => !auto[k]).map((k) => AUTO_ENABLE_SCAN_TYPES[k]);
      // Scan types are switched on the administrator's behalf: it configured them.
      const asAdmin = this.operator(admin.account_id, operator);
      if (on.length) await this.service.setScanTypes(asAdmin, accountId, on, "ENABLED");
      if (isNew && off.length) await this.service.setScanTypes(asAdmin, accountId, off, "DISABLED");
      out.enabled = on;
    }
    await this.changed();
    if (out.associatedWith) await this.service.refreshSuppression([accountId]);
    await this.service.audit(by, "AddOrganizationAccount", accountId, { orgId, ...out });
    return out;
  }

  /** Takes an account out of its organization (and out of its administrator's members). */
  async removeAccount(accountId: string, operator = "cli"): Promise<string> {
    const org = await this.orgOf(accountId);
    if (!org) throw notFound(`account ${accountId} is not in an organization`);
    if (org.management_account_id === accountId)
      throw validation(`account ${accountId} is the management account of ${org.org_id}; it cannot leave`);
    const admin = await this.adminOf(org.org_id);
    const released: string[] = [accountId];
    await this.db.transaction().execute(async (trx) => {
      if (admin?.account_id === accountId) {
        const members = await trx
          .deleteFrom("members")
          .where("admin_account_id", "=", accountId)
          .returning("account_id")
          .execute();
        released.push(...members.map((m) => m.account_id));
        await trx.deleteFrom("delegated_admins").where("org_id", "=", org.org_id).execute();
      }
      await trx.deleteFrom("members").where("account_id", "=", accountId).execute();
      await trx.deleteFrom("organization_accounts").where("account_id", "=", accountId).execute();
    });
    await this.changed();
    await this.service.refreshSuppression(released);
    await this.service.audit(
      this.operator(org.management_account_id, operator),
      "RemoveOrganizationAccount",
      accountId,
      { orgId: org.org_id, ...(admin?.account_id === accountId ? { wasDelegatedAdmin: true } : {}) },
    );
    return org.org_id;
  }

  /** Every organization with its accounts, for `vigil org show`. */
  async describe(): Promise<OrganizationInfo[]> {
    const orgs = await this.db.selectFrom("organizations").selectAll().orderBy("created_at").execute();
    const out: OrganizationInfo[] = [];
    for (const org of orgs) {
      const admin = await this.adminOf(org.org_id);
      const accounts = await this.db
        .selectFrom("organization_accounts")
        .selectAll()
        .where("org_id", "=", org.org_id)
        .orderBy("account_id")
        .execute();
      const members: MemberInfo[] = [];
      for (const a of accounts) members.push(await this.membership(org, a.account_id, Number(a.joined_at)));
      out.push({
        orgId: org.org_id,
        managementAccountId: org.management_account_id,
        autoEnable: this.autoEnableOf(org),
        ...(admin ? { delegatedAdmin: { accountId: admin.account_id, status: admin.status } } : {}),
        accounts: members,
        createdAt: Number(org.created_at),
      });
    }
    return out;
  }

  // --- inspector2 operations -------------------------------------------------------------------

  private async setMember(accountId: string, adminId: string, status: RelationshipStatus): Promise<void> {
    const now = this.service.now();
    await this.db
      .insertInto("members")
      .values({
        account_id: accountId,
        admin_account_id: adminId,
        relationship_status: status,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column("account_id")
          .doUpdateSet({ admin_account_id: adminId, relationship_status: status, updated_at: now }),
      )
      .execute();
  }

  async enableDelegatedAdmin(p: Principal, targetId: string): Promise<string> {
    const org = await this.asManagement(p, "EnableDelegatedAdminAccount");
    const target = await this.orgOf(targetId);
    if (target?.org_id !== org.org_id)
      throw denied(
        `EnableDelegatedAdminAccount: account ${targetId} is not in organization ${org.org_id} of account ${p.accountId}`,
      );
    const admin = await this.adminOf(org.org_id);
    if (admin) {
      if (admin.account_id === targetId && admin.status === "ENABLED") return targetId;
      throw new ServiceError(
        "ConflictException",
        `organization ${org.org_id} already has delegated administrator ${admin.account_id} (${admin.status}); disable it first`,
        { resourceId: admin.account_id, resourceType: "DELEGATED_ADMIN_ACCOUNT" },
      );
    }
    await this.service.ensureAccount(targetId);
    await this.db
      .insertInto("delegated_admins")
      .values({ org_id: org.org_id, account_id: targetId, status: "ENABLED", updated_at: this.service.now() })
      .execute();
    // The administrator is nobody's member.
    await this.db.deleteFrom("members").where("account_id", "=", targetId).execute();
    await this.changed();
    await this.service.refreshSuppression([targetId]);
    await this.service.audit(p, "EnableDelegatedAdminAccount", targetId, { orgId: org.org_id });
    return targetId;
  }

  async disableDelegatedAdmin(p: Principal, targetId: string): Promise<string> {
    const org = await this.asManagement(p, "DisableDelegatedAdminAccount");
    const admin = await this.adminOf(org.org_id);
    if (admin?.account_id !== targetId) {
      const target = await this.orgOf(targetId);
      if (target?.org_id !== org.org_id)
        throw denied(
          `DisableDelegatedAdminAccount: account ${targetId} is not in organization ${org.org_id} of account ${p.accountId}`,
        );
      throw notFound(`account ${targetId} is not the delegated administrator of organization ${org.org_id}`);
    }
    const released = await this.db.transaction().execute(async (trx) => {
      const members = await trx
        .deleteFrom("members")
        .where("admin_account_id", "=", targetId)
        .returning("account_id")
        .execute();
      await trx.deleteFrom("delegated_admins").where("org_id", "=", org.org_id).execute();
      return members.map((m) => m.account_id);
    });
    await this.changed();
    // The administrator's suppression filters no longer hold its former members' findings.
    await this.service.refreshSuppression(released);
    await this.service.audit(p, "DisableDelegatedAdminAccount", targetId, {
      orgId: org.org_id,
      membersReleased: released,
    });
    return targetId;
  }

  /** The organization's delegated administrator: for the management account and the administrator. */
  async getDelegatedAdmin(
    p: Principal,
  ): Promise<{ accountId: string; relationshipStatus: string } | undefined> {
    const org = await this.orgOf(p.accountId);
    const admin = org && (await this.adminOf(org.org_id));
    if (!org || (org.management_account_id !== p.accountId && admin?.account_id !== p.accountId))
      throw denied(
        `GetDelegatedAdminAccount: account ${p.accountId} is neither the management account nor the delegated administrator of an organization`,
      );
    if (!admin) return undefined;
    return {
      accountId: admin.account_id,
      relationshipStatus: admin.status === "ENABLED" ? "ENABLED" : "DISABLED",
    };
  }

  async listDelegatedAdmins(p: Principal): Promise<{ accountId: string; status: string }[]> {
    const org = await this.asManagement(p, "ListDelegatedAdminAccounts");
    const admin = await this.adminOf(org.org_id);
    return admin ? [{ accountId: admin.account_id, status: admin.status }] : [];
  }

  /** The admin's organization and the target's membership in it; AccessDenied for any other account. */
  private async adminTarget(p: Principal, op: string, accountId: string): Promise<OrgRow> {
    const org = await this.asAdmin(p, op, accountId);
    const target = await this.orgOf(accountId);
    if (target?.org_id !== org.org_id)
      throw denied(
        `${op}: account ${accountId} is not in organization ${org.org_id} of delegated administrator ${p.accountId}`,
      );
    return org;
  }

  async associateMember(p: Principal, accountId: string): Promise<string> {
    await this.adminTarget(p, "AssociateMember", accountId);
    if (accountId === p.accountId)
      throw validation(`accountId: ${accountId} is the delegated administrator itself`, [
        { name: "accountId", message: "the delegated administrator cannot be its own member" },
      ]);
    await this.service.ensureAccount(accountId);
    await this.setMember(accountId, p.accountId, "ENABLED");
    await this.changed();
    await this.service.refreshSuppression([accountId]);
    await this.service.audit(p, "AssociateMember", accountId);
    return accountId;
  }

  async disassociateMember(p: Principal, accountId: string): Promise<string> {
    await this.adminTarget(p, "DisassociateMember", accountId);
    if (accountId === p.accountId)
      throw validation(`accountId: ${accountId} is the delegated administrator itself`, [
        { name: "accountId", message: "the delegated administrator is not a member" },
      ]);
    const row = await this.db
      .selectFrom("members")
      .select(["admin_account_id", "relationship_status"])
      .where("account_id", "=", accountId)
      .executeTakeFirst();
    if (row?.admin_account_id !== p.accountId || row.relationship_status !== "ENABLED")
      throw validation(`accountId: ${accountId} is not associated with ${p.accountId}`, [
        { name: "accountId", message: "not an associated member" },
      ]);
    await this.setMember(accountId, p.accountId, "REMOVED");
    await this.changed();
    await this.service.refreshSuppression([accountId]);
    await this.service.audit(p, "DisassociateMember", accountId);
    return accountId;
  }

  /** A member's relationship: the administrator may ask about any account of its organization, an account about itself. */
  async getMember(p: Principal, accountId: string): Promise<MemberInfo> {
    if (accountId !== p.accountId) await this.adminTarget(p, "GetMember", accountId);
    const org = await this.orgOf(accountId);
    if (!org) throw notFound(`account ${accountId} is not in an organization`);
    const joined = await this.db
      .selectFrom("organization_accounts")
      .select("joined_at")
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();
    return this.membership(org, accountId, Number(joined.joined_at));
  }

  /** The administrator's members (all accounts of its organization but itself unless onlyAssociated). */
  async listMembers(p: Principal, onlyAssociated: boolean): Promise<MemberInfo[]> {
    const org = await this.asAdmin(p, "ListMembers");
    const accounts = await this.db
      .selectFrom("organization_accounts")
      .selectAll()
      .where("org_id", "=", org.org_id)
      .where("account_id", "!=", p.accountId)
      .orderBy("account_id")
      .execute();
    const out: MemberInfo[] = [];
    for (const a of accounts) {
      const m = await this.membership(org, a.account_id, Number(a.joined_at));
      if (!onlyAssociated || m.relationshipStatus === "ENABLED") out.push(m);
    }
    return out;
  }

  async describeConfiguration(p: Principal): Promise<AutoEnable> {
    return this.autoEnableOf(await this.asAdmin(p, "DescribeOrganizationConfiguration"));
  }

  async updateConfiguration(p: Principal, update: Partial<AutoEnable>): Promise<AutoEnable> {
    const org = await this.asAdmin(p, "UpdateOrganizationConfiguration");
    const merged: AutoEnable = { ...this.autoEnableOf(org) };
    for (const k of Object.keys(AUTO_ENABLE_SCAN_TYPES) as (keyof AutoEnable)[])
      if (typeof update[k] === "boolean") merged[k] = update[k];
    await this.db
      .updateTable("organizations")
      .set({ auto_enable: JSON.stringify(merged), updated_at: this.service.now() })
      .where("org_id", "=", org.org_id)
      .execute();
    await this.changed();
    await this.service.audit(p, "UpdateOrganizationConfiguration", org.org_id, { autoEnable: merged });
    return merged;
  }
}
