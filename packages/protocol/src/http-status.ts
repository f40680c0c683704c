/**
 * The HTTP status of every error code, so the HTTP binding (and anything proxying it) answers
 * one status per code whatever route refused the request. The WebSocket carries the same codes
 * in `error` frames; over HTTP the code is in the body `{ error: { code, message } }`.
 * See docs/http.md#errors.
 * @module
 */
import { ErrorCode } from "./error-codes.js";

/**
 * Codes only the HTTP binding uses: refusals a WebSocket expresses with a close code or that
 * cannot happen on a socket (routing, content negotiation, body reading).
 */
export const HttpOnlyErrorCode = {
  /** No route at this path. */
  NotFound: "not_found",
  /** The route exists but not for this method. */
  MethodNotAllowed: "method_not_allowed",
  /** `Accept` excludes `text/event-stream` on a streaming route. */
  NotAcceptable: "not_acceptable",
  /** The request body did not arrive in time. */
  RequestTimeout: "request_timeout",
  /** The body is larger than `limits.maxFrameBytes`. */
  PayloadTooLarge: "payload_too_large",
  /** The body is not `application/json`. */
  UnsupportedMediaType: "unsupported_media_type",
  /** `limits.maxConnectionsPerPrincipal` sockets and streams are open (WebSocket: close 1013). */
  TooManyConnections: "too_many_connections",
  /** `limits.maxConnections` reached (WebSocket: close 1013). */
  Overloaded: "overloaded",
  /**
   * The server is shutting down for good (WebSocket: close 1001); retry shortly with backoff.
   * No longer sent by the runtime, which drains with `service_restart`; clients still accept it.
   */
  GoingAway: "going_away",
  /**
   * The server drains for a restart or deploy (WebSocket: close 1012): its runs go on and stay
   * resumable from any node. Reconnect at once, without backoff (the load balancer picks a node
   * that is up), and resume. Ends open SSE streams (`event: error`) and refuses new requests (503).
   */
  ServiceRestart: "service_restart",
} as const;

export type HttpOnlyErrorCode = (typeof HttpOnlyErrorCode)[keyof typeof HttpOnlyErrorCode];

/** Every code an HTTP error body may carry. */
export type HttpErrorCode = ErrorCode | HttpOnlyErrorCode;

/**
 * The one mapping of error code to HTTP status. `resume_unavailable` is 410 Gone whether the
 * run is unknown or only its early events are: in both cases the client reloads the thread.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<HttpErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.AuthFailed]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.UnknownAgent]: 404,
  [ErrorCode.UnknownRun]: 404,
  [ErrorCode.RunConflict]: 409,
  [ErrorCode.ResumeUnavailable]: 410,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.TooManyRuns]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Unavailable]: 503,
  [HttpOnlyErrorCode.NotFound]: 404,
  [HttpOnlyErrorCode.MethodNotAllowed]: 405,
  [HttpOnlyErrorCode.NotAcceptable]: 406,
  [HttpOnlyErrorCode.RequestTimeout]: 408,
  [HttpOnlyErrorCode.PayloadTooLarge]: 413,
  [HttpOnlyErrorCode.UnsupportedMediaType]: 415,
  [HttpOnlyErrorCode.TooManyConnections]: 429,
  [HttpOnlyErrorCode.Overloaded]: 503,
  [HttpOnlyErrorCode.GoingAway]: 503,
  [HttpOnlyErrorCode.ServiceRestart]: 503,
};

/**
 * The HTTP status for `code`, or undefined for a code outside the protocol (an app's own
 * run authorizer may throw any code; the server answers those 403).
 * @example httpStatusOf("unavailable") // 503
 */
export function httpStatusOf(code: string): number | undefined {
  return Object.hasOwn(HTTP_STATUS_BY_CODE, code) ? HTTP_STATUS_BY_CODE[code as HttpErrorCode] : undefined;
}
