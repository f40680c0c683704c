/**
 * @backchannel/server: the runtime that hosts AG-UI agents behind one WebSocket.
 * Driver-bound stores have their own entries, so this one names no driver's types:
 * `@backchannel/server/sqlite`, `/postgres` (peer `pg`) and `/redis` (peer `ioredis`).
 * @module
 */
export type { Agent, AgentContext, AgentEvent } from "./agent.js";
export type { AuthAttempt, AuthOptions, TokenVerifier } from "./auth/authenticator.js";
export { Authenticator } from "./auth/authenticator.js";
export { credentialFromRequest } from "./auth/credentials.js";
export type {
  AuthFailure,
  AuthFailureLog,
  AuthFailureLogOptions,
  AuthTransport,
} from "./auth/failure-log.js";
export type { JwtOptions } from "./auth/jwt.js";
export {
  createMemoryTicketStore,
  createTicketIssuer,
  type IssuedTicket,
  type MemoryTicketStoreOptions,
  type TicketIssuer,
  type TicketOptions,
  type TicketRecord,
  type TicketStore,
} from "./auth/tickets.js";
export { createMemoryCacheStore, type MemoryCacheStoreOptions } from "./cache/memory-store.js";
export type { ResponseCache, RuntimeCacheOptions } from "./cache/response-cache.js";
export type {
  CachedResponse,
  CacheKeyContext,
  CachePurgeFilter,
  CacheScope,
  ResponseCacheOptions,
  ResponseCacheStore,
} from "./cache/types.js";
export { AuthError, type AuthFailureReason, BackchannelServerError, ConfigError } from "./errors.js";
export { clientAddress, parseTrustProxy, type TrustProxy } from "./http/client-address.js";
export type { ConnectResponse } from "./http/connect-route.js";
export type { CopilotKitBindingOptions } from "./http/copilotkit-options.js";
export type { HttpBinding } from "./http/http-binding.js";
export { HttpError } from "./http/http-error.js";
export { sendError, sendJson } from "./http/respond.js";
export type { RouteHandler } from "./http/router.js";
export { createRunRateLimiter, type RateDecision, type RunRateLimiter } from "./limits/run-rate-limit.js";
export { type AgentLogger, createLogger, type LogMethod } from "./logger.js";
export {
  type MetricsOptions,
  type ResumeResult,
  type RunOutcome,
  RuntimeMetrics,
} from "./ops/metrics.js";
export { parseTraceparent, TRACER_NAME, type TraceCarrier } from "./ops/tracing.js";
export { DEFAULTS, type LimitOptions, type ResumeOptions, type SDKOptions } from "./options.js";
export {
  ANONYMOUS,
  namespacePrincipal,
  PRINCIPAL_ID_PREFIX,
  type Principal,
  principalId,
  samePrincipal,
} from "./principal.js";
export { ABANDONED_RUN_DEFAULTS, type AbandonedRunOptions } from "./runs/abandoned-runs.js";
export type { RunRegistry } from "./runs/registry.js";
export type { SequencedEvent } from "./runs/resume-buffer.js";
export type { Run, RunStatus, RunSubscriber } from "./runs/run.js";
export { BackchannelRuntime, CopilotKitSDK, createRuntime, type ListeningServer } from "./sdk.js";
export type { FrameEncoder } from "./session/frame-encoder.js";
export {
  REPLAY_BUDGET_DEFAULTS,
  type ReplayBudget,
  ReplayScheduler,
  type ReplayWork,
} from "./session/replay-scheduler.js";
export { Session } from "./session/session.js";
export type { Transport } from "./session/transport.js";
export { createThreadStore, lazyThreadStore, type StoreConfig } from "./store/create-store.js";
export { RunFold } from "./store/fold-run.js";
export { ThreadPersistence } from "./store/persistence.js";
export { RETENTION_DEFAULTS, type RetentionOptions } from "./store/retention-options.js";
export type { ThreadAccessPolicy, ThreadAction } from "./store/thread-access.js";
export type { LiveRunInfo } from "./store/thread-runs.js";
export type {
  RunRecord,
  StoredRunStatus,
  StoredThread,
  ThreadCursor,
  ThreadSnapshot,
  ThreadStore,
  ThreadSummary,
} from "./store/thread-store.js";
