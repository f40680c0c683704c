/**
 * Typed errors with a stable `code`. `code` values are documented in the server README.
 */
export class BackchannelServerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackchannelServerError";
    this.code = code;
  }
}

/** Invalid SDK options, thrown at construction time so misconfiguration never reaches production traffic. */
export class ConfigError extends BackchannelServerError {
  constructor(message: string) {
    super("config_error", message);
    this.name = "ConfigError";
  }
}

/**
 * Why a credential was refused: a stable value for logs, metrics and the `/health` answer.
 * Documented in the server README ("Authentication failures").
 */
export type AuthFailureReason =
  /** No credential was presented. */
  | "missing"
  /** The `Authorization` header or token is not in a form we read. */
  | "malformed"
  /** No configured API key, verifier or JWT setting accepts it. */
  | "invalid"
  /** A JWT past its `exp` (or a credential that expired on a live connection). */
  | "expired"
  /** A JWT whose `nbf` is in the future. */
  | "not_yet_valid"
  /** A JWT whose signature does not verify with the configured secret or keys. */
  | "bad_signature"
  /** A JWT whose `aud` is not the configured audience. */
  | "wrong_audience"
  /** A JWT whose `iss` is not the configured issuer. */
  | "wrong_issuer"
  /** Another claim is missing or invalid (e.g. no `sub`). */
  | "claim_invalid"
  /** A JWT signed with an algorithm that is not allowed. */
  | "algorithm_not_allowed"
  /** No key of the JWKS matches the token's `kid`. */
  | "unknown_key"
  /** The JWKS could not be fetched in time. */
  | "keys_unavailable"
  /** A WebSocket ticket that is unknown, expired or already used. */
  | "ticket_invalid"
  /** A WebSocket ticket sent to an HTTP route: tickets open a WebSocket and nothing else (`/health` would spend it, too). */
  | "ticket_not_accepted"
  /** A refreshed credential that belongs to another principal than the connection's. */
  | "principal_changed"
  /** The request's `Origin` is not in `allowedOrigins`. */
  | "origin_not_allowed"
  /** A socket sent no credential before `auth.authTimeoutMs`. */
  | "auth_timeout"
  /** A custom verifier threw something other than AuthError (a bug or an outage on its side). */
  | "verifier_error";

/** Credentials were missing, malformed, forged or expired. `message` is safe to send to the client. */
export class AuthError extends BackchannelServerError {
  /** Why, as a stable value. @default "invalid" */
  readonly reason: AuthFailureReason;
  /**
   * The principal id the credential names, when that is known without trusting it blindly: a
   * JWT whose signature verified but whose claims did not (e.g. expired), or an expired ticket.
   */
  readonly principalId: string | undefined;

  constructor(
    message: string,
    options?: { cause?: unknown; reason?: AuthFailureReason; principalId?: string | undefined },
  ) {
    super("auth_failed", message, options);
    this.name = "AuthError";
    this.reason = options?.reason ?? "invalid";
    this.principalId = options?.principalId;
  }
}
