/**
 * What to do when a socket closes, by close code. Pure, so the whole table is unit-tested;
 * the connection only carries the decision out.
 * @module
 */
import { CloseCode, isRetryableClose } from "@backchannel/protocol";
import { BackchannelError } from "./errors.js";

/** What the connection knows when a socket closes. */
export interface CloseContext {
  /** Whether `getToken` can produce a fresh token. */
  canRefreshToken: boolean;
  /** Whether a 1008 was already answered with a fresh-token retry since the last `ready`. */
  authRetried: boolean;
  /** Whether the socket had reached `ready`. */
  wasConnected: boolean;
  url: string;
}

/**
 * - `retry-now`: reconnect at once (a 1008 with `getToken`: often just an expired token; a 1012
 *   service restart: the load balancer sends the new socket to a node that is up).
 * - `retry-later`: reconnect after backoff; runs resume.
 * - `give-up`: go `disconnected`; runs in flight fail with `error`.
 */
export type CloseDecision = { action: "retry-now" | "retry-later" | "give-up"; error: BackchannelError };

/** Decides how to react to a close with `code`/`reason` (see docs/protocol.md#close-codes). */
export function decideOnClose(code: number, reason: string, ctx: CloseContext): CloseDecision {
  const detail = reason ? `${code} ${reason}` : String(code);
  const closeCode = { closeCode: code };
  if (code === CloseCode.PolicyViolation) {
    if (ctx.canRefreshToken && !ctx.authRetried) {
      const message = `The server refused the credentials (${detail}); retrying with a fresh token.`;
      return { action: "retry-now", error: new BackchannelError("auth_failed", message, closeCode) };
    }
    const hint = ctx.canRefreshToken
      ? "getToken() returned a token the server refused too."
      : "Pass a valid `token`, or `getToken` to fetch fresh ones.";
    const message = `The server refused the credentials (${detail}). ${hint}`;
    return { action: "give-up", error: new BackchannelError("auth_failed", message, closeCode) };
  }
  if (code === CloseCode.ServiceRestart && ctx.wasConnected) {
    const message = `The server is restarting (${detail}); reconnecting now.`;
    return { action: "retry-now", error: new BackchannelError("connection_failed", message, closeCode) };
  }
  if (!isRetryableClose(code)) {
    const message = `The server closed the connection (${detail}). Call reconnect() to connect again.`;
    return { action: "give-up", error: new BackchannelError("connection_failed", message, closeCode) };
  }
  const message = ctx.wasConnected
    ? `Connection lost (${detail}); reconnecting.`
    : `Could not connect to ${ctx.url} (${detail}).`;
  return { action: "retry-later", error: new BackchannelError("connection_failed", message, closeCode) };
}
