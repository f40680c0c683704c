/**
 * The composition root of a runtime's optional features, read top to bottom: each feature is
 * built as an object from the options and the features before it, and handed to the ones
 * after it. No feature assigns into another; the start order is this file's order and the
 * close order is `closeFeatures`. The runtime (sdk.ts) builds these, then the run core over
 * them, then the bindings over the core. See docs/architecture.md.
 *
 * 1. cluster (Redis)       — only with `cluster`; loads `ioredis` then
 * 2. run rate limiter      — shared through the cluster's Redis, else in memory
 * 3. WebSocket tickets     — in the cluster's Redis, else in memory (unless `tickets.store`)
 * 4. thread persistence    — the given store, Postgres (`databaseUrl`, loads `pg`), or SQLite;
 *                            live runs and deletes span the cluster; saves reaped runs
 * 5. thread following      — hears run starts from the cluster
 * @module
 */

import { createRedisTicketStore } from "./auth/redis-tickets.js";
import { createMemoryTicketStore, createTicketIssuer, type TicketIssuer } from "./auth/tickets.js";
import { Cluster, type ClusterHost } from "./cluster/cluster.js";
import { CLUSTER_DEFAULTS } from "./cluster/cluster-options.js";
import { createSharedRunRateLimiter } from "./cluster/shared-rate-limit.js";
import { createRunRateLimiter, type RunRateLimiter } from "./limits/run-rate-limit.js";
import type { Logger } from "./logger.js";
import { traceStoreWrites } from "./ops/traced-store.js";
import type { ResolvedLimits, SDKOptions } from "./options.js";
import type { RunRegistry } from "./runs/registry.js";
import { createThreadStore, describeStore, lazyThreadStore, type StoreConfig } from "./store/create-store.js";
import { ThreadPersistence } from "./store/persistence.js";
import { ThreadFollowing } from "./store/thread-follow.js";
import type { ThreadStore } from "./store/thread-store.js";

/** The runtime's optional features, built once. */
export interface Features {
  /** Scale-out over Redis; undefined without `cluster`. */
  readonly cluster: Cluster | undefined;
  /** Who may start how many runs. */
  readonly rateLimiter: RunRateLimiter;
  /** Mints and redeems the WebSocket tickets of `POST /connect`. */
  readonly tickets: TicketIssuer;
  /** Thread history; undefined with `store: false`. */
  readonly threads: ThreadPersistence | undefined;
  /** Followers of threads (`join`) on this node. */
  readonly following: ThreadFollowing;
  /** `/health` dependency checks these features add. */
  readonly healthChecks: { name: string; check: () => Promise<void> }[];
}

/** What the features are built from, besides the options. */
export interface FeatureBase extends ClusterHost {
  readonly logger: Logger;
  readonly registry: RunRegistry;
  readonly limits: ResolvedLimits;
}

/** Builds every feature, in dependency order. */
export function buildFeatures(options: SDKOptions, base: FeatureBase): Features {
  const healthChecks: Features["healthChecks"] = [];

  // 1. The cluster, first: tickets, rate limits, persistence and following all use it.
  const cluster = options.cluster ? new Cluster(base, options.cluster) : undefined;
  if (cluster) {
    healthChecks.push({ name: "redis", check: () => cluster.ping() });
    base.logger.info(cluster.describe(), "cluster mode: runs shared through Redis");
  }
  const keyPrefix = options.cluster?.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix;

  // 2. The run rate limiter: one budget per principal across nodes when shared.
  const { runsPerSecond, runBurst } = base.limits;
  const rateLimiter =
    cluster && (options.cluster?.sharedRateLimits ?? CLUSTER_DEFAULTS.sharedRateLimits)
      ? createSharedRunRateLimiter(cluster.redis, keyPrefix, runsPerSecond, runBurst)
      : createRunRateLimiter(runsPerSecond, runBurst);

  // 3. Tickets: in a cluster, /connect and the socket may reach different nodes.
  const tickets = createTicketIssuer({
    ...options.tickets,
    store:
      options.tickets?.store ??
      (cluster
        ? createRedisTicketStore(cluster.redis, { keyPrefix: `${keyPrefix}ticket:` })
        : createMemoryTicketStore()),
  });

  // 4. Thread persistence.
  const threads = openThreads(options, base, cluster);
  if (threads) {
    healthChecks.push({ name: "database", check: () => threads.store.ping() });
    cluster?.onReaped((run) => threads.saveReaped(run));
  }

  // 5. Following threads: run starts anywhere in the cluster reach this node's followers.
  const following = new ThreadFollowing({ registry: base.registry, threads, cluster });

  return { cluster, rateLimiter, tickets, threads, following, healthChecks };
}

/**
 * Closes the features, after the runtime ended its runs: the cluster first (it flushes this
 * node's runs to Redis, and a reaped run may still be saved), then persistence (it waits for
 * pending saves and closes the store it opened).
 */
export async function closeFeatures(features: Features, logger: Logger): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ["cluster", features.cluster && (() => features.cluster!.close())],
    ["threads", features.threads && (() => features.threads!.close())],
  ];
  for (const [name, close] of steps) {
    if (close) await close().catch((err) => logger.error({ err, feature: name }, "closing failed"));
  }
}

/**
 * The embedded store's folder when none is configured: `./.data`, or memory under
 * NODE_ENV=test so test suites never share (or leave behind) a database file.
 */
export function defaultDataDir(): string {
  return process.env.NODE_ENV === "test" ? ":memory:" : "./.data";
}

/** Thread persistence from the options; undefined with `store: false`. */
function openThreads(
  options: SDKOptions,
  base: FeatureBase,
  cluster: Cluster | undefined,
): ThreadPersistence | undefined {
  if (options.store === false) return undefined;
  let store: ThreadStore;
  if (options.store) store = traceStoreWrites(options.store);
  else {
    const config: StoreConfig = {
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      dataDir: options.dataDir ?? defaultDataDir(),
    };
    const where = describeStore(config);
    const lazy = lazyThreadStore(() => createThreadStore(config).then(traceStoreWrites));
    lazy.ready().then(
      (s) => base.logger.info({ store: where, kind: s.kind }, "thread store ready"),
      (err) =>
        base.logger.error(
          { err, store: where },
          "thread store unavailable; runs are refused until it answers",
        ),
    );
    store = lazy;
  }
  return new ThreadPersistence(store, base, {
    ownsStore: !options.store,
    ...(options.threadAccess ? { access: options.threadAccess } : {}),
    ...(options.retention ? { retention: options.retention } : {}),
    ...(cluster ? { runs: cluster } : {}),
  });
}
