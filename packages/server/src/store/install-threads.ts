/**
 * Wires thread persistence into a runtime: the store (given, or opened from configuration),
 * the ownership check before each run, saving each run when it ends, the history routes, the
 * `/health` check and the retention sweeper.
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import type { Cluster } from "../cluster/cluster.js";
import type { RunCore } from "../core/run-core.js";
import type { RouteHandler } from "../http/router.js";
import { installThreadRoutes } from "../http/threads-routes.js";
import { traceStoreWrites } from "../ops/traced-store.js";
import type { Principal } from "../principal.js";
import type { RunRegistry } from "../runs/registry.js";
import type { Run } from "../runs/run.js";
import { createThreadStore, describeStore, lazyThreadStore, type StoreConfig } from "./create-store.js";
import { type RetentionOptions, ThreadPersistence } from "./persistence.js";
import type { ThreadAccessPolicy } from "./thread-access.js";
import type { ThreadStore } from "./thread-store.js";

/** The SDK options persistence reads. */
export interface ThreadsConfig {
  store?: ThreadStore | false;
  databaseUrl?: string;
  dataDir?: string;
  retention?: RetentionOptions;
  threadAccess?: ThreadAccessPolicy;
  allowedOrigins?: string[];
}

/** The runtime hooks persistence plugs into. Implemented by CopilotKitSDK. */
export interface ThreadsHost {
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly registry: RunRegistry;
  /** The run core (deleting a thread forgets its runs). */
  readonly core: Pick<RunCore, "deleteThread">;
  /** The cluster layer, when there is one: live runs and cancels span every node. */
  readonly cluster?: Cluster | undefined;
  route(method: string, pattern: string, handler: RouteHandler): void;
  addRunAuthorizer(fn: (principal: Principal, input: RunAgentInput) => Promise<void>): void;
  onRunStarted(fn: (run: Run) => void): void;
  onClose(fn: () => Promise<void>): void;
  addHealthCheck(check: { name: string; check: () => Promise<void> }): void;
}

/**
 * The embedded store's folder when none is configured: `./.data`, or memory under
 * NODE_ENV=test so test suites never share (or leave behind) a database file.
 */
export function defaultDataDir(): string {
  return process.env.NODE_ENV === "test" ? ":memory:" : "./.data";
}

/** Installs persistence on `host`; undefined when `store: false`. */
export function installThreads(host: ThreadsHost, config: ThreadsConfig): ThreadPersistence | undefined {
  if (config.store === false) return undefined;
  let store: ThreadStore;
  const owned = !config.store;
  if (config.store) store = traceStoreWrites(config.store);
  else {
    const storeConfig: StoreConfig = {
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      dataDir: config.dataDir ?? defaultDataDir(),
    };
    const where = describeStore(storeConfig);
    const lazy = lazyThreadStore(() => createThreadStore(storeConfig).then(traceStoreWrites));
    lazy.ready().then(
      (s) => host.logger.info({ store: where, kind: s.kind }, "thread store ready"),
      (err) =>
        host.logger.error(
          { err, store: where },
          "thread store unavailable; runs are refused until it answers",
        ),
    );
    store = lazy;
  }
  const persistence = new ThreadPersistence(store, host, {
    ownsStore: owned,
    ...(config.threadAccess ? { access: config.threadAccess } : {}),
    ...(config.retention ? { retention: config.retention } : {}),
  });
  const cluster = host.cluster;
  if (cluster) {
    persistence.liveRuns = (threadId) => cluster.liveRuns(threadId);
    persistence.cancelThreadRuns = (threadId) => cluster.cancelThreadRuns(threadId);
    cluster.onReaped = (run) => persistence.saveReaped(run);
  }
  host.addRunAuthorizer((principal, input) => persistence.authorizeRun(principal, input));
  host.onRunStarted((run) => persistence.track(run));
  host.addHealthCheck({ name: "database", check: () => store.ping() });
  host.onClose(() => persistence.close());
  installThreadRoutes(host, host.core, persistence, config.allowedOrigins);
  return persistence;
}
