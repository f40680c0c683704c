/**
 * Wires the cluster into a runtime: shared rate limits, the `redis` health check, and an
 * orderly disconnect on close (after this node's runs reached Redis).
 * @module
 */
import type { Logger } from "pino";
import type { RunRateLimiter } from "../limits/run-rate-limit.js";
import type { ResolvedLimits } from "../options.js";
import type { RunRegistry } from "../runs/registry.js";
import { Cluster } from "./cluster.js";
import { CLUSTER_DEFAULTS, type ClusterOptions } from "./cluster-options.js";
import { createSharedRunRateLimiter } from "./shared-rate-limit.js";

/** The runtime hooks the cluster plugs into. Implemented by CopilotKitSDK. */
export interface ClusterInstallHost {
  readonly logger: Logger;
  readonly registry: RunRegistry;
  readonly limits: ResolvedLimits;
  readonly resume: { maxEvents: number; maxBytes: number; maxAgeMs: number; retentionMs: number };
  rateLimiter: RunRateLimiter;
  onClose(fn: () => Promise<void>): void;
  addHealthCheck(check: { name: string; check: () => Promise<void> }): void;
}

/** Creates this node's cluster layer; undefined without `options`. */
export function installCluster(
  host: ClusterInstallHost,
  options: ClusterOptions | undefined,
): Cluster | undefined {
  if (!options) return undefined;
  const cluster = new Cluster(host, options);
  if (options.sharedRateLimits ?? CLUSTER_DEFAULTS.sharedRateLimits) {
    host.rateLimiter = createSharedRunRateLimiter(
      cluster.redis,
      options.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix,
      host.limits.runsPerSecond,
      host.limits.runBurst,
    );
  }
  host.addHealthCheck({ name: "redis", check: () => cluster.ping() });
  host.onClose(() => cluster.close());
  host.logger.info(cluster.describe(), "cluster mode: runs shared through Redis");
  return cluster;
}
