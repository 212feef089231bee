import { timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { ServiceError } from "../service/errors.js";

/**
 * AWS Signature Version 4 verification. The request is signed again with the key's secret by
 * the same signer the AWS SDKs use, over exactly the headers the client said it signed, and the
 * two signatures are compared in constant time.
 */
export interface SignedRequest {
  method: string;
  /** Path as received, still percent-encoded. */
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

const header = (h: SignedRequest["headers"], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(",") : v;
};

export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value) {
    throw new ServiceError(
      "MissingAuthenticationTokenException",
      "Missing Authentication Token: sign the request with AWS Signature Version 4",
    );
  }
  const m =
    /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(
      value,
    );
  if (!m) {
    throw new ServiceError(
      "IncompleteSignatureException",
      "Authorization header must be 'AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…'",
    );
  }
  const scope = m[1]!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request") {
    throw new ServiceError(
      "IncompleteSignatureException",
      `Credential scope ${m[1]} must be <key>/<date>/<region>/<service>/aws4_request`,
    );
  }
  return {
    accessKeyId: scope[0]!,
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: m[2]!.split(";"),
    signature: m[3]!,
  };
}

/** Signers are reused per key and scope: each caches its derived signing keys. */
const signers = new Map<string, SignatureV4>();

function signerFor(auth: ParsedAuthorization, secretAccessKey: string): SignatureV4 {
  const id = `${auth.accessKeyId}\0${secretAccessKey}\0${auth.region}\0${auth.service}`;
  let signer = signers.get(id);
  if (!signer) {
    if (signers.size > 10_000) signers.clear();
    signer = new SignatureV4({
      service: auth.service,
      region: auth.region,
      credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
      sha256: Hash.bind(null, "sha256"),
      uriEscapePath: true,
      // Sign exactly what the client signed: no x-amz-content-sha256 unless it sent one.
      applyChecksum: false,
    });
    signers.set(id, signer);
  }
  return signer;
}

/** Parses X-Amz-Date (yyyymmddThhmmssZ) to epoch milliseconds. */
function amzDate(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export async function verifySignature(
  req: SignedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  now = Date.now(),
): Promise<void> {
  const dateHeader = header(req.headers, "x-amz-date");
  const when = dateHeader ? amzDate(dateHeader) : Number.NaN;
  if (Number.isNaN(when)) {
    throw new ServiceError(
      "IncompleteSignatureException",
      "X-Amz-Date header is missing or not in yyyymmddThhmmssZ form",
    );
  }
  if (Math.abs(now - when) > MAX_SKEW_MS) {
    throw new ServiceError(
      "InvalidSignatureException",
      `Signature expired: ${dateHeader} is more than 15 minutes from the server time ${new Date(now).toISOString()}`,
    );
  }
  if (!dateHeader!.startsWith(auth.date)) {
    throw new ServiceError("InvalidSignatureException", "Credential scope date does not match X-Amz-Date");
  }
  if (!auth.signedHeaders.includes("host")) {
    throw new ServiceError("InvalidSignatureException", "SignedHeaders must include host");
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = header(req.headers, name);
    if (v === undefined)
      throw new ServiceError(
        "InvalidSignatureException",
        `signed header ${name} is missing from the request`,
      );
    headers[name] = v;
  }
  const signer = signerFor(auth, secretAccessKey);
  // The canonical URI escapes the path as sent (already escaped once), as the SDKs and CLI do.
  const [path] = req.rawPath.split("?");
  const request = new HttpRequest({
    method: req.method,
    protocol: "http:",
    hostname: headers["host"]!,
    path: path || "/",
    query: req.query,
    headers,
    body: req.body.length ? req.body.toString("utf8") : undefined,
  });
  const signed = await signer.sign(request, {
    signingDate: new Date(when),
    unsignableHeaders: new Set(),
    signableHeaders: new Set(auth.signedHeaders),
  });
  const got = /Signature=([0-9a-f]{64})/.exec(String(signed.headers["authorization"]))?.[1] ?? "";
  const a = Buffer.from(got, "hex");
  const b = Buffer.from(auth.signature, "hex");
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new ServiceError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    );
  }
}
