// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { Agent } from "https";
import { readFileSync } from "fs";

export const agent = new Agent({ rejectUnauthorized: true, ca: readFileSync("/opt/ca.pem") });
