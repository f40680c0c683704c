import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { RunAgentInput } from "@ag-ui/core";
import { type AgentInfo, CloseCode, SUBPROTOCOL } from "@backchannel/protocol";
import { context as otelContext } from "@opentelemetry/api";
import type { Logger } from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import { bindSession, wsTransport } from "./adapters/ws.js";
import type { Agent } from "./agent.js";
import { Authenticator } from "./auth/authenticator.js";
import { credentialFromRequest, safePath } from "./auth/credentials.js";
import { isOriginAllowed } from "./auth/origin.js";
import { createMemoryCacheStore } from "./cache/memory-store.js";
import { createRedisCacheStore } from "./cache/redis-store.js";
import { ResponseCache } from "./cache/response-cache.js";
import type { CachePurgeFilter, ResponseCacheStore } from "./cache/types.js";
import type { Cluster } from "./cluster/cluster.js";
import { RunAccess } from "./core/run-access.js";
import { RunCore } from "./core/run-core.js";
import { AuthError, ConfigError } from "./errors.js";
import { buildFeatures, closeFeatures, type Features } from "./features.js";
import { clientAddress, type TrustProxy } from "./http/client-address.js";
import { answerHealth, FEATURES } from "./http/health.js";
import { type HttpBinding, installHttpBinding } from "./http/http-binding.js";
import { HttpError, sendHttpError, toHttpError } from "./http/http-error.js";
import { type RouteHandler, Router } from "./http/router.js";
import { installThreadRoutes } from "./http/threads-routes.js";
import { PreAuthGate } from "./limits/pre-auth-gate.js";
import type { RunRateLimiter } from "./limits/run-rate-limit.js";
import { createLogger } from "./logger.js";
import { RuntimeMetrics } from "./ops/metrics.js";
import { listenMetrics, metricsRoute } from "./ops/metrics-endpoint.js";
import { answerReady } from "./ops/readiness.js";
import { RunObserver } from "./ops/run-observer.js";
import { contextFrom, type TraceCarrier } from "./ops/tracing.js";
import { DEFAULTS, type ResolvedLimits, type ResolvedResume, type SDKOptions } from "./options.js";
import { namespacePrincipal, type Principal } from "./principal.js";
import { AbandonedRuns } from "./runs/abandoned-runs.js";
import { executeRun } from "./runs/execute.js";
import { RunRegistry } from "./runs/registry.js";
import type { Run } from "./runs/run.js";
import { ReplayScheduler } from "./session/replay-scheduler.js";
import { Session } from "./session/session.js";
import type { SessionHost } from "./session/session-host.js";
import type { ThreadPersistence } from "./store/persistence.js";
import type { ThreadFollowing } from "./store/thread-follow.js";

/** A server started by `sdk.listen()`. */
export interface ListeningServer {
  /** The Node http server. */
  server: Server;
  port: number;
  /** e.g. `http://127.0.0.1:8000` */
  httpUrl: string;
  /** e.g. `ws://127.0.0.1:8000/copilotkit/ws` */
  wsUrl: string;
  /** Graceful shutdown: see `sdk.close()`. */
  close(): Promise<void>;
}

/**
 * The Backchannel runtime: hosts agents behind `<basePath>/ws` (WebSocket) and
 * `<basePath>/health`, with auth, limits, resumable runs and graceful shutdown.
 *
 * @example
 * const runtime = createRuntime({ agents: [myAgent], auth: { apiKeys: process.env.AGENT_API_KEY } });
 * const { wsUrl } = await runtime.listen({ port: 8000 });
 * // The seed's spelling is the same class: new CopilotKitSDK({ agents, auth })
 * const { wsUrl } = await sdk.listen({ port: 8000 });
 */
export class BackchannelRuntime implements SessionHost {
  /** The hosted agents, as passed in. */
  readonly agents: Agent[];
  readonly basePath: string;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly registry: RunRegistry;
  /** Cancels runs whose client streams closed and were not resumed in time (options.abandonedRuns). */
  private readonly abandoned: AbandonedRuns;
  readonly limits: ResolvedLimits;
  readonly resume: ResolvedResume;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly router = new Router();
  readonly rateLimiter: RunRateLimiter;
  /** The HTTP/SSE binding (AG-UI HTTP runs, resume, cancel, `/connect` tickets). See docs/http.md. */
  readonly http: HttpBinding;
  /** Thread history (store, ownership, `/threads` routes); undefined with `store: false`. See docs/persistence.md. */
  readonly threads: ThreadPersistence | undefined;
  /** Scale-out over Redis (shared runs, leases, rate limits); undefined without `cluster`. See docs/persistence.md. */
  readonly cluster: Cluster | undefined;
  /** Followers of threads (`join`) on this node. */
  readonly following: ThreadFollowing;
  /** The opt-in response cache (`agent.cache`, `responseCache`). See the server README. */
  readonly responseCache: ResponseCache;
  private chosenCacheStore: ResponseCacheStore | undefined;
  /** Replays (resume, catch-up) of every socket and stream take bounded turns, round-robin by principal. */
  readonly replay = new ReplayScheduler();
  /** This runtime's Prometheus metrics (its own prom-client registry). See docs/deploy.md#metrics. */
  readonly metrics: RuntimeMetrics;
  /** Run-level metrics and spans. */
  readonly runObserver: RunObserver;
  /** Which proxies' X-Forwarded-For is believed for the client address. See docs/deploy.md. */
  readonly trustProxy: TrustProxy;
  /** The run policy every binding goes through (start, resume, cancel, join). See docs/architecture.md. */
  readonly core: RunCore;

  private readonly byName = new Map<string, Agent>();
  private readonly sessions = new Set<Session>();
  private readonly perPrincipal = new Map<string, number>();
  /** Authenticated connections (WebSockets and SSE streams): what `limits.maxConnections` bounds. */
  private authenticated = 0;
  /** Sockets still authenticating: their own budget, apart from `maxConnections`. */
  private readonly preAuth: PreAuthGate;
  private readonly wss: WebSocketServer;
  private readonly options: SDKOptions;
  private readonly sweeper: NodeJS.Timeout;
  private readonly servers = new Set<Server>();
  private closing: Promise<void> | undefined;
  private metricsServer: Promise<{ url: string; close(): Promise<void> }> | undefined;
  private runAuthorizers: ((principal: Principal, input: RunAgentInput) => Promise<void>)[] = [];
  private readonly runListeners: ((run: Run) => void)[] = [];
  private readonly closeHooks: (() => Promise<void>)[] = [];
  private readonly features: Features;
  private readonly healthChecks: { name: string; check: () => Promise<void> }[];

  constructor(options: SDKOptions) {
    this.options = options;
    if (!options || !Array.isArray(options.agents))
      throw new ConfigError("new CopilotKitSDK({ agents: [...] }) needs an agents array");
    for (const agent of options.agents) {
      if (!agent || typeof agent.name !== "string" || !agent.name || typeof agent.run !== "function") {
        throw new ConfigError(
          "Each agent needs a non-empty `name`, a `description` and a `run(input, ctx)` method",
        );
      }
      if (this.byName.has(agent.name))
        throw new ConfigError(`Two agents are named '${agent.name}'; names must be unique`);
      this.byName.set(agent.name, agent);
    }
    this.agents = options.agents;
    this.basePath = normalizeBase(options.basePath ?? DEFAULTS.basePath);
    this.logger = options.logger ?? createLogger();
    this.authenticator = new Authenticator(options.auth, this.logger);
    this.limits = { ...DEFAULTS.limits, ...stripUndefined(options.limits ?? {}) };
    this.resume = { ...DEFAULTS.resume, ...stripUndefined(options.resume ?? {}) };
    this.heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
    if (this.idleTimeoutMs <= this.heartbeatMs)
      throw new ConfigError("idleTimeoutMs must be larger than heartbeatMs (use about 3x)");
    this.registry = new RunRegistry(this.resume);
    this.preAuth = new PreAuthGate({
      max: this.limits.maxUnauthenticated,
      perAddress: this.limits.maxUnauthenticatedPerAddress,
    });
    this.abandoned = new AbandonedRuns(options.abandonedRuns, this.logger);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxFrameBytes,
      perMessageDeflate: false,
      // Echo exactly our protocol, never the bearer token; a client asking for none gets v1 implicitly.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    // Its store is chosen on first use (cluster and thread store exist by then); see cacheStore().
    this.responseCache = new ResponseCache(
      options.responseCache,
      () => this.cacheStore(),
      this.logger,
      (hit) => this.metrics.cacheLookup(hit),
    );
    for (const agent of options.agents) this.responseCache.validateAgent(agent);
    this.trustProxy = options.trustProxy ?? false;
    this.metrics = new RuntimeMetrics(options.metrics);
    this.runObserver = new RunObserver(this.metrics);
    // Features first (cluster, rate limits, tickets, persistence, following: see features.ts),
    // then the run core over them, then the bindings over the core.
    this.features = buildFeatures(options, this);
    ({ cluster: this.cluster, rateLimiter: this.rateLimiter, threads: this.threads } = this.features);
    this.following = this.features.following;
    this.healthChecks = [...(options.healthChecks ?? []), ...this.features.healthChecks];
    const threads = this.threads;
    if (threads) {
      this.addRunAuthorizer((principal, input) => threads.authorizeRun(principal, input));
      this.onRunStarted((run) => threads.track(run));
    }
    this.core = new RunCore({
      logger: this.logger,
      responseCache: this.responseCache,
      registry: this.registry,
      access: new RunAccess(() => threads, this.logger),
      findAgent: (name) => this.byName.get(name),
      agentNames: () => this.agents.map((a) => a.name),
      rateLimiter: () => this.rateLimiter,
      authorizeRun: (principal, input) => this.authorizeRun(principal, input),
      launch: (input, agent, principal, trace) => this.startRun(input, agent, principal, trace),
      locateRun: (runId) => this.locateRun(runId),
      joinThread: (principal, threadId) => this.following.join(principal, threadId),
      threads: () => threads,
      abandoned: this.abandoned,
      metrics: this.metrics,
      runObserver: this.runObserver,
    });
    this.router.add("GET", "/health", (req, res) => this.health(req, res));
    this.router.add("GET", "/ready", (_req, res) =>
      answerReady(res, { draining: this.closing !== undefined, checks: this.healthChecks }),
    );
    this.router.add("GET", "/metrics", metricsRoute(this.metrics, options.metrics?.token));
    this.http = installHttpBinding(this, {
      allowedOrigins: options.allowedOrigins,
      tickets: this.features.tickets,
      publicUrl: options.publicUrl,
      ...(options.copilotKit !== undefined ? { copilotKit: options.copilotKit } : {}),
    });
    if (threads) installThreadRoutes(this, this.core, threads, options.allowedOrigins);
    // Every refused credential passes the authenticator's one reporting point; count it there.
    this.authenticator.failures.onFailure((f) => this.metrics.authFailure(f.reason));
    this.metrics.countConnections(() => ({ websocket: this.sessions.size, sse: this.http.streamCount }));
    if (this.authenticator.anonymous) {
      this.logger.warn(
        "auth.anonymous is on: anyone who can reach this server can run its agents (development only)",
      );
    }
    const sweepEvery = Math.max(50, Math.min(5_000, Math.floor(this.idleTimeoutMs / 3)));
    this.sweeper = setInterval(() => this.sweep(), sweepEvery);
    this.sweeper.unref();
  }

  /** Resumable-run retention advertised in `ready`. */
  get resumeRetentionMs(): number {
    return this.resume.retentionMs;
  }

  /**
   * Live counters, for health dashboards and tests: open sockets (authenticated or not),
   * authenticated connections (sockets and SSE streams), sockets still authenticating, runs.
   */
  stats(): {
    connections: number;
    authenticated: number;
    authenticating: number;
    runs: number;
    runningRuns: number;
  } {
    return {
      connections: this.sessions.size,
      authenticated: this.authenticated,
      authenticating: this.preAuth.size,
      runs: this.registry.size,
      runningRuns: this.registry.running().length,
    };
  }

  findAgent(name: string): Agent | undefined {
    return this.byName.get(name);
  }

  agentInfos(): AgentInfo[] {
    return this.agents.map((a) => ({ name: a.name, description: a.description }));
  }

  /** Adds a check run before every run starts (e.g. thread ownership); throw a BackchannelServerError to refuse. */
  addRunAuthorizer(fn: (principal: Principal, input: RunAgentInput) => Promise<void>): void {
    this.runAuthorizers.push(fn);
  }

  /** Calls `fn` with every run this process starts (thread persistence, metrics). */
  onRunStarted(fn: (run: Run) => void): void {
    this.runListeners.push(fn);
  }

  /** Runs `fn` during `close()`, after runs ended: flush and close stores and connections. */
  onClose(fn: () => Promise<void>): void {
    this.closeHooks.push(fn);
  }

  /** Adds a dependency check to `/health` (which answers 503 naming it when it throws). */
  addHealthCheck(check: { name: string; check: () => Promise<void> }): void {
    this.healthChecks.push(check);
  }

  async authorizeRun(principal: Principal, input: RunAgentInput): Promise<void> {
    for (const fn of this.runAuthorizers) await fn(principal, input);
  }

  /**
   * Creates and starts a run. `trace` is the W3C trace context of the client's request; the
   * run's span joins it and the agent receives it as `ctx.traceparent`.
   */
  startRun(input: RunAgentInput, agent: Agent, principal: Principal, trace?: TraceCarrier): Run {
    const logger = this.logger.child({ runId: input.runId, agent: agent.name, principal: principal.id });
    const execute = (run: Run) => {
      const probe = this.runObserver.start(run, trace);
      void probe
        .within(() =>
          executeRun(run, agent, logger, probe, { exposeErrors: this.options.exposeErrors === true }),
        )
        .then(() => logger.info({ status: run.status, events: run.lastSeq }, "run ended"));
    };
    // In a cluster the agent runs into an unregistered run whose events reach sessions through Redis.
    // The Redis registration of the run joins the caller's trace too.
    const cluster = this.cluster;
    const run = cluster
      ? otelContext.with(contextFrom(trace), () => cluster.startRun(input, agent, principal, execute))
      : this.registry.create(input, agent.name, principal);
    logger.info({ threadId: run.threadId }, "run started");
    for (const fn of this.runListeners) fn(run);
    if (!this.cluster) {
      execute(run);
      // After the starting session followed its own run, so it is not announced to it as well.
      queueMicrotask(() => this.following.notify(run));
    }
    return run;
  }

  /**
   * Removes response cache entries: all (`{}`), or those of an `agent`, a `principalId` or a
   * `threadId`. Resolves to how many were removed. The admin call of the response cache.
   * @example await sdk.purgeResponseCache({ agent: "portfolio" })
   */
  purgeResponseCache(filter: CachePurgeFilter = {}): Promise<number> {
    return this.responseCache.purge(filter);
  }

  /** Where cached answers live: as configured, Redis in a cluster, the thread store's tables, or memory. */
  private cacheStore(): ResponseCacheStore {
    this.chosenCacheStore ??=
      this.options.responseCache?.store ??
      (this.cluster
        ? createRedisCacheStore(this.cluster.redis, { keyPrefix: this.options.cluster?.keyPrefix ?? "bc:" })
        : this.threads?.store.responseCache?.()) ??
      createMemoryCacheStore();
    return this.chosenCacheStore;
  }

  /** `join`: whether `principal` may follow `threadId`, and its runs in flight (any node). */
  joinThread(principal: Principal, threadId: string): Promise<Run[]> {
    return this.following.join(principal, threadId);
  }

  /** Whether `principal` may see `run`: its own, or one on a thread it may follow (the resume rule). */
  mayFollow(principal: Principal, run: Run): Promise<boolean> {
    return this.core.mayRead(principal, run);
  }

  /** Calls `fn` for every run started on `threadId` from now on; returns the unsubscribe. */
  followThread(threadId: string, fn: (run: Run) => void): () => void {
    return this.following.follow(threadId, fn);
  }

  /** A run not in this node's registry: in a cluster, one executing (or ended) on another node. */
  locateRun(runId: string): Promise<Run | undefined> {
    return this.cluster ? this.cluster.locateRun(runId) : Promise.resolve(undefined);
  }

  admit(principal: Principal, _sessionId: string): string | undefined {
    if (this.authenticated >= this.limits.maxConnections) {
      return "Server at its connection limit; retry later";
    }
    const count = this.perPrincipal.get(principal.id) ?? 0;
    if (count >= this.limits.maxConnectionsPerPrincipal) {
      return `Too many connections for this user (${count}); close other tabs or retry later`;
    }
    this.perPrincipal.set(principal.id, count + 1);
    this.authenticated++;
    return undefined;
  }

  release(principal: Principal, _sessionId: string): void {
    this.authenticated = Math.max(0, this.authenticated - 1);
    const count = (this.perPrincipal.get(principal.id) ?? 1) - 1;
    if (count <= 0) this.perPrincipal.delete(principal.id);
    else this.perPrincipal.set(principal.id, count);
  }

  /**
   * Serves an already-upgraded `ws` socket (the seed's `sdk.handle_websocket`). Credentials
   * are read from `request` (header, subprotocol, query) or awaited as an `auth` frame; pass
   * `principal` if you authenticated the socket yourself.
   */
  handleWebSocket(socket: WebSocket, request: IncomingMessage, opts: { principal?: Principal } = {}): void {
    const address = clientAddress(request, this.trustProxy);
    if (this.closing) {
      socket.close(CloseCode.ServiceRestart, "service restart");
      return;
    }
    if (!isOriginAllowed(request, this.options.allowedOrigins)) {
      this.refuseOrigin(request);
      socket.close(CloseCode.PolicyViolation, "Origin not allowed");
      return;
    }
    // No server-wide check here: an unauthenticated socket counts against the pre-auth budget
    // (below), an authenticated one against maxConnections (in admit).
    const pending = {
      evict: () =>
        session.close(
          CloseCode.Overloaded,
          "Too many connections waiting to authenticate; retry and authenticate promptly",
        ),
    };
    const session: Session = new Session(wsTransport(socket), this, {
      address,
      onClosed: (s) => {
        this.sessions.delete(s);
        this.preAuth.leave(pending);
      },
      onReady: () => this.preAuth.leave(pending),
    });
    this.sessions.add(session);
    bindSession(socket, session);
    // An app-supplied principal joins its kind's namespace like any verifier's.
    const principal = opts.principal ? namespacePrincipal(opts.principal) : undefined;
    if (!principal) this.preAuth.enter(pending, address);
    session.start(principal ? undefined : credentialFromRequest(request), principal);
  }

  /**
   * Handles an HTTP upgrade for `<basePath>/ws`. Returns false (touching nothing) for other
   * paths, so it can share a server with other WebSocket endpoints.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (safePath(req) !== `${this.basePath}/ws`) return false;
    if (this.closing) {
      rejectUpgrade(socket, 503, "Server restarting; reconnect (another node will answer)");
      return true;
    }
    if (!isOriginAllowed(req, this.options.allowedOrigins)) {
      this.refuseOrigin(req);
      rejectUpgrade(socket, 403, "Origin not allowed");
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.handleWebSocket(ws, req));
    return true;
  }

  /** Reports a socket refused for its Origin (its credential, if any, is never looked at). */
  private refuseOrigin(req: IncomingMessage): void {
    this.authenticator.refuse(
      {
        transport: "websocket",
        credential: credentialFromRequest(req)?.source ?? "none",
        remote: clientAddress(req, this.trustProxy),
        path: safePath(req),
      },
      new AuthError(`Origin not allowed: ${String(req.headers.origin).slice(0, 200)}`, {
        reason: "origin_not_allowed",
      }),
    );
  }

  /** Registers an HTTP route under the base path (used by the SSE transport and thread APIs). */
  route(method: string, pattern: string, handler: RouteHandler): void {
    this.router.add(method, pattern, handler);
  }

  /**
   * Handles an HTTP request if it is one of the runtime's routes; resolves false otherwise.
   * Mount it in plain http, Express (`app.use(sdk.nodeHandler())`) or Fastify (`reply.raw`).
   */
  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = safePath(req);
    if (path !== this.basePath && !path.startsWith(`${this.basePath}/`)) return false;
    const match = this.router.match(req.method ?? "GET", path.slice(this.basePath.length) || "/");
    if (!match) return false;
    // A draining node ends each connection after its answer, so a proxy's or client's keep-alive
    // pool never sends the next request (a reconnect's /connect, a resume) to it again.
    if (this.closing && !res.headersSent) res.setHeader("connection", "close");
    if (match === "method_not_allowed") {
      sendHttpError(res, new HttpError("method_not_allowed", `${req.method} is not supported on ${path}`));
      return true;
    }
    try {
      await match.handler(req, res, match.params);
    } catch (err) {
      // Routes answer their own errors (httpRoute); this catches a route registered without it.
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500) this.logger.error({ err, path }, "http handler failed");
      sendHttpError(res, httpErr);
    }
    return true;
  }

  /** Connect-style middleware for Express and plain http: handles our routes, `next()` for the rest. */
  nodeHandler(): (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void {
    return (req, res, next) => {
      this.handleHttp(req, res).then(
        (handled) => {
          if (handled) return;
          if (next) next();
          else sendHttpError(res, new HttpError("not_found", `No route for ${req.method} ${safePath(req)}`));
        },
        (err) => (next ? next(err) : res.destroy()),
      );
    };
  }

  /**
   * Mounts the runtime on an existing Node http(s) server (Express's `app.listen()` result,
   * `fastify.server`, ...): WebSocket upgrades on `<basePath>/ws`. For HTTP routes also use
   * `nodeHandler()`. Returns a function that detaches it.
   */
  attach(server: Server): () => void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head) && server.listenerCount("upgrade") === 1) {
        rejectUpgrade(socket, 404, "Not found");
      }
    };
    server.on("upgrade", onUpgrade);
    this.servers.add(server);
    return () => {
      server.off("upgrade", onUpgrade);
      this.servers.delete(server);
    };
  }

  /**
   * Starts a Node http server serving only the runtime.
   * @example const { wsUrl, close } = await sdk.listen({ port: 8000 });
   */
  async listen(opts: { port?: number; host?: string } = {}): Promise<ListeningServer> {
    const handler = this.nodeHandler();
    const server = createServer((req, res) => handler(req, res));
    server.headersTimeout = 20_000;
    server.requestTimeout = 0; // SSE streams are long-lived; per-route timeouts apply instead
    this.attach(server);
    const host = opts.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 8000, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const port = (server.address() as { port: number }).port;
    if (this.options.metrics?.port !== undefined) await this.listenMetrics();
    const shownHost =
      host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    this.logger.info(
      { port, host, basePath: this.basePath, agents: this.agents.map((a) => a.name) },
      "listening",
    );
    return {
      server,
      port,
      httpUrl: `http://${shownHost}:${port}`,
      wsUrl: `ws://${shownHost}:${port}${this.basePath}/ws`,
      close: () => this.close(),
    };
  }

  /**
   * Serves `GET /metrics` (no token) on a separate address, `metrics.port`/`metrics.host` unless
   * given here (env METRICS_PORT/METRICS_HOST). `listen()` calls it when `metrics.port` is set.
   * @example const { url } = await sdk.listenMetrics({ port: 9464, host: "0.0.0.0" });
   */
  listenMetrics(
    opts: { port?: number; host?: string } = {},
  ): Promise<{ url: string; close(): Promise<void> }> {
    this.metricsServer ??= listenMetrics(this.metrics, {
      port: opts.port ?? this.options.metrics?.port ?? 9464,
      host: opts.host ?? this.options.metrics?.host,
    }).then((m) => {
      this.logger.info({ url: m.url }, "metrics listening");
      return m;
    });
    return this.metricsServer;
  }

  /**
   * Graceful shutdown (drain, e.g. on SIGTERM): stop accepting, close every socket with 1012
   * "service restart" (clients reconnect at once, through the load balancer to another node,
   * and resume), let running runs finish until `deadlineMs` (in a cluster their events reach
   * the other nodes through Redis), end the rest with RUN_ERROR, and close the servers started
   * by `listen()`/`attach()`. `/ready` answers 503 from the first moment.
   */
  close(opts: { deadlineMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(
      opts.deadlineMs ?? this.options.shutdownDeadlineMs ?? DEFAULTS.shutdownDeadlineMs,
    );
    return this.closing;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.logger.info({ deadlineMs, running: this.registry.running().length }, "shutting down");
    const closed = [...this.servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const session of [...this.sessions]) session.close(CloseCode.ServiceRestart, "service restart");
    this.http.close();
    this.abandoned.close();
    // Every run registered until the deadline is waited for, not only those running now: a
    // request that passed its checks just before the drain (an HTTP run, a start awaiting Redis)
    // may still launch one. Failing it when the earlier runs end would cut an answer that had
    // the whole deadline to finish.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), deadlineMs);
    });
    for (let running = this.registry.running(); running.length; running = this.registry.running()) {
      const ended = await Promise.race([Promise.all(running.map((r) => r.done)), deadline]);
      if (ended === "deadline") break;
    }
    clearTimeout(timer);
    for (const run of this.registry.running())
      run.fail("Server shut down before the run finished; start it again", "shutdown");
    clearInterval(this.sweeper);
    // Cache entries still being written land before Redis and the thread store close.
    await this.responseCache.flush();
    await closeFeatures(this.features, this.logger);
    for (const hook of this.closeHooks) {
      await hook().catch((err) => this.logger.error({ err }, "close hook failed"));
    }
    for (const s of this.servers) s.closeAllConnections?.();
    await Promise.all(closed);
    this.wss.close();
    this.authenticator.failures.flush();
    this.logger.info("shut down");
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of this.sessions) {
      if (now - session.lastSeen > this.idleTimeoutMs) {
        session.close(
          CloseCode.HeartbeatTimeout,
          `No frame for ${this.idleTimeoutMs} ms; send ping every heartbeatMs`,
        );
      }
    }
    this.registry.sweep(now);
  }

  private health(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return answerHealth(req, res, {
      authenticator: this.authenticator,
      trustProxy: this.trustProxy,
      service: this.options.serviceName ?? DEFAULTS.serviceName,
      agents: this.agentInfos(),
      features: FEATURES,
      checks: this.healthChecks,
      exposeErrors: this.options.exposeErrors === true,
      logger: this.logger,
    });
  }
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { code: status === 403 ? "forbidden" : "unavailable", message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Service Unavailable"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function normalizeBase(path: string): string {
  const p = `/${path.replace(/^\/+|\/+$/g, "")}`;
  return p === "/" ? "" : p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Creates a runtime: `createRuntime(options)` is `new BackchannelRuntime(options)`.
 * @example const runtime = createRuntime({ agents: [myAgent], auth: { apiKeys: process.env.AGENT_API_KEY } });
 */
export function createRuntime(options: SDKOptions): BackchannelRuntime {
  return new BackchannelRuntime(options);
}

/**
 * The runtime under the name the CopilotKit seed uses (`new CopilotKitSDK({ agents })`), so code
 * written against the seed reads the same. Same class as {@link BackchannelRuntime}.
 */
export const CopilotKitSDK = BackchannelRuntime;
/** The runtime type under the seed's name. */
export type CopilotKitSDK = BackchannelRuntime;
