/**
 * A WebSocket, wrapped for `websocket-transport.ts`: the small `Socket` interface below, so the
 * browser's WebSocket and the `ws` package are interchangeable.
 * @module
 */

/** The subset of the WHATWG WebSocket API the client uses. Both browsers and `ws` provide it. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection without a closing handshake. */
  terminate?: () => void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` or `ws`'s `WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Callbacks of one socket. None fires after `abandon()`. */
export interface SocketHandlers {
  onOpen(): void;
  onText(text: string): void;
  /** The socket is gone. `code` 1006 stands for any abnormal loss. */
  onClose(code: number, reason: string): void;
}

/** One WebSocket, wrapped. */
export interface Socket {
  /** The subprotocol the server accepted ("" before open). */
  readonly protocol: string;
  /** Sends a text frame if the socket is open; returns whether it was sent. */
  send(text: string): boolean;
  /** Starts a closing handshake; `onClose` follows. */
  close(code: number, reason: string): void;
  /**
   * Forgets the socket at once: no further callbacks, and the TCP connection is dropped
   * without waiting for the peer. Used for dead connections, whose closing handshake would
   * otherwise hang for up to 30 s in `ws`.
   */
  abandon(code: number, reason: string): void;
}

const OPEN = 1;

/** Opens a socket and routes its events to `handlers`. Errors are reported through `onClose`. */
export function openSocket(
  WebSocketImpl: WebSocketConstructor,
  url: string,
  protocols: string[],
  handlers: SocketHandlers,
): Socket {
  let live = true;
  let ws: WebSocketLike;
  const finish = (code: number, reason: string) => {
    if (!live) return;
    live = false;
    handlers.onClose(code, reason);
  };
  try {
    ws = new WebSocketImpl(url, protocols);
  } catch (err) {
    // A malformed URL or subprotocol throws synchronously; report it like any other failure.
    queueMicrotask(() => finish(1006, err instanceof Error ? err.message : String(err)));
    return { protocol: "", send: () => false, close: () => {}, abandon: () => finish(1006, "abandoned") };
  }
  ws.onopen = () => {
    if (live) handlers.onOpen();
  };
  ws.onmessage = (event: { data: unknown }) => {
    if (!live) return;
    const data = event.data;
    if (typeof data === "string") handlers.onText(data);
    // The protocol is text-only; a binary frame cannot be a valid server frame.
    else handlers.onText("");
  };
  ws.onerror = () => {
    // Always followed by a close event; the close carries the information we act on.
  };
  ws.onclose = (event: { code?: number; reason?: string }) => finish(event.code ?? 1006, event.reason ?? "");
  return {
    get protocol() {
      return ws.protocol;
    },
    send(text) {
      if (!live || ws.readyState !== OPEN) return false;
      ws.send(text);
      return true;
    },
    close(code, reason) {
      try {
        ws.close(code, reason);
      } catch {
        finish(1006, reason);
      }
    },
    abandon(code, reason) {
      if (!live) return;
      live = false;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.onerror = () => {};
      try {
        if (typeof ws.terminate === "function") ws.terminate();
        else ws.close(code, reason);
      } catch {
        // Already closed; nothing left to release.
      }
    },
  };
}
