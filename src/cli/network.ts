import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { callApi, type EndpointOptions } from "./api.js";

/** `vigil network …`: upload the network model, show what the internet reaches. */
export function networkCommands(program: Command): void {
  const network = program.command("network").description("network reachability (talks to `vigil serve`)");
  network
    .command("import")
    .description("upload the network model: JSON printed by `aws ec2 describe-*`, or on-prem YAML")
    .argument("<files...>", "describe-vpcs.json describe-subnets.json … (or one .yaml)")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (files: string[], o: EndpointOptions) => {
      const yaml = files.length === 1 && /\.ya?ml$/i.test(files[0]!);
      const body = yaml
        ? { format: "yaml", yaml: readFileSync(files[0]!, "utf8") }
        : {
            format: "aws",
            documents: files.map((f) => {
              try {
                return { label: basename(f), json: JSON.parse(readFileSync(f, "utf8")) as unknown };
              } catch (e) {
                throw new Error(`${f}: not JSON (${(e as Error).message})`);
              }
            }),
          };
      const r = await callApi(o, "PUT", "/v1/network/model", body);
      process.stdout.write(
        `${r["hosts"]} hosts, ${r["openRanges"]} port ranges open to the internet; ${r["resourcesReevaluated"]} resources re-scored (${r["opened"]} findings opened, ${r["closed"]} closed)\n`,
      );
    });
  network
    .command("show")
    .description("ports open to the internet, per host of the model")
    .option("--endpoint-url <url>", "Vigil server")
    .action(async (o: EndpointOptions) => {
      const r = await callApi(o, "GET", "/v1/network/reachability");
      for (const h of r["hosts"] as {
        host: string;
        open: { protocol: string; begin: number; end: number }[];
      }[]) {
        const ports = h.open.map(
          (x) => `${x.protocol.toLowerCase()}/${x.begin === x.end ? x.begin : `${x.begin}-${x.end}`}`,
        );
        process.stdout.write(`${h.host}  ${ports.join(" ") || "nothing open"}\n`);
      }
    });
}
