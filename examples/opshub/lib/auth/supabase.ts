/**
 * Supabase Auth (GoTrue) over its REST API: password sign-in and token refresh, and
 * verification of access tokens against the project's JWKS. Used when `SUPABASE_URL`
 * and `SUPABASE_ANON_KEY` are set.
 * @module
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";

/** Tokens GoTrue returns. */
export interface SupabaseTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** The project's URL without a trailing slash, or undefined when Supabase is not configured. */
export function supabaseUrl(): string | undefined {
  return process.env.SUPABASE_URL?.replace(/\/+$/, "") || undefined;
}

let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

async function token(
  grant: "password" | "refresh_token",
  body: Record<string, string>,
): Promise<SupabaseTokens> {
  const url = supabaseUrl();
  const anon = process.env.SUPABASE_ANON_KEY;
  if (!url || !anon) throw new Error("Set SUPABASE_URL and SUPABASE_ANON_KEY to sign in with Supabase");
  const res = await fetch(`${url}/auth/v1/token?grant_type=${grant}`, {
    method: "POST",
    headers: { apikey: anon, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json().catch(() => ({}))) as Partial<SupabaseTokens> & {
    error_description?: string;
    msg?: string;
  };
  if (!res.ok || !json.access_token || !json.refresh_token) {
    throw new Error(json.error_description ?? json.msg ?? `Supabase answered ${res.status}`);
  }
  return json as SupabaseTokens;
}

/** Signs in with email and password. Throws with Supabase's message (e.g. "Invalid login credentials"). */
export function signInWithPassword(email: string, password: string): Promise<SupabaseTokens> {
  return token("password", { email, password });
}

/** Exchanges a refresh token for fresh tokens. */
export function refreshSession(refreshToken: string): Promise<SupabaseTokens> {
  return token("refresh_token", { refresh_token: refreshToken });
}

/** Verifies an access token with the project's JWKS (`aud: authenticated`). */
export async function verifySupabaseToken(accessToken: string): Promise<JWTPayload> {
  const url = supabaseUrl()!;
  jwks ??= createRemoteJWKSet(new URL(`${url}/auth/v1/.well-known/jwks.json`), { timeoutDuration: 5_000 });
  const { payload } = await jwtVerify(accessToken, jwks, {
    audience: "authenticated",
    issuer: `${url}/auth/v1`,
  });
  return payload;
}
