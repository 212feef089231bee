import { dirname } from "node:path";
import { z } from "zod";
import { advisoryStatus } from "../advisories/update.js";
import { denied, notFound, validation } from "../service/errors.js";
import { accountScope } from "../service/organizations.js";
import type { Operation } from "./operations.js";

/**
 * Operations the web console needs beyond inspector2's (also on the SigV4 API under
 * /v1/console/…, so scripts can use them and the console has no private powers).
 */
const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const TimelineRequest = z.strictObject({ days: z.number().int().min(1).max(365).optional() });
const ViewRequest = z.strictObject({
  name: z.string().min(1).max(100),
  query: z.record(z.string(), z.unknown()),
});
const DeleteViewRequest = z.strictObject({ id: z.number().int().positive() });
const HistoryRequest = z.strictObject({ findingArn: z.string().min(1).max(2048) });
const EmptyRequest = z.strictObject({});

export const consoleOperations: Operation[] = [
  {
    name: "GetFindingsTimeline",
    method: "POST",
    path: "/v1/console/timeline",
    input: TimelineRequest,
    writes: false,
    async handler(ctx) {
      const days = (ctx.body as z.infer<typeof TimelineRequest>).days ?? 30;
      const accounts = await ctx.service.organizations.visibleAccounts(ctx.principal.accountId);
      const now = ctx.service.now();
      const todayStart = Math.floor(now / DAY) * DAY;
      const from = todayStart - (days - 1) * DAY;
      const db = ctx.service.db;
      // Day buckets computed in the database (integer division works the same in both dialects).
      const opened = await db
        .selectFrom("findings")
        .select((eb) => [eb.fn.countAll<number>().as("n"), eb(eb.ref("first_observed_at"), "/", DAY).as("d")])
        .where(accountScope(accounts))
        .where("first_observed_at", ">=", from)
        .groupBy("d")
        .execute();
      const closed = await db
        .selectFrom("findings")
        .select((eb) => [eb.fn.countAll<number>().as("n"), eb(eb.ref("updated_at"), "/", DAY).as("d")])
        .where(accountScope(accounts))
        .where("open", "=", 0)
        .where("updated_at", ">=", from)
        .groupBy("d")
        .execute();
      const openNow = Number(
        (
          await db
            .selectFrom("findings")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .where(accountScope(accounts))
            .where("open", "=", 1)
            .executeTakeFirstOrThrow()
        ).n,
      );
      const byDay = (rows: { n: number | string | bigint; d: unknown }[]) =>
        new Map(rows.map((r) => [Math.floor(Number(r.d)), Number(r.n)]));
      const o = byDay(opened);
      const c = byDay(closed);
      const out: { date: string; opened: number; closed: number; active: number }[] = [];
      // Walk back from today: the open count at the end of a day is today's minus what opened
      // after it plus what closed after it.
      let active = openNow;
      for (let d = todayStart; d >= from; d -= DAY) {
        const k = d / DAY;
        out.push({
          date: isoDay(d),
          opened: o.get(k) ?? 0,
          closed: c.get(k) ?? 0,
          active: Math.max(0, active),
        });
        active = active - (o.get(k) ?? 0) + (c.get(k) ?? 0);
      }
      return { days: out.reverse() };
    },
  },
  {
    name: "GetFeedStatus",
    method: "POST",
    path: "/v1/console/feeds",
    input: EmptyRequest,
    writes: false,
    async handler(ctx) {
      const status = advisoryStatus(dirname(ctx.service.advisories.path));
      return {
        feeds: status.feeds.map((f) => ({
          feed: f.name,
          status: f.status,
          lastUpdatedAt: f.lastUpdate ? Date.parse(f.lastUpdate) / 1000 : null,
          advisories: f.records,
          ...(f.error ? { message: f.error } : {}),
        })),
      };
    },
  },
  {
    name: "ListAccessKeys",
    method: "GET",
    path: "/v1/console/keys",
    input: EmptyRequest,
    writes: false,
    async handler(ctx) {
      if (ctx.principal.readOnly)
        throw denied(`${ctx.principal.id} is read-only; access keys are listed to admins`);
      const keys = await ctx.service.listKeys(ctx.principal.accountId);
      return {
        keys: keys.map((k) => ({
          accessKeyId: k.access_key_id,
          readOnly: k.read_only === 1,
          ...(k.description ? { description: k.description } : {}),
          createdAt: new Date(Number(k.created_at)),
          ...(k.last_used_at ? { lastUsedAt: new Date(Number(k.last_used_at)) } : {}),
        })),
      };
    },
  },
  {
    name: "ListSavedViews",
    method: "POST",
    path: "/v1/console/views/list",
    input: EmptyRequest,
    writes: false,
    async handler(ctx) {
      const rows = await ctx.service.db
        .selectFrom("saved_views")
        .selectAll()
        .where("principal", "=", ctx.principal.id)
        .orderBy("name")
        .execute();
      return {
        views: rows.map((r) => ({
          id: Number(r.id),
          name: r.name,
          query: JSON.parse(r.query) as unknown,
          createdAt: new Date(Number(r.created_at)),
        })),
      };
    },
  },
  {
    name: "PutSavedView",
    method: "PUT",
    path: "/v1/console/views",
    input: ViewRequest,
    writes: true,
    viewerAllowed: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof ViewRequest>;
      const query = JSON.stringify(b.query);
      if (query.length > 16_384)
        throw validation("query: at most 16 KiB of JSON", [{ name: "query", message: "too large" }]);
      const now = ctx.service.now();
      await ctx.service.db
        .insertInto("saved_views")
        .values({ principal: ctx.principal.id, name: b.name, query, created_at: now })
        .onConflict((oc) => oc.columns(["principal", "name"]).doUpdateSet({ query }))
        .execute();
      const r = await ctx.service.db
        .selectFrom("saved_views")
        .selectAll()
        .where("principal", "=", ctx.principal.id)
        .where("name", "=", b.name)
        .executeTakeFirstOrThrow();
      return {
        view: { id: Number(r.id), name: r.name, query: b.query, createdAt: new Date(Number(r.created_at)) },
      };
    },
  },
  {
    name: "DeleteSavedView",
    method: "POST",
    path: "/v1/console/views/delete",
    input: DeleteViewRequest,
    writes: true,
    viewerAllowed: true,
    async handler(ctx) {
      const res = await ctx.service.db
        .deleteFrom("saved_views")
        .where("principal", "=", ctx.principal.id)
        .where("id", "=", (ctx.body as z.infer<typeof DeleteViewRequest>).id)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw notFound("no such saved view");
      return {};
    },
  },
  {
    name: "GetFindingHistory",
    method: "POST",
    path: "/v1/console/finding-history",
    input: HistoryRequest,
    writes: false,
    async handler(ctx) {
      const arn = (ctx.body as z.infer<typeof HistoryRequest>).findingArn;
      const accounts = await ctx.service.organizations.visibleAccounts(ctx.principal.accountId);
      const owner = await ctx.service.db
        .selectFrom("findings")
        .select("account_id")
        .where("finding_arn", "=", arn)
        .executeTakeFirst();
      if (!owner) throw notFound(`finding ${arn} not found`);
      if (!accounts.includes(owner.account_id))
        throw denied(
          `account ${ctx.principal.accountId} cannot read findings of account ${owner.account_id}`,
        );
      const rows = await ctx.service.db
        .selectFrom("finding_history")
        .select(["at", "status", "change", "detail"])
        .where("finding_arn", "=", arn)
        .orderBy("at")
        .orderBy("id")
        .execute();
      return {
        history: rows.map((r) => ({
          at: new Date(Number(r.at)),
          status: r.status,
          change: r.change,
          ...(r.detail ? { detail: r.detail } : {}),
        })),
      };
    },
  },
];
