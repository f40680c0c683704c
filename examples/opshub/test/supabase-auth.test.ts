/**
 * The Supabase path, against a local server speaking GoTrue's token endpoint and serving
 * a JWKS: the web app's password sign-in and refresh, its token verification, and the
 * agent backend accepting (and refusing) Supabase access tokens over a real socket.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentThread, createClient } from "@backchannel/client";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type OpsHubRuntime, startOpsHubRuntime } from "../agent/runtime.js";
import { refreshSession, signInWithPassword, verifySupabaseToken } from "../lib/auth/supabase.js";

let gotrue: Server;
let base: string;
let privateKey: CryptoKey;
let jwk: JWK;
let rt: OpsHubRuntime;
const dir = mkdtempSync(join(tmpdir(), "opshub-supabase-"));
const saved = { url: process.env.SUPABASE_URL, anon: process.env.SUPABASE_ANON_KEY };

async function accessToken(opts: { aud?: string; sub?: string } = {}): Promise<string> {
  return new SignJWT({ role: "authenticated", email: "ops@example.com" })
    .setProtectedHeader({ alg: "RS256", kid: "test-key" })
    .setSubject(opts.sub ?? "user-1")
    .setAudience(opts.aud ?? "authenticated")
    .setIssuer(`${base}/auth/v1`)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  privateKey = pair.privateKey as CryptoKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  gotrue = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/auth/v1/.well-known/jwks.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (url.pathname === "/auth/v1/token" && req.method === "POST") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", async () => {
        const json = JSON.parse(body) as Record<string, string>;
        const grant = url.searchParams.get("grant_type");
        const ok =
          req.headers.apikey === "anon-key" &&
          ((grant === "password" && json.email === "ops@example.com" && json.password === "s3cret") ||
            (grant === "refresh_token" && json.refresh_token === "refresh-1"));
        if (!ok) {
          res.writeHead(400, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "invalid_grant", error_description: "Invalid login credentials" }));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            access_token: await accessToken(),
            refresh_token: "refresh-2",
            expires_in: 3600,
            token_type: "bearer",
          }),
        );
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => gotrue.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(gotrue.address() as { port: number }).port}`;
  process.env.SUPABASE_URL = base;
  process.env.SUPABASE_ANON_KEY = "anon-key";
  rt = await startOpsHubRuntime({
    dataDir: dir,
    port: 0,
    checkDelayMs: 0,
    env: { SUPABASE_URL: base, OPSHUB_TOKEN_DELAY_MS: "0", LOG_LEVEL: "warn" },
  });
});

afterAll(async () => {
  await rt?.close();
  gotrue?.close();
  rmSync(dir, { recursive: true, force: true });
  process.env.SUPABASE_URL = saved.url;
  process.env.SUPABASE_ANON_KEY = saved.anon;
  if (saved.url === undefined) delete process.env.SUPABASE_URL;
  if (saved.anon === undefined) delete process.env.SUPABASE_ANON_KEY;
});

describe("Supabase sign-in", () => {
  it("signs in with a password, refreshes, and verifies the token with the JWKS", async () => {
    const tokens = await signInWithPassword("ops@example.com", "s3cret");
    expect(tokens.refresh_token).toBe("refresh-2");
    expect(await verifySupabaseToken(tokens.access_token)).toMatchObject({
      sub: "user-1",
      aud: "authenticated",
    });
    await expect(signInWithPassword("ops@example.com", "wrong")).rejects.toThrow("Invalid login credentials");
    expect((await refreshSession("refresh-1")).access_token).toMatch(/^ey/);
    await expect(verifySupabaseToken(await accessToken({ aud: "anon" }))).rejects.toThrow();
  });

  it("the backend accepts Supabase access tokens over the socket and refuses other audiences", async () => {
    const client = createClient({
      url: `ws://127.0.0.1:${rt.port}/copilotkit/ws`,
      token: await accessToken(),
      WebSocket,
    });
    const thread = new AgentThread({ client, agent: "opshub-nav-agent", throttleMs: 0 });
    const result = await thread.sendMessage({ content: "What's the NAV?" });
    expect(result.status).toBe("finished");
    client.close();

    const info = await fetch(`http://127.0.0.1:${rt.port}/api/portfolio/info`, {
      headers: { authorization: `Bearer ${await accessToken()}` },
    });
    expect(await info.json()).toMatchObject({ auth: "supabase" });
    const wrongAud = await fetch(`http://127.0.0.1:${rt.port}/api/portfolio/info`, {
      headers: { authorization: `Bearer ${await accessToken({ aud: "anon" })}` },
    });
    expect(wrongAud.status).toBe(401);
  });
});
