import type { ServerResponse } from "node:http";
import { BackchannelServerError } from "../errors.js";
import { sendError } from "./respond.js";

/**
 * A refusal of an HTTP request, answered as `status` with the body `{ error: { code, message } }`
 * (plus `retryAfterMs` for `rate_limited`). Codes are listed in docs/http.md.
 */
export class HttpError extends BackchannelServerError {
  readonly status: number;
  /** For `rate_limited` and `overloaded`: when to try again. */
  readonly retryAfterMs: number | undefined;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { retryAfterMs?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "HttpError";
    this.status = status;
    this.retryAfterMs = opts.retryAfterMs;
    this.headers = opts.headers ?? {};
  }
}

/** HTTP statuses for the codes a run authorizer (or other hook) may throw. */
const STATUS_BY_CODE: Record<string, number> = {
  bad_request: 400,
  auth_failed: 401,
  forbidden: 403,
  unknown_agent: 404,
  unknown_run: 404,
  run_conflict: 409,
  rate_limited: 429,
};

/**
 * Turns anything a handler threw into an HttpError: typed server errors keep their code
 * (a hook refusing a run answers 403 unless its code says otherwise), anything else is a 500
 * whose message reveals nothing.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BackchannelServerError) {
    return new HttpError(STATUS_BY_CODE[err.code] ?? 403, err.code, err.message, { cause: err });
  }
  return new HttpError(500, "internal", "Internal server error; retry later", { cause: err });
}

/** Writes `err` as the response, unless headers already went out (then the stream is cut). */
export function sendHttpError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { ...err.headers };
  if (err.retryAfterMs !== undefined) headers["retry-after"] = String(Math.ceil(err.retryAfterMs / 1000));
  // Setting headers first keeps sendError's own signature; it merges nothing else.
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendError(
    res,
    err.status,
    err.code,
    err.message,
    err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs },
  );
}
