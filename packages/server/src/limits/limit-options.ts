/** The `limits` option and its defaults. @module */

/** Size, rate and count limits. Every limit protects other sessions from one misbehaving client. */
export interface LimitOptions {
  /** Largest inbound frame, in bytes; larger frames close the socket with 1009. @default 1048576 */
  maxFrameBytes?: number;
  /** Runs one connection may have in flight at once; more get `error` code `too_many_runs`. @default 16 */
  maxRunsPerConnection?: number;
  /** Open sockets per principal; more are closed with 1013. @default 32 */
  maxConnectionsPerPrincipal?: number;
  /**
   * Authenticated connections (WebSockets and SSE streams) per server; more are closed with
   * 1013 (SSE: 503). Sockets still authenticating never count here. @default 10000
   */
  maxConnections?: number;
  /**
   * Sockets still authenticating, per server. Past it the oldest such socket is closed with
   * 1013, so sockets that never authenticate cannot keep real users out. @default 1000
   */
  maxUnauthenticated?: number;
  /** Sockets still authenticating per remote address; past it that address's oldest is closed with 1013. @default 64 */
  maxUnauthenticatedPerAddress?: number;
  /** Largest frame before authentication, in bytes (an `auth` frame); larger closes with 1009. @default 8192 */
  maxPreAuthFrameBytes?: number;
  /** Frames a socket may send per second before authentication; more close it with 1008. @default 5 */
  preAuthFramesPerSecond?: number;
  /** Runs a principal may start per second, sustained (token bucket refill). @default 2 */
  runsPerSecond?: number;
  /** Runs a principal may start in a burst (token bucket capacity). @default 20 */
  runBurst?: number;
  /** Inbound frames per connection per second before frames are dropped with `rate_limited`. @default 200 */
  framesPerSecond?: number;
  /** Outbound bytes the socket may hold before we queue (and start merging text deltas). @default 262144 */
  outboundHighWaterBytes?: number;
  /** Queued outbound bytes past which the socket is closed with 4001 (the client resumes). @default 8388608 */
  maxOutboundQueueBytes?: number;
}

/** Limit defaults (also `DEFAULTS.limits`). */
export const LIMIT_DEFAULTS = {
  maxFrameBytes: 1024 * 1024,
  maxRunsPerConnection: 16,
  maxConnectionsPerPrincipal: 32,
  maxConnections: 10_000,
  maxUnauthenticated: 1000,
  maxUnauthenticatedPerAddress: 64,
  maxPreAuthFrameBytes: 8 * 1024,
  preAuthFramesPerSecond: 5,
  runsPerSecond: 2,
  runBurst: 20,
  framesPerSecond: 200,
  outboundHighWaterBytes: 256 * 1024,
  maxOutboundQueueBytes: 8 * 1024 * 1024,
} as const;

export type ResolvedLimits = Required<LimitOptions>;
