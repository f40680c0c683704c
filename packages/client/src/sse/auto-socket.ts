/**
 * `transport: "auto"`: the WebSocket first; when its upgrade fails or is refused (some
 * corporate proxies strip `Upgrade`), the same connection attempt goes on over SSE. While on
 * SSE, the WebSocket is probed every `websocketRetryMs`; once a probe opens, the SSE socket is
 * closed with 1001 and the connection reconnects over the WebSocket, resuming every run.
 * @module
 */
import { CloseCode, SUBPROTOCOL } from "@backchannel/protocol";
import type { WebSocketConstructor, WebSocketLike } from "../socket.js";

/**
 * The SSE transport is loaded on first use: most clients never fall back, and bundlers that
 * split code keep it out of the main chunk.
 */
const loadSse = () => import("./sse-socket.js");

/** Stands in while the SSE transport loads: connecting, sends nothing. */
const LOADING: WebSocketLike = {
  readyState: 0,
  protocol: "",
  send: () => {},
  close: () => {},
  onopen: null,
  onmessage: null,
  onclose: null,
  onerror: null,
};

/** How a transport socket reaches the server. */
export interface TransportSocketConfig {
  mode: "auto" | "sse";
  /** The real WebSocket (auto mode). */
  WebSocket: WebSocketConstructor | undefined;
  /** The HTTP base for a socket URL (discovery's `sseBase`, or derived from the URL). */
  sseBase(wsUrl: string): string;
  /** See `SseSocketConfig.httpToken`: set with `runtimeUrl`, where socket tokens are tickets. */
  httpToken: (() => string | undefined) | undefined;
  fetch: typeof fetch;
  /** How long to stay on SSE before trying the WebSocket again, in ms. */
  websocketRetryMs: number;
}

/** Which transport the next connection attempt uses (shared by the sockets of one client). */
interface TransportState {
  /** Until then (ms since epoch), skip the WebSocket: it was refused while SSE worked. */
  wsBlockedUntil: number;
}

/** A WebSocket constructor that picks (and falls back between) the transports. */
export function createTransportSocket(config: TransportSocketConfig): WebSocketConstructor {
  const state: TransportState = { wsBlockedUntil: 0 };
  return class TransportSocket extends DelegatingSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(config, state, url, typeof protocols === "string" ? [protocols] : (protocols ?? []));
    }
  };
}

class DelegatingSocket implements WebSocketLike {
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  #inner!: WebSocketLike;
  #silentWebSocket: () => boolean = () => false;
  #closing = false;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #probe: WebSocketLike | undefined;

  constructor(
    private readonly config: TransportSocketConfig,
    private readonly state: TransportState,
    private readonly url: string,
    private readonly protocols: string[],
  ) {
    const useWs = config.mode === "auto" && config.WebSocket && state.wsBlockedUntil <= Date.now();
    if (useWs) this.#useWebSocket();
    else this.#useSse(false);
  }

  get readyState(): number {
    return this.#inner.readyState;
  }
  get protocol(): string {
    return this.#inner.protocol;
  }

  send(data: string): void {
    this.#inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#stop();
    this.#inner.close(code, reason);
  }

  terminate(): void {
    if (this.#silentWebSocket()) this.#blockWebSocket();
    this.#stop();
    if (this.#inner.terminate) this.#inner.terminate();
    else this.#inner.close(CloseCode.Normal, "terminated");
  }

  #useWebSocket(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.config.WebSocket!(this.url, this.protocols);
    } catch {
      this.#useSse(true);
      return;
    }
    let opened = false;
    this.#inner = ws;
    // Opened but silent: some proxies accept the upgrade and then pass no frames. Such a socket
    // dies (abnormal close, or the connect timeout abandons it) before the server's first frame.
    this.#silentWebSocket = () => opened && !heard;
    let heard = false;
    ws.onopen = (event) => {
      opened = true;
      this.onopen?.(event);
    };
    ws.onmessage = (event) => {
      if (!heard) {
        heard = true;
        this.state.wsBlockedUntil = 0;
      }
      this.onmessage?.(event);
    };
    ws.onerror = (event) => this.onerror?.(event);
    ws.onclose = (event: { code?: number }) => {
      // Never opened: the upgrade failed or was refused. Try SSE within the same attempt.
      if (!opened && !this.#closing) return this.#useSse(true);
      if (!heard && (event.code ?? 1006) === 1006) this.#blockWebSocket();
      this.onclose?.(event);
    };
  }

  /** The next attempts go straight to SSE until `websocketRetryMs` has passed. */
  #blockWebSocket(): void {
    this.state.wsBlockedUntil = Date.now() + this.config.websocketRetryMs;
  }

  #useSse(afterWebSocketFailed: boolean): void {
    this.#inner = LOADING;
    this.#silentWebSocket = () => false;
    loadSse().then(
      ({ SseSocket }) => {
        if (this.#closing) return;
        const sse = new SseSocket(
          {
            base: this.config.sseBase(this.url),
            httpToken: this.config.httpToken,
            fetch: this.config.fetch,
            onReady: () => {
              if (this.config.mode !== "auto" || !this.config.WebSocket) return;
              if (afterWebSocketFailed) this.state.wsBlockedUntil = Date.now() + this.config.websocketRetryMs;
              this.#scheduleProbe();
            },
          },
          this.protocols,
        );
        this.#inner = sse;
        sse.onopen = (event) => this.onopen?.(event);
        sse.onmessage = (event) => this.onmessage?.(event);
        sse.onerror = (event) => this.onerror?.(event);
        sse.onclose = (event) => {
          this.#stop();
          this.onclose?.(event);
        };
      },
      (err: unknown) => {
        if (this.#closing) return;
        this.#stop();
        this.onclose?.({ code: 1006, reason: `Could not load the SSE transport (${String(err)})` });
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
        probe = new this.config.WebSocket!(this.url, [SUBPROTOCOL]);
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
        this.state.wsBlockedUntil = 0;
        if (!this.#closing)
          this.#inner.close(CloseCode.GoingAway, "WebSocket reachable again; switching from SSE");
      };
      probe.onclose = () => {
        this.#probe = undefined;
        if (!opened && !this.#closing) this.#scheduleProbe();
      };
    }, this.config.websocketRetryMs);
  }

  #stop(): void {
    this.#closing = true;
    clearTimeout(this.#probeTimer);
    if (this.#probe) {
      const probe = this.#probe;
      this.#probe = undefined;
      probe.onopen = probe.onclose = null;
      try {
        probe.close(CloseCode.Normal, "probe cancelled");
      } catch {
        // Not open yet; nothing to close.
      }
    }
  }
}
