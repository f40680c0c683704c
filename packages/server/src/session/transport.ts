/**
 * The few things a session needs from a socket. The session never touches `ws` directly;
 * adapters (adapters/ws.ts) fill this in, so other socket libraries can be plugged in.
 */
export interface Transport {
  /** Sends one text frame. */
  send(text: string): void;
  /** Closes with a code and a short reason (≤ 123 bytes). */
  close(code: number, reason: string): void;
  /** Bytes accepted by `send` but not yet handed to the OS. */
  readonly bufferedAmount: number;
  /** Calls `cb` once when the buffered bytes have been flushed (or soon after). */
  onDrain(cb: () => void): void;
  /**
   * True while the peer has not read what was already sent: bytes still queued in this process,
   * or (WebSocket) an overdue read receipt. The outbox then holds new deltas and merges them
   * (docs/protocol.md, "Merged deltas"). Optional: a transport without it is never behind.
   */
  readonly behind?: boolean;
  /** Calls `cb` once the transport is no longer behind (required with `behind`). */
  onCaughtUp?(cb: () => void): void;
  /** Whether the socket is still open for sending. */
  readonly isOpen: boolean;
  /**
   * Lowers (or restores) the largest inbound frame the socket library accepts, so an oversized
   * frame is refused from its header, before it is buffered. Optional: the session checks sizes too.
   */
  limitInbound?(maxBytes: number): void;
}
