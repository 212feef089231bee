import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Operation } from "../../server/operations.js";
import { ServiceError, validation } from "../../service/errors.js";
import type { Principal, VigilService } from "../../service/service.js";
import {
  ConsoleSessions,
  csrfMatches,
  SESSION_COOKIE,
  SESSION_LIFETIME_MS,
  SignInError,
} from "./sessions.js";
import { type ConsoleUser, ConsoleUsers } from "./users.js";

/** dist/console, from both src/console/server (tsx) and dist/src/console/server (built). */
export function defaultConsoleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "dist", "console");
    dir = dirname(dir);
  }
  return resolve(here, "../../../dist/console");
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** `params` / `query` of an operation call: an object of strings (query values may repeat). */
function stringMap(
  value: unknown,
  field: string,
  lists: boolean,
): Record<string, string> | Record<string, string | string[]> {
  if (value === undefined) return {};
  const ok =
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).every(
      (v) => typeof v === "string" || (lists && Array.isArray(v) && v.every((x) => typeof x === "string")),
    );
  if (!ok)
    throw validation(`${field}: must be an object of ${lists ? "strings or string lists" : "strings"}`, [
      { name: field, message: "invalid" },
    ]);
  return value as Record<string, string>;
}

function cookieOf(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0 || part.slice(0, i).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      return undefined; // malformed: no session
    }
  }
  return undefined;
}

export interface ConsoleOptions {
  service: VigilService;
  operations: Operation[];
  runOperation(
    op: Operation,
    principal: Principal,
    json: unknown,
    params: Record<string, string>,
    query: Record<string, string | string[]>,
  ): Promise<unknown>;
  toWire(value: unknown): string;
  consoleDir?: string;
  /** Served over HTTPS: cookies get Secure. */
  secureCookies: boolean;
}

/**
 * The web console: the built single-page app under /console/, sign-in with a session cookie,
 * and `POST /console/api/ops/{Operation}` running the API's own operations for the signed-in
 * user (viewers as read-only principals), guarded by a per-session CSRF token.
 */
export function registerConsole(app: FastifyInstance, o: ConsoleOptions): void {
  const users = new ConsoleUsers(o.service.db, () => o.service.now());
  const sessions = new ConsoleSessions(o.service.db, users, () => o.service.now());
  const byName = new Map(o.operations.map((op) => [op.name, op]));
  const dir = o.consoleDir ?? defaultConsoleDir();
  const json = (reply: FastifyReply, code: number, body: unknown) =>
    reply
      .code(code)
      .header("content-type", "application/json")
      .headers(SECURITY_HEADERS)
      .send(o.toWire(body));
  const cookie = (token: string, maxAge: number) =>
    `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=${maxAge}${o.secureCookies ? "; Secure" : ""}`;
  const userOut = (u: ConsoleUser) => ({ username: u.username, accountId: u.accountId, role: u.role });
  const parse = (req: FastifyRequest): Record<string, unknown> => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    if (!raw) return {};
    try {
      const v = JSON.parse(raw) as unknown;
      if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {}
    throw new ServiceError("ValidationException", "request body: must be a JSON object");
  };

  // Every console response (errors from operations included) carries the security headers.
  app.addHook("onSend", async (req, reply, payload) => {
    if (req.url === "/console" || req.url.startsWith("/console/")) reply.headers(SECURITY_HEADERS);
    return payload;
  });

  app.get("/", (_req, reply) => reply.redirect("/console/", 302));

  app.post("/console/api/session", async (req, reply) => {
    const b = parse(req);
    if (typeof b["username"] !== "string" || typeof b["password"] !== "string")
      return json(reply, 400, { message: "username and password are required" });
    try {
      const s = await sessions.signIn(b["username"], b["password"]);
      reply.header("set-cookie", cookie(s.token, SESSION_LIFETIME_MS / 1000));
      return json(reply, 200, { user: userOut(s.user), csrfToken: s.csrfToken });
    } catch (e) {
      if (e instanceof SignInError) return json(reply, e.status, { message: e.message });
      throw e;
    }
  });
  app.get("/console/api/session", async (req, reply) => {
    const s = await sessions.resolve(cookieOf(req, SESSION_COOKIE));
    if (!s) return json(reply, 401, { message: "not signed in" });
    return json(reply, 200, { user: userOut(s.user), csrfToken: s.csrfToken });
  });
  app.delete("/console/api/session", async (req, reply) => {
    const token = cookieOf(req, SESSION_COOKIE);
    const s = await sessions.resolve(token);
    if (s && !csrfMatches(req.headers["x-csrf-token"], s.csrfToken))
      return json(reply, 403, { message: "missing or invalid CSRF token" });
    await sessions.signOut(token);
    reply.header("set-cookie", cookie("", 0));
    return reply.code(204).headers(SECURITY_HEADERS).send();
  });

  app.post("/console/api/ops/:name", async (req, reply) => {
    const s = await sessions.resolve(cookieOf(req, SESSION_COOKIE));
    if (!s) return json(reply, 401, { message: "not signed in" });
    // Every operation call needs the session's CSRF token: a cross-site form cannot read it.
    if (!csrfMatches(req.headers["x-csrf-token"], s.csrfToken))
      return json(reply, 403, { message: "missing or invalid CSRF token" });
    const name = (req.params as { name: string }).name;
    const op = byName.get(name);
    if (!op) throw new ServiceError("ResourceNotFoundException", `no operation ${name}`);
    if (op.agent || op.unauthenticated)
      throw new ServiceError("AccessDeniedException", `${name} is not available from the console`);
    const b = parse(req);
    const params = stringMap(b["params"], "params", false) as Record<string, string>;
    // The path parameters the SigV4 route would have taken from the URL.
    for (const [, p] of op.path.matchAll(/:(\w+)/g))
      if (!params[p!])
        throw validation(`params.${p}: required by ${name} (${op.method} ${op.path})`, [
          { name: `params.${p}`, message: "required" },
        ]);
    const principal: Principal = {
      accountId: s.user.accountId,
      id: `console:${s.user.username}`,
      readOnly: s.user.role === "viewer",
    };
    const result = await o.runOperation(
      op,
      principal,
      b["input"] ?? {},
      params,
      stringMap(b["query"], "query", true),
    );
    return json(reply, 200, result ?? {});
  });

  // The single-page app: hashed assets from dist/console, index.html for every client route.
  if (existsSync(join(dir, "index.html"))) {
    void app.register(fastifyStatic, {
      root: dir,
      prefix: "/console/",
      index: false,
      wildcard: false,
      serve: false,
    });
    app.get("/console/assets/*", (req, reply) => {
      const rest = (req.params as { "*": string })["*"];
      return reply
        .headers(SECURITY_HEADERS)
        .header("cache-control", "public, max-age=31536000, immutable")
        .sendFile(join("assets", rest), { cacheControl: false });
    });
    const spa = (_req: FastifyRequest, reply: FastifyReply) =>
      reply
        .headers(SECURITY_HEADERS)
        .header("cache-control", "no-store")
        .sendFile("index.html", { cacheControl: false });
    app.get("/console", (_req, reply) => reply.redirect("/console/", 302));
    app.get("/console/", spa);
    app.get("/console/*", (req, reply) => {
      const rest = (req.params as { "*": string })["*"];
      if (rest.startsWith("api/"))
        return json(reply, 404, { message: `no console endpoint /console/${rest}` });
      if (/^[\w.-]+\.(svg|ico|png|txt)$/.test(rest) && existsSync(join(dir, rest)))
        return reply.headers(SECURITY_HEADERS).sendFile(rest);
      return spa(req, reply);
    });
  } else {
    const missing = (_req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .header("content-type", "text/plain; charset=utf-8")
        .send(`the console is not built (no ${join(dir, "index.html")}): run npm run build\n`);
    app.get("/console", missing);
    app.get("/console/", missing);
    app.get("/console/*", missing);
  }
}
