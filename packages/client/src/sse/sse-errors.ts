/**
 * How the SSE transport turns HTTP answers and stream-level `event: error` blocks into what
 * the connection logic already understands: an `error` frame for the run (the registry retries
 * or fails it) or a close code for the whole virtual socket (the connection reconnects, or
 * gives up on credentials, and every run resumes).
 * @module
 */
import { CloseCode } from "@backchannel/protocol";

/** Either deliver an `error` frame for the run, or close the socket with `code`. */
export type SseFailure =
  | { kind: "frame"; code: string; message: string; retryAfterMs?: number }
  | { kind: "close"; code: number; reason: string };

/** Stream-level error codes that end a run for good; anything else is transient. */
const RUN_ENDING = new Set(["resume_unavailable", "forbidden", "unknown_run"]);

/** A `{ error: { code, message } }` body (or anything else the server sent). */
export async function readErrorBody(
  res: Response,
): Promise<{ code: string; message: string; retryAfterMs?: number }> {
  let body: { error?: { code?: unknown; message?: unknown; retryAfterMs?: unknown } } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const code = typeof body?.error?.code === "string" ? body.error.code : `http_${res.status}`;
  const message =
    typeof body?.error?.message === "string"
      ? body.error.message
      : `HTTP ${res.status} ${res.statusText}`.trim();
  const retry = body?.error?.retryAfterMs;
  return typeof retry === "number" ? { code, message, retryAfterMs: retry } : { code, message };
}

/** What a refused HTTP request (status ≥ 300) means for the transport. */
export function classifyHttpFailure(
  status: number,
  error: { code: string; message: string; retryAfterMs?: number },
): SseFailure {
  if (status === 401) return { kind: "close", code: CloseCode.PolicyViolation, reason: error.message };
  // A dependency outage refused this request only (the same `error` a WebSocket gets for it).
  if (error.code === "unavailable") return { kind: "frame", ...error };
  if (error.code === "service_restart")
    return { kind: "close", code: CloseCode.ServiceRestart, reason: error.message };
  if (error.code === "going_away") return { kind: "close", code: CloseCode.GoingAway, reason: error.message };
  if (status === 503 || (status === 429 && error.code !== "rate_limited")) {
    return { kind: "close", code: CloseCode.Overloaded, reason: error.message };
  }
  if (status >= 500) return { kind: "close", code: CloseCode.InternalError, reason: error.message };
  return { kind: "frame", ...error };
}

/** What an `event: error` block (data: `{ type: "RUN_ERROR", code, message }`) means. */
export function classifyStreamError(data: string): SseFailure {
  let code = "stream_error";
  let message = "The server ended the event stream";
  try {
    const parsed = JSON.parse(data) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === "string") code = parsed.code;
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // A malformed error block is still an error; keep the generic text.
  }
  if (RUN_ENDING.has(code)) return { kind: "frame", code, message };
  if (code === "auth_failed") return { kind: "close", code: CloseCode.PolicyViolation, reason: message };
  // A draining node (rolling restart): like close 1012, reconnect at once and resume elsewhere.
  if (code === "service_restart") return { kind: "close", code: CloseCode.ServiceRestart, reason: message };
  if (code === "going_away") return { kind: "close", code: CloseCode.GoingAway, reason: message };
  if (code === "slow_consumer") return { kind: "close", code: CloseCode.SlowConsumer, reason: message };
  return { kind: "close", code: 1006, reason: message };
}
