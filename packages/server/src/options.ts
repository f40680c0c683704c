import type { Logger } from "pino";
import type { Agent } from "./agent.js";
import type { AuthOptions } from "./auth/authenticator.js";
import type { TicketOptions } from "./auth/tickets.js";
import type { RuntimeCacheOptions } from "./cache/response-cache.js";
import type { ClusterOptions } from "./cluster/cluster-options.js";
import type { TrustProxy } from "./http/client-address.js";
import type { CopilotKitBindingOptions } from "./http/copilotkit-options.js";
import { LIMIT_DEFAULTS, type LimitOptions } from "./limits/limit-options.js";
import type { MetricsOptions } from "./ops/metrics.js";
import type { AbandonedRunOptions } from "./runs/abandoned-runs.js";
import { RESUME_DEFAULTS, type ResumeOptions } from "./runs/resume-options.js";
import type { RetentionOptions } from "./store/retention-options.js";
import type { ThreadAccessPolicy } from "./store/thread-access.js";
import type { ThreadStore } from "./store/thread-store.js";

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
   * Opt-in response cache: `{ ttlMs, scope?, key?, agents?, store?, maxEntryBytes? }` (the CLI
   * sets `ttlMs` from `RESPONSE_CACHE_TTL_MS`). Agents may also carry their own `cache`.
   * See the server README, "Response cache". @default off
   */
  responseCache?: RuntimeCacheOptions;
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

/** Every default in one place (limits and resume from their own option files). */
export const DEFAULTS = {
  basePath: "/copilotkit",
  heartbeatMs: 15_000,
  idleTimeoutMs: 45_000,
  serviceName: "CopilotKit Runtime",
  shutdownDeadlineMs: 10_000,
  limits: LIMIT_DEFAULTS,
  resume: RESUME_DEFAULTS,
} as const;

export type { LimitOptions, ResolvedLimits } from "./limits/limit-options.js";
export type { ResolvedResume, ResumeOptions } from "./runs/resume-options.js";
