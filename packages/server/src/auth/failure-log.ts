/**
 * The one place a refused credential is reported: every transport (WebSocket, SSE, HTTP,
 * tickets, `/health`) calls `AuthFailureLog.report`, which logs it at `warn` and tells the
 * listeners (metrics). Repeated failures from one address are rate-limited in the log: past
 * `perAddress` lines in a window the rest are counted, and one `auth failures suppressed`
 * line with the count follows when the window ends, so nothing disappears silently.
 * @module
 */
import type { Logger } from "pino";
import type { AuthFailureReason } from "../errors.js";
import type { CredentialSource } from "./credentials.js";

/** Which transport a refused credential arrived on. */
export type AuthTransport = "websocket" | "sse" | "http";

/** One refused credential, as logged (never the credential itself). */
export interface AuthFailure {
  /** Why, as a stable value. */
  reason: AuthFailureReason;
  /** The message the client was given. */
  message: string;
  transport: AuthTransport;
  /** Where the credential was: header, subprotocol, query, ticket, frame, or none. */
  credential: CredentialSource | "none";
  /** The peer's address (the socket's, not `X-Forwarded-For`, which a client can forge). */
  remote: string | undefined;
  /** The principal id, when known (a live connection's, or a verified-but-refused JWT's `sub`). */
  principal?: string | undefined;
  /** The request path without its query string (HTTP and SSE). */
  path?: string | undefined;
}

/** Options of the auth failure log; `SDKOptions.authFailureLog`. */
export interface AuthFailureLogOptions {
  /** Lines logged per remote address per window; the rest are counted. @default 5 */
  perAddress?: number;
  /** The window, in ms. @default 60000 */
  windowMs?: number;
  /** Addresses tracked at once; past it, new addresses share one bucket. @default 10000 */
  maxAddresses?: number;
}

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
  lastReason?: AuthFailureReason;
  timer?: NodeJS.Timeout;
}

/** The bucket for addresses beyond `maxAddresses` (a spray from many addresses must not grow memory). */
const OVERFLOW = "(other addresses)";

/** Logs refused credentials at `warn`, rate-limited per address, and fans them out to listeners. */
export class AuthFailureLog {
  private readonly perAddress: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly windows = new Map<string, Window>();
  private readonly listeners = new Set<(failure: AuthFailure) => void>();

  constructor(
    private readonly logger: Logger,
    options: AuthFailureLogOptions = {},
  ) {
    this.perAddress = Math.max(1, options.perAddress ?? 5);
    this.windowMs = Math.max(1, options.windowMs ?? 60_000);
    this.maxAddresses = Math.max(1, options.maxAddresses ?? 10_000);
  }

  /**
   * Calls `fn` with every refused credential, including those whose log line was suppressed
   * (e.g. to count them in a metric). Returns the unsubscribe.
   */
  onFailure(fn: (failure: AuthFailure) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Reports one refused credential: once per event, by whoever refused it. */
  report(failure: AuthFailure): void {
    for (const fn of this.listeners) {
      try {
        fn(failure);
      } catch (err) {
        this.logger.error({ err }, "auth failure listener threw");
      }
    }
    const now = Date.now();
    const key = this.keyFor(failure.remote ?? "unknown", now);
    let w = this.windows.get(key);
    if (!w || now - w.startedAt >= this.windowMs) {
      if (w) this.endWindow(key, w);
      w = { startedAt: now, logged: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.logged < this.perAddress) {
      w.logged++;
      this.logger.warn({ event: "auth_failure", ...withoutUndefined(failure) }, "auth failed");
      return;
    }
    w.suppressed++;
    w.lastReason = failure.reason;
    if (!w.timer) {
      const window = w;
      window.timer = setTimeout(() => this.endWindow(key, window), window.startedAt + this.windowMs - now);
      window.timer.unref();
    }
  }

  /** Logs the pending suppressed counts now (at shutdown) and forgets every window. */
  flush(): void {
    for (const [key, w] of [...this.windows]) this.endWindow(key, w);
  }

  private endWindow(key: string, w: Window): void {
    clearTimeout(w.timer);
    if (this.windows.get(key) === w) this.windows.delete(key);
    if (w.suppressed === 0) return;
    this.logger.warn(
      {
        event: "auth_failure_suppressed",
        remote: key,
        suppressed: w.suppressed,
        windowMs: this.windowMs,
        lastReason: w.lastReason,
      },
      "auth failures suppressed",
    );
  }

  private keyFor(remote: string, now: number): string {
    if (this.windows.has(remote) || this.windows.size < this.maxAddresses) return remote;
    // Make room from windows that ended without suppressing anything (those with a count end on their timer).
    for (const [key, w] of this.windows) {
      if (this.windows.size < this.maxAddresses) break;
      if (w.suppressed === 0 && now - w.startedAt >= this.windowMs) this.windows.delete(key);
    }
    return this.windows.size < this.maxAddresses ? remote : OVERFLOW;
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
