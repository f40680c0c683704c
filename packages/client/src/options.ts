/**
 * Client options and their defaults. Every default lives in `DEFAULTS`.
 * @module
 */
import type { BackchannelError } from "./errors.js";
import type { WebSocketConstructor } from "./socket.js";

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

/** Options of `createClient`. Only `url` is required. */
export interface ClientOptions {
  /** WebSocket URL of the runtime's socket endpoint, e.g. `wss://api.example.com/copilotkit/ws`. */
  url: string;
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
} as const satisfies Omit<Required<ClientOptions>, "url" | "token" | "getToken" | "WebSocket" | "onError"> & {
  reconnect: ReconnectOptions;
};

/** `ClientOptions` with every default filled in. */
export interface ResolvedClientOptions
  extends Required<Omit<ClientOptions, "token" | "getToken" | "onError" | "reconnect">> {
  token: string | undefined;
  getToken: (() => string | Promise<string>) | undefined;
  onError: ((error: BackchannelError) => void) | undefined;
  reconnect: ReconnectOptions;
}

/** Fills in defaults and checks what can be checked up front. */
export function resolveOptions(options: ClientOptions): ResolvedClientOptions {
  if (typeof options.url !== "string" || !/^wss?:\/\//i.test(options.url)) {
    throw new TypeError(
      `createClient: "url" must be a ws:// or wss:// URL (got ${JSON.stringify(options.url)}). ` +
        "Point it at your runtime's socket endpoint, e.g. wss://host/copilotkit/ws.",
    );
  }
  const WebSocketImpl =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
  if (!WebSocketImpl) {
    throw new TypeError(
      "createClient: no WebSocket implementation found. On Node 20, install `ws` and pass " +
        '`WebSocket` from `import { WebSocket } from "ws"` as an option.',
    );
  }
  return {
    url: options.url,
    token: options.token,
    getToken: options.getToken,
    authMode: options.authMode ?? DEFAULTS.authMode,
    WebSocket: WebSocketImpl,
    reconnect: { ...DEFAULTS.reconnect, ...options.reconnect },
    lazy: options.lazy ?? DEFAULTS.lazy,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? DEFAULTS.refreshBeforeExpiryMs,
    maxRateLimitRetries: options.maxRateLimitRetries ?? DEFAULTS.maxRateLimitRetries,
    onError: options.onError,
  };
}
