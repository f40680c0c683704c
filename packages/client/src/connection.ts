/**
 * The connection lifecycle: resolve the endpoint, open a transport to it, wait for `ready`,
 * keep it alive, refresh the token before it expires, and reconnect with backoff when it
 * drops. It speaks frames to a `Transport` and does not know whether they travel over a
 * WebSocket or HTTP/SSE. It knows nothing about runs; it hands `event`/`error` frames and
 * lifecycle moments to its owner.
 * @module
 */

import type {
  ClientFrame,
  ErrorFrame,
  EventFrame,
  JoinedFrame,
  ReadyFrame,
  ServerFrame,
  ThreadRunFrame,
} from "@backchannel/protocol";
import { CloseCode, SUBPROTOCOL } from "@backchannel/protocol";
import { exponentialBackoff } from "./backoff.js";
import { decideOnClose } from "./close-policy.js";
import { BackchannelError, isBackchannelError } from "./errors.js";
import { createHeartbeat, type Heartbeat } from "./heartbeat.js";
import { Subscribable } from "./observable.js";
import type { ResolvedClientOptions } from "./options.js";
import { scheduleTokenRefresh } from "./token-refresh.js";
import { credentialFor, type Endpoint, type Transport } from "./transport.js";

/**
 * - `connecting`: opening the first connection (since creation, `connect()` or `reconnect()`).
 * - `connected`: the server sent `ready`; runs flow.
 * - `reconnecting`: a working connection was lost; retrying with backoff (runs resume after).
 * - `disconnected`: not trying: not started yet (`lazy`), `close()`d, or given up (see `error`).
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

/** Immutable view of the connection. A new object only when something in it changed. */
export interface ConnectionSnapshot {
  readonly connectionState: ConnectionState;
  /** The last connection-level error; cleared when a connection becomes ready. */
  readonly error: BackchannelError | null;
  /** The last `ready` frame (kept while reconnecting), or null before the first. */
  readonly ready: ReadyFrame | null;
  /** Consecutive failed connection attempts (0 once connected). */
  readonly attempt: number;
  /** When the next attempt starts (ms since epoch) while waiting out a backoff, else null. */
  readonly retryAt: number | null;
}

/** What the connection tells its owner (the run registry). */
export interface ConnectionHooks {
  /** A connection became ready: (re)send whatever is in flight. */
  onReady(ready: ReadyFrame): void;
  onEvent(frame: EventFrame): void;
  /** Followed threads: the answer to `join`, and a run announced on a followed thread. */
  onThreadFrame(frame: JoinedFrame | ThreadRunFrame): void;
  /** Returns whether the error belonged to a run or a join; unclaimed ones are reported. */
  onErrorFrame(frame: ErrorFrame): boolean;
  /** The socket is gone (a reconnect may follow). */
  onDown(): void;
  /** The client stopped trying: fail everything in flight with `error`. */
  onGiveUp(error: BackchannelError): void;
  /** Whether anything uses the connection (a run, a followed thread, a pending tool call); an unused one closes after `idleClose`. */
  isBusy(): boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Owns at most one transport at a time and drives it through `ConnectionState`. */
export class Connection extends Subscribable<ConnectionSnapshot> {
  #opts: ResolvedClientOptions;
  #hooks: ConnectionHooks;
  #socket: Transport | null = null;
  /** The URL of the current attempt, for error messages. */
  #where = "";
  // Bumped whenever an attempt is superseded, so late async results (endpoint resolution) are dropped.
  #generation = 0;
  #everConnected = false;
  #authRetried = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: Heartbeat | null = null;
  #stopRefresh: (() => void) | null = null;

  #unwatch: (() => void) | null = null;
  /** The current socket has reached `ready`: frames may go out on it. */
  #live = false;
  /** Closed for being unused; the next frame to send reconnects, still showing `connected`. */
  #suspended = false;
  /** Reconnecting after an idle close: `connectionState` stays `connected` unless it fails. */
  #waking = false;
  #idleSince: number | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ResolvedClientOptions, hooks: ConnectionHooks) {
    super({ connectionState: "disconnected", error: null, ready: null, attempt: 0, retryAt: null });
    this.#opts = options;
    this.#hooks = hooks;
  }

  /**
   * The environment's `online` event ends a pending backoff at once: after a laptop wakes or the
   * Wi-Fi returns, waiting out a 30 s delay would only make the user wait. A visibility change
   * re-times the idle close (hidden pages close sooner).
   */
  #watch(): void {
    if (this.#unwatch) return;
    const env = this.#opts.environment;
    const offOnline = env.onOnline(() => {
      if (this.snapshot.retryAt !== null) void this.#attempt();
    });
    const offVisibility = env.onVisibilityChange(() => this.#checkIdle());
    this.#unwatch = () => {
      offOnline();
      offVisibility();
    };
  }

  /** Something started or stopped using the connection: re-time (or cancel) the idle close. */
  activityChanged(): void {
    this.#checkIdle();
  }

  #checkIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const idle = this.#opts.idleClose;
    if (!idle || !this.#live || this.#hooks.isBusy()) {
      this.#idleSince = null;
      return;
    }
    this.#idleSince ??= Date.now();
    const limit = this.#opts.environment.isVisible() ? idle.visibleMs : idle.hiddenMs;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, this.#idleSince + limit - Date.now()));
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (!this.#live || this.#hooks.isBusy()) return;
      this.#suspended = true;
      this.#dropSocket("idle");
    }, delay);
  }

  /** The first frame after an idle close: connect again without leaving `connected`. */
  #wake(): void {
    if (!this.#suspended) return;
    this.#suspended = false;
    this.#waking = true;
    void this.#attempt();
  }

  get snapshot(): ConnectionSnapshot {
    return this.getSnapshot();
  }

  /** Starts connecting if not already connected or trying. */
  connect(): void {
    if (this.snapshot.connectionState !== "disconnected") return;
    this.#everConnected = false;
    this.#authRetried = false;
    this.#watch();
    this.update({ attempt: 0 });
    void this.#attempt();
  }

  /** Drops the current socket (if any) and connects again at once, with the backoff reset. */
  reconnect(): void {
    this.#authRetried = false;
    this.#suspended = this.#waking = false;
    this.#watch();
    this.#dropSocket("reconnect");
    this.update({ attempt: 0 });
    void this.#attempt();
  }

  /** Closes for good (until `connect()`); runs in flight fail with `client_closed`. */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    this.#suspended = this.#waking = false;
    this.#generation++;
    this.#dropSocket("client closed");
    this.update({ connectionState: "disconnected", retryAt: null });
    this.#hooks.onGiveUp(new BackchannelError("client_closed", "The client was closed with close()."));
  }

  /**
   * Sends a frame on a ready connection; returns false (and sends nothing) otherwise. After an
   * idle close it reconnects and returns false: runs and joins are (re)sent on the next
   * `ready`, as after any reconnect. `encoded` is the frame's JSON when the caller has it.
   */
  send(frame: ClientFrame, encoded?: string): boolean {
    if (this.#suspended) this.#wake();
    if (this.snapshot.connectionState !== "connected" || !this.#socket || !this.#live) return false;
    return this.#socket.send(frame, encoded);
  }

  #reportError(error: BackchannelError): void {
    this.update({ error });
    this.#opts.onError?.(error);
  }

  /**
   * Releases the socket and every timer tied to it. With a `graceful` reason the server gets
   * a 1000 close; without, the socket is dropped at once (it is dead or never got going).
   */
  #dropSocket(graceful?: string): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#idleSince = null;
    this.#live = false;
    this.#heartbeat?.stop();
    this.#heartbeat = null;
    this.#stopRefresh?.();
    this.#stopRefresh = null;
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    if (graceful) socket.close(CloseCode.Normal, graceful);
    else socket.abandon(CloseCode.Normal, "reconnecting");
    this.#hooks.onDown();
  }

  async #attempt(): Promise<void> {
    const generation = ++this.#generation;
    clearTimeout(this.#retryTimer);
    if (this.#waking) this.update({ retryAt: null });
    else this.update({ connectionState: this.#everConnected ? "reconnecting" : "connecting", retryAt: null });
    let endpoint: Endpoint;
    try {
      endpoint = await this.#opts.endpoints.resolve();
    } catch (err) {
      if (generation !== this.#generation) return;
      this.#onCredentialsFailed(err);
      return;
    }
    if (generation !== this.#generation) return;
    this.#where = endpoint.wsUrl;
    const transport: Transport = this.#opts.openTransport(endpoint, {
      onOpen: () => {},
      onFrame: (frame) => this.#onFrame(transport, frame),
      onUnreadable: () => {
        if (this.#socket !== transport) return;
        this.#heartbeat?.touch();
        this.#reportError(
          new BackchannelError("protocol_error", "The server sent a frame that is not a JSON object."),
        );
      },
      onClose: (code, reason) => {
        if (this.#socket === transport) this.#onLost(code, reason);
      },
    });
    this.#socket = transport;
    this.#connectTimer = setTimeout(() => {
      if (this.#socket !== transport) return;
      transport.abandon(CloseCode.Normal, "connect timeout");
      this.#onLost(
        1006,
        `no ready frame within ${this.#opts.connectTimeoutMs} ms (is ${this.#where} a Backchannel endpoint?)`,
      );
    }, this.#opts.connectTimeoutMs);
  }

  #onFrame(socket: Transport, frame: ServerFrame): void {
    if (this.#socket !== socket) return;
    this.#heartbeat?.touch();
    switch (frame.type) {
      case "ready":
        this.#onReady(socket, frame);
        return;
      case "event":
        this.#hooks.onEvent(frame);
        return;
      case "joined":
      case "thread_run":
        this.#hooks.onThreadFrame(frame);
        return;
      case "error":
        if (this.#hooks.onErrorFrame(frame)) return;
        // An error about no run or join of ours (a refused token refresh, dropped frames) is reported; only
        // a refused refresh says something about the connection itself.
        if (frame.code === "auth_failed") this.#reportError(BackchannelError.from(frame));
        else this.#opts.onError?.(BackchannelError.from(frame));
        return;
      case "ping":
        socket.send(frame.ts === undefined ? { type: "pong" } : { type: "pong", ts: frame.ts });
        return;
      case "auth_ok":
        this.#scheduleRefresh(frame.expiresAt);
        if (this.snapshot.ready && frame.expiresAt !== undefined) {
          this.update({ ready: Object.freeze({ ...this.snapshot.ready, expiresAt: frame.expiresAt }) });
        }
        return;
      default:
        // `pong` and frame types from newer servers: the touch above is all they are for.
        return;
    }
  }

  #onReady(socket: Transport, ready: ReadyFrame): void {
    if (ready.protocol !== SUBPROTOCOL) {
      socket.abandon(CloseCode.Normal, "protocol mismatch");
      this.#socket = null;
      this.#giveUp(
        new BackchannelError(
          "protocol_error",
          `The server speaks ${JSON.stringify(ready.protocol)}, this client ${SUBPROTOCOL}. Upgrade the older side.`,
        ),
      );
      return;
    }
    clearTimeout(this.#connectTimer);
    this.#heartbeat?.stop();
    this.#everConnected = true;
    this.#authRetried = false;
    this.#waking = false;
    this.#live = true;
    this.update({ connectionState: "connected", error: null, ready: Object.freeze(ready), attempt: 0 });
    this.#heartbeat = createHeartbeat({
      intervalMs: ready.heartbeatMs,
      idleTimeoutMs: ready.idleTimeoutMs,
      sendPing: () => socket.send({ type: "ping", ts: Date.now() }),
      onIdle: () => {
        if (this.#socket !== socket) return;
        socket.abandon(CloseCode.HeartbeatTimeout, "heartbeat timeout");
        this.#onLost(CloseCode.HeartbeatTimeout, `nothing received for ${ready.idleTimeoutMs} ms`);
      },
    });
    // Before the hooks resend runs and resumes, so their events already come merged.
    const mergeMs = Math.min(this.#opts.mergeDeltasMs, ready.maxMergeMs ?? 0);
    if (mergeMs > 0) socket.send({ type: "options", mergeMs });
    this.#scheduleRefresh(ready.expiresAt);
    this.#hooks.onReady(ready);
    this.#checkIdle();
  }

  /**
   * Endpoint resolution failed: `getToken()` threw, or `runtimeUrl` discovery failed. Errors
   * keep their code and message; one that is not `retryable` (no runtime at that URL: HTTP 404,
   * or not a Backchannel answer) gives up at once, since waiting will not fix a wrong URL; a refusal (`auth_failed`,
   * HTTP 401/403) gets one immediate retry and then gives up, like a 1008 close, so the app
   * sees `disconnected` and can send the user to sign in; anything else (network down, 5xx, a
   * throwing getToken) is retried with backoff. `reconnect()` tries again after giving up.
   */
  #onCredentialsFailed(err: unknown): void {
    if (isBackchannelError(err)) {
      if (err.code !== "auth_failed" && !err.retryable) {
        this.#giveUp(err);
      } else if (err.code !== "auth_failed") {
        this.#retryLater(err);
      } else if (!this.#authRetried) {
        this.#authRetried = true;
        this.#reportError(err);
        void this.#attempt();
      } else {
        this.#giveUp(err);
      }
      return;
    }
    const message = `getToken() failed: ${err instanceof Error ? err.message : String(err)}`;
    this.#retryLater(new BackchannelError("auth_failed", message, { cause: err }));
  }

  #scheduleRefresh(expiresAt: number | undefined): void {
    this.#stopRefresh?.();
    this.#stopRefresh = null;
    const endpoints = this.#opts.endpoints;
    const socket = this.#socket;
    if (expiresAt === undefined || !endpoints.refreshes || !socket) return;
    this.#stopRefresh = scheduleTokenRefresh({
      expiresAt,
      leadMs: this.#opts.refreshBeforeExpiryMs,
      maxDelayMs: MAX_TIMER_MS,
      refresh: async () => {
        let token: string | undefined;
        try {
          token = credentialFor(socket.kind, await endpoints.resolve());
        } catch (err) {
          // The server will close with 1008 at expiry; the reconnect then resolves the endpoint again.
          this.#reportError(BackchannelError.from(err, "auth_failed"));
          return;
        }
        if (this.#socket === socket) socket.send({ type: "auth", token: token ?? "" });
      },
    });
  }

  #onLost(code: number, reason: string): void {
    const decision = decideOnClose(code, reason, {
      canRefreshToken: this.#opts.endpoints.refreshes,
      authRetried: this.#authRetried,
      wasConnected: this.snapshot.connectionState === "connected",
      url: this.#where,
    });
    this.#dropSocket();
    if (decision.action === "give-up") return this.#giveUp(decision.error);
    if (decision.action === "retry-later") return this.#retryLater(decision.error);
    // Only a credentials retry is limited to once per `ready`; a 1012 restart may recur on the next node's deploy.
    if (code === CloseCode.PolicyViolation) this.#authRetried = true;
    this.#reportError(decision.error);
    void this.#attempt();
  }

  #retryLater(error: BackchannelError): void {
    this.#waking = false;
    this.#dropSocket();
    const attempt = this.snapshot.attempt + 1;
    if (attempt > this.#opts.reconnect.maxAttempts) {
      this.#giveUp(
        new BackchannelError(
          error.code,
          `${error.message} Gave up after ${attempt - 1} attempts; call reconnect() to try again.`,
          { cause: error, ...(error.closeCode === undefined ? {} : { closeCode: error.closeCode }) },
        ),
      );
      return;
    }
    const delay = exponentialBackoff(attempt, this.#opts.reconnect);
    const generation = ++this.#generation;
    this.update({
      connectionState: this.#everConnected ? "reconnecting" : "connecting",
      attempt,
      retryAt: Date.now() + delay,
    });
    this.#reportError(error);
    this.#retryTimer = setTimeout(() => {
      if (generation === this.#generation) void this.#attempt();
    }, delay);
  }

  #giveUp(error: BackchannelError): void {
    this.#waking = false;
    this.#generation++;
    this.#dropSocket();
    this.update({ connectionState: "disconnected", retryAt: null });
    this.#reportError(error);
    this.#hooks.onGiveUp(error);
  }
}
