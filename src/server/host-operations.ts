import { z } from "zod";
import type { HostMounts, HostService, InventoryMessage } from "../hosts/hosts.js";
import { ServiceError } from "../service/errors.js";
import type { RequestContext } from "./app.js";
import { OsShape, PackageShape } from "./inventory-shape.js";
import type { Operation } from "./operations.js";

/**
 * Hosts: administration (activations, listing, revocation, rotation, agentless mounts) with
 * account keys, and the agent's endpoints with the host's own key. Enrolment is the one call
 * without a signature: the activation code is its proof.
 */
const Nonce = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, "16-128 characters of [A-Za-z0-9_-]");
const Collection = z.strictObject({
  cpuMs: z.number().min(0),
  rssBytes: z.number().min(0),
  ms: z.number().min(0),
});
const Tags = z.record(z.string().min(1).max(128), z.string().max(256));

const CreateActivationRequest = z.strictObject({
  count: z.number().int().min(1).max(100_000),
  /** Hours until the code expires (default 24). */
  expiresInHours: z
    .number()
    .min(0.01)
    .max(24 * 365)
    .default(24),
  description: z.string().max(256).optional(),
  tags: Tags.optional(),
});

const RegisterRequest = z.strictObject({
  activationId: z.string().regex(/^act-[0-9a-f]{16}$/, "an activation id (act-…)"),
  activationCode: z.string().min(1).max(256),
  hostname: z.string().min(1).max(256),
  machineId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, "32 hex digits")
    .optional(),
  agentVersion: z.string().max(64).optional(),
});

const InventoryRequest = z.strictObject({
  nonce: Nonce,
  sequence: z.number().int().min(1),
  kind: z.enum(["full", "delta"]),
  baseSequence: z.number().int().min(0).optional(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
  hostname: z.string().min(1).max(256),
  agentVersion: z.string().max(64).optional(),
  os: OsShape.optional(),
  packages: z.array(PackageShape).max(200_000).optional(),
  added: z.array(PackageShape).max(200_000).optional(),
  removed: z.array(z.string().max(8192)).max(200_000).optional(),
  facts: z.record(z.string(), z.unknown()).optional(),
  tags: Tags.optional(),
  collection: Collection.optional(),
});

const HeartbeatRequest = z.strictObject({ nonce: Nonce, collection: Collection.optional() });
const RotateRequest = z.strictObject({ nonce: Nonce });
const HostsConfigurationRequest = z.strictObject({
  exclusionTags: z
    .array(z.strictObject({ key: z.string().min(1).max(128), value: z.string().max(256) }))
    .max(50)
    .optional(),
  staleAfterHours: z
    .number()
    .min(0.01)
    .max(24 * 90)
    .optional(),
});
const AddMountRequest = z.strictObject({
  path: z.string().min(1).max(4096),
  hostId: z
    .string()
    .regex(/^h-[0-9a-f]{17}$/)
    .optional(),
  intervalMinutes: z.number().int().min(1).max(10080).default(360),
});

function hosts(ctx: RequestContext): HostService {
  if (!ctx.hosts) throw new ServiceError("BadRequestException", "this server runs without host management");
  return ctx.hosts;
}

function mounts(ctx: RequestContext): HostMounts {
  if (!ctx.mounts) throw new ServiceError("BadRequestException", "this server runs without agentless scans");
  return ctx.mounts;
}

export const hostOperations: Operation[] = [
  {
    name: "CreateActivation",
    method: "POST",
    path: "/v1/hosts/activations",
    input: CreateActivationRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof CreateActivationRequest>;
      return hosts(ctx).createActivation(ctx.principal, {
        count: b.count,
        expiresAt: ctx.service.now() + b.expiresInHours * 3_600_000,
        ...(b.description ? { description: b.description } : {}),
        ...(b.tags ? { tags: b.tags } : {}),
      });
    },
  },
  {
    name: "ListHosts",
    method: "GET",
    path: "/v1/hosts",
    writes: false,
    async handler(ctx) {
      return { hosts: await hosts(ctx).listHosts(ctx.principal.accountId) };
    },
  },
  {
    name: "GetHostFacts",
    method: "GET",
    path: "/v1/hosts/:hostId/facts",
    writes: false,
    async handler(ctx) {
      return { facts: (await hosts(ctx).facts(ctx.principal.accountId, ctx.params["hostId"]!)) ?? null };
    },
  },
  {
    name: "RevokeHost",
    method: "POST",
    path: "/v1/hosts/:hostId/revoke",
    writes: true,
    async handler(ctx) {
      await hosts(ctx).revoke(ctx.principal, ctx.params["hostId"]!);
      return {};
    },
  },
  {
    name: "RotateHostCredential",
    method: "POST",
    path: "/v1/hosts/:hostId/rotate",
    writes: true,
    async handler(ctx) {
      await hosts(ctx).requestRotation(ctx.principal, ctx.params["hostId"]!);
      return {};
    },
  },
  {
    name: "UpdateHostsConfiguration",
    method: "PUT",
    path: "/v1/hosts/configuration",
    input: HostsConfigurationRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof HostsConfigurationRequest>;
      return {
        configuration: await hosts(ctx).updateConfiguration(ctx.principal, {
          ...(b.exclusionTags ? { exclusionTags: b.exclusionTags } : {}),
          ...(b.staleAfterHours ? { staleAfterHours: b.staleAfterHours } : {}),
        }),
      };
    },
  },
  {
    name: "AddHostMount",
    method: "POST",
    path: "/v1/hosts/mounts",
    input: AddMountRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof AddMountRequest>;
      return mounts(ctx).add(ctx.principal, b);
    },
  },
  {
    name: "ListHostMounts",
    method: "GET",
    path: "/v1/hosts/mounts",
    writes: false,
    async handler(ctx) {
      return { mounts: await mounts(ctx).list(ctx.principal.accountId) };
    },
  },
  {
    name: "RegisterAgent",
    method: "POST",
    path: "/v1/agent/register",
    input: RegisterRequest,
    writes: true,
    unauthenticated: true,
    async handler(ctx) {
      return hosts(ctx).register(ctx.body as z.infer<typeof RegisterRequest>);
    },
  },
  {
    name: "SendInventory",
    method: "POST",
    path: "/v1/agent/inventory",
    input: InventoryRequest,
    writes: true,
    agent: true,
    async handler(ctx) {
      return hosts(ctx).ingest(ctx.principal, ctx.body as unknown as InventoryMessage);
    },
  },
  {
    name: "Heartbeat",
    method: "POST",
    path: "/v1/agent/heartbeat",
    input: HeartbeatRequest,
    writes: true,
    agent: true,
    async handler(ctx) {
      return hosts(ctx).heartbeat(ctx.principal, ctx.body as z.infer<typeof HeartbeatRequest>);
    },
  },
  {
    name: "RotateAgentCredential",
    method: "POST",
    path: "/v1/agent/rotate",
    input: RotateRequest,
    writes: true,
    agent: true,
    async handler(ctx) {
      return hosts(ctx).rotate(ctx.principal, ctx.body as z.infer<typeof RotateRequest>);
    },
  },
];
