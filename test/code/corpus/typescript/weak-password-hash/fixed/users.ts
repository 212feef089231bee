// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { createHash, scryptSync } from "crypto";

export class UserService {
  hash(password: string, salt: Buffer): string {
    return scryptSync(password, salt, 64).toString("hex");
  }
  etag(body: Buffer): string {
    return createHash("sha1").update(body).digest("hex");
  }
}
