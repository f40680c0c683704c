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
  /** Whether the socket is still open for sending. */
  readonly isOpen: boolean;
  /**
   * Lowers (or restores) the largest inbound frame the socket library accepts, so an oversized
   * frame is refused from its header, before it is buffered. Optional: the session checks sizes too.
   */
  limitInbound?(maxBytes: number): void;
}
