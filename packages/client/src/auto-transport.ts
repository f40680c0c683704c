/**
 * Picks the transport for `ClientOptions.transport`. `"auto"`: the WebSocket first; when its
 * upgrade fails or is refused (some corporate proxies strip `Upgrade`), the same connection
 * attempt goes on over SSE. While on SSE, a bare WebSocket handshake is tried every
 * `websocketRetryMs`; once one opens, the SSE transport closes with 1001 and the connection
 * reconnects over the WebSocket, resuming every run.
 * @module
 */
import { CloseCode, SUBPROTOCOL } from "@backchannel/protocol";
import type { WebSocketConstructor, WebSocketLike } from "./socket.js";
import { openSseLazily } from "./sse/load-sse.js";
import type { Endpoint, OpenTransport, Transport, TransportHandlers } from "./transport.js";
import { webSocketTransport } from "./websocket-transport.js";

/** What choosing a transport needs. */
export interface TransportChoice {
  mode: "auto" | "websocket" | "sse";
  /** The platform's (or the caller's) WebSocket; may be missing unless `mode` is "websocket". */
  WebSocket: WebSocketConstructor | undefined;
  authMode: "subprotocol" | "frame";
  fetch: typeof fetch;
  /** How long `"auto"` stays on SSE after a refused WebSocket before probing it again, in ms. */
  websocketRetryMs: number;
}

/** The transport opener for `choice`. */
export function chooseTransport(choice: TransportChoice): OpenTransport {
  const WebSocketImpl = choice.WebSocket;
  if (choice.mode === "websocket") {
    return webSocketTransport({ WebSocket: WebSocketImpl!, authMode: choice.authMode });
  }
  if (choice.mode === "sse" || !WebSocketImpl) {
    return (endpoint, handlers) => openSseLazily({ fetch: choice.fetch }, endpoint, handlers);
  }
  const shared: AutoState = {
    wsBlockedUntil: 0,
    openWebSocket: webSocketTransport({ WebSocket: WebSocketImpl, authMode: choice.authMode }),
    WebSocket: WebSocketImpl,
    fetch: choice.fetch,
    retryMs: choice.websocketRetryMs,
  };
  return (endpoint, handlers) => new AutoTransport(shared, endpoint, handlers);
}

/** Shared by every attempt of one client. */
interface AutoState {
  /** Until then (ms since epoch), skip the WebSocket: it was refused while SSE worked. */
  wsBlockedUntil: number;
  openWebSocket: OpenTransport;
  WebSocket: WebSocketConstructor;
  fetch: typeof fetch;
  retryMs: number;
}

/**
 * One attempt under `"auto"`: holds the WebSocket transport or, once that failed to open, the
 * SSE one. `kind` says which; frames pass through untouched.
 */
class AutoTransport implements Transport {
  #state: AutoState;
  #endpoint: Endpoint;
  #handlers: TransportHandlers;
  #current!: Transport;
  #silentWebSocket: () => boolean = () => false;
  #closing = false;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #probe: WebSocketLike | undefined;

  constructor(state: AutoState, endpoint: Endpoint, handlers: TransportHandlers) {
    this.#state = state;
    this.#endpoint = endpoint;
    this.#handlers = handlers;
    if (state.wsBlockedUntil <= Date.now()) this.#useWebSocket();
    else this.#useSse(false);
  }

  get kind() {
    return this.#current.kind;
  }

  send(...args: Parameters<Transport["send"]>): boolean {
    return this.#current.send(...args);
  }

  close(code: number, reason: string): void {
    this.#stop();
    this.#current.close(code, reason);
  }

  abandon(code: number, reason: string): void {
    if (this.#silentWebSocket()) this.#blockWebSocket();
    this.#stop();
    this.#current.abandon(code, reason);
  }

  #useWebSocket(): void {
    let opened = false;
    let heard = false;
    const handlers = this.#handlers;
    const hear = () => {
      if (heard) return;
      heard = true;
      this.#state.wsBlockedUntil = 0;
    };
    // Opened but silent: some proxies accept the upgrade and then pass no frames. Such a socket
    // dies (abnormal close, or the connect timeout abandons it) before the server's first frame.
    this.#silentWebSocket = () => opened && !heard;
    this.#current = this.#state.openWebSocket(this.#endpoint, {
      onOpen: () => {
        opened = true;
        handlers.onOpen();
      },
      onFrame: (frame) => {
        hear();
        handlers.onFrame(frame);
      },
      onUnreadable: () => {
        hear();
        handlers.onUnreadable();
      },
      onClose: (code, reason) => {
        // Never opened: the upgrade failed or was refused. Go on over SSE within the same attempt.
        if (!opened && !this.#closing) return this.#useSse(true);
        if (!heard && code === 1006) this.#blockWebSocket();
        handlers.onClose(code, reason);
      },
    });
  }

  /** The next attempts go straight to SSE until `websocketRetryMs` has passed. */
  #blockWebSocket(): void {
    this.#state.wsBlockedUntil = Date.now() + this.#state.retryMs;
  }

  #useSse(afterWebSocketFailed: boolean): void {
    this.#silentWebSocket = () => false;
    const handlers = this.#handlers;
    this.#current = openSseLazily(
      {
        fetch: this.#state.fetch,
        onReady: () => {
          if (afterWebSocketFailed) this.#blockWebSocket();
          this.#scheduleProbe();
        },
      },
      this.#endpoint,
      {
        onOpen: () => handlers.onOpen(),
        onFrame: (frame) => handlers.onFrame(frame),
        onUnreadable: () => handlers.onUnreadable(),
        onClose: (code, reason) => {
          this.#stop();
          handlers.onClose(code, reason);
        },
      },
    );
  }

  /** Tries a bare WebSocket handshake (no credentials); if it opens, switch transports. */
  #scheduleProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => {
      if (this.#closing) return;
      let probe: WebSocketLike;
      try {
        probe = new this.#state.WebSocket(this.#endpoint.wsUrl, [SUBPROTOCOL]);
      } catch {
        return this.#scheduleProbe();
      }
      this.#probe = probe;
      let opened = false;
      probe.onerror = () => {};
      probe.onmessage = () => {};
      probe.onopen = () => {
        opened = true;
        this.#probe = undefined;
        probe.close(CloseCode.Normal, "probe");
        this.#state.wsBlockedUntil = 0;
        if (!this.#closing)
          this.#current.close(CloseCode.GoingAway, "WebSocket reachable again; switching from SSE");
      };
      probe.onclose = () => {
        this.#probe = undefined;
        if (!opened && !this.#closing) this.#scheduleProbe();
      };
    }, this.#state.retryMs);
  }

  #stop(): void {
    this.#closing = true;
    clearTimeout(this.#probeTimer);
    const probe = this.#probe;
    if (!probe) return;
    this.#probe = undefined;
    probe.onopen = probe.onclose = null;
    try {
      probe.close(CloseCode.Normal, "probe cancelled");
    } catch {
      // Not open yet; nothing to close.
    }
  }
}
