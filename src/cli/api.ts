import { credentialsFromEnv, signedFetch } from "../server/client.js";

/** How the administrative commands reach a running `vigil serve`: SigV4-signed JSON. */
export const DEFAULT_ENDPOINT = "http://127.0.0.1:8600";

export interface EndpointOptions {
  endpointUrl?: string;
}

export const endpointOf = (o: EndpointOptions) =>
  o.endpointUrl ?? process.env["VIGIL_ENDPOINT_URL"] ?? DEFAULT_ENDPOINT;

/** Calls one of the server's endpoints with the caller's key; an error answer throws its message. */
export async function callApi(
  o: EndpointOptions,
  method: "GET" | "POST" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const url = endpointOf(o);
  const res = await signedFetch(url, path, body, credentialsFromEnv(), { method });
  if (res.status !== 200)
    throw new Error(`${url}: ${res.errorType ?? `HTTP ${res.status}`}: ${String(res.json["message"] ?? "")}`);
  return res.json;
}
