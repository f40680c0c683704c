import { bearerSubprotocol } from "@backchannel/protocol";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";

// Issue 11 finding 3: a JWT whose `sub` spelled another kind's id became that principal.
const KEY = "the-one-api-key-0123456789";
const SECRET = "a-shared-hs256-secret-of-at-least-32-chars!";
let sdk: CopilotKitSDK;
let srv: ListeningServer;

function jwt(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SECRET));
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    // A single key is named "default": its principal is `apikey:default`.
    auth: { apiKeys: KEY, jwt: { secret: SECRET } },
    logger: pino({ level: "silent" }),
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

describe("principal kinds", () => {
  it("namespaces ids by kind: user:<sub>, apikey:<name>", async () => {
    const user = await connectPeer(srv.wsUrl, { headers: bearer(await jwt({ sub: "alice" })) });
    expect(user.frames[0].principal).toEqual({ id: "user:alice", kind: "user" });
    user.close();
    const key = await connectPeer(srv.wsUrl, { headers: bearer(KEY) });
    expect(key.frames[0].principal).toEqual({ id: "apikey:default", kind: "api_key" });
    key.close();
  });

  it("a JWT with sub 'apikey:default' cannot list, read or resume the API key principal's threads", async () => {
    const key = await connectPeer(srv.wsUrl, { headers: bearer(KEY) });
    const threadId = `key-thread-${Date.now()}`;
    const runId = startRun(key, "streamer", { threadId, forwardedProps: { count: 3 } });
    await key.runEvents(runId);
    key.close();
    // The thread is saved once the run ended; wait until its owner sees it.
    for (let i = 0; i < 100; i++) {
      const own = await fetch(`${srv.httpUrl}/copilotkit/threads`, { headers: bearer(KEY) });
      if (((await own.json()) as any).threads.some((t: any) => t.threadId === threadId)) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const forged = await jwt({ sub: "apikey:default" });
    const list = await fetch(`${srv.httpUrl}/copilotkit/threads`, { headers: bearer(forged) });
    expect(list.status).toBe(200);
    expect(((await list.json()) as any).threads).toEqual([]);
    const read = await fetch(`${srv.httpUrl}/copilotkit/threads/${threadId}`, { headers: bearer(forged) });
    expect(read.status).toBe(403);

    const attacker = await connectPeer(srv.wsUrl, { headers: bearer(forged) });
    expect(attacker.frames[0].principal).toEqual({ id: "user:apikey:default", kind: "user" });
    attacker.send({ type: "resume", id: "r1", runId, after: 0 });
    expect(await attacker.next((f) => f.type === "error" && f.id === "r1")).toMatchObject({
      code: "forbidden",
    });
    // Refreshing with the real key would have turned the socket into the key's principal.
    attacker.send({ type: "auth", token: KEY });
    expect(await attacker.next((f) => f.type === "error" && f.code === "auth_failed")).toMatchObject({
      message: expect.stringMatching(/different principal/),
    });
    attacker.send({ type: "resume", id: "r2", runId, after: 0 });
    expect(await attacker.next((f) => f.type === "error" && f.id === "r2")).toMatchObject({
      code: "forbidden",
    });
    attacker.close();
  });

  it("refuses a refresh that changes the kind, even towards the same-looking id", async () => {
    const key = await connectPeer(srv.wsUrl, { headers: bearer(KEY) });
    key.send({ type: "auth", token: await jwt({ sub: "apikey:default" }) });
    expect(await key.next((f) => f.type === "error")).toMatchObject({ code: "auth_failed" });
    // The socket keeps its principal and no expiry.
    key.send({ type: "ping", ts: 3 });
    await key.next((f) => f.type === "pong");
    key.close();
  });

  it("refuses a numeric, empty or missing sub with 1008", async () => {
    for (const claims of [{ sub: 42 }, { sub: "" }, {}]) {
      const peer = await connectPeer(srv.wsUrl, { headers: bearer(await jwt(claims)), awaitReady: false });
      const closed = await peer.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/sub/);
    }
    const http = await fetch(`${srv.httpUrl}/copilotkit/threads`, { headers: bearer(await jwt({ sub: 7 })) });
    expect(http.status).toBe(401);
  });

  it("puts a custom verifier's principal in its kind's namespace", async () => {
    const custom = new CopilotKitSDK({
      agents: testAgents as never,
      auth: {
        apiKeys: KEY,
        verify: (token) => (token === "custom-token" ? { id: "apikey:default", kind: "user" } : null),
      },
      logger: pino({ level: "silent" }),
    });
    const s = await custom.listen({ port: 0 });
    const peer = await connectPeer(s.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol("custom-token")],
    });
    expect(peer.frames[0].principal).toEqual({ id: "user:apikey:default", kind: "user" });
    peer.close();
    await s.close();
  });
});
