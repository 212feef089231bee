import { z } from "zod";
import { notFound } from "../service/errors.js";
import type { RequestContext } from "./app.js";
import type { Operation } from "./operations.js";

/**
 * Vigil's event routing API (EventBridge has its own service; this is the part of it Vigil
 * needs): targets, rules with event patterns, and the delivery log with its dead letters.
 * `vigil events …` is its client.
 */
const PutTargetRequest = z.strictObject({
  type: z.string().min(1).max(32),
  config: z.record(z.string(), z.unknown()),
});

const PutRuleRequest = z.strictObject({
  pattern: z.record(z.string(), z.unknown()),
  targets: z.array(z.string().min(1).max(64)).max(5),
  enabled: z.boolean().optional(),
  description: z.string().max(512).optional(),
});

const ListDeliveriesRequest = z.strictObject({
  state: z.enum(["queued", "delivering", "delivered", "dead", "skipped"]).optional(),
  target: z.string().min(1).max(64).optional(),
  maxResults: z.number().int().min(1).max(500).optional(),
  nextToken: z.string().regex(/^\d+$/, "not a token this API issued").optional(),
});

const ReplayRequest = z.strictObject({
  ids: z.array(z.number().int().positive()).max(1000).optional(),
  target: z.string().min(1).max(64).optional(),
});

const nameParam = (ctx: RequestContext) => decodeURIComponent(ctx.params["name"]!);

export const eventOperations: Operation[] = [
  {
    name: "PutEventTarget",
    method: "PUT",
    path: "/v1/events/targets/:name",
    input: PutTargetRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof PutTargetRequest>;
      await ctx.service.events.putTarget(ctx.principal, nameParam(ctx), b.type, b.config);
      const t = (await ctx.service.events.listTargets(ctx.principal.accountId)).find(
        (x) => x.name === nameParam(ctx),
      );
      return { target: t };
    },
  },
  {
    name: "ListEventTargets",
    method: "GET",
    path: "/v1/events/targets",
    writes: false,
    async handler(ctx) {
      return { targets: await ctx.service.events.listTargets(ctx.principal.accountId) };
    },
  },
  {
    name: "DeleteEventTarget",
    method: "DELETE",
    path: "/v1/events/targets/:name",
    writes: true,
    async handler(ctx) {
      await ctx.service.events.deleteTarget(ctx.principal, nameParam(ctx));
      return {};
    },
  },
  {
    name: "TestEventTarget",
    method: "POST",
    path: "/v1/events/targets/:name/test",
    writes: true,
    async handler(ctx) {
      return ctx.service.events.test(ctx.principal, nameParam(ctx), ctx.service.options.region);
    },
  },
  {
    name: "PutEventRule",
    method: "PUT",
    path: "/v1/events/rules/:name",
    input: PutRuleRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof PutRuleRequest>;
      const rule = await ctx.service.events.putRule(ctx.principal, nameParam(ctx), {
        pattern: b.pattern,
        targets: b.targets,
        ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
      });
      return { rule };
    },
  },
  {
    name: "ListEventRules",
    method: "GET",
    path: "/v1/events/rules",
    writes: false,
    async handler(ctx) {
      return { rules: await ctx.service.events.listRules(ctx.principal.accountId) };
    },
  },
  {
    name: "DeleteEventRule",
    method: "DELETE",
    path: "/v1/events/rules/:name",
    writes: true,
    async handler(ctx) {
      await ctx.service.events.deleteRule(ctx.principal, nameParam(ctx));
      return {};
    },
  },
  {
    name: "ListEventDeliveries",
    method: "POST",
    path: "/v1/events/deliveries/list",
    input: ListDeliveriesRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof ListDeliveriesRequest>;
      const r = await ctx.service.events.listDeliveries(ctx.principal.accountId, {
        ...(b.state ? { state: b.state } : {}),
        ...(b.target ? { target: b.target } : {}),
        ...(b.maxResults ? { limit: b.maxResults } : {}),
        ...(b.nextToken ? { beforeId: Number(b.nextToken) } : {}),
      });
      return { deliveries: r.deliveries, ...(r.next ? { nextToken: String(r.next) } : {}) };
    },
  },
  {
    name: "GetEventDelivery",
    method: "GET",
    path: "/v1/events/deliveries/:id",
    writes: false,
    async handler(ctx) {
      const id = Number(ctx.params["id"]);
      const page = await ctx.service.events.listDeliveries(ctx.principal.accountId, {
        beforeId: id + 1,
        limit: 1,
      });
      const d = page.deliveries[0];
      if (!Number.isInteger(id) || !d || d.id !== id) throw notFound(`no event delivery ${ctx.params["id"]}`);
      return { delivery: d, event: await ctx.service.events.event(ctx.principal.accountId, d.eventId) };
    },
  },
  {
    name: "ReplayEventDeliveries",
    method: "POST",
    path: "/v1/events/deliveries/replay",
    input: ReplayRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof ReplayRequest>;
      const replayed = await ctx.service.events.replay(ctx.principal, {
        ...(b.ids ? { ids: b.ids } : {}),
        ...(b.target ? { target: b.target } : {}),
      });
      return { replayed };
    },
  },
];
