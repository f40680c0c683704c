/**
 * WebSocket close codes used by the Backchannel binding. See docs/protocol.md#close-codes.
 */
export const CloseCode = {
  /** Normal closure, initiated by the client (or the server on `close()` without shutdown). */
  Normal: 1000,
  /** The server is shutting down. Reconnect (possibly to another node) and resume. */
  GoingAway: 1001,
  /** A frame that is not JSON, not an object with a string `type`, or of an unknown type. */
  InvalidFrame: 1007,
  /** Missing, invalid or expired credentials, a refused Origin, or auth timeout. Do not retry with the same token. */
  PolicyViolation: 1008,
  /** A frame over the server's `maxFrameBytes`. */
  FrameTooLarge: 1009,
  /** An unexpected server error. Reconnect and resume. */
  InternalError: 1011,
  /**
   * The server is restarting (rolling deploy): it stopped accepting, its runs go on. Reconnect
   * at once, without backoff (a load balancer sends you to another node), and resume.
   */
  ServiceRestart: 1012,
  /** The server or this principal is at its connection limit. Retry later with backoff. */
  Overloaded: 1013,
  /** The peer sent nothing for `idleTimeoutMs` (missed heartbeats). Reconnect and resume. */
  HeartbeatTimeout: 4000,
  /** The client could not keep up and the outbound buffer overflowed. Reconnect and resume. */
  SlowConsumer: 4001,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Whether a client should reconnect after a close with this code. Everything except a
 * deliberate normal close and a credentials/policy refusal is transient: the run
 * survives on the server, so reconnecting and resuming loses nothing.
 */
export function isRetryableClose(code: number): boolean {
  return code !== CloseCode.Normal && code !== CloseCode.PolicyViolation;
}
