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

/**
 * Calls `POST <runtimeUrl>/connect`. `token`, when given, goes in `Authorization`; cookies
 * follow the fetch defaults (same-origin), which is how the Next.js route knows the user.
 * Throws `BackchannelError` (`auth_failed` on 401/403, `connection_failed` otherwise).
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
    throw new BackchannelError(
      "protocol_error",
      `${url} did not answer with JSON; is runtimeUrl a Backchannel route?`,
      {
        cause: err,
      },
    );
  }
  if (typeof info.wsUrl !== "string" || typeof info.sseBase !== "string") {
    throw new BackchannelError(
      "protocol_error",
      `${url} did not answer with a Backchannel /connect response.`,
    );
  }
  return info;
}
