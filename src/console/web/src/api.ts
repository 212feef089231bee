/**
 * The console's HTTP client (see scratch/console-contract.md): the session endpoints and
 * `POST /console/api/ops/{Operation}` with the CSRF token. Failures are ApiErrors carrying the
 * server's message; a 401 anywhere also tells the app the session is gone (back to sign-in).
 */
import type { OperationName, Operations } from "./types";

export type Role = "admin" | "viewer";

export interface SessionUser {
  username: string;
  accountId: string;
  role: Role;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The API's error type (`x-amzn-ErrorType`, e.g. AccessDeniedException), when it sent one. */
    readonly errorType?: string,
    /** The operation that failed, when it was an operation. */
    readonly operation?: string,
  ) {
    super(message);
  }

  /** A 403: the signed-in user may not do this (a viewer, or an account it cannot see). */
  get forbidden(): boolean {
    return this.status === 403;
  }
}

const BASE = "/console/api";
let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Called when any request answers 401 (session expired or signed out elsewhere). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

async function request(
  method: string,
  path: string,
  body: unknown,
  signal?: AbortSignal,
  operation?: string,
): Promise<unknown> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      credentials: "same-origin",
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(
      `could not reach the Vigil server (${(e as Error).message})`,
      0,
      "NetworkError",
      operation,
    );
  }
  if (res.status === 204) return undefined;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const errorType = res.headers.get("x-amzn-ErrorType")?.split(":")[0] ?? undefined;
    const serverMessage =
      json && typeof json === "object" && typeof (json as { message?: unknown }).message === "string"
        ? (json as { message: string }).message
        : text.trim().slice(0, 300) || res.statusText || `HTTP ${res.status}`;
    if (res.status === 401 && path !== "/session") onUnauthorized?.();
    throw new ApiError(serverMessage, res.status, errorType, operation);
  }
  return json;
}

function remember(s: Session): Session {
  csrfToken = s.csrfToken;
  return s;
}

/** The current session, or undefined when not signed in. */
export async function getSession(): Promise<Session | undefined> {
  try {
    return remember((await request("GET", "/session", undefined)) as Session);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return undefined;
    throw e;
  }
}

export async function signIn(username: string, password: string): Promise<Session> {
  return remember((await request("POST", "/session", { username, password })) as Session);
}

export async function signOut(): Promise<void> {
  try {
    await request("DELETE", "/session", undefined);
  } finally {
    csrfToken = undefined;
  }
}

/** Calls one API operation as the signed-in user. */
export async function op<K extends OperationName>(
  name: K,
  input?: Operations[K][0],
  options: { params?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Operations[K][1]> {
  const body: Record<string, unknown> = {};
  if (input !== undefined) body["input"] = input;
  if (options.params) body["params"] = options.params;
  return (await request(
    "POST",
    `/ops/${encodeURIComponent(name)}`,
    body,
    options.signal,
    name,
  )) as Operations[K][1];
}

/** A sentence for the user: what failed and the server's own words. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const what = e.operation ? `${e.operation} failed` : "The request failed";
    if (e.status === 403) return `Not allowed: ${e.message}`;
    if (e.status === 0) return `${what}: ${e.message}`;
    return `${what}${e.errorType ? ` (${e.errorType})` : ""}: ${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}
