/**
 * The composition root: everything a runtime is made of, built in this file's order, each
 * part from the options and the parts before it, and closed in `closeRuntime`'s order. No
 * part assigns into another; a part that needs another gets it here, as an argument. The
 * runtime (sdk.ts) holds the result and adds the entry points (upgrades, `listen`, `attach`).
 * See docs/architecture.md, "Lifecycle".
 *
 *  1. settings          — logger, limits, resume bounds, heartbeats, base path
 *  2. agents            — by name, unique
 *  3. observability     — metrics, run spans
 *  4. authenticator     — API keys, JWT, verifiers; failures counted in the metrics
 *  5. runs              — registry, abandoned-run rule, replay scheduler
 *  6. response cache    — validates agents' cache options before anything connects
 *  7. cluster (Redis)   — only with `cluster`; loads `ioredis` then
 *  8. run rate limiter  — shared through the cluster's Redis, else in memory
 *  9. WebSocket tickets — in the cluster's Redis, else in memory (unless `tickets.store`)
 * 10. thread persistence — the given store, Postgres (`databaseUrl`, loads `pg`), or SQLite;
 *                          live runs and deletes span the cluster; saves reaped runs
 * 11. thread following  — hears run starts from the cluster
 * 12. connections       — authenticated-connection counts, pre-auth budget, open sessions
 * 13. launcher          — starts runs (here or through the cluster); persistence tracks them
 * 14. run core          — the run policy every binding goes through
 * 15. bindings          — routes (/health, /ready, /metrics), HTTP/SSE, /threads, WebSocket
 * 16. housekeeping      — idle sockets and expired runs, swept on a timer
 * @module
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { RunAgentInput } from "@ag-ui/core";
import { type AgentInfo, CloseCode, SUBPROTOCOL } from "@backchannel/protocol";
import { WebSocketServer } from "ws";
import type { Agent } from "./agent.js";
import { Authenticator } from "./auth/authenticator.js";
import { createRedisTicketStore } from "./auth/redis-tickets.js";
import { createMemoryTicketStore, createTicketIssuer, type TicketIssuer } from "./auth/tickets.js";
import { createMemoryCacheStore } from "./cache/memory-store.js";
import { createRedisCacheStore } from "./cache/redis-store.js";
import { ResponseCache } from "./cache/response-cache.js";
import type { ResponseCacheStore } from "./cache/types.js";
import { Cluster } from "./cluster/cluster.js";
import { CLUSTER_DEFAULTS } from "./cluster/cluster-options.js";
import { createSharedRunRateLimiter } from "./cluster/shared-rate-limit.js";
import { RunAccess } from "./core/run-access.js";
import { RunCore } from "./core/run-core.js";
import { ConfigError } from "./errors.js";
import { answerHealth, FEATURES } from "./http/health.js";
import { type HttpBinding, installHttpBinding } from "./http/http-binding.js";
import type { HttpHost } from "./http/http-host.js";
import { Router } from "./http/router.js";
import { installThreadRoutes } from "./http/threads-routes.js";
import { ConnectionGate } from "./limits/connection-gate.js";
import type { ResolvedLimits } from "./limits/limit-options.js";
import { PreAuthGate } from "./limits/pre-auth-gate.js";
import { createRunRateLimiter, type RunRateLimiter } from "./limits/run-rate-limit.js";
import { createLogger, type Logger } from "./logger.js";
import { RuntimeMetrics } from "./ops/metrics.js";
import { metricsRoute } from "./ops/metrics-endpoint.js";
import { answerReady } from "./ops/readiness.js";
import { RunObserver } from "./ops/run-observer.js";
import { traceStoreWrites } from "./ops/traced-store.js";
import { DEFAULTS, type SDKOptions } from "./options.js";
import type { Principal } from "./principal.js";
import { AbandonedRuns } from "./runs/abandoned-runs.js";
import { RunLauncher } from "./runs/launcher.js";
import { RunRegistry } from "./runs/registry.js";
import type { ResolvedResume } from "./runs/resume-options.js";
import type { Run } from "./runs/run.js";
import { ReplayScheduler } from "./session/replay-scheduler.js";
import type { Session } from "./session/session.js";
import { createThreadStore, describeStore, lazyThreadStore, type StoreConfig } from "./store/create-store.js";
import { ThreadPersistence } from "./store/persistence.js";
import { ThreadFollowing } from "./store/thread-follow.js";
import type { ThreadStore } from "./store/thread-store.js";

type RunAuthorizer = (principal: Principal, input: RunAgentInput) => Promise<void>;
type HealthCheck = { name: string; check: () => Promise<void> };

/** Everything a runtime is made of, built once by {@link composeRuntime}. */
export interface RuntimeParts {
  readonly options: SDKOptions;
  readonly logger: Logger;
  readonly limits: ResolvedLimits;
  readonly resume: ResolvedResume;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly basePath: string;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly metrics: RuntimeMetrics;
  readonly runObserver: RunObserver;
  readonly authenticator: Authenticator;
  readonly registry: RunRegistry;
  /** Cancels runs whose client streams closed and were not resumed in time (options.abandonedRuns). */
  readonly abandoned: AbandonedRuns;
  /** Replays (resume, catch-up) of every socket and stream take bounded turns, round-robin by principal. */
  readonly replay: ReplayScheduler;
  readonly responseCache: ResponseCache;
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
  readonly connections: ConnectionGate;
  /** Sockets still authenticating: their own budget, apart from `maxConnections`. */
  readonly preAuth: PreAuthGate;
  /** Open WebSocket sessions. */
  readonly sessions: Set<Session>;
  /** Servers started by `listen()` or given to `attach()`. */
  readonly servers: Set<Server>;
  readonly launcher: RunLauncher;
  /** Checked before every run starts, in order: thread ownership first, then the app's. */
  readonly runAuthorizers: RunAuthorizer[];
  readonly core: RunCore;
  /** `/health` dependency checks: the app's, then Redis and the database. */
  readonly healthChecks: HealthCheck[];
  readonly router: Router;
  /** What the bindings (WebSocket sessions, HTTP routes) see of the runtime. */
  readonly host: HttpHost;
  readonly http: HttpBinding;
  readonly wss: WebSocketServer;
  readonly sweeper: NodeJS.Timeout;
  /** The app's `onClose` hooks, run last when closing. */
  readonly closeHooks: (() => Promise<void>)[];
}

/** What the composition needs from the runtime object holding it. */
export interface RuntimeShell {
  /** True from the first moment of `close()`: `/ready` answers 503. */
  draining(): boolean;
}

/** Builds every part of a runtime, in order. Throws ConfigError on invalid options. */
export function composeRuntime(options: SDKOptions, shell: RuntimeShell): RuntimeParts {
  // 1. Settings.
  if (!options || !Array.isArray(options.agents))
    throw new ConfigError("new CopilotKitSDK({ agents: [...] }) needs an agents array");
  const logger = options.logger ?? createLogger();
  const limits: ResolvedLimits = { ...DEFAULTS.limits, ...stripUndefined(options.limits ?? {}) };
  const resume: ResolvedResume = { ...DEFAULTS.resume, ...stripUndefined(options.resume ?? {}) };
  const heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
  if (idleTimeoutMs <= heartbeatMs)
    throw new ConfigError("idleTimeoutMs must be larger than heartbeatMs (use about 3x)");
  const basePath = normalizeBase(options.basePath ?? DEFAULTS.basePath);
  const trustProxy = options.trustProxy ?? false;

  // 2. Agents.
  const agents = new Map<string, Agent>();
  for (const agent of options.agents) {
    if (!agent || typeof agent.name !== "string" || !agent.name || typeof agent.run !== "function") {
      throw new ConfigError(
        "Each agent needs a non-empty `name`, a `description` and a `run(input, ctx)` method",
      );
    }
    if (agents.has(agent.name))
      throw new ConfigError(`Two agents are named '${agent.name}'; names must be unique`);
    agents.set(agent.name, agent);
  }
  const agentInfos = (): AgentInfo[] =>
    options.agents.map((a) => ({ name: a.name, description: a.description }));

  // 3. Observability.
  const metrics = new RuntimeMetrics(options.metrics);
  const runObserver = new RunObserver(metrics);

  // 4. The authenticator; every refused credential passes its one reporting point.
  const authenticator = new Authenticator(options.auth, logger);
  authenticator.failures.onFailure((f) => metrics.authFailure(f.reason));

  // 5. Runs.
  const registry = new RunRegistry(resume);
  const abandoned = new AbandonedRuns(options.abandonedRuns, logger);
  const replay = new ReplayScheduler();

  // 6. The response cache, before anything opens a connection: it validates the agents' cache
  // options. Its store is chosen on first use, when the cluster and the thread store exist.
  let cacheStore: ResponseCacheStore | undefined;
  const responseCache = new ResponseCache(
    options.responseCache,
    () => {
      cacheStore ??=
        options.responseCache?.store ??
        (cluster
          ? createRedisCacheStore(cluster.redis, { keyPrefix: options.cluster?.keyPrefix ?? "bc:" })
          : threads?.store.responseCache?.()) ??
        createMemoryCacheStore();
      return cacheStore;
    },
    logger,
    (hit) => metrics.cacheLookup(hit),
  );
  for (const agent of options.agents) responseCache.validateAgent(agent);
  const healthChecks: HealthCheck[] = [...(options.healthChecks ?? [])];

  // 7. The cluster: tickets, rate limits, persistence and following all use it.
  const cluster = options.cluster ? new Cluster({ logger, registry, resume }, options.cluster) : undefined;
  if (cluster) {
    healthChecks.push({ name: "redis", check: () => cluster.ping() });
    logger.info(cluster.describe(), "cluster mode: runs shared through Redis");
  }
  const keyPrefix = options.cluster?.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix;

  // 8. The run rate limiter: one budget per principal across nodes when shared.
  const rateLimiter =
    cluster && (options.cluster?.sharedRateLimits ?? CLUSTER_DEFAULTS.sharedRateLimits)
      ? createSharedRunRateLimiter(cluster.redis, keyPrefix, limits.runsPerSecond, limits.runBurst)
      : createRunRateLimiter(limits.runsPerSecond, limits.runBurst);

  // 9. Tickets: in a cluster, /connect and the socket may reach different nodes.
  const tickets = createTicketIssuer({
    ...options.tickets,
    store:
      options.tickets?.store ??
      (cluster
        ? createRedisTicketStore(cluster.redis, { keyPrefix: `${keyPrefix}ticket:` })
        : createMemoryTicketStore()),
  });
  // The authenticator redeems them (WebSocket attempts only).
  authenticator.useTickets(tickets.verifier);

  // 10. Thread persistence; it saves the runs the cluster reaps from dead nodes.
  const threads = openThreads(options, { logger, registry }, cluster);
  if (threads) {
    healthChecks.push({ name: "database", check: () => threads.store.ping() });
    cluster?.onReaped((run) => threads.saveReaped(run));
  }

  // 11. Following threads: run starts anywhere in the cluster reach this node's followers.
  const following = new ThreadFollowing({ registry, threads, cluster });

  // 12. Connections.
  const connections = new ConnectionGate(limits);
  const preAuth = new PreAuthGate({
    max: limits.maxUnauthenticated,
    perAddress: limits.maxUnauthenticatedPerAddress,
  });
  const sessions = new Set<Session>();
  const servers = new Set<Server>();

  // 13. The launcher; persistence tracks every run it starts.
  const launcher = new RunLauncher({
    logger,
    registry,
    runObserver,
    cluster,
    following,
    exposeErrors: options.exposeErrors === true,
    listeners: threads ? [(run) => threads.track(run)] : [],
  });

  // 14. The run core.
  const runAuthorizers: RunAuthorizer[] = threads ? [(p, input) => threads.authorizeRun(p, input)] : [];
  const core = new RunCore({
    logger,
    responseCache,
    registry,
    access: new RunAccess(() => threads, logger),
    findAgent: (name) => agents.get(name),
    agentNames: () => [...agents.keys()],
    rateLimiter: () => rateLimiter,
    authorizeRun: async (principal, input) => {
      for (const fn of runAuthorizers) await fn(principal, input);
    },
    launch: (input, agent, principal, trace) => launcher.start(input, agent, principal, trace),
    locateRun: (runId) => (cluster ? cluster.locateRun(runId) : Promise.resolve(undefined)),
    joinThread: (principal, threadId) => following.join(principal, threadId),
    threads: () => threads,
    abandoned,
    metrics,
    runObserver,
  });

  // 15. Bindings, over the core.
  const router = new Router();
  const host: HttpHost = {
    logger,
    authenticator,
    limits,
    heartbeatMs,
    idleTimeoutMs,
    resumeRetentionMs: resume.retentionMs,
    core,
    metrics,
    replay,
    basePath,
    trustProxy,
    agentInfos,
    admit: (principal) => connections.admit(principal),
    release: (principal) => connections.release(principal),
    followThread: (threadId, fn: (run: Run) => void) => following.follow(threadId, fn),
    route: (method, pattern, handler) => router.add(method, pattern, handler),
    stats: () => ({ authenticated: connections.authenticated }),
  };
  const health = (req: IncomingMessage, res: ServerResponse) =>
    answerHealth(req, res, {
      authenticator,
      trustProxy,
      service: options.serviceName ?? DEFAULTS.serviceName,
      agents: agentInfos(),
      features: FEATURES,
      checks: healthChecks,
      exposeErrors: options.exposeErrors === true,
      logger,
    });
  router.add("GET", "/health", health);
  router.add("GET", "/ready", (_req, res) =>
    answerReady(res, { draining: shell.draining(), checks: healthChecks }),
  );
  router.add("GET", "/metrics", metricsRoute(metrics, options.metrics?.token));
  const http = installHttpBinding(host, {
    allowedOrigins: options.allowedOrigins,
    tickets,
    publicUrl: options.publicUrl,
    ...(options.copilotKit !== undefined ? { copilotKit: options.copilotKit } : {}),
  });
  if (threads) installThreadRoutes(host, core, threads, options.allowedOrigins);
  metrics.countConnections(() => ({ websocket: sessions.size, sse: http.streamCount }));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    // Echo exactly our protocol, never the bearer token; a client asking for none gets v1 implicitly.
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  if (authenticator.anonymous) {
    logger.warn(
      "auth.anonymous is on: anyone who can reach this server can run its agents (development only)",
    );
  }

  // 16. Housekeeping: idle sockets and expired runs.
  const sweepEvery = Math.max(50, Math.min(5_000, Math.floor(idleTimeoutMs / 3)));
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const session of sessions) {
      if (now - session.lastSeen > idleTimeoutMs) {
        session.close(
          CloseCode.HeartbeatTimeout,
          `No frame for ${idleTimeoutMs} ms; send ping every heartbeatMs`,
        );
      }
    }
    registry.sweep(now);
  }, sweepEvery);
  sweeper.unref();

  return {
    options,
    logger,
    limits,
    resume,
    heartbeatMs,
    idleTimeoutMs,
    basePath,
    agents,
    metrics,
    runObserver,
    authenticator,
    registry,
    abandoned,
    replay,
    responseCache,
    cluster,
    rateLimiter,
    tickets,
    threads,
    following,
    connections,
    preAuth,
    sessions,
    servers,
    launcher,
    runAuthorizers,
    core,
    healthChecks,
    router,
    host,
    http,
    wss,
    sweeper,
    closeHooks: [],
  };
}

/**
 * Closes a runtime, in this order: stop accepting (servers, sessions with 1012 "service
 * restart", SSE streams, the abandoned-run timers); let runs finish until `deadlineMs` and end
 * the rest with RUN_ERROR; stop housekeeping; flush the response cache; close the cluster (it
 * flushes this node's runs to Redis, and a reaped run may still be saved), then persistence (it
 * waits for pending saves and closes the store it opened); run the app's `onClose` hooks; and
 * last drop the servers' remaining connections and the WebSocket server.
 */
export async function closeRuntime(parts: RuntimeParts, deadlineMs: number): Promise<void> {
  const { logger, registry } = parts;
  logger.info({ deadlineMs, running: registry.running().length }, "shutting down");
  const closed = [...parts.servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
  for (const session of [...parts.sessions]) session.close(CloseCode.ServiceRestart, "service restart");
  parts.http.close();
  parts.abandoned.close();
  // Every run registered until the deadline is waited for, not only those running now: a
  // request that passed its checks just before the drain (an HTTP run, a start awaiting Redis)
  // may still launch one. Failing it when the earlier runs end would cut an answer that had
  // the whole deadline to finish.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), deadlineMs);
  });
  for (let running = registry.running(); running.length; running = registry.running()) {
    const ended = await Promise.race([Promise.all(running.map((r) => r.done)), deadline]);
    if (ended === "deadline") break;
  }
  clearTimeout(timer);
  for (const run of registry.running())
    run.fail("Server shut down before the run finished; start it again", "shutdown");
  clearInterval(parts.sweeper);
  // Cache entries still being written land before Redis and the thread store close.
  await parts.responseCache.flush();
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ["cluster", parts.cluster && (() => parts.cluster!.close())],
    ["threads", parts.threads && (() => parts.threads!.close())],
  ];
  for (const [name, close] of steps) {
    if (close) await close().catch((err) => logger.error({ err, feature: name }, "closing failed"));
  }
  for (const hook of parts.closeHooks) {
    await hook().catch((err) => logger.error({ err }, "close hook failed"));
  }
  for (const s of parts.servers) s.closeAllConnections?.();
  await Promise.all(closed);
  parts.wss.close();
  parts.authenticator.failures.flush();
  logger.info("shut down");
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
  base: { logger: Logger; registry: RunRegistry },
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

function normalizeBase(path: string): string {
  const p = `/${path.replace(/^\/+|\/+$/g, "")}`;
  return p === "/" ? "" : p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
