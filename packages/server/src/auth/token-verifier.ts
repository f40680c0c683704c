import type { Principal } from "../principal.js";

/**
 * A custom verifier: resolve to a principal, `null` to refuse, or throw AuthError with a reason.
 * The principal's id is put in its kind's namespace (`user:`, `apikey:`) unless it already is.
 */
export type TokenVerifier = (token: string) => Promise<Principal | null> | Principal | null;
