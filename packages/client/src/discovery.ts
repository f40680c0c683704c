/**
 * `runtimeUrl` discovery: `POST <runtimeUrl>/connect` tells the client where the WebSocket is,
 * hands it a short-lived single-use ticket for it, and where the SSE routes are. Behind the
 * Next.js route (`@backchannel/next`) the browser holds no backend credential at all: its
 * session cookie authenticates `/connect`, and the ticket opens the socket.
 * @module
 */
import { BackchannelError } from "./errors.js";

/** The parts of the `/connect` answer the client uses (see docs/http.md). */
export interface ConnectInfo {
  protocol: string;
  transports: string[];
  /** Absolute WebSocket URL. */
  wsUrl: string;
  /** Base URL of the HTTP routes. */
  sseBase: string;
  /** Single-use WebSocket credential; absent when none was asked for. */
  ticket?: string;
  ticketExpiresAt?: number;
}

/** Answers that mean no Backchannel runtime is at `runtimeUrl`: retrying cannot change them. */
const NOT_A_RUNTIME = new Set([404, 405, 410]);

/**
 * A discovery failure no retry can fix: `/connect` does not exist (HTTP 404, 405, 410) or
 * answered with something that is not a Backchannel answer. `retryable: false` makes the
 * connection give up at once (`disconnected`) instead of retrying forever as "connecting".
 */
function permanentError(code: "connection_failed" | "protocol_error", message: string, cause?: unknown) {
  return new BackchannelError(
    code,
    message,
    cause === undefined ? { retryable: false } : { cause, retryable: false },
  );
}

/**
 * Calls `POST <runtimeUrl>/connect`. `token`, when given, goes in `Authorization`; cookies
 * follow the fetch defaults (same-origin), which is how the Next.js route knows the user.
 * Throws `BackchannelError`: `auth_failed` on 401/403, `connection_failed` otherwise, and
 * `protocol_error` for an answer that is not Backchannel's; those that no retry can fix have
 * `retryable: false`.
 */
export async function discover(
  runtimeUrl: string,
  options: { fetch: typeof fetch; token?: string | undefined; ticket: boolean; timeoutMs: number },
): Promise<ConnectInfo> {
  const url = `${runtimeUrl.replace(/\/+$/, "")}/connect`;
  // A server that accepts the connection and never answers must not hold the attempt forever.
  const signal = AbortSignal.timeout(options.timeoutMs);
  let res: Response;
  let info: ConnectInfo;
  try {
    res = await options.fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.ticket ? "{}" : '{"ticket":false}',
      cache: "no-store",
      signal,
    });
  } catch (err) {
    const why = signal.aborted
      ? `no answer within ${options.timeoutMs} ms`
      : err instanceof Error
        ? err.message
        : String(err);
    throw new BackchannelError("connection_failed", `Could not reach ${url} (${why}); check runtimeUrl.`, {
      cause: err,
    });
  }
  if (NOT_A_RUNTIME.has(res.status)) {
    throw permanentError(
      "connection_failed",
      `No Backchannel runtime at ${url} (HTTP ${res.status}). Check runtimeUrl and the proxy route.`,
    );
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) message = `${message}: ${body.error.message}`;
    } catch {
      // Not our JSON error (a 404 page, say); the status says enough.
    }
    const code = res.status === 401 || res.status === 403 ? "auth_failed" : "connection_failed";
    throw new BackchannelError(code, `${url} refused to connect (${message}).`);
  }
  try {
    info = (await res.json()) as ConnectInfo;
  } catch (err) {
    throw permanentError(
      "protocol_error",
      `${url} did not answer with JSON; is runtimeUrl a Backchannel route? Check runtimeUrl and the proxy route.`,
      err,
    );
  }
  if (typeof info?.wsUrl !== "string" || typeof info.sseBase !== "string") {
    throw permanentError(
      "protocol_error",
      `${url} did not answer with a Backchannel /connect response. Check runtimeUrl and the proxy route.`,
    );
  }
  return info;
}
