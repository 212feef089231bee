import type { ServiceDatabase } from "../db/service/open.js";
import type { AgentlessScanJob, HostMounts } from "../hosts/hosts.js";
import type { ExportJob, Exports } from "../service/exports.js";
import type { VigilService } from "../service/service.js";
import { PgBossJobQueue } from "./pg-boss.js";
import type { JobQueue } from "./queue.js";
import { SqliteJobQueue } from "./sqlite.js";

export * from "./queue.js";

/**
 * The job queue for a service database: pg-boss on PostgreSQL (`url`), the jobs table on the
 * embedded SQLite database. `sole` says this process is the only one using a SQLite file (as
 * `vigil serve` is), so jobs its previous run left active are retried at once.
 */
export function openJobQueue(
  database: ServiceDatabase,
  options: {
    url?: string | undefined;
    sole?: boolean;
    passive?: boolean;
    log?: (line: string) => void;
  } = {},
): JobQueue {
  const passive = options.passive ?? false;
  if (database.dialect === "postgres") {
    if (!options.url) throw new Error("the PostgreSQL job queue needs the database URL");
    return new PgBossJobQueue(options.url, { passive, ...(options.log ? { log: options.log } : {}) });
  }
  return new SqliteJobQueue(database.db, { sole: options.sole ?? false, passive });
}

export interface ReevaluateResourceJob {
  accountId: string;
  resourceId: string;
}

/** Queues the planning job: one waits at a time, however many processes ask. */
export function requestReevaluation(queue: JobQueue): Promise<string | null> {
  return queue.send("reevaluate", {}, { singletonKey: "advisories" });
}

/**
 * Registers this process's handlers: the planner (one at a time) and `concurrency` resource
 * re-evaluations. Every handler is idempotent: a job that runs twice (its first worker died
 * after committing) finds nothing left to change.
 */
export async function startJobWorkers(
  queue: JobQueue,
  service: VigilService,
  options: { concurrency: number; exports?: Exports; mounts?: HostMounts; log?: (line: string) => void },
): Promise<void> {
  const { exports, mounts } = options;
  if (exports) await queue.work<ExportJob>("export", 1, (job) => exports.run(job.data));
  if (mounts) await queue.work<AgentlessScanJob>("agentless-scan", 1, (job) => mounts.scanMount(job.data));
  await queue.work("reevaluate", 1, async () => {
    const plan = await service.planReevaluation((accountId, resourceId) =>
      queue.send("reevaluate-resource", { accountId, resourceId } satisfies ReevaluateResourceJob, {
        singletonKey: `${accountId}/${resourceId}`,
      }),
    );
    if (plan.resources > 0)
      options.log?.(
        `queued re-evaluation of ${plan.resources} resources (${plan.changedKeys} advisory changes)`,
      );
    return plan;
  });
  await queue.work<ReevaluateResourceJob>("reevaluate-resource", options.concurrency, async (job) => {
    const { accountId, resourceId } = job.data;
    const r = await service.reevaluateResource(accountId, resourceId, undefined, { onlyMonitored: true });
    return r
      ? { opened: r.opened, closed: r.closed, changed: r.changed, active: r.active }
      : { skipped: "resource gone, unmonitored or without an inventory" };
  });
}
