import { z } from "zod";
import { ServiceError } from "../service/errors.js";
import type { NetworkModelInput, NetworkService } from "../service/network.js";
import type { RequestContext } from "./app.js";
import type { Operation } from "./operations.js";

/** The account's network model (AWS CLI JSON or on-prem YAML) and what it leaves reachable. */
const ImportNetworkModelRequest = z.discriminatedUnion("format", [
  z.strictObject({
    format: z.literal("aws"),
    documents: z
      .array(z.strictObject({ label: z.string().max(256).optional(), json: z.unknown() }))
      .min(1)
      .max(1000),
  }),
  z.strictObject({
    format: z.literal("yaml"),
    yaml: z
      .string()
      .min(1)
      .max(16 << 20),
  }),
]);

function network(ctx: RequestContext): NetworkService {
  if (!ctx.network)
    throw new ServiceError("BadRequestException", "this server runs without network analysis");
  return ctx.network;
}

export const networkOperations: Operation[] = [
  {
    name: "ImportNetworkModel",
    method: "PUT",
    path: "/v1/network/model",
    input: ImportNetworkModelRequest,
    writes: true,
    async handler(ctx) {
      return network(ctx).importModel(ctx.principal, ctx.body as unknown as NetworkModelInput);
    },
  },
  {
    name: "GetNetworkReachability",
    method: "GET",
    path: "/v1/network/reachability",
    writes: false,
    async handler(ctx) {
      return { hosts: await network(ctx).reachability(ctx.principal.accountId) };
    },
  },
];
