import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServiceDb } from "../../db/service/open.js";
import type { ConsoleUser, ConsoleUsers } from "./users.js";
import { hashPassword, verifyPassword } from "./users.js";

export const SESSION_COOKIE = "vigil_session";
export const SESSION_LIFETIME_MS = 12 * 3_600_000;
export const SESSION_IDLE_MS = 2 * 3_600_000;
const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 5;
/** Usernames whose recent failures are remembered at most (a spray of names cannot grow it unbounded). */
const MAX_TRACKED = 10_000;

const digest = (token: string) => createHash("sha256").update(token).digest("base64url");

/** The CSRF header against the session's token, in constant time. */
export function csrfMatches(header: string | string[] | undefined, expected: string): boolean {
  if (typeof header !== "string") return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SignInError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 429,
  ) {
    super(message);
  }
}

/**
 * Console sessions: a random cookie value (only its hash is stored), a CSRF token per session,
 * 12 h absolute and 2 h idle lifetime, and throttled sign-in (5 failures per user in 15 min).
 */
export class ConsoleSessions {
  private readonly failures = new Map<string, number[]>();
  /** A real hash of a random password: unknown users cost the same scrypt work as known ones. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: ServiceDb,
    private readonly users: ConsoleUsers,
    private readonly now: () => number = Date.now,
  ) {}

  async signIn(
    username: string,
    password: string,
  ): Promise<{ token: string; csrfToken: string; user: ConsoleUser }> {
    const now = this.now();
    const recent = (this.failures.get(username) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
    if (recent.length >= MAX_FAILURES) {
      const wait = Math.ceil((recent[0]! + FAILURE_WINDOW_MS - now) / 1000);
      throw new SignInError(`too many failed sign-ins; try again in ${wait} s`, 429);
    }
    // Counted as a failure until proven right, so parallel guesses cannot slip past the limit.
    if (!this.failures.has(username) && this.failures.size >= MAX_TRACKED) this.pruneFailures(now);
    recent.push(now);
    this.failures.set(username, recent);
    const user = await this.users.get(username);
    // The same work and the same answer whether the user exists (or is disabled) or not.
    this.dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok || user.disabledAt !== null) throw new SignInError("wrong username or password", 401);
    this.failures.delete(username);
    // Sign-in is rare: a good moment to drop sessions that can no longer be used.
    await this.db
      .deleteFrom("console_sessions")
      .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<", now - SESSION_IDLE_MS)]))
      .execute();
    const token = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(24).toString("base64url");
    await this.db
      .insertInto("console_sessions")
      .values({
        id_hash: digest(token),
        username,
        csrf_token: csrfToken,
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_LIFETIME_MS,
      })
      .execute();
    const { passwordHash: _, disabledAt: __, ...pub } = user;
    return { token, csrfToken, user: pub };
  }

  private pruneFailures(now: number): void {
    for (const [name, times] of this.failures)
      if (times.every((t) => now - t >= FAILURE_WINDOW_MS)) this.failures.delete(name);
    // Still full of live entries: forget the oldest names rather than grow without bound.
    for (const name of this.failures.keys()) {
      if (this.failures.size < MAX_TRACKED) break;
      this.failures.delete(name);
    }
  }

  /** The session's user and CSRF token, or undefined (unknown, expired or idle too long). */
  async resolve(token: string | undefined): Promise<{ user: ConsoleUser; csrfToken: string } | undefined> {
    if (!token) return undefined;
    const now = this.now();
    const row = await this.db
      .selectFrom("console_sessions")
      .selectAll()
      .where("id_hash", "=", digest(token))
      .executeTakeFirst();
    if (!row) return undefined;
    if (Number(row.expires_at) <= now || now - Number(row.last_seen_at) > SESSION_IDLE_MS) {
      await this.db.deleteFrom("console_sessions").where("id_hash", "=", row.id_hash).execute();
      return undefined;
    }
    const user = await this.users.get(row.username);
    if (!user || user.disabledAt !== null) return undefined;
    // Touch at most once a minute: reads stay reads.
    if (now - Number(row.last_seen_at) > 60_000)
      await this.db
        .updateTable("console_sessions")
        .set({ last_seen_at: now })
        .where("id_hash", "=", row.id_hash)
        .execute();
    const { passwordHash: _, disabledAt: __, ...pub } = user;
    return { user: pub, csrfToken: row.csrf_token };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.db.deleteFrom("console_sessions").where("id_hash", "=", digest(token)).execute();
  }
}
