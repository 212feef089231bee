// @ts-nocheck — corpus for the code scanner: type-checked by nobody, parsed by the scanner
import { execSync } from "child_process";

export function Report(props: { query: string }) {
  return <pre>{execSync("grep " + props.query + " /var/log/app.log").toString()}</pre>;
}

export async function handler(event: { query: string }, context: unknown) {
  return execSync(`grep ${event.query} /var/log/app.log`).toString();  // expect: typescript/os-command-injection
}
