// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { randomBytes } from "crypto";

export function createApiKey(): string {
  const apiKey: string = randomBytes(24).toString("base64url");
  return apiKey;
}

export const shuffle = <T>(xs: T[]): T[] => [...xs].sort(() => Math.random() - 0.5);
