import { createHash } from "node:crypto";
import { validation } from "./errors.js";
import { accountScope } from "./organizations.js";
import { decodeToken, encodeToken, type VigilService } from "./service.js";

/**
 * The audit log as the API serves it: newest first, keyset-paginated by id. The table itself is
 * append-only (database triggers refuse UPDATE and DELETE; migration 0005).
 */
export interface AuditQuery {
  accountIds: readonly string[];
  actions?: readonly string[] | undefined;
  /** Epoch ms, inclusive. */
  since?: number | undefined;
  /** Epoch ms, inclusive. */
  until?: number | undefined;
  maxResults: number;
  nextToken?: string | undefined;
}

export interface AuditEvent {
  id: number;
  accountId: string;
  principal: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  at: Date;
}

function parseDetail(s: string): Record<string, unknown> {
  try {
    const v = JSON.parse(s) as unknown;
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : { value: v };
  } catch {
    return { raw: s };
  }
}

export async function listAuditEvents(
  service: VigilService,
  q: AuditQuery,
): Promise<{ events: AuditEvent[]; nextToken?: string }> {
  const accounts = [...new Set(q.accountIds)].sort();
  const hash = createHash("sha256")
    .update(
      JSON.stringify(["audit", accounts, [...(q.actions ?? [])].sort(), q.since ?? null, q.until ?? null]),
    )
    .digest("base64url")
    .slice(0, 16);
  const before = q.nextToken ? Number(decodeToken(q.nextToken, hash).v) : undefined;
  if (before !== undefined && !Number.isSafeInteger(before))
    throw validation("nextToken: invalid", [{ name: "nextToken", message: "invalid token" }]);
  let sel = service.db
    .selectFrom("audit_log")
    .selectAll()
    .where(accountScope(accounts.length === 1 ? accounts[0]! : accounts));
  if (q.actions?.length) sel = sel.where("action", "in", [...q.actions]);
  if (q.since !== undefined) sel = sel.where("at", ">=", q.since);
  if (q.until !== undefined) sel = sel.where("at", "<=", q.until);
  if (before !== undefined) sel = sel.where("id", "<", before);
  const rows = await sel
    .orderBy("id", "desc")
    .limit(q.maxResults + 1)
    .execute();
  const page = rows.slice(0, q.maxResults);
  const events = page.map((r) => ({
    id: Number(r.id),
    accountId: r.account_id,
    principal: r.principal,
    action: r.action,
    target: r.target,
    detail: parseDetail(r.detail),
    at: new Date(Number(r.at)),
  }));
  return rows.length > q.maxResults
    ? { events, nextToken: encodeToken({ v: events[events.length - 1]!.id, a: "", q: hash }) }
    : { events };
}
