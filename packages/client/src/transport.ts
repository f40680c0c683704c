/**
 * The seam between the connection and the wire. The connection speaks `backchannel.v1` frames
 * to a `Transport` and hears frames back; how they travel is the transport's business: one
 * WebSocket (`websocket-transport.ts`), or HTTP requests plus Server-Sent Events
 * (`sse/sse-transport.ts`). `"auto"` (`auto-transport.ts`) chooses between the two.
 * @module
 */
import type { ClientFrame, ServerFrame } from "@backchannel/protocol";

/** How frames travel. */
export type TransportKind = "websocket" | "sse";

/**
 * Where one connection attempt goes and with which credentials; resolved afresh before every
 * attempt (see `endpoint.ts`).
 */
export interface Endpoint {
  /** Absolute WebSocket URL. */
  wsUrl: string;
  /** Base URL of the runtime's HTTP routes (`/connect`, `/agents/:name/run`, `/runs/:id/...`). */
  httpBase: string;
  /** Credential for the WebSocket handshake: the token, or with `runtimeUrl` a single-use ticket. */
  socketToken: string | undefined;
  /** Credential for HTTP requests: the token (none behind a same-origin proxy that adds its own). */
  httpToken: string | undefined;
}

/** The credential a transport of `kind` presents for `endpoint` (also in `auth` frames). */
export function credentialFor(kind: TransportKind, endpoint: Endpoint): string | undefined {
  return kind === "websocket" ? endpoint.socketToken : endpoint.httpToken;
}

/** What a transport reports. Nothing fires after `abandon()`, and nothing after `onClose`. */
export interface TransportHandlers {
  /** The transport can carry frames; the server's `ready` frame follows. */
  onOpen(): void;
  /** One frame from the server. */
  onFrame(frame: ServerFrame): void;
  /** Something arrived that is not a frame (not a JSON object with a `type`). */
  onUnreadable(): void;
  /** The transport is gone. `code` is a WebSocket close code; 1006 stands for any abnormal loss. */
  onClose(code: number, reason: string): void;
}

/** One live link to the server, carrying frames both ways. */
export interface Transport {
  /** Which transport this is now (`"auto"` may move from the WebSocket to SSE before it opens). */
  readonly kind: TransportKind;
  /**
   * Sends a frame if the transport is open; returns whether it was sent. `encoded`, when given,
   * is `JSON.stringify(frame)` already done by the caller (a large run input is serialised once).
   */
  send(frame: ClientFrame, encoded?: string): boolean;
  /** Closes gracefully; `onClose` follows. */
  close(code: number, reason: string): void;
  /** Drops the transport at once, without waiting for the peer, and silences its handlers. */
  abandon(code: number, reason: string): void;
}

/** Opens a transport to `endpoint`. Failures to open are reported through `onClose`, never thrown. */
export type OpenTransport = (endpoint: Endpoint, handlers: TransportHandlers) => Transport;
