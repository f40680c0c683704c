/**
 * Errors raised by the agents in this package. Each has a stable `code`, which is also
 * the `code` of the RUN_ERROR event a failed run ends with.
 * @module
 */

/** Codes of {@link LangGraphAgentError}. */
export type LangGraphAgentErrorCode =
  /** A node (or a model or tool inside it) threw. */
  | "graph_error"
  /** A run carried `resume` but the graph has no checkpointer to resume from. */
  | "resume_without_checkpointer"
  /** A resume entry named an interrupt the thread is not waiting on. */
  | "unknown_interrupt"
  /** LangGraph reported an interrupt without an id (a pre-1.0 `@langchain/langgraph`). */
  | "interrupt_without_id";

/** A failure of a `LangGraphAgent` run. */
export class LangGraphAgentError extends Error {
  override readonly name = "LangGraphAgentError";

  constructor(
    readonly code: LangGraphAgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Codes of {@link RemoteAgentError}. */
export type RemoteAgentErrorCode =
  /** The endpoint could not be reached (DNS, refused, reset, timeout before headers). */
  | "remote_unreachable"
  /** The endpoint answered with a non-2xx status. */
  | "remote_http_error"
  /** The endpoint answered 2xx but not with `text/event-stream`. */
  | "remote_bad_response"
  /** An SSE event was not a JSON object with a string `type`, or was over the size limit. */
  | "remote_bad_event"
  /** The stream ended (or went silent too long) before RUN_FINISHED or RUN_ERROR. */
  | "remote_incomplete";

/** A failure talking to a remote AG-UI endpoint. */
export class RemoteAgentError extends Error {
  override readonly name = "RemoteAgentError";
  /** The HTTP status, for `remote_http_error`. */
  readonly status: number | undefined;

  constructor(
    readonly code: RemoteAgentErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
}

/** Whether `error` is the AbortError of a cancelled run rather than a real failure. */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError";
}
