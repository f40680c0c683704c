/**
 * @backchannel/client: one WebSocket to your Backchannel agents, with reconnect and resume,
 * and the folding of AG-UI events into messages and state. Framework-free; browsers and Node.
 * @module
 */

export { exponentialBackoff } from "./backoff.js";
export type { AttachRunOptions, BackchannelClient, ClientSnapshot, StartRunOptions } from "./client.js";
export { createClient } from "./client.js";
export type { ConnectionSnapshot, ConnectionState } from "./connection.js";
export type { BackchannelErrorCode, BackchannelErrorOptions } from "./errors.js";
export { BackchannelError, isBackchannelError } from "./errors.js";
export type { ClientOptions, ReconnectOptions } from "./options.js";
export { DEFAULTS } from "./options.js";
export type { RunEndStatus, RunEventListener, RunHandle, RunResult, RunStatus } from "./run-handle.js";
export type { WebSocketConstructor, WebSocketLike } from "./socket.js";
