/**
 * Every HTTP refusal in one shape: `HttpError` (a code, its status from the protocol's
 * `HTTP_STATUS_BY_CODE`, a message), and `httpRoute`, the one wrapper every route runs in, so
 * a code answers the same status whichever route refused (a store outage is 503 on every route,
 * a refused run 403 on every route).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorCode, type HttpErrorCode, httpStatusOf } from "@backchannel/protocol";
import { type Refusal, UNAVAILABLE_RETRY_MS } from "../core/outcome.js";
import { BackchannelServerError } from "../errors.js";
import type { Logger } from "../logger.js";
import { applyCors } from "./cors.js";
import { sendError } from "./respond.js";
import type { RouteHandler } from "./router.js";

/** Status of a typed error whose code the protocol does not know (an app's run authorizer refusing). */
const APP_REFUSAL_STATUS = 403;

/** Options of an HttpError. */
export interface HttpErrorOptions {
  /** For `rate_limited`, `unavailable` and the like: when to try again (also sent as `Retry-After`). */
  retryAfterMs?: number;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * A refusal of an HTTP request, answered with the status the protocol gives `code` and the body
 * `{ error: { code, message } }` (plus `retryAfterMs` when set). Codes are listed in docs/http.md.
 * @example throw new HttpError("forbidden", "This run belongs to another user");
 */
export class HttpError extends BackchannelServerError {
  readonly status: number;
  /** When to try again. */
  readonly retryAfterMs: number | undefined;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  constructor(code: HttpErrorCode | (string & {}), message: string, opts?: HttpErrorOptions);
  /**
   * @deprecated Pass the code first: the status comes from `HTTP_STATUS_BY_CODE`. A status given
   * here is used only for a code outside the protocol.
   */
  constructor(status: number, code: string, message: string, opts?: HttpErrorOptions);
  constructor(a: number | string, b: string, c?: string | HttpErrorOptions, d?: HttpErrorOptions) {
    const legacy = typeof a === "number";
    const code = legacy ? b : a;
    const message = legacy ? (c as string) : b;
    const opts = (legacy ? d : (c as HttpErrorOptions | undefined)) ?? {};
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "HttpError";
    this.status = httpStatusOf(code) ?? (legacy ? a : APP_REFUSAL_STATUS);
    this.retryAfterMs = opts.retryAfterMs;
    this.headers = opts.headers ?? {};
  }
}

/**
 * Turns anything a handler threw into an HttpError: typed server errors keep their code and
 * take its status from the table (a code the protocol does not know, thrown by an app's run
 * authorizer, answers 403); anything else is a 500 whose message reveals nothing.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BackchannelServerError) {
    const retry = (err as { retryAfterMs?: unknown }).retryAfterMs;
    return new HttpError(err.code, err.message, {
      cause: err,
      ...(typeof retry === "number"
        ? { retryAfterMs: retry }
        : err.code === ErrorCode.Unavailable
          ? { retryAfterMs: UNAVAILABLE_RETRY_MS }
          : {}),
    });
  }
  return new HttpError(ErrorCode.Internal, "Internal server error; retry later", { cause: err });
}

/** A run core refusal as the HttpError to throw (status from the table). */
export function refusalToHttp(r: Refusal): HttpError {
  return new HttpError(
    r.code,
    r.message,
    r.retryAfterMs === undefined ? {} : { retryAfterMs: r.retryAfterMs },
  );
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

/** A handler that may throw HttpError (or anything) instead of answering itself. */
export type HttpHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => Promise<void>;

/** What `httpRoute` needs: where to log, and the CORS allow-list. */
export interface HttpRouteContext {
  readonly logger: Logger;
  readonly allowedOrigins: readonly string[] | undefined;
  /**
   * Called with every `auth_failed` refusal. Refused credentials are already reported (logged
   * at warn, counted) by the authenticator (`Authenticator.failures`), so nothing is logged here.
   */
  onAuthFailed?(req: IncomingMessage, err: HttpError): void;
}

/**
 * The one error wrapper of every HTTP route: CORS headers, then the handler; whatever it throws
 * is answered through `toHttpError` (status from the protocol's table). 5xx other than a
 * dependency outage are logged as errors.
 */
export function httpRoute(ctx: HttpRouteContext, handler: HttpHandler): RouteHandler {
  return async (req, res, params) => {
    applyCors(req, res, ctx.allowedOrigins);
    try {
      await handler(req, res, params);
    } catch (err) {
      const httpErr = toHttpError(err);
      if (httpErr.status >= 500 && httpErr.code !== ErrorCode.Unavailable) {
        ctx.logger.error({ err, path: req.url?.split("?")[0] }, "http handler failed");
      } else if (httpErr.code === ErrorCode.AuthFailed) ctx.onAuthFailed?.(req, httpErr);
      sendHttpError(res, httpErr);
    }
  };
}
