/**
 * @backchannel/client: one WebSocket to your Backchannel agents, with reconnect and resume,
 * and the folding of AG-UI events into messages and state. Framework-free; browsers and Node.
 * @module
 */

export { CACHE_HIT_EVENT, type CacheHitValue } from "@backchannel/protocol";
// The fold is shared with the server (it stores runs with it): re-exported for apps that fold themselves.
export type { FoldInit, FoldResult, FoldSnapshot, FoldState, PatchOutcome } from "@backchannel/protocol/fold";
export {
  applyPatchImmutable,
  createFoldState,
  FoldError,
  foldEvent,
  foldSnapshot,
} from "@backchannel/protocol/fold";
export { exponentialBackoff } from "./backoff.js";
export type { AttachRunOptions, BackchannelClient, ClientSnapshot, StartRunOptions } from "./client.js";
export { createClient } from "./client.js";
export type { ConnectionSnapshot, ConnectionState } from "./connection.js";
export type { ClientEnvironment } from "./environment.js";
export { browserEnvironment } from "./environment.js";
export type { BackchannelErrorCode, BackchannelErrorOptions } from "./errors.js";
export { BackchannelError, isBackchannelError } from "./errors.js";
export type { Observable } from "./observable.js";
export type { ClientOptions, IdleCloseOptions, ReconnectOptions } from "./options.js";
export { DEFAULTS } from "./options.js";
export type { RunEndStatus, RunEventListener, RunHandle, RunResult, RunStatus } from "./run-handle.js";
export type { ConnectionProps, HeadersOption, TransportMode } from "./session/connect-options.js";
export { bearerFrom, toClientOptions, toSocketUrl } from "./session/connect-options.js";
export type {
  ContextHandle,
  CopilotSessionOptions,
  RegisteredTool,
  SessionContext,
  SessionSnapshot,
  SessionThreadOptions,
} from "./session/copilot-session.js";
export {
  CONTEXT_DEBOUNCE_MS,
  CopilotSession,
  createCopilotSession,
  EMPTY_THREAD_SNAPSHOT,
} from "./session/copilot-session.js";
export type { WebSocketConstructor, WebSocketLike } from "./socket.js";
export { AgentThread } from "./thread/agent-thread.js";
export type { ClientTool, PendingToolCall, ToolCallContext } from "./thread/client-tools.js";
export type {
  AgentThreadOptions,
  AgentThreadSnapshot,
  AnswerEnding,
  OutgoingMessage,
  WhileRunningPolicy,
} from "./thread/thread-types.js";
export type { FollowedRun, JoinThreadOptions, ThreadFollow, ThreadFollowStatus } from "./thread-follow.js";
export type {
  ActiveRun,
  ThreadHistory,
  ThreadPage,
  ThreadSummary,
  ThreadsApi,
  ThreadsApiOptions,
} from "./threads.js";
export { createThreadsApi, deleteThread, fetchThread, httpBaseFrom, listThreads } from "./threads.js";
export type { Endpoint, Transport, TransportHandlers, TransportKind } from "./transport.js";
