import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Access keys. SigV4 signs with the secret itself, so the server must be able to recover it:
 * secrets are stored sealed (AES-256-GCM) with a master key kept in the data directory, readable
 * by its owner only. A database dump alone reveals no secret.
 */
export const MASTER_KEY_FILE = "master.key";

export function loadMasterKey(dataDir: string): Buffer {
  const path = join(dataDir, MASTER_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  }
  const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${path}: not a 32-byte base64 key; restore it from backup`);
  chmodSync(path, 0o600);
  return key;
}

export function seal(masterKey: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", masterKey, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(
    ".",
  );
}

export function unseal(masterKey: Buffer, sealed: string): string {
  const [v, iv, tag, body] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || body === undefined) throw new Error("sealed secret: unknown format");
  const decipher = createDecipheriv("aes-256-gcm", masterKey, Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
}

const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** An access key id in AWS's shape: 20 upper-case characters; "VK" marks it as Vigil's. */
export function newAccessKeyId(): string {
  const bytes = randomBytes(18);
  let id = "VKIA";
  for (let i = 0; i < 16; i++) id += KEY_ALPHABET[bytes[i]! % 32];
  return id;
}

export function newSecretAccessKey(): string {
  return randomBytes(30).toString("base64").replace(/\+/g, "a").replace(/\//g, "b");
}

export const isAccountId = (s: string) => /^\d{12}$/.test(s);
