/**
 * How the backend verifies users. With `SUPABASE_URL`, Supabase access tokens, checked
 * against the project's JWKS (or `SUPABASE_JWT_SECRET` for projects on the legacy
 * shared secret). Otherwise the local demo sign-in: HS256 tokens signed with a secret
 * generated on first start and kept in `.data/jwt-secret`.
 * @module
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AuthOptions } from "@backchannel/server";

/** The `iss` of locally issued demo tokens. */
export const LOCAL_ISSUER = "opshub-local";
/** The `aud` of every accepted token (Supabase's value for signed-in users). */
export const AUDIENCE = "authenticated";

/**
 * The local signing secret: `OPSHUB_JWT_SECRET`, else the one in `<dataDir>/jwt-secret`,
 * created (48 random bytes, readable only by its owner) when missing.
 */
export function localSecret(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPSHUB_JWT_SECRET) return env.OPSHUB_JWT_SECRET;
  const file = join(dir, "jwt-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}

/** Which sign-in the app uses, for logs and the UI. */
export type AuthMode = "supabase" | "local";

/** Auth options for the SDK, and which mode they are. `AGENT_API_KEY` adds a server-to-server key. */
export function authOptions(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): { auth: AuthOptions; mode: AuthMode } {
  const apiKeys = env.AGENT_API_KEY ? { apiKeys: { default: env.AGENT_API_KEY } } : {};
  const supabase = env.SUPABASE_URL?.replace(/\/+$/, "");
  if (supabase) {
    const jwt = env.SUPABASE_JWT_SECRET
      ? { secret: env.SUPABASE_JWT_SECRET }
      : { jwksUrl: `${supabase}/auth/v1/.well-known/jwks.json` };
    return {
      mode: "supabase",
      auth: { ...apiKeys, jwt: { ...jwt, issuer: `${supabase}/auth/v1`, audience: AUDIENCE } },
    };
  }
  return {
    mode: "local",
    auth: { ...apiKeys, jwt: { secret: localSecret(dir, env), issuer: LOCAL_ISSUER, audience: AUDIENCE } },
  };
}
