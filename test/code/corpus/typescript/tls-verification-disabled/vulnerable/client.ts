// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { Agent } from "https";

export const agent = new Agent({ rejectUnauthorized: false });  // expect: typescript/tls-verification-disabled
