import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Dispatcher } from "undici";

/** A small SigV4-signing JSON client for Vigil's own endpoints (`vigil scan --submit`, tests). */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export function credentialsFromEnv(env = process.env): Credentials {
  const accessKeyId = env["AWS_ACCESS_KEY_ID"];
  const secretAccessKey = env["AWS_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key from `vigil keys create --account <id>`",
    );
  }
  return { accessKeyId, secretAccessKey };
}

export interface SignOptions {
  service?: string;
  region?: string;
  method?: string;
}

/** The headers of a SigV4-signed request with a JSON payload (what the AWS SDKs send). */
export async function signRequest(
  url: URL,
  payload: string | undefined,
  creds: Credentials,
  options: SignOptions = {},
): Promise<Record<string, string>> {
  const request = new HttpRequest({
    method: options.method ?? "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers: {
      host: url.host,
      // content-length is left unsigned: HTTP clients (fetch, autocannon) set it themselves.
      "content-type": "application/json",
    },
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const signer = new SignatureV4({
    service: options.service ?? "inspector2",
    region: options.region ?? "us-east-1",
    credentials: creds,
    sha256: Hash.bind(null, "sha256"),
  });
  return (await signer.sign(request)).headers as Record<string, string>;
}

export async function signedFetch(
  endpoint: string,
  path: string,
  body: unknown,
  creds: Credentials,
  options: SignOptions & { rawBody?: string; dispatcher?: Dispatcher } = {},
): Promise<{ status: number; json: Record<string, unknown>; errorType?: string }> {
  const url = new URL(path, endpoint);
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const init: RequestInit & { dispatcher?: Dispatcher } = {
    method: options.method ?? "POST",
    headers: await signRequest(url, payload, creds, options),
    ...(payload !== undefined ? { body: payload } : {}),
    // A private CA (a self-signed server) comes as an undici dispatcher; fetch accepts one.
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  };
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { message: text.slice(0, 500) };
  }
  const errorType = res.headers.get("x-amzn-errortype") ?? undefined;
  return { status: res.status, json, ...(errorType ? { errorType } : {}) };
}
