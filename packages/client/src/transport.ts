/**
 * Applies the `transport` and `runtimeUrl` options to the resolved options the connection
 * runs on: the WebSocket constructor becomes the transport-picking socket, and with
 * `runtimeUrl` every connection attempt first asks `/connect` for the socket URL and a ticket.
 * The connection logic itself is the same for every transport.
 * @module
 */
import { type ConnectInfo, discover } from "./discovery.js";
import type { ResolvedClientOptions } from "./options.js";
import type { WebSocketConstructor } from "./socket.js";
import { createTransportSocket } from "./sse/auto-socket.js";

/** The HTTP base for a socket URL: `wss://h/copilotkit/ws` → `https://h/copilotkit`. */
export function httpBaseFromWsUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.search = "";
  url.hash = "";
  return url.href.replace(/\/ws\/?$/, "").replace(/\/+$/, "");
}

/**
 * `opts` with discovery and the chosen transport wired in. `realWebSocket` is the platform's
 * (or the caller's) WebSocket; it may be missing only when the transport is not "websocket".
 */
export function applyTransport(
  opts: Omit<ResolvedClientOptions, "WebSocket">,
  realWebSocket: WebSocketConstructor | undefined,
): ResolvedClientOptions {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let info: ConnectInfo | undefined;
  let userToken: string | undefined;
  const out: ResolvedClientOptions = { ...opts, WebSocket: realWebSocket as WebSocketConstructor };

  if (opts.runtimeUrl) {
    const runtimeUrl = opts.runtimeUrl;
    const userGetToken = opts.getToken ?? (opts.token === undefined ? undefined : () => opts.token!);
    out.token = undefined;
    out.getToken = async () => {
      userToken = userGetToken ? await userGetToken() : undefined;
      info = await discover(runtimeUrl, {
        fetch: doFetch,
        token: userToken,
        ticket: opts.transport !== "sse",
        timeoutMs: opts.connectTimeoutMs,
      });
      // The ticket opens the socket; SSE requests use the caller's own token (or none behind a proxy).
      return info.ticket ?? userToken ?? "";
    };
    Object.defineProperty(out, "url", {
      enumerable: true,
      // Read by the connection right after getToken resolved, so it is the fresh answer's URL.
      get: () => info?.wsUrl ?? opts.url,
    });
  }

  if (opts.transport !== "websocket") {
    out.WebSocket = createTransportSocket({
      mode: opts.transport,
      WebSocket: realWebSocket,
      fetch: doFetch,
      websocketRetryMs: opts.websocketRetryMs,
      sseBase: (wsUrl) => info?.sseBase ?? httpBaseFromWsUrl(wsUrl),
      httpToken: opts.runtimeUrl ? () => userToken || undefined : undefined,
    });
  }
  return out;
}
