/**
 * Options of `createCopilotRouteHandlers` and their defaults.
 * @module
 */

/** Headers to send to the backend, e.g. `{ Authorization: "Bearer <user's JWT>" }`. */
export type AuthHeaders = Record<string, string> | Headers | [string, string][];

/** Options of `createCopilotRouteHandlers`. Only `backendUrl` and `getAuthHeaders` are required. */
export interface CopilotRouteOptions {
  /**
   * The backend runtime's base URL, including its base path, as the Next.js server reaches
   * it: e.g. `http://localhost:8000/copilotkit` or `http://agents.internal:8000/copilotkit`.
   */
  backendUrl: string;
  /**
   * Returns the server-side credentials for this request (the seed's `getAuthHeaders()`:
   * the user's JWT from the session cookie, or the backend's API key). Return `null` (or
   * throw) when the user is not signed in: the route answers 401 without calling the backend.
   * These headers never reach the browser.
   */
  getAuthHeaders: (
    request: Request,
  ) => AuthHeaders | null | undefined | Promise<AuthHeaders | null | undefined>;
  /**
   * The WebSocket URL browsers should open, when it differs from what the backend reports
   * (the backend sees the internal host the proxy used), e.g. `wss://agents.example.com/copilotkit/ws`.
   * @default the `wsUrl` returned by the backend's `/connect`
   */
  publicWsUrl?: string;
  /**
   * Where this route is mounted, used to find the sub-path when Next.js does not pass
   * `params` and to tell the browser where the SSE routes are.
   * @default "/api/copilotkit"
   */
  routePrefix?: string;
  /**
   * Other origins allowed to POST/DELETE through this route (e.g. a second front-end). The
   * app's own origin is always allowed; other cross-origin writes get 403.
   * @default []
   */
  allowedOrigins?: string[];
  /** Largest request body forwarded, in bytes (the backend enforces its own limit too). @default 1048576 */
  maxBodyBytes?: number;
  /** Give up on a backend that has not answered (headers) within this many ms. @default 30000 */
  connectTimeoutMs?: number;
  /** The fetch used to reach the backend (tests, custom agents). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Defaults for every optional option. */
export const DEFAULTS = {
  routePrefix: "/api/copilotkit",
  maxBodyBytes: 1024 * 1024,
  connectTimeoutMs: 30_000,
} as const;
