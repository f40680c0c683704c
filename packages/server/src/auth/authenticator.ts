import { AuthError, ConfigError } from "../errors.js";
import { ANONYMOUS, namespacePrincipal, type Principal } from "../principal.js";
import { ApiKeyVerifier } from "./api-key.js";
import { type JwtOptions, JwtVerifier } from "./jwt.js";
import { TICKET_PREFIX } from "./tickets.js";

/**
 * A custom verifier: resolve to a principal, `null` to refuse, or throw AuthError with a reason.
 * The principal's id is put in its kind's namespace (`user:`, `apikey:`) unless it already is.
 */
export type TokenVerifier = (token: string) => Promise<Principal | null> | Principal | null;

/**
 * Where a credential is presented. `websocket`: the socket it authenticates (upgrade request
 * or `auth` frame), the only place a ticket is good for; `http`: every HTTP route, SSE included.
 */
export type CredentialUse = "websocket" | "http";

/** How clients authenticate. At least one method, or `anonymous: true`. */
export interface AuthOptions {
  /** API keys: name → key, or a single key (e.g. `AGENT_API_KEY`). Server-to-server use. */
  apiKeys?: Record<string, string> | string;
  /** JWT verification (user sessions, e.g. Supabase). */
  jwt?: JwtOptions;
  /** Custom verifiers, tried in order after API keys and before JWT. */
  verify?: TokenVerifier | TokenVerifier[];
  /** Let clients without credentials in as the `anonymous` principal. For local development only. @default false */
  anonymous?: boolean;
  /** How long an unauthenticated socket may take to authenticate, in ms. @default 5000 */
  authTimeoutMs?: number;
}

/**
 * Turns a bearer token into a principal: API keys first (cheap, constant time), then custom
 * verifiers, then JWT. Failures throw AuthError with a client-safe message.
 */
export class Authenticator {
  readonly anonymous: boolean;
  readonly authTimeoutMs: number;
  private readonly apiKeys?: ApiKeyVerifier;
  private readonly jwt?: JwtVerifier;
  private readonly custom: TokenVerifier[];
  private tickets: TokenVerifier | undefined;

  constructor(options: AuthOptions = {}) {
    this.anonymous = options.anonymous ?? false;
    this.authTimeoutMs = options.authTimeoutMs ?? 5_000;
    if (options.apiKeys !== undefined) {
      const v = new ApiKeyVerifier(options.apiKeys);
      if (v.size > 0) this.apiKeys = v;
    }
    if (options.jwt) this.jwt = new JwtVerifier(options.jwt);
    this.custom =
      options.verify === undefined ? [] : Array.isArray(options.verify) ? options.verify : [options.verify];
    if (!this.apiKeys && !this.jwt && this.custom.length === 0 && !this.anonymous) {
      throw new ConfigError(
        "No authentication configured. Set auth.apiKeys (AGENT_API_KEY), auth.jwt (JWT_SECRET or JWKS_URL), " +
          "auth.verify, or auth.anonymous: true for local development.",
      );
    }
  }

  /** Adds a verifier after construction, tried before the others. */
  addVerifier(verifier: TokenVerifier): void {
    this.custom.unshift(verifier);
  }

  /** Redeems WebSocket tickets with `verifier`, for `open` only (see `CredentialUse`). */
  useTickets(verifier: TokenVerifier): void {
    this.tickets = verifier;
  }

  /** The principal for a connection that brought no credentials, or AuthError. */
  unauthenticated(): Principal {
    if (this.anonymous) return ANONYMOUS;
    throw new AuthError("Invalid or missing API key");
  }

  /**
   * Verifies `token` presented on `use`. Throws AuthError (message safe for the client and
   * the log). A ticket is redeemed only by a WebSocket: over HTTP it is refused unredeemed, so
   * it can neither read data nor be exchanged at `/connect` for fresh tickets.
   */
  async verify(token: string, use: CredentialUse = "http"): Promise<Principal> {
    const byKey = this.apiKeys?.verify(token);
    if (byKey) return byKey;
    if (token.startsWith(TICKET_PREFIX) && this.tickets) {
      if (use !== "websocket") {
        throw new AuthError(
          "A ticket only opens a WebSocket; send the API key or JWT in `Authorization: Bearer` here",
        );
      }
      const principal = await this.tickets(token);
      if (principal) return principal;
    }
    for (const verifier of this.custom) {
      const principal = await verifier(token);
      if (principal) return namespacePrincipal(principal);
    }
    if (this.jwt && JwtVerifier.looksLikeJwt(token)) return this.jwt.verify(token);
    throw new AuthError(this.jwt ? "Invalid or missing API key or token" : "Invalid or missing API key");
  }
}
