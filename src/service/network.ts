import { gzipSync } from "node:zlib";
import type { ReachableRange } from "../findings/network.js";
import { internetReachability, modelFromAws, modelFromYaml, NetworkModelError } from "../network/index.js";
import { denied, validation } from "./errors.js";
import type { Principal, VigilService } from "./service.js";

export type NetworkModelInput =
  | { format: "aws"; documents: { label?: string | undefined; json: unknown }[] }
  | { format: "yaml"; yaml: string };

/**
 * The account's network model: uploaded as the JSON of `aws ec2 describe-*` or as on-prem YAML,
 * analysed for what the internet reaches, and applied to the account's hosts (network findings
 * and Vigil scores) without rescanning anything.
 */
export class NetworkService {
  constructor(private readonly service: VigilService) {}

  private get db() {
    return this.service.db;
  }

  async importModel(
    p: Principal,
    input: NetworkModelInput,
  ): Promise<{
    hosts: number;
    openRanges: number;
    resourcesReevaluated: number;
    opened: number;
    closed: number;
  }> {
    if (p.readOnly) throw denied(`access key ${p.id} is read-only`);
    let model: ReturnType<typeof modelFromAws>;
    try {
      model = input.format === "aws" ? modelFromAws(input.documents) : modelFromYaml(input.yaml, "yaml");
    } catch (e) {
      if (e instanceof NetworkModelError) throw validation(`network model: ${e.message}`);
      throw e;
    }
    const hosts = internetReachability(model);
    const now = this.service.now();
    const documents = gzipSync(JSON.stringify(input));
    await this.service.ensureAccount(p.accountId);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("network_reachability").where("account_id", "=", p.accountId).execute();
      for (const h of hosts) {
        const open: ReachableRange[] = [];
        // The analysis lists ranges per address and family; findings are per protocol and range.
        for (const o of h.open) {
          if (!open.some((x) => x.protocol === o.protocol && x.begin === o.begin && x.end === o.end))
            open.push({ protocol: o.protocol, begin: o.begin, end: o.end, steps: o.steps });
        }
        await trx
          .insertInto("network_reachability")
          .values({
            account_id: p.accountId,
            host_key: h.hostId,
            addresses: JSON.stringify([...h.privateAddresses, ...h.publicAddresses]),
            open_ranges: JSON.stringify(open),
            updated_at: now,
          })
          .execute();
      }
      await trx
        .insertInto("network_models")
        .values({ account_id: p.accountId, format: input.format, documents, updated_at: now })
        .onConflict((oc) =>
          oc.column("account_id").doUpdateSet({ format: input.format, documents, updated_at: now }),
        )
        .execute();
    });
    this.service.forgetNetwork(p.accountId);
    await this.service.audit(p, "ImportNetworkModel", input.format, { hosts: hosts.length });
    const out = {
      hosts: hosts.length,
      openRanges: hosts.reduce((n, h) => n + h.open.length, 0),
      resourcesReevaluated: 0,
      opened: 0,
      closed: 0,
    };
    const resources = await this.db
      .selectFrom("resources")
      .select("resource_id")
      .where("account_id", "=", p.accountId)
      .where("resource_type", "=", "AWS_EC2_INSTANCE")
      .execute();
    for (const r of resources) {
      const res = await this.service.reevaluateResource(p.accountId, r.resource_id);
      if (!res) continue;
      out.resourcesReevaluated++;
      out.opened += res.opened;
      out.closed += res.closed;
    }
    return out;
  }

  async reachability(accountId: string) {
    const rows = await this.db
      .selectFrom("network_reachability")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("host_key")
      .execute();
    return rows.map((r) => ({
      host: r.host_key,
      addresses: JSON.parse(r.addresses) as string[],
      open: JSON.parse(r.open_ranges) as ReachableRange[],
    }));
  }
}
