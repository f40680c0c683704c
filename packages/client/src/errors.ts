/**
 * The one error type the client produces. Every failure a caller can see (connection,
 * auth, a server `error` frame, a failed run) is a `BackchannelError` with a stable `code`.
 * @module
 */
import type { ErrorCode, ErrorFrame } from "@backchannel/protocol";

/**
 * Stable error codes. The server's `error` frame codes (see `ErrorCode` in
 * `@backchannel/protocol`) pass through unchanged; the rest are the client's own:
 *
 * - `connection_failed`: the socket could not be opened or was lost and the client gave up
 *   (or the server closed it for good). Check the URL and that the server is up, then call `reconnect()`.
 * - `auth_failed`: the server refused the credentials (close 1008 or a failed refresh). Get a fresh token.
 * - `protocol_error`: the server sent something this client cannot understand. Check versions match.
 * - `resume_unavailable`: a run's missed events are no longer buffered. Reload the thread.
 * - `run_failed`: the agent ended the run with RUN_ERROR. `message` is the agent's.
 * - `client_closed`: `close()` was called while the run was in flight.
 * - `frame_too_large`: a run's input is over the server's `maxFrameBytes`. Send less history/state.
 * - `state_patch_failed`: a STATE_DELTA did not apply; the state was left unchanged.
 * - `run_in_progress`: `sendMessage` with `whileRunning: "reject"` while a run was in flight.
 * - `tool_failed`: a client tool handler threw (the agent also receives the message).
 */
export type BackchannelErrorCode =
  | "connection_failed"
  | "auth_failed"
  | "protocol_error"
  | "resume_unavailable"
  | "run_failed"
  | "client_closed"
  | "frame_too_large"
  | "state_patch_failed"
  | "run_in_progress"
  | "tool_failed"
  | ErrorCode;

/** Extra fields a `BackchannelError` may carry. */
export interface BackchannelErrorOptions {
  /** The underlying error or event. */
  cause?: unknown;
  /** The run this error belongs to, when it belongs to one. */
  runId?: string;
  /** For `rate_limited`: how long the server asked us to wait. */
  retryAfterMs?: number;
  /** For connection errors: the WebSocket close code that caused it. */
  closeCode?: number;
  /** Whether trying again may succeed. @default by code: see `isRetryableCode` */
  retryable?: boolean;
}

/**
 * Codes that describe a passing condition (a dropped network, a busy or restarting server, a
 * rate limit): trying the same thing again later may succeed. Every other code needs something
 * to change first (credentials, the URL, the request, a version).
 */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "connection_failed",
  "rate_limited",
  "unavailable",
  "too_many_runs",
  "internal",
]);

/** Whether errors with `code` are retryable unless they say otherwise (`BackchannelError.retryable`). */
export function isRetryableCode(code: string): boolean {
  return RETRYABLE_CODES.has(code);
}

/**
 * A failure with a stable, machine-readable `code`. Messages are written for a developer
 * to act on; show your own copy to end users.
 * @example
 * if (isBackchannelError(err) && err.code === "auth_failed") redirectToLogin();
 */
export class BackchannelError extends Error {
  override readonly name = "BackchannelError";
  /** Stable code; switch on this, never on `message`. */
  readonly code: BackchannelErrorCode;
  /** The run this error belongs to, when it belongs to one. */
  readonly runId: string | undefined;
  /** For `rate_limited`: how long the server asked us to wait. */
  readonly retryAfterMs: number | undefined;
  /** For connection errors: the WebSocket close code that caused it. */
  readonly closeCode: number | undefined;
  /**
   * Whether trying the same thing again may succeed. A connection error that is not retryable
   * (no runtime at `runtimeUrl`, an answer that is not Backchannel's) makes the client stop at
   * once (`disconnected`) instead of retrying it as `connecting`.
   */
  readonly retryable: boolean;

  constructor(code: BackchannelErrorCode, message: string, options: BackchannelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.runId = options.runId;
    this.retryAfterMs = options.retryAfterMs;
    this.closeCode = options.closeCode;
    this.retryable = options.retryable ?? isRetryableCode(code);
  }

  /**
   * Turns anything thrown or received into a `BackchannelError`: returns `value` itself if it
   * already is one, maps a server `error` frame to its code, and wraps anything else under
   * `fallbackCode` with the original as `cause`.
   */
  static from(value: unknown, fallbackCode: BackchannelErrorCode = "internal"): BackchannelError {
    if (isBackchannelError(value)) return value;
    if (isErrorFrame(value)) {
      return new BackchannelError(value.code as BackchannelErrorCode, value.message, {
        cause: value,
        ...(value.runId === undefined ? {} : { runId: value.runId }),
        ...(value.retryAfterMs === undefined ? {} : { retryAfterMs: value.retryAfterMs }),
      });
    }
    if (value instanceof Error) return new BackchannelError(fallbackCode, value.message, { cause: value });
    return new BackchannelError(fallbackCode, String(value), { cause: value });
  }
}

function isErrorFrame(value: unknown): value is ErrorFrame {
  const v = value as Partial<ErrorFrame> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.type === "error" &&
    typeof v.code === "string" &&
    typeof v.message === "string"
  );
}

/**
 * Whether `value` is a `BackchannelError`. Also recognises errors from another copy of this
 * package (two bundles on one page), which `instanceof` would miss.
 */
export function isBackchannelError(value: unknown): value is BackchannelError {
  if (value instanceof BackchannelError) return true;
  const v = value as { name?: unknown; code?: unknown } | null;
  return value instanceof Error && v?.name === "BackchannelError" && typeof v.code === "string";
}
