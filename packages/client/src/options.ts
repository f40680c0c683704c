/**
 * Client options and their defaults. Every default lives in `DEFAULTS`.
 * @module
 */
import { chooseTransport } from "./auto-transport.js";
import { createEndpointResolver, type EndpointResolver } from "./endpoint.js";
import { browserEnvironment, type ClientEnvironment } from "./environment.js";
import type { BackchannelError } from "./errors.js";
import type { WebSocketConstructor } from "./socket.js";
import type { OpenTransport } from "./transport.js";

/** How reconnect delays grow. The delay before attempt n is `min(maxDelayMs, initialDelayMs * factor^(n-1))`, jittered. */
export interface ReconnectOptions {
  /** Delay before the first reconnect attempt, in ms. @default 250 */
  initialDelayMs: number;
  /** Upper bound for any single delay, in ms. @default 30000 */
  maxDelayMs: number;
  /** Growth per attempt. @default 2 */
  factor: number;
  /**
   * Fraction of each delay that is randomised (0 = none, 1 = anywhere from 0 to the full delay),
   * so that many clients dropped at once do not reconnect in lockstep. @default 0.5
   */
  jitter: number;
  /**
   * Consecutive failed attempts after which the client stops and goes `disconnected` with a
   * `connection_failed` error (runs in flight fail with it). `Infinity` retries forever.
   * @default Infinity
   */
  maxAttempts: number;
}

/**
 * When an unused connection closes (see `ClientOptions.idleClose`). "Unused" means no run in
 * flight, no followed thread and no pending client tool call.
 */
export interface IdleCloseOptions {
  /** Idle time after which the socket closes while the page is visible, in ms. @default 300000 (5 min) */
  visibleMs: number;
  /** Idle time after which the socket closes while the page is hidden, in ms. @default 60000 (1 min) */
  hiddenMs: number;
}

/** Options of `createClient`. Only `url` is required. */
export interface ClientOptions {
  /**
   * WebSocket URL of the runtime's socket endpoint, e.g. `wss://api.example.com/copilotkit/ws`.
   * Optional with `runtimeUrl` (discovery finds it).
   */
  url?: string;
  /**
   * HTTP base of the runtime, e.g. `"/api/copilotkit"` (the Next.js route of `@backchannel/next`)
   * or `https://api.example.com/copilotkit`. Every connection attempt then starts with
   * `POST <runtimeUrl>/connect`, which returns the WebSocket URL, a single-use ticket for it
   * and the SSE base; `token`/`getToken`, if given, authenticate that call (otherwise the
   * page's cookies do, through the proxy). Implies `transport: "auto"` unless set.
   */
  runtimeUrl?: string;
  /**
   * - `"websocket"`: the WebSocket only.
   * - `"sse"`: HTTP + Server-Sent Events only (same API, same resume guarantees).
   * - `"auto"`: the WebSocket first; if the upgrade fails or is refused (a proxy that blocks
   *   WebSockets), the same attempt continues over SSE, and the WebSocket is tried again every
   *   `websocketRetryMs`.
   * @default "auto" with `runtimeUrl`, else "websocket"
   */
  transport?: "auto" | "websocket" | "sse";
  /** How long `"auto"` stays on SSE after a refused WebSocket before probing it again, in ms. @default 60000 */
  websocketRetryMs?: number;
  /** The fetch used for discovery and SSE. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** A fixed bearer token (API key or JWT). Prefer `getToken` for tokens that expire. */
  token?: string;
  /**
   * Called before every connect and reconnect (and before the token in `ready.expiresAt`
   * expires) to get a fresh token. Takes precedence over `token`.
   */
  getToken?: () => string | Promise<string>;
  /**
   * How the token travels. `"subprotocol"` puts it in the `Sec-WebSocket-Protocol` header as
   * `bearer.<base64url>` (never in the URL, so it stays out of logs and history); `"frame"` sends an
   * `auth` frame right after the socket opens, for proxies that strip unknown subprotocols.
   * @default "subprotocol"
   */
  authMode?: "subprotocol" | "frame";
  /**
   * The WebSocket implementation. Browsers have one built in; on Node 20 pass the `ws`
   * package's: `import { WebSocket } from "ws"`.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor;
  /** Backoff between reconnect attempts. Partial values are merged over the defaults. */
  reconnect?: Partial<ReconnectOptions>;
  /** Do not connect until the first `startRun`, `attachRun` or `connect()`. @default false */
  lazy?: boolean;
  /** Give up on a connection attempt that has not reached `ready` after this many ms. @default 10000 */
  connectTimeoutMs?: number;
  /**
   * Refresh the token this long before `ready.expiresAt` (when `getToken` is set). If less time
   * than this remains, the refresh happens halfway to expiry. @default 30000
   */
  refreshBeforeExpiryMs?: number;
  /** How often a `rate_limited` run is retried (after the server's `retryAfterMs`) before it fails. @default 3 */
  maxRateLimitRetries?: number;
  /** Called with every error the client sees: connection, auth, server `error` frames and failed runs. */
  onError?: (error: BackchannelError) => void;
  /**
   * Close the socket after this long unused (no run in flight, no followed thread, no pending
   * client tool call): `visibleMs` while the page is visible, `hiddenMs` once it is hidden.
   * `connectionState` stays `"connected"` meanwhile and the next action (a run, a join)
   * reconnects transparently, with no error. `false` keeps the socket open (the server's own
   * idle timeout still applies to a silent client; heartbeats keep it alive).
   * @default { visibleMs: 300000, hiddenMs: 60000 }
   */
  idleClose?: Partial<IdleCloseOptions> | false;
  /** Network and visibility detection. @default `browserEnvironment` (window/document where present) */
  environment?: ClientEnvironment;
  /**
   * Ask the server to merge each run's text and tool-argument deltas that arrive within this
   * many ms into one frame (the `options` frame, docs/protocol.md "Merged deltas"). A UI shows
   * deltas once per animation frame at most, so more frames than that only cost the page
   * parsing time: at 2,000 tokens/s that is most of a slow laptop's main thread. The
   * transcript is the same either way. 0 asks for every delta as its own frame. Servers that
   * do not support it are not asked.
   * @default 16 where `requestAnimationFrame` exists (browsers), else 0
   */
  mergeDeltasMs?: number;
}

/** Defaults for every optional client option. */
export const DEFAULTS = {
  authMode: "subprotocol",
  reconnect: {
    initialDelayMs: 250,
    maxDelayMs: 30_000,
    factor: 2,
    jitter: 0.5,
    maxAttempts: Number.POSITIVE_INFINITY,
  },
  lazy: false,
  connectTimeoutMs: 10_000,
  refreshBeforeExpiryMs: 30_000,
  maxRateLimitRetries: 3,
  websocketRetryMs: 60_000,
  idleClose: { visibleMs: 300_000, hiddenMs: 60_000 },
} as const satisfies Omit<
  Required<ClientOptions>,
  | "url"
  | "token"
  | "getToken"
  | "WebSocket"
  | "onError"
  | "runtimeUrl"
  | "transport"
  | "fetch"
  | "environment"
  | "mergeDeltasMs"
> & {
  reconnect: ReconnectOptions;
  idleClose: IdleCloseOptions;
};

/**
 * `ClientOptions` with every default filled in, plus the two steps every connection attempt
 * takes: resolve the endpoint, then open a transport to it.
 */
export interface ResolvedClientOptions
  extends Required<
    Omit<
      ClientOptions,
      | "url"
      | "token"
      | "getToken"
      | "onError"
      | "reconnect"
      | "runtimeUrl"
      | "fetch"
      | "idleClose"
      | "environment"
      | "WebSocket"
      | "mergeDeltasMs"
    >
  > {
  /** The merge window to ask the server for (`mergeDeltasMs`, default resolved); 0 for none. */
  mergeDeltasMs: number;
  /** Where to connect and with what credentials; called before every attempt. */
  endpoints: EndpointResolver;
  /** Opens the chosen transport (`transport` option) to a resolved endpoint. */
  openTransport: OpenTransport;
  idleClose: IdleCloseOptions | false;
  environment: ClientEnvironment;
  onError: ((error: BackchannelError) => void) | undefined;
  reconnect: ReconnectOptions;
}

/** Fills in defaults and checks what can be checked up front. */
export function resolveOptions(options: ClientOptions): ResolvedClientOptions {
  const runtimeUrl = options.runtimeUrl;
  if (runtimeUrl !== undefined && (typeof runtimeUrl !== "string" || runtimeUrl === "")) {
    throw new TypeError(
      `createClient: "runtimeUrl" must be the runtime's HTTP base, e.g. "/api/copilotkit" (got ${JSON.stringify(runtimeUrl)}).`,
    );
  }
  if (
    (runtimeUrl === undefined || options.url !== undefined) &&
    (typeof options.url !== "string" || !/^wss?:\/\//i.test(options.url))
  ) {
    throw new TypeError(
      `createClient: "url" must be a ws:// or wss:// URL (got ${JSON.stringify(options.url)}). ` +
        "Point it at your runtime's socket endpoint, e.g. wss://host/copilotkit/ws, or pass runtimeUrl instead.",
    );
  }
  const transport = options.transport ?? (runtimeUrl ? "auto" : "websocket");
  if (transport !== "auto" && transport !== "websocket" && transport !== "sse") {
    throw new TypeError(
      `createClient: "transport" must be "auto", "websocket" or "sse" (got ${JSON.stringify(transport)}).`,
    );
  }
  const WebSocketImpl =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
  if (!WebSocketImpl && transport === "websocket") {
    throw new TypeError(
      "createClient: no WebSocket implementation found. On Node 20, install `ws` and pass " +
        '`WebSocket` from `import { WebSocket } from "ws"` as an option (or use transport: "sse").',
    );
  }
  const fetchImpl = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
  if (!fetchImpl && (transport !== "websocket" || runtimeUrl !== undefined)) {
    throw new TypeError(
      'createClient: no fetch found; pass `fetch` as an option (needed by runtimeUrl and transport "sse"/"auto").',
    );
  }
  // Without a fetch option, the global is looked up per call (an app may install it later).
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    endpoints: createEndpointResolver({
      url: options.url,
      runtimeUrl,
      token: options.token,
      getToken: options.getToken,
      wantsTicket: transport !== "sse",
      fetch: doFetch,
      timeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    }),
    openTransport: chooseTransport({
      mode: transport,
      WebSocket: WebSocketImpl,
      authMode: options.authMode ?? DEFAULTS.authMode,
      fetch: doFetch,
      websocketRetryMs: options.websocketRetryMs ?? DEFAULTS.websocketRetryMs,
    }),
    transport,
    websocketRetryMs: options.websocketRetryMs ?? DEFAULTS.websocketRetryMs,
    authMode: options.authMode ?? DEFAULTS.authMode,
    reconnect: { ...DEFAULTS.reconnect, ...options.reconnect },
    lazy: options.lazy ?? DEFAULTS.lazy,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? DEFAULTS.refreshBeforeExpiryMs,
    maxRateLimitRetries: options.maxRateLimitRetries ?? DEFAULTS.maxRateLimitRetries,
    onError: options.onError,
    idleClose: resolveIdleClose(options.idleClose),
    environment: options.environment ?? browserEnvironment,
    mergeDeltasMs: resolveMergeDeltasMs(options.mergeDeltasMs),
  };
}

function resolveMergeDeltasMs(option: number | undefined): number {
  if (option === undefined)
    return typeof (globalThis as { requestAnimationFrame?: unknown }).requestAnimationFrame === "function"
      ? 16
      : 0;
  if (!Number.isFinite(option) || option < 0) {
    throw new TypeError(
      `createClient: "mergeDeltasMs" must be a number of ms, 0 or more (got ${String(option)}).`,
    );
  }
  return Math.round(option);
}

function resolveIdleClose(option: ClientOptions["idleClose"]): IdleCloseOptions | false {
  if (option === false) return false;
  const resolved = { ...DEFAULTS.idleClose, ...option };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== "number" || !(value >= 0)) {
      throw new TypeError(
        `createClient: idleClose.${key} must be a number of ms ≥ 0 (got ${String(value)}).`,
      );
    }
  }
  return resolved;
}
