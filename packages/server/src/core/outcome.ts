/**
 * What the run core answers: `{ ok: true, ... }` or a refusal carrying a protocol error code.
 * Bindings translate a refusal once: the WebSocket into an `error` frame, HTTP into the status
 * of `HTTP_STATUS_BY_CODE`. Nothing in the core throws at a binding.
 * @module
 */
import { ErrorCode } from "@backchannel/protocol";
import { BackchannelServerError } from "../errors.js";
import type { Logger } from "../logger.js";

/** When to retry after `unavailable` (a store or Redis outage) when the thrower did not say. */
export const UNAVAILABLE_RETRY_MS = 2_000;

/** A decision against the request. `code` is a protocol error code (or an app authorizer's own). */
export interface Refusal {
  readonly ok: false;
  readonly code: string;
  /** Safe to show the user; says what to do next. */
  readonly message: string;
  /** For `rate_limited`, `unavailable`: when to try again. */
  readonly retryAfterMs?: number;
}

/** A decision of the run core. */
export type Outcome<T extends object> = ({ readonly ok: true } & T) | Refusal;

/** A refusal with `code`. */
export function refuse(code: string, message: string, retryAfterMs?: number): Refusal {
  return retryAfterMs === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, retryAfterMs };
}

/**
 * The refusal for something a dependency threw: a typed server error keeps its code (a store
 * outage stays `unavailable`, an app authorizer's `forbidden` stays that); anything else is
 * `internal`, logged, with a message that reveals nothing.
 */
export function refusalFrom(err: unknown, logger: Logger): Refusal {
  if (err instanceof BackchannelServerError) {
    const retry = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof retry === "number") return refuse(err.code, err.message, retry);
    return refuse(
      err.code,
      err.message,
      err.code === ErrorCode.Unavailable ? UNAVAILABLE_RETRY_MS : undefined,
    );
  }
  logger.error({ err }, "run core: unexpected failure");
  return refuse(ErrorCode.Internal, "Internal error handling this request; retry");
}

/** The error a binding may throw for a refusal (HTTP's wrapper turns it into the table's status). */
export function refusalError(r: Refusal): BackchannelServerError & { retryAfterMs?: number } {
  const err = new BackchannelServerError(r.code, r.message) as BackchannelServerError & {
    retryAfterMs?: number;
  };
  if (r.retryAfterMs !== undefined) err.retryAfterMs = r.retryAfterMs;
  return err;
}
