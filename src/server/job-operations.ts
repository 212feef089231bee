import { z } from "zod";
import { JOB_KIND_NAMES, JOB_STATES, type JobInfo, type JobQueue } from "../jobs/queue.js";
import { denied, notFound, ServiceError } from "../service/errors.js";
import type { RequestContext } from "./app.js";
import type { Operation } from "./operations.js";

/**
 * Vigil's background jobs on the SigV4 API (`/v1/jobs/…`), as `vigil jobs` shows them. A caller
 * sees jobs of the accounts it can see and jobs of no account (advisory re-evaluation planning);
 * it may retry or cancel only jobs of an account it can see.
 */
const JobId = z.string().min(1).max(64);
const ListJobsRequest = z.strictObject({
  kind: z.enum(JOB_KIND_NAMES as [string, ...string[]]).optional(),
  state: z.enum(JOB_STATES).optional(),
  maxResults: z.number().int().min(1).max(500).optional(),
});
const JobRequest = z.strictObject({ id: JobId });

function queueOf(ctx: RequestContext): JobQueue {
  if (!ctx.jobs) throw new ServiceError("BadRequestException", "this server runs without a job queue");
  return ctx.jobs;
}

const ownerOf = (job: JobInfo): string | undefined => {
  const data = job.data as { accountId?: unknown } | null;
  return typeof data?.accountId === "string" ? data.accountId : undefined;
};

function wire(job: JobInfo) {
  const date = (ms: number | null) => (ms === null ? undefined : new Date(ms));
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    data: job.data,
    ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
    retryCount: job.retryCount,
    retryLimit: job.retryLimit,
    createdAt: date(job.createdAt),
    startAfter: date(job.startAfter),
    ...(job.startedAt !== null ? { startedAt: date(job.startedAt) } : {}),
    ...(job.completedAt !== null ? { completedAt: date(job.completedAt) } : {}),
    ...(job.output !== null ? { output: job.output } : {}),
  };
}

async function visibleJob(ctx: RequestContext, id: string, modify: boolean): Promise<JobInfo> {
  const job = await queueOf(ctx).get(id);
  const owner = job && ownerOf(job);
  const visible = await ctx.service.organizations.visibleAccounts(ctx.principal.accountId);
  if (!job || (owner !== undefined && !visible.includes(owner))) throw notFound(`no job ${id}`);
  if (modify && owner === undefined)
    throw denied(`job ${id} belongs to no account; operators manage it with \`vigil jobs\``);
  return job;
}

export const jobOperations: Operation[] = [
  {
    name: "ListJobs",
    method: "POST",
    path: "/v1/jobs/list",
    input: ListJobsRequest,
    writes: false,
    async handler(ctx) {
      const b = ctx.body as z.infer<typeof ListJobsRequest>;
      const accounts = await ctx.service.organizations.visibleAccounts(ctx.principal.accountId);
      const jobs = await queueOf(ctx).list({
        ...(b.kind ? { kind: b.kind } : {}),
        ...(b.state ? { state: b.state } : {}),
        limit: b.maxResults ?? 100,
        accounts,
      });
      return { backend: queueOf(ctx).backend, jobs: jobs.map(wire) };
    },
  },
  {
    name: "GetJob",
    method: "POST",
    path: "/v1/jobs/get",
    input: JobRequest,
    writes: false,
    async handler(ctx) {
      return { job: wire(await visibleJob(ctx, (ctx.body as { id: string }).id, false)) };
    },
  },
  {
    name: "RetryJob",
    method: "POST",
    path: "/v1/jobs/retry",
    input: JobRequest,
    writes: true,
    async handler(ctx) {
      const job = await visibleJob(ctx, (ctx.body as { id: string }).id, true);
      if (!(await queueOf(ctx).retry(job.id)))
        throw new ServiceError(
          "ConflictException",
          `job ${job.id} is ${job.state}; only failed or cancelled jobs are retried`,
        );
      await ctx.service.audit(ctx.principal, "RetryJob", job.id, { kind: job.kind });
      return { job: wire((await queueOf(ctx).get(job.id))!) };
    },
  },
  {
    name: "CancelJob",
    method: "POST",
    path: "/v1/jobs/cancel",
    input: JobRequest,
    writes: true,
    async handler(ctx) {
      const job = await visibleJob(ctx, (ctx.body as { id: string }).id, true);
      if (!(await queueOf(ctx).cancel(job.id)))
        throw new ServiceError(
          "ConflictException",
          `job ${job.id} is ${job.state}; only waiting jobs are cancelled`,
        );
      await ctx.service.audit(ctx.principal, "CancelJob", job.id, { kind: job.kind });
      return { job: wire((await queueOf(ctx).get(job.id))!) };
    },
  },
];
