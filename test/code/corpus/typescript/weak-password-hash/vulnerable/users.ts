// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { createHash } from "crypto";

export class UserService {
  hash(password: string): string {
    return createHash("sha1").update(password).digest("hex");  // expect: typescript/weak-password-hash
  }
}
