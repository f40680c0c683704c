import type { Redis } from "ioredis";

/** Scale-out over Redis: several server processes share runs, resume and rate limits. */
export interface ClusterOptions {
  /** `redis://host:6379` (the CLI passes `REDIS_URL`), or an ioredis client to duplicate connections from. */
  redis: string | Redis;
  /** This process's id in leases and logs. @default `<hostname>-<pid>-<random>` */
  nodeId?: string;
  /**
   * How long a run's lease lasts without renewal, in ms. A node that dies leaves its runs
   * running for at most about 1.5x this before another node ends them with RUN_ERROR.
   * @default 10000
   */
  leaseMs?: number;
  /** Prefix of every Redis key and channel. @default "bc:" */
  keyPrefix?: string;
  /** Share the run rate limits (runsPerSecond/runBurst) across nodes through Redis. @default true */
  sharedRateLimits?: boolean;
  /** Largest number of events written to Redis in one stream entry. @default 512 */
  maxBatchEvents?: number;
}

/** Cluster defaults. */
export const CLUSTER_DEFAULTS = {
  leaseMs: 10_000,
  keyPrefix: "bc:",
  sharedRateLimits: true,
  maxBatchEvents: 512,
} as const;

/** Redis keys and channels of one deployment (one prefix). Braces keep a run's keys in one slot. */
export function clusterKeys(prefix: string) {
  return {
    meta: (runId: string) => `${prefix}run:{${runId}}`,
    events: (runId: string) => `${prefix}run:{${runId}}:events`,
    lease: (runId: string) => `${prefix}run:{${runId}}:lease`,
    threadRuns: (threadId: string) => `${prefix}thread:{${threadId}}:runs`,
    active: `${prefix}runs:active`,
    node: (nodeId: string) => `${prefix}node:${nodeId}`,
    threadStarts: `${prefix}thread-runs`,
  };
}

export type ClusterKeys = ReturnType<typeof clusterKeys>;
