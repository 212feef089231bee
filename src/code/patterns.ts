/**
 * Pattern detectors that need no taint: hard-coded credentials bound to names, weak hashing of
 * passwords, non-cryptographic randomness for secrets, disabled TLS verification and unsafe YAML
 * loading. They run as hooks of the engine, so they see resolved imports and aliases and the
 * values the engine tracks (a value derived from something named like a password, from a
 * random() call, …).
 */
import type { Expr, Loc } from "./ir.js";
import { nameWords } from "./ir.js";
import { type CallSite, type HookContext, type Hooks, isPasswordName, safeYamlLoader } from "./rules.js";
import { credentialKind, looksLikeCredential, spellsName } from "./secrets.js";
import { derive, type Value } from "./values.js";

const SECRET_WORDS = new Set([
  "token",
  "secret",
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "passcode",
  "otp",
  "totp",
  "nonce",
  "salt",
  "csrf",
  "xsrf",
  "session",
  "sessionid",
  "sid",
  "apikey",
  "pin",
  "iv",
  "jti",
]);
const SECRET_KEY_QUALIFIERS = new Set([
  "api",
  "secret",
  "private",
  "access",
  "signing",
  "encryption",
  "master",
  "auth",
  "session",
  "hmac",
  "aes",
  "jwt",
]);
const SECRET_CODE_QUALIFIERS = new Set([
  "verification",
  "verify",
  "otp",
  "reset",
  "auth",
  "confirm",
  "confirmation",
  "security",
  "mfa",
  "2fa",
  "activation",
  "invite",
  "recovery",
  "login",
  "one",
]);

/** Whether a name holds something that must be unpredictable (a token, key, nonce, OTP …). */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) {
    const next = words[i + 1]!;
    if (next === "key" && SECRET_KEY_QUALIFIERS.has(words[i]!)) return true;
    if (next === "code" && SECRET_CODE_QUALIFIERS.has(words[i]!)) return true;
  }
  return false;
}

const WEAK_HASH_PY =
  /^(hashlib\.(md5|sha1)|Crypto\.Hash\.(MD5|SHA|SHA1)\.new|Cryptodome\.Hash\.(MD5|SHA1)\.new|md5\.new|sha\.new)$/;
const WEAK_HASH_JS = /^(crypto-js|CryptoJS)\.(MD5|SHA1)$|^(md5|sha1|js-md5|blueimp-md5)$/;
const PY_RANDOM =
  /^(random\.(random|randint|randrange|choice|choices|sample|getrandbits|uniform|shuffle|randbytes)|numpy\.random\.(rand|randint|choice|random|bytes)|np\.random\.(rand|randint|choice|random|bytes))$/;
const JS_RANDOM = /^(Math\.random|lodash\.random|underscore\.random|_\.random)$/;

/** The weak algorithm a hash constructor call uses, if any. */
export function weakHashOf(call: CallSite): string | undefined {
  const path = call.path ?? "";
  if (call.family === "python") {
    const m = WEAK_HASH_PY.exec(path);
    if (m) return /md5/i.test(path) ? "MD5" : "SHA-1";
    if (path === "hashlib.new" && call.args[0]?.str && /^(md5|sha1|sha-1)$/i.test(call.args[0].str))
      return call.args[0].str.toUpperCase();
    return undefined;
  }
  if (
    path === "crypto.createHash" &&
    call.args[0]?.str &&
    /^(md5|sha1|sha-1|rsa-md5|rsa-sha1)$/i.test(call.args[0].str)
  )
    return call.args[0].str.toUpperCase();
  if (WEAK_HASH_JS.test(path)) return /md5/i.test(path) ? "MD5" : "SHA-1";
  return undefined;
}

/** Whether a call draws from a non-cryptographic random number generator. */
export function isWeakRandom(call: CallSite): boolean {
  const path = call.path ?? "";
  return call.family === "python" ? PY_RANDOM.test(path) : JS_RANDOM.test(path);
}

const HTTP_CLIENT = /^(requests|httpx|aiohttp|urllib3|boto3|botocore|aioboto3|pip\._vendor\.requests)\b/;
const HTTP_METHODS =
  /^(get|post|put|patch|delete|head|options|request|send|stream|urlopen|Session|Client|AsyncClient|client|resource)$/;

/** Calls whose argument at this position is a secret key. */
const SIGNING_KEY_ARG: Record<string, number> = {
  "jsonwebtoken.sign": 1,
  "jsonwebtoken.verify": 1,
  "jwt.encode": 1,
  "jwt.decode": 1,
  "crypto.createHmac": 1,
  "hmac.new": 0,
  "itsdangerous.URLSafeTimedSerializer": 0,
  "itsdangerous.URLSafeSerializer": 0,
};

export function patternHooks(): Hooks {
  const tls = (ctx: HookContext, loc: Loc, what: string) =>
    ctx.report("tls-verification-disabled", loc, `TLS certificate verification is disabled: ${what}.`);

  return {
    onAssign(ctx, name, value, valueExpr, loc, target) {
      // hard-coded credentials: a string literal bound to a credential-like name
      if (valueExpr.k === "str") {
        const kind = credentialKind(name);
        if (kind && looksLikeCredential(kind, valueExpr.value) && !spellsName(name, valueExpr.value))
          ctx.report(
            "hardcoded-credentials",
            valueExpr.loc,
            `A hard-coded ${kind === "password" ? "password" : "secret"} is assigned to ${name}.`,
            { generic: true },
          );
      }
      // non-cryptographic randomness stored under a secret's name
      if (value.rand && isSecretName(name))
        ctx.report(
          "insecure-randomness",
          value.rand,
          `${name} is generated with a non-cryptographic random number generator.`,
        );
      // TLS verification switched off by assignment or option
      if (
        value.bool === false &&
        /^(rejectUnauthorized|strictSSL|check_hostname|verify_ssl|verifySsl|ssl_verify|sslVerify|verify_certs|verifyCertificate)$/.test(
          name,
        )
      )
        tls(ctx, loc, `${name} is false`);
      if (value.bool === false && name === "verify" && target?.k === "member")
        tls(ctx, loc, "the session's verify is False");
      if (
        /(^|\.)CERT_NONE$/.test(value.ref ?? "") ||
        (name === "cert_reqs" && /CERT_NONE/.test(value.str ?? ""))
      )
        tls(ctx, loc, `${name} is CERT_NONE`);
      if (
        (name === "NODE_TLS_REJECT_UNAUTHORIZED" || name === "PYTHONHTTPSVERIFY") &&
        (value.str === "0" || value.num === 0)
      )
        tls(ctx, loc, `${name} is set to 0`);
    },

    onReturn(ctx, fnName, value, _loc) {
      if (value.rand && isSecretName(fnName))
        ctx.report(
          "insecure-randomness",
          value.rand,
          `${fnName}() returns a value from a non-cryptographic random number generator.`,
        );
    },

    onCompare(ctx, e, left, right) {
      // `if password == "s3cr3t-admin"`: a hard-coded password check
      if (e.op !== "==" && e.op !== "!=") return;
      const lit = e.right.k === "str" ? e.right : e.left.k === "str" ? e.left : undefined;
      const other = lit === e.right ? e.left : e.right;
      const otherValue = lit === e.right ? left : right;
      if (lit?.k !== "str") return;
      const name = exprName(other);
      if (!name || !otherValue.pw || credentialKind(name) !== "password") return;
      if (looksLikeCredential("password", lit.value))
        ctx.report("hardcoded-credentials", e.loc, `${name} is compared with a hard-coded password.`, {
          generic: true,
        });
    },

    onRef(ctx, ref, loc) {
      if (ref === "ssl._create_unverified_context") tls(ctx, loc, "ssl._create_unverified_context");
    },

    resultOf(call) {
      return patternValue(call, derive(...call.args));
    },

    onCall(ctx, call) {
      // weak hash of a password
      const alg = weakHashOf(call);
      const usedForSecurity = call.kwargs.get("usedforsecurity");
      if (alg && usedForSecurity?.bool !== false) {
        const data = call.family === "python" && call.path === "hashlib.new" ? call.args.slice(1) : call.args;
        if (data.some((a) => a.pw) || (call.assignName !== undefined && isPasswordName(call.assignName)))
          ctx.report("weak-password-hash", call.loc, `A password is hashed with ${alg}.`);
      }
      if (
        call.receiver?.weakHash &&
        call.method === "update" &&
        (call.args.some((a) => a.pw) || (call.assignName && isPasswordName(call.assignName)))
      )
        ctx.report("weak-password-hash", call.loc, `A password is hashed with ${call.receiver.weakHash}.`);
      // non-cryptographic randomness assigned straight to a secret
      // (assignments through a variable are seen by onAssign)
      // TLS: verify=False on an HTTP client call
      const verify = call.kwargs.get("verify");
      if (
        verify?.bool === false &&
        (HTTP_CLIENT.test(call.path ?? "") || HTTP_METHODS.test(call.method ?? ""))
      )
        tls(ctx, call.loc, "verify=False");
      // a literal signing key: jwt.sign(payload, "…"), jwt.encode(payload, "…"), createHmac(alg, "…")
      const keyArg = SIGNING_KEY_ARG[call.path ?? ""];
      const keyExpr = keyArg !== undefined ? call.argExprs[keyArg] : undefined;
      if (keyExpr?.k === "str" && looksLikeCredential("token", keyExpr.value))
        ctx.report("hardcoded-credentials", keyExpr.loc, `${call.path} is given a hard-coded key.`, {
          generic: true,
        });
      // unsafe YAML loading
      if (
        call.family === "python" &&
        /^yaml\.(load|load_all)$/.test(call.path ?? "") &&
        !safeYamlLoader(call)
      )
        ctx.report(
          "unsafe-deserialization",
          call.loc,
          `${call.path} without a safe Loader can construct arbitrary Python objects.`,
        );
      if (call.family === "python" && /^yaml\.(unsafe_load|unsafe_load_all)$/.test(call.path ?? ""))
        ctx.report(
          "unsafe-deserialization",
          call.loc,
          `${call.path} can construct arbitrary Python objects.`,
        );
    },
  };
}

/** Result of a weak-hash constructor or a random() call, for the engine to track. */
export function patternValue(call: CallSite, base: Value): Value | undefined {
  const alg = weakHashOf(call);
  if (alg) return { ...base, weakHash: alg };
  if (isWeakRandom(call)) return { ...base, rand: call.loc };
  return undefined;
}

function exprName(e: Expr): string | undefined {
  if (e.k === "name") return e.name;
  if (e.k === "attr") return e.name;
  if (e.k === "index" && e.index.k === "str") return e.index.value;
  if (e.k === "call" && e.callee.k === "attr" && e.callee.name === "get" && e.args[0]?.k === "str")
    return e.args[0].value;
  return undefined;
}
