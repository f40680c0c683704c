/** The only subprotocol version this package speaks. The server echoes exactly this value. */
export const SUBPROTOCOL = "backchannel.v1";

/**
 * Prefix of the subprotocol that carries a bearer token: `bearer.<base64url(token)>`.
 * Browsers cannot set headers on a WebSocket upgrade, so this is the header-free way
 * to authenticate without putting the secret in the URL.
 */
export const BEARER_SUBPROTOCOL_PREFIX = "bearer.";

/** Default base path under which the runtime serves `/ws`, `/health` and the HTTP routes. */
export const DEFAULT_BASE_PATH = "/copilotkit";

/** Protocol defaults. Servers advertise their actual values in the `ready` frame. */
export const PROTOCOL_DEFAULTS = {
  /** Largest inbound frame the server accepts, in bytes. @default 1 MiB */
  maxFrameBytes: 1024 * 1024,
  /** How often each side sends a heartbeat. @default 15000 */
  heartbeatMs: 15_000,
  /** Silence after which a peer is considered dead (three missed heartbeats). @default 45000 */
  idleTimeoutMs: 45_000,
  /** Time a socket may stay unauthenticated waiting for an `auth` frame. @default 10000 */
  authTimeoutMs: 10_000,
  /** Longest merge window (`options.mergeMs`) a server honours; longer requests are capped. @default 100 */
  maxMergeMs: 100,
} as const;

/**
 * `name` of the AG-UI `CUSTOM` event a run served from the response cache sends right after
 * `RUN_STARTED`. Its `value` is a `CacheHitValue`. Documented in docs/protocol.md.
 */
export const CACHE_HIT_EVENT = "backchannel.cache_hit";

/** The `value` of a `CACHE_HIT_EVENT`. */
export interface CacheHitValue {
  /** When the cached answer was produced, ms since epoch. */
  cachedAt: number;
  /** Its age when served, in ms. */
  ageMs: number;
  /** `principal` (the caller's own earlier answer) or `global` (shared). */
  scope: "principal" | "global";
  /** Ids of the messages this run replays (fresh for each replay). */
  messageIds: string[];
}
