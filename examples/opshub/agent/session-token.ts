/**
 * Mints the local demo session token: Supabase-shaped claims (`sub`, `role`, `aud`,
 * `email`), HS256 with the local secret. The web app's sign-in does the same; tests and
 * scripts use this one.
 * @module
 */
import { SignJWT } from "jose";
import { AUDIENCE, LOCAL_ISSUER } from "./auth.js";

/** The demo user every local sign-in is. */
export const DEMO_USER = {
  id: "6f1c2a9e-5d1b-4a59-9a53-0c8d2b7e4f10",
  email: "demo@opshub.local",
  name: "Dana Ops",
};

/**
 * A session JWT for `user`, valid for `ttlSec` seconds.
 * @example const token = await mintSessionToken(localSecret(dir));
 */
export async function mintSessionToken(
  secret: string,
  opts: { user?: { id: string; email: string; name: string }; ttlSec?: number } = {},
): Promise<string> {
  const user = opts.user ?? DEMO_USER;
  return new SignJWT({ role: "authenticated", email: user.email, user_metadata: { name: user.name } })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.id)
    .setAudience(AUDIENCE)
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSec ?? 8 * 3600}s`)
    .sign(new TextEncoder().encode(secret));
}
