import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { AuthError, type AuthFailureReason, ConfigError } from "../errors.js";
import { type Principal, principalId } from "../principal.js";

/** JWT verification settings. Exactly one of `secret` or `jwksUrl`. */
export interface JwtOptions {
  /** Shared secret for HS256 (e.g. `JWT_SECRET`, Supabase's legacy JWT secret). */
  secret?: string;
  /** JWKS endpoint for asymmetric keys, e.g. `https://<project>.supabase.co/auth/v1/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Required `iss`. */
  issuer?: string | string[];
  /** Required `aud` (Supabase: "authenticated"). */
  audience?: string | string[];
  /** Accepted algorithms. @default ["HS256"] with `secret`; ["RS256","ES256","EdDSA"] with `jwksUrl` */
  algorithms?: string[];
  /** Allowed clock skew for exp/nbf, in seconds. @default 5 */
  clockToleranceSec?: number;
}

/** Verifies JWTs with jose: pinned algorithms, exp/nbf/iss/aud enforced, `sub` a non-empty string (id `user:<sub>`). */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly options: JwtOptions) {
    if (!!options.secret === !!options.jwksUrl) {
      throw new ConfigError("auth.jwt needs exactly one of `secret` (HS256) or `jwksUrl` (asymmetric keys)");
    }
    if (options.secret) {
      if (options.secret.length < 32) {
        throw new ConfigError(
          "auth.jwt.secret must be at least 32 characters; generate one with `openssl rand -base64 48`",
        );
      }
      this.key = new TextEncoder().encode(options.secret);
      this.algorithms = options.algorithms ?? ["HS256"];
    } else {
      this.key = createRemoteJWKSet(new URL(options.jwksUrl!), {
        cooldownDuration: 30_000,
        timeoutDuration: 5_000,
      });
      this.algorithms = options.algorithms ?? ["RS256", "ES256", "EdDSA"];
    }
  }

  /** Whether `token` has the shape of a JWS compact serialization. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }

  /** Verifies `token`; throws AuthError with a message safe to show the client. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSec ?? 5,
        requiredClaims: ["sub", "exp"],
      });
      payload = result.payload;
    } catch (err) {
      throw joseAuthError(err);
    }
    // Only a non-empty string names a user: a numeric sub would be stringified into another
    // user's id, an empty one would be everybody's.
    if (typeof payload.sub !== "string" || payload.sub.length === 0) {
      throw new AuthError("Token claim 'sub' must be a non-empty string", { reason: "claim_invalid" });
    }
    return {
      id: principalId("user", payload.sub),
      kind: "user",
      claims: payload as Record<string, unknown>,
      ...(typeof payload.exp === "number" ? { expiresAt: payload.exp * 1000 } : {}),
    };
  }
}

/** Maps jose's errors to a client-safe message and a stable reason. */
function joseAuthError(err: unknown): AuthError {
  const refuse = (message: string, reason: AuthFailureReason, payload?: JWTPayload) =>
    new AuthError(message, {
      cause: err,
      reason,
      // Only claim errors carry a payload, and jose checks claims after the signature verified.
      principalId: typeof payload?.sub === "string" ? principalId("user", payload.sub) : undefined,
    });
  if (err instanceof joseErrors.JWTExpired)
    return refuse("Token expired; sign in again or refresh the token", "expired", err.payload);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const reason: AuthFailureReason =
      err.claim === "aud"
        ? "wrong_audience"
        : err.claim === "iss"
          ? "wrong_issuer"
          : err.claim === "nbf"
            ? "not_yet_valid"
            : "claim_invalid";
    return refuse(`Token claim '${err.claim}' is invalid (${err.reason})`, reason, err.payload);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return refuse("Token algorithm is not allowed", "algorithm_not_allowed");
  if (err instanceof joseErrors.JWSSignatureVerificationFailed)
    return refuse("Token signature is invalid", "bad_signature");
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return refuse("No signing key matches the token (unknown kid)", "unknown_key");
  if (err instanceof joseErrors.JWKSTimeout)
    return refuse("Could not fetch the signing keys in time; retry shortly", "keys_unavailable");
  return refuse("Token is malformed or invalid", "malformed");
}
