/**
 * The signed-in user's session, kept in httpOnly cookies: the session JWT (what the
 * agent backend verifies) and, with Supabase, its refresh token. Server-only.
 * @module
 */
import "server-only";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import { cookies } from "next/headers";
import { localSecret } from "./local-secret";
import { refreshSession, type SupabaseTokens, supabaseUrl, verifySupabaseToken } from "./supabase";

export const SESSION_COOKIE = "opshub_session";
export const REFRESH_COOKIE = "opshub_refresh";
/** The `iss` the backend expects of local tokens. */
export const LOCAL_ISSUER = "opshub-local";
/** Lifetime of a local demo session, seconds. */
export const LOCAL_SESSION_SEC = 8 * 3600;

/** The demo user of the local sign-in. */
export const DEMO_USER = {
  id: "6f1c2a9e-5d1b-4a59-9a53-0c8d2b7e4f10",
  email: "demo@opshub.local",
  name: "Dana Ops",
};

/** Who is signed in. */
export interface Session {
  token: string;
  user: { id: string; email: string; name: string };
  expiresAt: number;
}

/** `local` (one-click demo sign-in) or `supabase` (when SUPABASE_URL is set). */
export function authMode(): "local" | "supabase" {
  return supabaseUrl() ? "supabase" : "local";
}

/** A local session JWT with Supabase-shaped claims. */
export function mintLocalToken(): Promise<string> {
  return new SignJWT({
    role: "authenticated",
    email: DEMO_USER.email,
    user_metadata: { name: DEMO_USER.name },
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(DEMO_USER.id)
    .setAudience("authenticated")
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${LOCAL_SESSION_SEC}s`)
    .sign(new TextEncoder().encode(localSecret()));
}

async function verify(token: string): Promise<JWTPayload> {
  if (authMode() === "supabase") return verifySupabaseToken(token);
  const { payload } = await jwtVerify(token, new TextEncoder().encode(localSecret()), {
    algorithms: ["HS256"],
    audience: "authenticated",
    issuer: LOCAL_ISSUER,
  });
  return payload;
}

/** Stores a session's cookies (httpOnly, SameSite=Lax, Secure over https). */
export async function setSessionCookies(
  token: string,
  maxAgeSec: number,
  refreshToken?: string,
): Promise<void> {
  const jar = await cookies();
  // Opt-in: local runs are plain http (https deployments set OPSHUB_SECURE_COOKIES=1).
  const secure = process.env.OPSHUB_SECURE_COOKIES === "1";
  const base = { httpOnly: true, sameSite: "lax" as const, path: "/", secure };
  jar.set(SESSION_COOKIE, token, { ...base, maxAge: maxAgeSec });
  if (refreshToken) jar.set(REFRESH_COOKIE, refreshToken, { ...base, maxAge: 30 * 24 * 3600 });
}

/** Forgets the session. */
export async function clearSessionCookies(): Promise<void> {
  const jar = await cookies();
  jar.delete(SESSION_COOKIE);
  jar.delete(REFRESH_COOKIE);
}

/** Supabase only: swaps the refresh cookie for a new access token (where cookies can be written). */
async function refreshed(): Promise<string | null> {
  const refresh = (await cookies()).get(REFRESH_COOKIE)?.value;
  if (authMode() !== "supabase" || !refresh) return null;
  let tokens: SupabaseTokens;
  try {
    tokens = await refreshSession(refresh);
  } catch {
    return null;
  }
  try {
    await setSessionCookies(tokens.access_token, tokens.expires_in, tokens.refresh_token);
  } catch {
    // Rendering a server component: cookies are read-only here; the next route call stores them.
  }
  return tokens.access_token;
}

/** The current session, or null when signed out or the token no longer verifies. */
export async function getSession(): Promise<Session | null> {
  const current = (await cookies()).get(SESSION_COOKIE)?.value;
  const token = current ?? (await refreshed());
  if (!token) return null;
  try {
    const claims = await verify(token);
    const meta = (claims.user_metadata ?? {}) as { name?: string; full_name?: string };
    const email = String(claims.email ?? "");
    return {
      token,
      user: { id: String(claims.sub), email, name: meta.name ?? meta.full_name ?? email },
      expiresAt: (claims.exp ?? 0) * 1000,
    };
  } catch {
    // Expired Supabase access token: one refresh, then give up.
    const fresh = current ? await refreshed() : null;
    if (!fresh) return null;
    const claims = await verify(fresh).catch(() => null);
    if (!claims) return null;
    const email = String(claims.email ?? "");
    return {
      token: fresh,
      user: { id: String(claims.sub), email, name: email },
      expiresAt: (claims.exp ?? 0) * 1000,
    };
  }
}
