import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { ServiceDb } from "../../db/service/open.js";
import { notFound, ServiceError, validation } from "../../service/errors.js";
import { isAccountId } from "../../service/keys.js";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

export type Role = "admin" | "viewer";
export const ROLES: readonly Role[] = ["admin", "viewer"];

export interface ConsoleUser {
  username: string;
  accountId: string;
  role: Role;
  createdAt: number;
}

const USERNAME = /^[a-z0-9._-]{2,64}$/;
const COST = { N: 16384, r: 8, p: 1 };
const KEYLEN = 64;

/** scrypt$N$r$p$salt$hash: the parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEYLEN, COST);
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const got = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** A password for generated accounts: 20 characters from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join("");
}

function checkPassword(password: string): void {
  if (password.length < 12)
    throw validation("password: at least 12 characters", [{ name: "password", message: "too short" }]);
  if (password.length > 1024)
    throw validation("password: at most 1024 characters", [{ name: "password", message: "too long" }]);
}

/** Console users: people who sign in to the web console, each acting in one account with a role. */
export class ConsoleUsers {
  constructor(
    private readonly db: ServiceDb,
    private readonly now: () => number = Date.now,
  ) {}

  async add(username: string, accountId: string, role: string, password: string): Promise<ConsoleUser> {
    if (!USERNAME.test(username))
      throw validation(
        `username ${JSON.stringify(username)}: use 2-64 lowercase letters, digits, '.', '_' or '-'`,
      );
    if (!isAccountId(accountId)) throw validation(`account ${accountId}: an account id is 12 digits`);
    if (!(ROLES as readonly string[]).includes(role)) throw validation(`role ${role}: admin or viewer`);
    checkPassword(password);
    if (await this.get(username)) throw new ServiceError("ConflictException", `user ${username} exists`);
    const now = this.now();
    await this.db
      .insertInto("console_users")
      .values({
        username,
        account_id: accountId,
        role,
        password_hash: await hashPassword(password),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return { username, accountId, role: role as Role, createdAt: now };
  }

  async get(
    username: string,
  ): Promise<(ConsoleUser & { passwordHash: string; disabledAt: number | null }) | undefined> {
    const r = await this.db
      .selectFrom("console_users")
      .selectAll()
      .where("username", "=", username)
      .executeTakeFirst();
    return r
      ? {
          username: r.username,
          accountId: r.account_id,
          role: r.role as Role,
          createdAt: Number(r.created_at),
          passwordHash: r.password_hash,
          disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
        }
      : undefined;
  }

  async list(): Promise<ConsoleUser[]> {
    const rows = await this.db.selectFrom("console_users").selectAll().orderBy("username").execute();
    return rows.map((r) => ({
      username: r.username,
      accountId: r.account_id,
      role: r.role as Role,
      createdAt: Number(r.created_at),
    }));
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("console_users")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async remove(username: string): Promise<void> {
    const res = await this.db.deleteFrom("console_users").where("username", "=", username).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw notFound(`no console user ${username}`);
    await this.db.deleteFrom("console_sessions").where("username", "=", username).execute();
  }

  async setPassword(username: string, password: string): Promise<void> {
    checkPassword(password);
    const res = await this.db
      .updateTable("console_users")
      .set({ password_hash: await hashPassword(password), updated_at: this.now() })
      .where("username", "=", username)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound(`no console user ${username}`);
    // A new password ends every session of the old one.
    await this.db.deleteFrom("console_sessions").where("username", "=", username).execute();
  }
}
