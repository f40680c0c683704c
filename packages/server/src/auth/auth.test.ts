import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { bearerSubprotocol } from "@backchannel/protocol";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { whoami } from "../../../../test/helpers/agents.js";
import { connectPeer, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";

const API_KEY = "sk-live-very-secret-key-42";
const SECRET = "a-shared-hs256-secret-of-at-least-32-chars!";
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

let sdk: CopilotKitSDK;
let srv: ListeningServer;
let jwksServer: Server;
let jwksSdk: CopilotKitSDK;
let jwksSrv: ListeningServer;
let rsaKey: CryptoKey;

function hs256(claims: Record<string, unknown>, expSeconds: number | string = "1h", secret = SECRET) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(expSeconds)
    .setIssuer("https://auth.test")
    .setAudience("authenticated")
    .sign(new TextEncoder().encode(secret));
}

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: [whoami],
    auth: {
      apiKeys: { ops: API_KEY },
      jwt: { secret: SECRET, issuer: "https://auth.test", audience: "authenticated" },
      authTimeoutMs: 300,
    },
    allowedOrigins: ["https://app.example.com"],
    logger: pino({ level: "debug" }, logStream),
  });
  srv = await sdk.listen({ port: 0 });

  const { publicKey, privateKey } = await generateKeyPair("RS256");
  rsaKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/auth/v1/.well-known/jwks.json`;
  jwksSdk = new CopilotKitSDK({
    agents: [whoami],
    auth: { jwt: { jwksUrl, audience: "authenticated" } },
    logger: pino({ level: "silent" }),
  });
  jwksSrv = await jwksSdk.listen({ port: 0 });
});

afterAll(async () => {
  await srv.close();
  await jwksSrv.close();
  jwksServer.close();
});

async function principalOf(url: string, opts: Parameters<typeof connectPeer>[1]) {
  const peer = await connectPeer(url, opts);
  const runId = startRun(peer, "whoami");
  const events = await peer.runEvents(runId);
  peer.close();
  return events.find((f) => f.event.type === "TEXT_MESSAGE_CONTENT").event.delta;
}

describe("authentication", () => {
  it("accepts the API key as an Authorization header and hands the principal to the agent", async () => {
    expect(await principalOf(srv.wsUrl, { headers: { authorization: `Bearer ${API_KEY}` } })).toBe(
      "api_key:apikey:ops",
    );
  });

  it("accepts the API key in a bearer.<base64url> subprotocol and echoes only backchannel.v1", async () => {
    const peer = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(API_KEY)] });
    expect(peer.protocol).toBe("backchannel.v1");
    expect(peer.frames[0].principal).toEqual({ id: "apikey:ops", kind: "api_key" });
    peer.close();
  });

  it("accepts the API key as a first auth frame", async () => {
    const peer = await connectPeer(srv.wsUrl, { awaitReady: false });
    peer.send({ type: "auth", token: API_KEY });
    expect(await peer.next((f) => f.type === "ready")).toMatchObject({ principal: { id: "apikey:ops" } });
    peer.close();
  });

  it("accepts ?api_key= for the seed's sake, and never logs it", async () => {
    const peer = await connectPeer(`${srv.wsUrl}?api_key=${API_KEY}`);
    expect(peer.frames[0].principal.id).toBe("apikey:ops");
    peer.close();
    expect(logLines.join("\n")).not.toContain(API_KEY);
  });

  it("serves v1 to a client that asks for no subprotocol", async () => {
    const peer = await connectPeer(srv.wsUrl, {
      protocols: [],
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(peer.frames[0].protocol).toBe("backchannel.v1");
    peer.close();
  });

  it("closes with 1008 'Invalid or missing API key' on a wrong key, and logs the failure without the key", async () => {
    const peer = await connectPeer(srv.wsUrl, {
      headers: { authorization: "Bearer wrong-key" },
      awaitReady: false,
    });
    const closed = await peer.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/Invalid or missing API key/);
    const log = logLines.join("\n");
    expect(log).toContain('"msg":"auth failed"');
    expect(log).not.toContain("wrong-key");
  });

  it("closes with 1008 when no credentials arrive before the auth timeout", async () => {
    const peer = await connectPeer(srv.wsUrl, { awaitReady: false });
    const closed = await peer.closed;
    expect(closed.code).toBe(1008);
  });

  it("closes with 1008 on a frame other than auth before authentication", async () => {
    const peer = await connectPeer(srv.wsUrl, { awaitReady: false });
    peer.send({ type: "run", id: "x", agent: "whoami", input: { threadId: "t", runId: "r", messages: [] } });
    const closed = await peer.closed;
    expect(closed).toMatchObject({ code: 1008 });
    expect(closed.reason).toContain("Authenticate");
  });

  it("accepts a valid HS256 JWT and exposes user:<sub> as the principal id and exp as expiresAt", async () => {
    const token = await hs256({ sub: "user-1", role: "authenticated" });
    const peer = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(token)] });
    expect(peer.frames[0].principal).toEqual({ id: "user:user-1", kind: "user" });
    expect(peer.frames[0].expiresAt).toBeGreaterThan(Date.now());
    peer.close();
    expect(logLines.join("\n")).not.toContain(token);
  });

  it("rejects a forged JWT (wrong secret) with 1008", async () => {
    const token = await hs256({ sub: "user-1" }, "1h", "another-secret-another-secret-another!!");
    const peer = await connectPeer(srv.wsUrl, {
      headers: { authorization: `Bearer ${token}` },
      awaitReady: false,
    });
    expect(await peer.closed).toMatchObject({ code: 1008, reason: "Token signature is invalid" });
  });

  it("rejects an expired JWT with 1008", async () => {
    const token = await hs256({ sub: "user-1" }, Math.floor(Date.now() / 1000) - 60);
    const peer = await connectPeer(srv.wsUrl, {
      headers: { authorization: `Bearer ${token}` },
      awaitReady: false,
    });
    const closed = await peer.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/expired/);
  });

  it("rejects a JWT with alg none or a wrong audience", async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(
      JSON.stringify({ sub: "x", exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString("base64url")}.`;
    const p1 = await connectPeer(srv.wsUrl, {
      headers: { authorization: `Bearer ${none}` },
      awaitReady: false,
    });
    expect((await p1.closed).code).toBe(1008);
    const wrongAud = await new SignJWT({ sub: "u" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .setIssuer("https://auth.test")
      .setAudience("someone-else")
      .sign(new TextEncoder().encode(SECRET));
    const p2 = await connectPeer(srv.wsUrl, {
      headers: { authorization: `Bearer ${wrongAud}` },
      awaitReady: false,
    });
    expect((await p2.closed).reason).toMatch(/aud/);
  });

  it("closes a socket with 1008 when its token expires, unless refreshed with an auth frame", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const short = await hs256({ sub: "user-2" }, exp);
    const stale = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${short}` } });
    const refreshed = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${short}` } });
    refreshed.send({ type: "auth", token: await hs256({ sub: "user-2" }, "1h") });
    expect((await refreshed.next((f) => f.type === "auth_ok")).expiresAt).toBeGreaterThan(
      Date.now() + 60_000,
    );
    const closed = await stale.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/expired/);
    refreshed.send({ type: "ping", ts: 1 });
    await refreshed.next((f) => f.type === "pong");
    refreshed.close();
  }, 10_000);

  it("refuses a refresh token that belongs to someone else", async () => {
    const peer = await connectPeer(srv.wsUrl, {
      headers: { authorization: `Bearer ${await hs256({ sub: "u-a" })}` },
    });
    peer.send({ type: "auth", token: await hs256({ sub: "u-b" }) });
    expect(await peer.next((f) => f.type === "error")).toMatchObject({ code: "auth_failed" });
    peer.close();
  });

  it("verifies RS256 JWTs against a JWKS served over HTTP", async () => {
    const token = await new SignJWT({ sub: "supabase-user", role: "authenticated" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setExpirationTime("1h")
      .setAudience("authenticated")
      .sign(rsaKey);
    expect(await principalOf(jwksSrv.wsUrl, { headers: { authorization: `Bearer ${token}` } })).toBe(
      "user:user:supabase-user",
    );
    const { privateKey: otherKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ sub: "x" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setExpirationTime("1h")
      .setAudience("authenticated")
      .sign(otherKey);
    const peer = await connectPeer(jwksSrv.wsUrl, {
      headers: { authorization: `Bearer ${forged}` },
      awaitReady: false,
    });
    expect((await peer.closed).code).toBe(1008);
  });

  it("refuses an upgrade from an Origin outside ALLOWED_ORIGINS with HTTP 403, and accepts an allowed one", async () => {
    await expect(
      connectPeer(srv.wsUrl, {
        origin: "https://evil.example",
        headers: { authorization: `Bearer ${API_KEY}` },
      }),
    ).rejects.toThrow(/403/);
    const ok = await connectPeer(srv.wsUrl, {
      origin: "https://app.example.com",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    ok.close();
  });

  it("closes with 1011 when the server fails unexpectedly, and other sessions are unaffected", async () => {
    const broken = new CopilotKitSDK({
      agents: [whoami],
      auth: {
        apiKeys: { ops: API_KEY },
        verify: (token) =>
          token === "boom"
            ? ({
                id: "user:boom",
                kind: "user",
                get expiresAt(): number {
                  throw new Error("principal store exploded");
                },
              } as never)
            : null,
      },
      logger: pino({ level: "silent" }),
    });
    const s = await broken.listen({ port: 0 });
    const healthy = await connectPeer(s.wsUrl, { headers: { authorization: `Bearer ${API_KEY}` } });
    const peer = await connectPeer(s.wsUrl, { headers: { authorization: "Bearer boom" }, awaitReady: false });
    expect((await peer.closed).code).toBe(1011);
    healthy.send({ type: "ping", ts: 7 });
    expect(await healthy.next((f) => f.type === "pong")).toEqual({ type: "pong", ts: 7 });
    healthy.close();
    await s.close();
  });

  it("refuses to start with no authentication configured", () => {
    expect(() => new CopilotKitSDK({ agents: [whoami], logger: pino({ level: "silent" }) })).toThrow(
      /No authentication configured/,
    );
  });
});
