/**
 * Background work as jobs. On PostgreSQL the queue is pg-boss (jobs survive restarts, any number
 * of `vigil serve` and `vigil worker` processes share them); on the embedded SQLite database the
 * same interface is served by a table in the service database. Producers and handlers are the
 * same code either way.
 */

import type { Kysely } from "kysely";
import type { ServiceTables } from "../db/service/schema.js";

/** pg-boss's job states, used by both backends. */
export const JOB_STATES = ["created", "retry", "active", "completed", "cancelled", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Every kind of job, with how it is retried and when a claimed job counts as abandoned. */
export interface JobKindSpec {
  /** Attempts after the first. */
  retryLimit: number;
  /** Seconds before the first retry; doubled per attempt when `backoff`. */
  retryDelay: number;
  backoff: boolean;
  /**
   * Seconds a job may run. A job still active after this (its worker died: SIGKILL, lost host)
   * fails and is retried by whichever process maintains the queue.
   */
  expireSeconds: number;
  /**
   * "stately": at most one waiting and one running job per singleton key (a second request while
   * one waits is dropped; one arriving while it runs waits for it). "standard": no such limit.
   */
  policy: "standard" | "stately";
  /** What it is, for `vigil jobs`. */
  description: string;
}

export const JOB_KINDS = {
  reevaluate: {
    retryLimit: 5,
    retryDelay: 10,
    backoff: true,
    expireSeconds: 900,
    policy: "stately",
    description: "find resources affected by advisory changes and queue their re-evaluation",
  },
  "reevaluate-resource": {
    retryLimit: 5,
    retryDelay: 5,
    backoff: true,
    expireSeconds: 300,
    policy: "stately",
    description: "re-match one resource's stored inventory and reconcile its findings",
  },
  export: {
    retryLimit: 2,
    retryDelay: 10,
    backoff: true,
    expireSeconds: 3600,
    policy: "stately",
    description: "write a findings report or SBOM export to the reports directory",
  },
  "agentless-scan": {
    retryLimit: 2,
    retryDelay: 30,
    backoff: true,
    expireSeconds: 1800,
    policy: "stately",
    description: "rescan a mounted disk (agentless) onto its host's resource",
  },
  "event-delivery": {
    retryLimit: 5,
    retryDelay: 5,
    backoff: true,
    // Each job carries its target's attempt timeout plus a minute (see EventBus); this is the
    // fallback for jobs queued without one.
    expireSeconds: 120,
    policy: "stately",
    description:
      "send one event to one target (webhook, Slack, Security Hub, command); failed sends retry on the target's schedule, then go to the dead letters",
  },
  "image-scan": {
    retryLimit: 3,
    retryDelay: 2,
    backoff: true,
    expireSeconds: 1800,
    policy: "stately",
    description: "pull an image from a registry (layers through the cache), inventory and submit it",
  },
} as const satisfies Record<string, JobKindSpec>;

export type JobKind = keyof typeof JOB_KINDS;
export const JOB_KIND_NAMES = Object.keys(JOB_KINDS) as JobKind[];

export function isJobKind(v: string): v is JobKind {
  return Object.hasOwn(JOB_KINDS, v);
}

export interface SendOptions {
  /** Collapses duplicates under the kind's policy (e.g. one re-evaluation per resource). */
  singletonKey?: string;
  /** Not before this many milliseconds from now. */
  delayMs?: number;
  /** Seconds this job may run before it counts as abandoned (default: the kind's). */
  expireSeconds?: number;
}

/** One job to queue with `sendWithin`. */
export interface JobRequest {
  kind: JobKind;
  data: object;
  options?: SendOptions;
}

/** A job as `vigil jobs` and the jobs API show it. */
export interface JobInfo {
  id: string;
  kind: string;
  state: JobState;
  data: unknown;
  singletonKey: string | null;
  /** Attempts made after the first. */
  retryCount: number;
  retryLimit: number;
  createdAt: number;
  startAfter: number;
  startedAt: number | null;
  completedAt: number | null;
  /** The handler's result, or `{ message }` of the error that failed the job. */
  output: unknown;
}

export interface RunningJob<T> {
  id: string;
  kind: JobKind;
  data: T;
  /** Attempts before this one (0 on the first). */
  retryCount: number;
  retryLimit: number;
}

export type JobHandler<T = unknown> = (job: RunningJob<T>) => Promise<unknown>;

export interface ListJobsQuery {
  kind?: string;
  state?: JobState;
  limit?: number;
  /** Only jobs of these accounts (`data.accountId`) and jobs of no account. */
  accounts?: readonly string[];
}

export interface JobQueue {
  /** "pg-boss" or "sqlite": printed by `vigil serve`/`vigil worker` and `vigil jobs`. */
  readonly backend: string;
  start(): Promise<void>;
  /** Stops taking jobs and waits up to `timeoutMs` for running handlers. */
  stop(timeoutMs?: number): Promise<void>;
  /** Queues a job; returns its id, or null when the kind's policy dropped it as a duplicate. */
  send(kind: JobKind, data: object, options?: SendOptions): Promise<string | null>;
  /**
   * Queues jobs on the caller's transaction of the service database, so they commit (or vanish)
   * with the rows they are about — the event outbox's deliveries. Call `wake` after the commit.
   */
  sendWithin(trx: Kysely<ServiceTables>, jobs: readonly JobRequest[]): Promise<void>;
  /** This process's workers look for jobs now instead of at their next poll. */
  wake(): void;
  /** Runs `handler` for jobs of `kind`, `concurrency` at a time, in this process. */
  work<T>(kind: JobKind, concurrency: number, handler: JobHandler<T>): Promise<void>;
  list(query?: ListJobsQuery): Promise<JobInfo[]>;
  get(id: string): Promise<JobInfo | undefined>;
  /** Counts per kind and state (waiting, running, done, failed). */
  counts(): Promise<Record<string, Partial<Record<JobState, number>>>>;
  /** Queues a failed or cancelled job again. */
  retry(id: string): Promise<boolean>;
  /** Cancels a waiting job. */
  cancel(id: string): Promise<boolean>;
  /**
   * Resolves once no job of `kinds` (all when omitted) runs or waits to start within
   * IDLE_HORIZON_MS (so short deferrals count; retries scheduled further out do not).
   */
  idle(kinds?: readonly JobKind[], timeoutMs?: number): Promise<void>;
}

/** How far ahead `idle` looks for waiting jobs. */
export const IDLE_HORIZON_MS = 2_000;

/** The retry delay before attempt `retryCount + 1`, in seconds (pg-boss's rule, without jitter). */
export function retryDelaySeconds(spec: { retryDelay: number; backoff: boolean }, retryCount: number) {
  return spec.backoff ? spec.retryDelay * 2 ** retryCount : spec.retryDelay;
}

/**
 * Seconds an active job may run before it is taken as abandoned: the kind's, unless the operator
 * sets VIGIL_JOB_EXPIRE_SECONDS (small values make crash recovery fast in tests and drills).
 */
export function expireSeconds(kind: JobKind, requested?: number): number {
  const override = Number(process.env["VIGIL_JOB_EXPIRE_SECONDS"] ?? "");
  if (Number.isFinite(override) && override > 0) return override;
  return requested !== undefined && requested > 0 ? Math.ceil(requested) : JOB_KINDS[kind].expireSeconds;
}

function retryOverride(): number | undefined {
  const raw = process.env["VIGIL_JOB_RETRY_DELAY_SECONDS"];
  const n = raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Seconds before a failed job's first retry, doubled per attempt when `retryBackoff`: the kind's,
 * unless VIGIL_JOB_RETRY_DELAY_SECONDS sets one fixed delay (0 retries at once).
 */
export function retryDelay(kind: JobKind): number {
  return retryOverride() ?? JOB_KINDS[kind].retryDelay;
}

export function retryBackoff(kind: JobKind): boolean {
  return retryOverride() === undefined && JOB_KINDS[kind].backoff;
}

export const errorOutput = (e: unknown) => ({ message: e instanceof Error ? e.message : String(e) });

/** Counts per kind and state from grouped rows. */
export function tally(
  rows: readonly { kind: string; state: string; n: unknown }[],
): Record<string, Partial<Record<JobState, number>>> {
  const out: Record<string, Partial<Record<JobState, number>>> = {};
  for (const r of rows) {
    const perState = out[r.kind] ?? {};
    perState[r.state as JobState] = Number(r.n);
    out[r.kind] = perState;
  }
  return out;
}
