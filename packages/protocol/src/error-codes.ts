/**
 * Codes carried by `error` frames (and HTTP error bodies). They are recoverable: the
 * socket stays open. See docs/protocol.md#error-codes.
 */
export const ErrorCode = {
  /** A frame of a known type whose body failed validation. Nothing was started. */
  BadRequest: "bad_request",
  /** `run.agent` names no agent the server hosts. `ready.agents` lists the valid names. */
  UnknownAgent: "unknown_agent",
  /** Too many runs started too quickly, or too many frames: the frame named by `id`/`runId` was dropped. Wait `retryAfterMs` and send again. */
  RateLimited: "rate_limited",
  /** The run's events before `after` are no longer buffered (or the run is unknown). Reload the thread instead. */
  ResumeUnavailable: "resume_unavailable",
  /** `cancel` or `resume` named a run that does not exist on this server. */
  UnknownRun: "unknown_run",
  /** The run or thread belongs to another principal. */
  Forbidden: "forbidden",
  /** This connection already has `maxRunsPerConnection` runs in flight. Wait for one to finish. */
  TooManyRuns: "too_many_runs",
  /** A `run` reused a `runId` that belongs to another principal's run. Use a fresh runId. */
  RunConflict: "run_conflict",
  /** A fresh `auth` frame carried a token that failed verification; the old credentials stay in force until they expire. */
  AuthFailed: "auth_failed",
  /** A dependency (the thread database, Redis) is unreachable. Nothing was started; retry with backoff. */
  Unavailable: "unavailable",
  /** An unexpected server error while handling this frame. */
  Internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
