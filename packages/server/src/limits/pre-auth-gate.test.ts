import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer, runInput, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";

// Issue 11 finding 2: sockets that never authenticate filled the global connection limit,
// and real users then got 1013 (SSE 503) for as long as the flood went on.
const KEY = "pre-auth-budget-key-0123456789";
const LIMITS = { maxConnections: 30, maxUnauthenticated: 24, maxUnauthenticatedPerAddress: 8 };
let sdk: CopilotKitSDK;
let srv: ListeningServer;

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    // A long deadline, so the flood stays for the whole test unless the budget pushes it out.
    auth: { apiKeys: KEY, authTimeoutMs: 60_000 },
    limits: LIMITS,
    logger: pino({ level: "silent" }),
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

/** A socket that opens and never authenticates, from `localAddress` (any 127.0.0.0/8 address works on Linux). */
function idleSocket(localAddress: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(srv.wsUrl, ["backchannel.v1"], { localAddress });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("error", () => {});
  return new Promise((resolve) => {
    ws.once("open", () => resolve({ ws, closed }));
    ws.once("unexpected-response", () => resolve({ ws, closed }));
    closed.then(() => resolve({ ws, closed }));
  });
}

describe("pre-auth budget", () => {
  it("sockets that never authenticate cannot keep real users out, nor push authenticated ones out", async () => {
    const early = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${KEY}` } });

    // 4 addresses x 40 sockets: far past both the pre-auth budget and maxConnections.
    const flood = await Promise.all(
      ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"].flatMap((addr) =>
        Array.from({ length: 40 }, () => idleSocket(addr)),
      ),
    );
    const open = () => flood.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
    expect(open()).toBeGreaterThan(0);

    // A real user with credentials on the upgrade gets in and runs.
    const user = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${KEY}` } });
    const runId = startRun(user, "streamer", { forwardedProps: { count: 5 } });
    expect((await user.runEvents(runId)).at(-1).event.type).toBe("RUN_FINISHED");

    // So does one that authenticates with an auth frame from an address the flood also uses.
    const sharedIp = new WebSocket(srv.wsUrl, ["backchannel.v1"], { localAddress: "127.0.0.2" });
    const ready = new Promise<any>((resolve, reject) => {
      sharedIp.on("message", (d) => {
        const f = JSON.parse(String(d));
        if (f.type === "ready") resolve(f);
      });
      sharedIp.on("close", (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
    });
    sharedIp.once("open", () => sharedIp.send(JSON.stringify({ type: "auth", token: KEY })));
    expect((await ready).principal.kind).toBe("api_key");
    sharedIp.close();

    // SSE is not refused either.
    const sse = await fetch(`${srv.httpUrl}/copilotkit/agents/streamer/run`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify(runInput({ forwardedProps: { count: 3 } })),
    });
    expect(sse.status).toBe(200);
    expect(await sse.text()).toContain("RUN_FINISHED");

    // The socket that was there before the flood is still served.
    early.send({ type: "ping", ts: 9 });
    expect(await early.next((f) => f.type === "pong")).toEqual({ type: "pong", ts: 9 });

    // The flood only churned itself: evicted with 1013, never more than the budget waiting.
    const evicted = flood.filter((s) => s.ws.readyState !== WebSocket.OPEN);
    expect(evicted.length).toBeGreaterThan(0);
    expect(await evicted[0]!.closed).toBe(1013);
    expect(open()).toBeLessThanOrEqual(LIMITS.maxUnauthenticated);
    expect(sdk.stats().authenticating).toBeLessThanOrEqual(LIMITS.maxUnauthenticated);
    for (const s of flood) s.ws.terminate();
    early.close();
    user.close();
  });

  it("closes a socket whose credentials take longer than authTimeoutMs to verify", async () => {
    const slow = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { authTimeoutMs: 200, verify: () => new Promise(() => {}) },
      logger: pino({ level: "silent" }),
    });
    const s = await slow.listen({ port: 0 });
    const peer = await connectPeer(s.wsUrl, {
      headers: { authorization: "Bearer hangs" },
      awaitReady: false,
    });
    const closed = await peer.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/did not complete within 200 ms/);
    expect(slow.stats().authenticating).toBe(0);
    await s.close();
  });
});
