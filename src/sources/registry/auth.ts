/**
 * Authentication helpers for the registry client: parsing `WWW-Authenticate` challenges (RFC 7235)
 * and caching bearer tokens from a distribution token server (Docker registry token auth spec).
 */

/** One challenge from a `WWW-Authenticate` header: the scheme (lower-cased) and its parameters. */
export interface Challenge {
  scheme: string;
  /** Parameter names lower-cased; values unquoted and unescaped. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses every challenge in one or more `WWW-Authenticate` header values, e.g.
 * `Bearer realm="https://auth.example/token",service="registry, example",scope="repository:a/b:pull"`.
 * Quoted values may contain commas, spaces and backslash escapes; several challenges may share one
 * header. Never throws: garbage is skipped.
 */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = typeof header === "string" ? [header] : header;
  const out: Challenge[] = [];
  for (const s of values) {
    if (typeof s !== "string") continue;
    const n = Math.min(s.length, 16 * 1024);
    let i = 0;
    let current: Challenge | undefined;
    const skipSpace = () => {
      while (i < n && (s[i] === " " || s[i] === "\t")) i++;
    };
    const readToken = (): string => {
      const start = i;
      while (i < n && TOKEN_CHAR.test(s[i]!)) i++;
      return s.slice(start, i);
    };
    while (i < n) {
      skipSpace();
      if (i >= n) break;
      if (s[i] === ",") {
        i++;
        continue;
      }
      const name = readToken();
      if (name === "") {
        i++; // not a token character: skip it
        continue;
      }
      skipSpace();
      if (s[i] === "=" && current !== undefined) {
        i++;
        skipSpace();
        let value = "";
        if (s[i] === '"') {
          i++;
          while (i < n && s[i] !== '"') {
            if (s[i] === "\\" && i + 1 < n) i++;
            value += s[i];
            i++;
          }
          i++; // closing quote
        } else {
          const start = i;
          while (i < n && s[i] !== "," && s[i] !== " " && s[i] !== "\t") i++;
          value = s.slice(start, i);
        }
        const key = name.toLowerCase();
        if (!(key in current.params)) current.params[key] = value;
      } else if (s[i] === "=") {
        i++; // a parameter before any scheme: ignore
      } else {
        current = { scheme: name.toLowerCase(), params: Object.create(null) as Record<string, string> };
        out.push(current);
        // token68 form (`Basic abc==`): swallow it so it is not taken for a scheme.
        const m = /^[A-Za-z0-9._~+/-]+=*(?=\s*(?:,|$))/.exec(s.slice(i, n));
        if (m && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=[^=]/.test(s.slice(i, n))) i += m[0].length;
      }
    }
  }
  return out;
}

/** `Authorization` value for HTTP Basic. */
export function basicAuthorization(username: string, password: string): string {
  return "Basic " + Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}

/** A token may travel in a header only if it is visible ASCII (no CR/LF injection, no spaces). */
export function isHeaderSafeToken(token: string): boolean {
  return token.length > 0 && token.length <= 64 * 1024 && /^[\x21-\x7e]+$/.test(token);
}

/** Bearer tokens per scope, each kept until shortly before its `expires_in` runs out. */
export class TokenCache {
  private readonly entries = new Map<string, { token: string; expiresAt: number }>();

  get(key: string, now = Date.now()): string | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.token;
  }

  /** Stores `token` for `expiresInSeconds` less a safety margin (10 %, at most 10 s). */
  set(key: string, token: string, expiresInSeconds: number, now = Date.now()): void {
    const ms = expiresInSeconds * 1000;
    this.entries.set(key, { token, expiresAt: now + ms - Math.min(10_000, ms / 10) });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
