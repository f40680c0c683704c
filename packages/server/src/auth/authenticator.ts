import { type Logger, pino } from "pino";
import { AuthError, ConfigError } from "../errors.js";
import { ANONYMOUS, namespacePrincipal, type Principal } from "../principal.js";
import { ApiKeyVerifier } from "./api-key.js";
import type { CredentialSource } from "./credentials.js";
import {
  type AuthFailure,
  AuthFailureLog,
  type AuthFailureLogOptions,
  type AuthTransport,
} from "./failure-log.js";
import { type JwtOptions, JwtVerifier } from "./jwt.js";
import { TICKET_PREFIX } from "./tickets.js";
import type { TokenVerifier } from "./token-verifier.js";

export type { TokenVerifier } from "./token-verifier.js";

/** Where a credential is being checked, for the failure log (never the credential itself). */
export interface AuthAttempt {
  transport: AuthTransport;
  credential: CredentialSource | "none";
  remote: string | undefined;
  /** The principal of the connection, when it already has one (a refresh). */
  principal?: string | undefined;
  /** The request path without its query string. */
  path?: string | undefined;
}

/** What the log says of a `verify` whose caller did not say where the credential came from. */
const UNKNOWN_ATTEMPT: AuthAttempt = { transport: "http", credential: "header", remote: undefined };

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
  /** How long an unauthenticated socket may take to authenticate (verification included), in ms. @default 5000 */
  authTimeoutMs?: number;
  /** How refused credentials are logged: lines per address per window before they are counted instead. */
  failureLog?: AuthFailureLogOptions;
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
  /** The one reporting point for refused credentials (log at warn, rate-limited; metrics listen here). */
  readonly failures: AuthFailureLog;

  /** @param logger where refused credentials are logged (at `warn`). @default a silent logger */
  constructor(options: AuthOptions = {}, logger?: Logger) {
    this.failures = new AuthFailureLog(logger ?? pino({ level: "silent" }), options.failureLog);
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

  /** Redeems WebSocket tickets with `verifier`, on WebSocket attempts only (see `verify`). */
  useTickets(verifier: TokenVerifier): void {
    this.tickets = verifier;
  }

  /**
   * The principal for a request that brought no credentials (anonymous mode), or AuthError
   * `missing` with `message`, reported as a failure of `attempt`.
   */
  unauthenticated(attempt: AuthAttempt, message = "Invalid or missing API key"): Principal {
    if (this.anonymous) return ANONYMOUS;
    throw this.refuse(attempt, new AuthError(message, { reason: "missing" }));
  }

  /**
   * Verifies `token`. Throws AuthError (message safe for the client and the log), after
   * reporting it once to `failures`; a verifier that throws anything else is reported as
   * `verifier_error` and its error rethrown. A ticket is redeemed only when `attempt.transport`
   * is `websocket`: over HTTP (SSE included) it is refused unredeemed, so it can neither read
   * data nor be exchanged at `/connect` for fresh tickets.
   */
  async verify(token: string, attempt: AuthAttempt = UNKNOWN_ATTEMPT): Promise<Principal> {
    try {
      return await this.check(token, attempt.transport === "websocket");
    } catch (err) {
      if (err instanceof AuthError) throw this.refuse(attempt, err);
      this.refuse(attempt, new AuthError("Authentication failed", { reason: "verifier_error", cause: err }));
      throw err;
    }
  }

  /** Reports `error` (a refusal decided outside `verify`, e.g. an auth timeout) and returns it. */
  refuse(attempt: AuthAttempt, error: AuthError): AuthError {
    const failure: AuthFailure = {
      reason: error.reason,
      message: error.message,
      transport: attempt.transport,
      credential: attempt.credential,
      remote: attempt.remote,
      principal: attempt.principal ?? error.principalId,
      path: attempt.path,
    };
    this.failures.report(failure);
    return error;
  }

  private async check(token: string, websocket: boolean): Promise<Principal> {
    const byKey = this.apiKeys?.verify(token);
    if (byKey) return byKey;
    if (this.tickets && token.startsWith(TICKET_PREFIX)) {
      if (!websocket) {
        throw new AuthError(
          "A ticket only opens a WebSocket; send the API key or JWT in `Authorization: Bearer` here",
          { reason: "ticket_not_accepted" },
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
