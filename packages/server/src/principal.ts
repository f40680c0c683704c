/**
 * Who is calling. Built by the authenticator, handed to every agent run as `ctx.principal`,
 * and used for ownership checks (a principal reaches only its own runs and threads).
 */
export interface Principal {
  /** Stable id: the JWT `sub`, `apikey:<name>` for an API key, or `anonymous`. */
  id: string;
  kind: "user" | "api_key" | "anonymous";
  /** Verified JWT claims (user principals only). */
  claims?: Record<string, unknown>;
  /** The API key's configured name (api_key principals only). Never the key itself. */
  keyName?: string;
  /** When the credentials stop being valid, in ms since epoch. */
  expiresAt?: number;
}

export const ANONYMOUS: Principal = Object.freeze({ id: "anonymous", kind: "anonymous" }) as Principal;
