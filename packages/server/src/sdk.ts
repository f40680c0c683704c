import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { RunAgentInput } from "@ag-ui/core";
import { type AgentInfo, CloseCode } from "@backchannel/protocol";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { bindSession, wsTransport } from "./adapters/ws.js";
import type { Agent } from "./agent.js";
import type { Authenticator } from "./auth/authenticator.js";
import { credentialFromRequest, safePath } from "./auth/credentials.js";
import { isOriginAllowed } from "./auth/origin.js";
import type { ResponseCache } from "./cache/response-cache.js";
import type { CachePurgeFilter } from "./cache/types.js";
import type { Cluster } from "./cluster/cluster.js";
import { closeRuntime, composeRuntime, type RuntimeParts } from "./composition.js";
import type { RunCore } from "./core/run-core.js";
import { AuthError } from "./errors.js";
import { clientAddress, type TrustProxy } from "./http/client-address.js";
import type { HttpBinding } from "./http/http-binding.js";
import { HttpError, sendHttpError, toHttpError } from "./http/http-error.js";
import type { RouteHandler, Router } from "./http/router.js";
import type { RunRateLimiter } from "./limits/run-rate-limit.js";
import type { RuntimeMetrics } from "./ops/metrics.js";
import { listenMetrics } from "./ops/metrics-endpoint.js";
import type { RunObserver } from "./ops/run-observer.js";
import type { TraceCarrier } from "./ops/tracing.js";
import { DEFAULTS, type ResolvedLimits, type ResolvedResume, type SDKOptions } from "./options.js";
import { namespacePrincipal, type Principal } from "./principal.js";
import type { RunRegistry } from "./runs/registry.js";
import type { Run } from "./runs/run.js";
import type { ReplayScheduler } from "./session/replay-scheduler.js";
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
 * `<basePath>/health`, with auth, limits, resumable runs and graceful shutdown. Its parts are
 * built, in order, by `composeRuntime` (composition.ts); this class adds the entry points.
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
  readonly limits: ResolvedLimits;
  readonly resume: ResolvedResume;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly router: Router;
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
  /** Replays (resume, catch-up) of every socket and stream take bounded turns, round-robin by principal. */
  readonly replay: ReplayScheduler;
  /** This runtime's Prometheus metrics (its own prom-client registry). See docs/deploy.md#metrics. */
  readonly metrics: RuntimeMetrics;
  /** Run-level metrics and spans. */
  readonly runObserver: RunObserver;
  /** Which proxies' X-Forwarded-For is believed for the client address. See docs/deploy.md. */
  readonly trustProxy: TrustProxy;
  /** The run policy every binding goes through (start, resume, cancel, join). See docs/architecture.md. */
  readonly core: RunCore;

  private readonly parts: RuntimeParts;
  private readonly options: SDKOptions;
  private closing: Promise<void> | undefined;
  private metricsServer: Promise<{ url: string; close(): Promise<void> }> | undefined;

  constructor(options: SDKOptions) {
    const parts = composeRuntime(options, { draining: () => this.closing !== undefined });
    this.parts = parts;
    this.options = options;
    this.agents = options.agents;
    this.basePath = parts.basePath;
    this.logger = parts.logger;
    this.authenticator = parts.authenticator;
    this.registry = parts.registry;
    this.limits = parts.limits;
    this.resume = parts.resume;
    this.heartbeatMs = parts.heartbeatMs;
    this.idleTimeoutMs = parts.idleTimeoutMs;
    this.router = parts.router;
    this.rateLimiter = parts.rateLimiter;
    this.http = parts.http;
    this.threads = parts.threads;
    this.cluster = parts.cluster;
    this.following = parts.following;
    this.responseCache = parts.responseCache;
    this.replay = parts.replay;
    this.metrics = parts.metrics;
    this.runObserver = parts.runObserver;
    this.trustProxy = parts.host.trustProxy ?? false;
    this.core = parts.core;
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
      connections: this.parts.sessions.size,
      authenticated: this.parts.connections.authenticated,
      authenticating: this.parts.preAuth.size,
      runs: this.registry.size,
      runningRuns: this.registry.running().length,
    };
  }

  findAgent(name: string): Agent | undefined {
    return this.parts.agents.get(name);
  }

  agentInfos(): AgentInfo[] {
    return this.parts.host.agentInfos();
  }

  /** Adds a check run before every run starts (e.g. thread ownership); throw a BackchannelServerError to refuse. */
  addRunAuthorizer(fn: (principal: Principal, input: RunAgentInput) => Promise<void>): void {
    this.parts.runAuthorizers.push(fn);
  }

  /** Calls `fn` with every run this process starts (thread persistence, metrics). */
  onRunStarted(fn: (run: Run) => void): void {
    this.parts.launcher.onStarted(fn);
  }

  /** Runs `fn` during `close()`, after runs ended: flush and close stores and connections. */
  onClose(fn: () => Promise<void>): void {
    this.parts.closeHooks.push(fn);
  }

  /** Adds a dependency check to `/health` (which answers 503 naming it when it throws). */
  addHealthCheck(check: { name: string; check: () => Promise<void> }): void {
    this.parts.healthChecks.push(check);
  }

  async authorizeRun(principal: Principal, input: RunAgentInput): Promise<void> {
    for (const fn of this.parts.runAuthorizers) await fn(principal, input);
  }

  /**
   * Creates and starts a run. `trace` is the W3C trace context of the client's request; the
   * run's span joins it and the agent receives it as `ctx.traceparent`.
   */
  startRun(input: RunAgentInput, agent: Agent, principal: Principal, trace?: TraceCarrier): Run {
    return this.parts.launcher.start(input, agent, principal, trace);
  }

  /**
   * Removes response cache entries: all (`{}`), or those of an `agent`, a `principalId` or a
   * `threadId`. Resolves to how many were removed. The admin call of the response cache.
   * @example await sdk.purgeResponseCache({ agent: "portfolio" })
   */
  purgeResponseCache(filter: CachePurgeFilter = {}): Promise<number> {
    return this.responseCache.purge(filter);
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
    return this.parts.connections.admit(principal);
  }

  release(principal: Principal, _sessionId: string): void {
    this.parts.connections.release(principal);
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
    const session: Session = new Session(wsTransport(socket), this.parts.host, {
      address,
      onClosed: (s) => {
        this.parts.sessions.delete(s);
        this.parts.preAuth.leave(pending);
      },
      onReady: () => this.parts.preAuth.leave(pending),
    });
    this.parts.sessions.add(session);
    bindSession(socket, session);
    // An app-supplied principal joins its kind's namespace like any verifier's.
    const principal = opts.principal ? namespacePrincipal(opts.principal) : undefined;
    if (!principal) this.parts.preAuth.enter(pending, address);
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
    this.parts.wss.handleUpgrade(req, socket, head, (ws) => this.handleWebSocket(ws, req));
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
    this.parts.servers.add(server);
    return () => {
      server.off("upgrade", onUpgrade);
      this.parts.servers.delete(server);
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

  private shutdown(deadlineMs: number): Promise<void> {
    return closeRuntime(this.parts, deadlineMs);
  }
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { code: status === 403 ? "forbidden" : "unavailable", message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Service Unavailable"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
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
