// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { promises as fs } from "fs";
import * as path from "path";

export async function handler(event: { pathParameters: Record<string, string> }) {
  const target = path.join("/var/data", event.pathParameters.name);
  return fs.readFile(target, "utf8");  // expect: typescript/path-traversal
}
