import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { z } from "zod";
import { registerConsole } from "../console/server/routes.js";
import type { HostMounts, HostService } from "../hosts/hosts.js";
import type { JobQueue } from "../jobs/queue.js";
import type { RegistryScanner } from "../registries/scanner.js";
import { ServiceError, validation } from "../service/errors.js";
import type { Exports } from "../service/exports.js";
import type { NetworkService } from "../service/network.js";
import type { Principal, VigilService } from "../service/service.js";
import { codeOperations } from "./code-operations.js";
import { consoleOperations } from "./console-operations.js";
import { eventOperations } from "./event-operations.js";
import { hostOperations } from "./host-operations.js";
import { jobOperations } from "./job-operations.js";
import { networkOperations } from "./network-operations.js";
import { type Operation, operations } from "./operations.js";
import { organizationOperations } from "./organization-operations.js";
import { registryOperations } from "./registry-operations.js";
import { describeZodIssue } from "./shapes.js";
import { parseAuthorization, verifySignature } from "./sigv4.js";

export interface AppOptions {
  service: VigilService;
  exports: Exports;
  /** Container registry scanning; without it the registry routes answer BadRequestException. */
  registries?: RegistryScanner;
  /** Hosts: agents and agentless disk scans. */
  hosts?: HostService;
  mounts?: HostMounts;
  /** The network model and reachability (network findings, the Vigil score's exposure). */
  network?: NetworkService;
  /** The job queue (`vigil jobs`' API); without it the job routes answer BadRequestException. */
  jobs?: JobQueue;
  /** Largest request body accepted, bytes. */
  bodyLimit?: number;
  /** Serve HTTPS with this PEM key and certificate (chain). */
  https?: { key: Buffer; cert: Buffer };
  logger?: boolean;
  /** The built console (default: dist/console next to the code); missing → /console/ answers 503. */
  consoleDir?: string;
}

/** JSON with Date values as epoch seconds, the restJson1 timestamp format. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}

function sendError(reply: FastifyReply, e: ServiceError): FastifyReply {
  return reply
    .code(e.status)
    .header("x-amzn-ErrorType", e.type)
    .header("content-type", "application/json")
    .send(toWireJson({ message: e.message, ...e.extra }));
}

/** The caller of an operation that needs no signature (agent enrolment with an activation code). */
const ANONYMOUS: Principal = { accountId: "", id: "anonymous", readOnly: false };

export interface RequestContext {
  principal: Principal;
  body: Record<string, unknown>;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  service: VigilService;
  exports: Exports;
  registries?: RegistryScanner | undefined;
  hosts?: HostService | undefined;
  mounts?: HostMounts | undefined;
  network?: NetworkService | undefined;
  jobs?: JobQueue | undefined;
}

/**
 * The HTTP front: inspector2 operations on their restJson1 paths, the inspector-scan ScanSbom
 * operation, and Vigil's native inventory endpoint. Every request is SigV4-verified; bodies are
 * parsed here (not by the framework) so malformed JSON becomes a ValidationException.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? 64 << 20;
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    logger: options.logger ?? false,
    bodyLimit,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 4096 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err instanceof ServiceError) return sendError(reply, err);
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(
        reply,
        validation(`request body: larger than the ${bodyLimit} byte limit`, [
          { name: "body", message: "too large" },
        ]),
      );
    }
    if (err.statusCode && err.statusCode < 500) {
      return sendError(reply, validation(`request: ${err.message}`));
    }
    reply.log.error(err);
    return sendError(
      reply,
      new ServiceError("InternalServerException", "internal error; see the server log"),
    );
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new ServiceError("ResourceNotFoundException", `no operation at ${req.method} ${req.url.split("?")[0]}`),
    ),
  );

  const authenticate = async (req: FastifyRequest): Promise<Principal> => {
    const auth = parseAuthorization(req.headers.authorization);
    const key = await options.service.resolveKey(auth.accessKeyId);
    if (!key) {
      throw new ServiceError(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    await verifySignature(
      {
        method: req.method,
        rawPath: req.url,
        query: req.query as Record<string, string | string[]>,
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      },
      auth,
      key.secret,
    );
    if (key.revokedAt) {
      throw new ServiceError(
        "AccessDeniedException",
        `access key ${auth.accessKeyId}${key.hostId ? ` of host ${key.hostId}` : ""} was revoked at ${new Date(key.revokedAt).toISOString()}${key.hostId ? "; enrol the host again with a new activation code" : ""}`,
      );
    }
    return {
      accountId: key.accountId,
      id: auth.accessKeyId,
      readOnly: key.readOnly,
      ...(key.hostId ? { hostId: key.hostId } : {}),
    };
  };

  /**
   * One operation call, whoever the caller is (a SigV4 request or a console session): the
   * caller-kind checks, body parsing, input validation and the handler. Shared so the console
   * is authorised exactly like the API.
   */
  const runOperation = async (
    op: Operation,
    principal: Principal,
    json: unknown,
    params: Record<string, string>,
    query: Record<string, string | string[]>,
  ): Promise<unknown> => {
    // An agent's key speaks for its host only; account keys cannot pose as agents.
    if (!op.unauthenticated && !!principal.hostId !== !!op.agent) {
      throw new ServiceError(
        "AccessDeniedException",
        principal.hostId
          ? `access key ${principal.id} belongs to host ${principal.hostId}; it can only send that host's inventory`
          : `${op.name} is for enrolled agents; sign it with the host's credential`,
      );
    }
    if (op.writes && principal.readOnly && !op.viewerAllowed) {
      throw new ServiceError(
        "AccessDeniedException",
        `${principal.id.startsWith("console:") ? `user ${principal.id.slice(8)} is a viewer` : `access key ${principal.id} is read-only`}; ${op.name} changes state`,
      );
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new ServiceError("ValidationException", "request body: must be a JSON object", {
        reason: "CANNOT_PARSE",
      });
    }
    let body: Record<string, unknown> = json as Record<string, unknown>;
    if (op.input) {
      const parsed = (op.input as z.ZodType).safeParse(json);
      if (!parsed.success) {
        const d = describeZodIssue(parsed.error);
        throw validation(d.message, d.fields);
      }
      body = parsed.data as Record<string, unknown>;
    }
    return op.handler({
      principal,
      body,
      params,
      query,
      service: options.service,
      exports: options.exports,
      registries: options.registries,
      hosts: options.hosts,
      mounts: options.mounts,
      network: options.network,
      jobs: options.jobs,
    });
  };

  const route = (op: Operation) => {
    app.route({
      method: op.method,
      url: op.path,
      handler: async (req, reply) => {
        const principal = op.unauthenticated ? ANONYMOUS : await authenticate(req);
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        let json: unknown = {};
        if (raw.length > 0) {
          try {
            json = JSON.parse(raw.toString("utf8"));
          } catch (e) {
            throw new ServiceError(
              "ValidationException",
              `request body: not valid JSON (${(e as Error).message})`,
              {
                reason: "CANNOT_PARSE",
              },
            );
          }
        }
        const result = await runOperation(
          op,
          principal,
          json,
          req.params as Record<string, string>,
          req.query as Record<string, string | string[]>,
        );
        reply.header("content-type", "application/json");
        return reply.code(200).send(toWireJson(result ?? {}));
      },
    });
  };
  const allOperations = [
    ...operations,
    ...registryOperations,
    ...hostOperations,
    ...networkOperations,
    ...organizationOperations,
    ...eventOperations,
    ...consoleOperations,
    ...codeOperations,
    ...jobOperations,
  ];
  for (const op of allOperations) route(op);
  registerConsole(app, {
    service: options.service,
    operations: allOperations,
    runOperation,
    toWire: toWireJson,
    ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
    secureCookies: !!options.https,
  });

  // Registry notifications (CNCF distribution's `notifications` endpoints and compatible): the
  // registry cannot sign with SigV4, so it sends the bearer token issued when it was registered.
  app.post("/v1/registry-notifications/:registryId", async (req, reply) => {
    if (!options.registries)
      throw new ServiceError("BadRequestException", "this server runs without registry scanning");
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch (e) {
      throw validation(`notification envelope: not valid JSON (${(e as Error).message})`);
    }
    const result = await options.registries.notify(
      (req.params as { registryId: string }).registryId,
      req.headers.authorization,
      body,
    );
    reply.header("content-type", "application/json");
    return reply.code(200).send(toWireJson(result));
  });
  return app;
}
