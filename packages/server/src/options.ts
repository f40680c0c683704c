import type { Logger } from "pino";
import type { Agent } from "./agent.js";
import type { AuthOptions } from "./auth/authenticator.js";
import type { TicketOptions } from "./auth/tickets.js";
import type { ClusterOptions } from "./cluster/cluster-options.js";
import type { TrustProxy } from "./http/client-address.js";
import type { CopilotKitBindingOptions } from "./http/copilotkit-routes.js";
import type { MetricsOptions } from "./ops/metrics.js";
import type { AbandonedRunOptions } from "./runs/abandoned-runs.js";
import type { RetentionOptions } from "./store/persistence.js";
import type { ThreadAccessPolicy } from "./store/thread-access.js";
import type { ThreadStore } from "./store/thread-store.js";

/** Size, rate and count limits. Every limit protects other sessions from one misbehaving client. */
export interface LimitOptions {
  /** Largest inbound frame, in bytes; larger frames close the socket with 1009. @default 1048576 */
  maxFrameBytes?: number;
  /** Runs one connection may have in flight at once; more get `error` code `too_many_runs`. @default 16 */
  maxRunsPerConnection?: number;
  /** Open sockets per principal; more are closed with 1013. @default 32 */
  maxConnectionsPerPrincipal?: number;
  /**
   * Authenticated connections (WebSockets and SSE streams) per server; more are closed with
   * 1013 (SSE: 503). Sockets still authenticating never count here. @default 10000
   */
  maxConnections?: number;
  /**
   * Sockets still authenticating, per server. Past it the oldest such socket is closed with
   * 1013, so sockets that never authenticate cannot keep real users out. @default 1000
   */
  maxUnauthenticated?: number;
  /** Sockets still authenticating per remote address; past it that address's oldest is closed with 1013. @default 64 */
  maxUnauthenticatedPerAddress?: number;
  /** Largest frame before authentication, in bytes (an `auth` frame); larger closes with 1009. @default 8192 */
  maxPreAuthFrameBytes?: number;
  /** Frames a socket may send per second before authentication; more close it with 1008. @default 5 */
  preAuthFramesPerSecond?: number;
  /** Runs a principal may start per second, sustained (token bucket refill). @default 2 */
  runsPerSecond?: number;
  /** Runs a principal may start in a burst (token bucket capacity). @default 20 */
  runBurst?: number;
  /** Inbound frames per connection per second before frames are dropped with `rate_limited`. @default 200 */
  framesPerSecond?: number;
  /** Outbound bytes the socket may hold before we queue (and start merging text deltas). @default 262144 */
  outboundHighWaterBytes?: number;
  /** Queued outbound bytes past which the socket is closed with 4001 (the client resumes). @default 8388608 */
  maxOutboundQueueBytes?: number;
}

/** How much of each run is kept for `resume`. */
export interface ResumeOptions {
  /** Events kept per run (oldest dropped first). @default 10000 */
  maxEvents?: number;
  /** Serialized event bytes kept per run. @default 8388608 */
  maxBytes?: number;
  /** Age past which buffered events of a running run are dropped, in ms. @default 600000 */
  maxAgeMs?: number;
  /** How long a finished run stays resumable, in ms. @default 300000 */
  retentionMs?: number;
  /** Finished runs kept in memory at most (oldest evicted first). @default 10000 */
  maxRetainedRuns?: number;
  /**
   * Serialized event bytes all finished runs may hold together, as their resume buffers count
   * them; past it the oldest finished runs are evicted first (their events are then gone for
   * resume; their conversations are stored). @default 268435456 (256 MiB)
   */
  maxRetainedBytes?: number;
}

/** Options of `new CopilotKitSDK(options)`. */
export interface SDKOptions {
  /**
   * Runs whose client went away: a running run whose HTTP/SSE stream closed and that nobody
   * resumes within `graceMs` (default 10 s) is cancelled; WebSocket drops too with
   * `webSocket: true`. See docs/http.md, "Cancel and abandoned runs".
   */
  abandonedRuns?: AbandonedRunOptions;
  /**
   * CopilotKit's runtime routes (`GET /info`, `POST /agent/:id/run|connect|stop/:threadId`), so
   * an unchanged CopilotKit frontend can use this server as its `runtimeUrl`; `defaultAgent` is
   * what CopilotKit's `default` agent maps to (the first agent if unset). `false` turns them off.
   * See docs/migrating-from-copilotkit.md.
   */
  copilotKit?: CopilotKitBindingOptions | false;
  /** The agents this runtime hosts. Names must be unique. */
  agents: Agent[];
  /** Authentication. Required: configure API keys, JWT, a custom verifier, or `anonymous: true`. */
  auth?: AuthOptions;
  /** Base path of every route. @default "/copilotkit" */
  basePath?: string;
  /** Origins allowed to open the WebSocket (exact match, e.g. "https://app.example.com"). Unset: any. */
  allowedOrigins?: string[];
  /** Heartbeat interval advertised to clients, in ms. @default 15000 */
  heartbeatMs?: number;
  /** Silence after which a client is dropped with 4000, in ms. @default 45000 */
  idleTimeoutMs?: number;
  limits?: LimitOptions;
  resume?: ResumeOptions;
  /** Service name reported by `/health`. @default "CopilotKit Runtime" */
  serviceName?: string;
  /** Extra dependency checks for `/health`; a check that throws makes it answer 503 (`degraded`). */
  healthChecks?: { name: string; check: () => Promise<void> }[];
  /**
   * Send internal error text to clients: an agent's exception message in RUN_ERROR, and a
   * failing health check's error in `/health` (to callers with valid credentials). Off, they get
   * a generic message with an `errorId` that is logged with the full error. Turn on in
   * development only (`BACKCHANNEL_EXPOSE_ERRORS=1` for `backchannel serve`). @default false
   */
  exposeErrors?: boolean;
  /** pino logger. @default a JSON logger on stdout, level from LOG_LEVEL */
  logger?: Logger;
  /** Time to let runs finish on `close()` before they are cancelled, in ms. @default 10000 */
  shutdownDeadlineMs?: number;
  /** WebSocket tickets minted by `POST /connect` (lifetime, shared store). See docs/http.md. */
  tickets?: TicketOptions;
  /**
   * Public origin of this server, e.g. `https://api.example.com`, used for the URLs `/connect`
   * returns. @default derived from X-Forwarded-Proto/X-Forwarded-Host, else the request's Host header
   */
  publicUrl?: string;
  /**
   * Where threads (messages, state, runs) are kept; `false` keeps no history. See docs/persistence.md.
   * @default Postgres when `databaseUrl` is set, else SQLite at `<dataDir>/threads.db`
   */
  store?: ThreadStore | false;
  /** `postgres://...`: keep threads in Postgres (schema `agent`), typically `process.env.DATABASE_URL`. */
  databaseUrl?: string;
  /** Folder of the embedded SQLite store; ":memory:" keeps nothing. @default "./.data" (":memory:" when NODE_ENV=test) */
  dataDir?: string;
  /** Deleting idle threads. @default threads idle for 30 days, swept hourly */
  retention?: RetentionOptions;
  /** Grants principals other than the owner access to a thread (shared workspaces). @default owner only */
  threadAccess?: ThreadAccessPolicy;
  /**
   * Scale-out: several server processes share runs (resume and cancel from any node), leases
   * and rate limits through Redis, typically `{ redis: process.env.REDIS_URL }`. @default none (one process)
   */
  cluster?: ClusterOptions;
  /**
   * Prometheus metrics: `GET <basePath>/metrics` with `token` (env METRICS_TOKEN), or a separate
   * listener on `port` (env METRICS_PORT). Without either, metrics are collected but not served
   * (read them with `sdk.metrics.exposition()`). See docs/deploy.md#metrics.
   */
  metrics?: MetricsOptions;
  /**
   * Reverse proxies whose `X-Forwarded-For` is believed, so logs and per-address limits see the
   * real client: `false` (the socket's peer), a number of proxy hops in front of this server,
   * or a list of proxy addresses ("loopback" for 127.0.0.1/::1). Env BACKCHANNEL_TRUST_PROXY.
   * @default false
   */
  trustProxy?: TrustProxy;
}

/** Every default in one place. */
export const DEFAULTS = {
  basePath: "/copilotkit",
  heartbeatMs: 15_000,
  idleTimeoutMs: 45_000,
  serviceName: "CopilotKit Runtime",
  shutdownDeadlineMs: 10_000,
  limits: {
    maxFrameBytes: 1024 * 1024,
    maxRunsPerConnection: 16,
    maxConnectionsPerPrincipal: 32,
    maxConnections: 10_000,
    maxUnauthenticated: 1000,
    maxUnauthenticatedPerAddress: 64,
    maxPreAuthFrameBytes: 8 * 1024,
    preAuthFramesPerSecond: 5,
    runsPerSecond: 2,
    runBurst: 20,
    framesPerSecond: 200,
    outboundHighWaterBytes: 256 * 1024,
    maxOutboundQueueBytes: 8 * 1024 * 1024,
  },
  resume: {
    maxEvents: 10_000,
    maxBytes: 8 * 1024 * 1024,
    maxAgeMs: 600_000,
    retentionMs: 300_000,
    maxRetainedRuns: 10_000,
    maxRetainedBytes: 256 * 1024 * 1024,
  },
} as const;

export type ResolvedLimits = Required<LimitOptions>;
export type ResolvedResume = Required<ResumeOptions>;
