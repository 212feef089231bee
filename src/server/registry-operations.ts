import { z } from "zod";
import type { RegistryScanner } from "../registries/scanner.js";
import { RegistryCredentialsShape } from "../registries/settings.js";
import { ServiceError } from "../service/errors.js";
import type { RequestContext } from "./app.js";
import type { Operation } from "./operations.js";

/**
 * Vigil's registry API (no inspector2 counterpart: ECR is implicit there). JSON over the same
 * SigV4-signed HTTP as the inspector2 operations; `vigil registry …` is its client.
 */
const AddRegistryRequest = z.strictObject({
  name: z.string().min(1).max(64),
  url: z.string().min(1).max(2048),
  credentials: RegistryCredentialsShape.optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

const UpdateRegistryRequest = z.strictObject({
  url: z.string().min(1).max(2048).optional(),
  credentials: RegistryCredentialsShape.nullable().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

const ScanImageRequest = z.strictObject({
  repository: z.string().min(1).max(512),
  reference: z.string().min(1).max(200),
});

function scanner(ctx: RequestContext): RegistryScanner {
  if (!ctx.registries)
    throw new ServiceError("BadRequestException", "this server runs without registry scanning");
  return ctx.registries;
}

const name = (ctx: RequestContext) => decodeURIComponent(ctx.params["name"]!);

export const registryOperations: Operation[] = [
  {
    name: "AddRegistry",
    method: "POST",
    path: "/v1/registries",
    input: AddRegistryRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof AddRegistryRequest>;
      const r = await scanner(ctx).addRegistry(ctx.principal, {
        name: b.name,
        url: b.url,
        ...(b.credentials ? { credentials: b.credentials } : {}),
        ...(b.settings ? { settings: b.settings } : {}),
      });
      return {
        registry: r.registry,
        notifications: { path: r.registry.notificationsPath, token: r.notificationsToken },
      };
    },
  },
  {
    name: "ListRegistries",
    method: "GET",
    path: "/v1/registries",
    writes: false,
    async handler(ctx) {
      return { registries: await scanner(ctx).listRegistries(ctx.principal.accountId) };
    },
  },
  {
    name: "GetRegistry",
    method: "GET",
    path: "/v1/registries/:name",
    writes: false,
    async handler(ctx) {
      return { registry: await scanner(ctx).getRegistry(ctx.principal.accountId, name(ctx)) };
    },
  },
  {
    name: "UpdateRegistry",
    method: "PUT",
    path: "/v1/registries/:name",
    input: UpdateRegistryRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof UpdateRegistryRequest>;
      const registry = await scanner(ctx).updateRegistry(ctx.principal, name(ctx), {
        ...(b.url ? { url: b.url } : {}),
        ...(b.credentials !== undefined ? { credentials: b.credentials } : {}),
        ...(b.settings ? { settings: b.settings } : {}),
      });
      return { registry };
    },
  },
  {
    name: "RemoveRegistry",
    method: "DELETE",
    path: "/v1/registries/:name",
    writes: true,
    async handler(ctx) {
      return scanner(ctx).removeRegistry(ctx.principal, name(ctx));
    },
  },
  {
    name: "ListRegistryImages",
    method: "GET",
    path: "/v1/registries/:name/images",
    writes: false,
    async handler(ctx) {
      return { images: await scanner(ctx).listImages(ctx.principal.accountId, name(ctx)) };
    },
  },
  {
    name: "ScanRegistryImage",
    method: "POST",
    path: "/v1/registries/:name/scan",
    input: ScanImageRequest,
    writes: true,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof ScanImageRequest>;
      const jobId = await scanner(ctx).requestScan(ctx.principal, name(ctx), b.repository, b.reference);
      return { jobId };
    },
  },
  {
    name: "PollRegistry",
    method: "POST",
    path: "/v1/registries/:name/poll",
    writes: true,
    async handler(ctx) {
      return scanner(ctx).pollNow(ctx.principal.accountId, name(ctx));
    },
  },
];
