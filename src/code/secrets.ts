/**
 * Hard-coded credential recognition: token formats with a known shape (AWS access key ids,
 * private key blocks, GitHub / Slack / Stripe / Google / npm tokens) found anywhere in a file's
 * text, and string literals bound to credential-like names judged by length, Shannon entropy and
 * a placeholder filter ("changeme", "<your-key>", "xxxx", AWS's documented EXAMPLE keys).
 */
import { nameWords } from "./ir.js";

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER =
  /example|sample|placeholder|change[_-]?me|your[_-]|<[^>]*>|\$\{|\{\{|%\(|dummy|fake|redacted|replace[_-]?(me|this|with)|insert[_-]|todo|tbd|xxxx|\*\*\*|\.\.\.|not[_-]?a[_-]?(real|secret)|(secret|password|token|key)[_-]?here|^test[_-]|[_-]test$|qwerty|letmein|123456|abcdefgh|0{6,}|^(password|passwd|secret|admin|root|none|null|undefined|string|token|default|empty|unset|required|optional)\d*$/i;

/** Strings that stand for a credential without being one. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (PLACEHOLDER.test(v)) return true;
  // one repeated character, or a run like "aaaa…", "1111…"
  if (/^(.)\1+$/.test(v)) return true;
  if (new Set(v).size <= 3) return true;
  return false;
}

const CREDENTIAL_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "credential",
  "credentials",
  "passcode",
  "bearer",
]);
const KEY_QUALIFIERS = new Set([
  "api",
  "secret",
  "private",
  "access",
  "signing",
  "encryption",
  "master",
  "client",
  "app",
  "auth",
]);
/** A last word that makes the name describe something about a credential, not hold one. */
const NOT_A_VALUE = new Set([
  "url",
  "uri",
  "endpoint",
  "path",
  "file",
  "filename",
  "dir",
  "name",
  "type",
  "header",
  "field",
  "env",
  "var",
  "length",
  "len",
  "prompt",
  "label",
  "message",
  "msg",
  "regex",
  "pattern",
  "placeholder",
  "format",
  "id",
  "hint",
  "param",
  "input",
  "column",
  "prefix",
  "suffix",
  "text",
  "title",
  "error",
  "help",
  "count",
  "size",
  "expiry",
  "expires",
  "ttl",
  "timeout",
  "lifetime",
  "max",
  "min",
  "mode",
  "method",
  "provider",
  "kind",
  "arn",
  "key_id",
  "location",
  "policy",
  "required",
  "enabled",
  "source",
  "store",
  "manager",
  "class",
  "version",
  "style",
  "attribute",
  "attr",
  "selector",
  "status",
  "event",
  "route",
  "api",
  "hash",
  "hashed",
  "digest",
  "salt",
  "rounds",
  "algorithm",
  "algo",
  "policy",
  "reset",
  "strength",
  "rule",
  "rules",
  "validator",
  "schema",
  "option",
  "options",
  "config",
  "setting",
  "settings",
  "description",
  "usage",
  "ref",
  "reference",
  "secret_name",
]);

/** How strongly a name says it holds a credential: "password", "token" (generic secret) or none. */
export function credentialKind(name: string): "password" | "token" | undefined {
  if (name.length > 80) return undefined;
  const words = nameWords(name);
  if (words.length === 0) return undefined;
  const last = words[words.length - 1]!;
  if (NOT_A_VALUE.has(last)) return undefined;
  if (
    words.some(
      (w) => w === "password" || w === "passwd" || w === "pwd" || w === "passphrase" || w === "passcode",
    )
  )
    return "password";
  if (words.some((w) => CREDENTIAL_WORDS.has(w))) return "token";
  for (let i = 0; i + 1 < words.length; i++) {
    if (KEY_QUALIFIERS.has(words[i]!) && words[i + 1] === "key") return "token";
  }
  return undefined;
}

/**
 * Whether a string literal bound to a credential-like name is a real-looking credential.
 * Passwords: 6+ characters of some variety; tokens and keys: 12+ characters of high entropy.
 */
export function looksLikeCredential(kind: "password" | "token", value: string): boolean {
  const v = value;
  if (isPlaceholder(v)) return false;
  if (/\s/.test(v)) return false; // sentences, prompts
  if (
    /^(https?|s3|file|ftp):\/\/|^\/|^\.\.?\/|^arn:|^[A-Za-z]:\\/.test(v) &&
    !/:\/\/[^/\s:@]+:[^@\s]+@/.test(v)
  )
    return false;
  if (/%[sd]|\{\}|\{[a-z_]+\}|\$\{/.test(v)) return false;
  if (/^[A-Z][A-Z0-9_]+$/.test(v) && v.includes("_")) return false; // an environment variable name
  if (/^[a-z]+([._-][a-z]+)+$/.test(v)) return false; // a dotted key path "db.password"
  if (/^[A-Z]?[a-z]+([A-Z][a-z0-9]*)+$/.test(v)) return false; // a CamelCase field name "AWSSecretKey"
  if (/^(urn|uuid|arn|data|mailto):/i.test(v)) return false;
  const h = entropy(v);
  if (kind === "password") return v.length >= 6 && h >= 2.3;
  // Tokens and keys are random: mixed with digits, or long and varied.
  if (!/\d/.test(v) && !(v.length >= 24 && h >= 4)) return false;
  return v.length >= 12 && h >= 3.0;
}

/** A value made of the name's own words: a label ("x-aws-ec2-metadata-token"), not a secret. */
export function spellsName(name: string, value: string): boolean {
  const words = nameWords(value);
  if (words.length === 0) return false;
  const own = new Set(nameWords(name));
  return words.every((w) => own.has(w));
}

export interface TextSecret {
  index: number;
  length: number;
  what: string;
  /** A shape rather than a definite token format (not reported in test files). */
  generic?: boolean;
}

const TOKEN_PATTERNS: { what: string; re: RegExp; check?: (m: string) => boolean; generic?: boolean }[] = [
  {
    what: "an AWS access key id",
    re: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
    check: (m) => !/EXAMPLE|X{4}|0{6}/.test(m) && entropy(m.slice(4)) >= 2.5,
  },
  { what: "a GitHub token", re: /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{60,}/g },
  { what: "a Slack token", re: /\bxox[abposr]-[0-9A-Za-z-]{10,}/g },
  {
    what: "a Slack webhook URL",
    re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/g,
  },
  { what: "a Stripe secret key", re: /\b(sk|rk)_live_[0-9a-zA-Z]{20,}/g },
  { what: "a Google API key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { what: "an npm token", re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { what: "a SendGrid API key", re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g },
  {
    what: "a password in a connection URL",
    generic: true,
    re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^/\s:@'"`]+:[^@/\s'"`]{3,}@[^\s'"`]+/gi,
    check: (m) => {
      const pw = /:\/\/[^:]+:([^@]+)@/.exec(m)?.[1] ?? "";
      return (
        !/^[$%{<*]|^(password|passwd|pass|pwd|secret|changeme|x+|\*+)$/i.test(pw) &&
        !isPlaceholder(pw) &&
        entropy(pw) >= 2.3
      );
    },
  },
];

const PEM = /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----([\s\S]*?)-----END/g;

/** AWS secret access keys: 40 base64 characters next to a name that says so. */
const AWS_SECRET =
  /(aws_?secret_?access_?key|secret_?access_?key|aws_?secret_?key|secretAccessKey|SecretAccessKey)["']?\s*[:=]\s*["']([A-Za-z0-9/+]{40})["']/gi;

/** Credentials of recognisable formats in a file's text, with their offsets. */
export function findTextSecrets(text: string): TextSecret[] {
  const out: TextSecret[] = [];
  for (const p of TOKEN_PATTERNS) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(text); m !== null; m = p.re.exec(text)) {
      const token = m[0];
      if (isPlaceholderToken(token) || (p.check && !p.check(token))) continue;
      out.push({
        index: m.index,
        length: token.length,
        what: p.what,
        ...(p.generic ? { generic: true } : {}),
      });
    }
  }
  PEM.lastIndex = 0;
  for (let m = PEM.exec(text); m !== null; m = PEM.exec(text)) {
    const body = (m[3] ?? "").replace(/^[A-Za-z-]+:.*$/gm, "").replace(/\\n|\s|["'+,]/g, "");
    if (body.length < 64 || /\.\.\.|EXAMPLE|X{8}/i.test(body) || entropy(body) < 4.5) continue;
    out.push({ index: m.index, length: m[0].length, what: "a private key" });
  }
  AWS_SECRET.lastIndex = 0;
  for (let m = AWS_SECRET.exec(text); m !== null; m = AWS_SECRET.exec(text)) {
    const key = m[2]!;
    if (isPlaceholderToken(key) || entropy(key) < 4.0) continue;
    out.push({ index: m.index + m[0].indexOf(key), length: key.length, what: "an AWS secret access key" });
  }
  return out;
}

function isPlaceholderToken(t: string): boolean {
  return /EXAMPLE|X{6}|x{6}|0{8}|\*{4}/.test(t);
}
