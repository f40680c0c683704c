import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { streamer, testAgents } from "../../../test/helpers/agents.js";
import { connectPeer, startRun } from "../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type SDKOptions } from "./index.js";

const KEY = "sdk-test-key-000000";
const auth = { headers: { authorization: `Bearer ${KEY}` } };
const silent = pino({ level: "silent" });

async function serve(extra: Partial<SDKOptions> = {}) {
  const sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: KEY },
    logger: silent,
    ...extra,
  });
  const srv = await sdk.listen({ port: 0 });
  return { sdk, srv };
}

function expectedText(n: number) {
  return Array.from({ length: n }, (_, i) => `t${i} `).join("");
}

describe("CopilotKitSDK", () => {
  it("GET /copilotkit/health answers as in the seed", async () => {
    const { srv } = await serve();
    const res = await fetch(`${srv.httpUrl}/copilotkit/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: "healthy", service: "CopilotKit Runtime" });
    expect(body.agents).toContainEqual({ name: "streamer", description: "Streams numbered tokens" });
    expect(body.features).toContain("WebSocket bidirectional communication");
    expect((await fetch(`${srv.httpUrl}/copilotkit/nope`)).status).toBe(404);
    expect((await fetch(`${srv.httpUrl}/copilotkit/health`, { method: "POST" })).status).toBe(405);
    await srv.close();
  });

  it("health answers 503 degraded, naming the failing dependency to a caller with credentials", async () => {
    const { srv } = await serve({
      healthChecks: [
        {
          name: "database",
          check: async () => {
            throw new Error("connection refused");
          },
        },
        { name: "cache", check: async () => {} },
      ],
    });
    const res = await fetch(`${srv.httpUrl}/copilotkit/health`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "degraded", failing: [{ name: "database" }] });
    await srv.close();
  });

  it("serves a configurable base path", async () => {
    const { srv } = await serve({ basePath: "/agents-api/" });
    expect(srv.wsUrl).toMatch(/\/agents-api\/ws$/);
    expect((await fetch(`${srv.httpUrl}/agents-api/health`)).status).toBe(200);
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.close();
    await srv.close();
  });

  it("drops a silent peer with 4000 after idleTimeoutMs, but keeps one that pings", async () => {
    const { srv } = await serve({ heartbeatMs: 100, idleTimeoutMs: 400 });
    const silentPeer = await connectPeer(srv.wsUrl, auth);
    const pinger = await connectPeer(srv.wsUrl, auth);
    const timer = setInterval(() => pinger.send({ type: "ping" }), 100);
    const closed = await silentPeer.closed;
    expect(closed.code).toBe(4000);
    expect(pinger.ws.readyState).toBe(pinger.ws.OPEN);
    clearInterval(timer);
    pinger.close();
    await srv.close();
  });

  it("limits runs per principal with a token bucket: rate_limited with retryAfterMs", async () => {
    const { srv } = await serve({ limits: { runsPerSecond: 1, runBurst: 3 } });
    const peer = await connectPeer(srv.wsUrl, auth);
    const ids = Array.from({ length: 5 }, () => startRun(peer, "streamer", { forwardedProps: { count: 1 } }));
    const err = await peer.next((f) => f.type === "error" && f.code === "rate_limited");
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(ids).toContain(err.runId);
    await peer.runEvents(ids[0]!);
    peer.close();
    await srv.close();
  });

  it("drops frames past framesPerSecond with one rate_limited warning, without closing", async () => {
    const { srv } = await serve({ limits: { framesPerSecond: 20 } });
    const peer = await connectPeer(srv.wsUrl, auth);
    for (let i = 0; i < 60; i++) peer.send({ type: "ping", ts: i });
    const warn = await peer.next((f) => f.type === "error" && f.code === "rate_limited");
    expect(warn.message).toMatch(/frames per second/);
    await new Promise((r) => setTimeout(r, 100));
    expect(peer.frames.filter((f) => f.type === "pong").length).toBeLessThanOrEqual(20);
    expect(peer.frames.filter((f) => f.type === "error").length).toBe(1);
    expect(peer.ws.readyState).toBe(peer.ws.OPEN);
    peer.close();
    await srv.close();
  });

  it("tells the client which run/resume/cancel frame it dropped for the frame rate, so none is lost silently", async () => {
    const { srv } = await serve({ limits: { framesPerSecond: 10 } });
    const peer = await connectPeer(srv.wsUrl, auth);
    for (let i = 0; i < 10; i++) peer.send({ type: "ping", ts: i });
    const dropped = [0, 1, 2].map(() => startRun(peer, "streamer", { forwardedProps: { count: 1 } }));
    peer.send({ type: "cancel", runId: "some-run", id: "cancel-1" });
    for (const runId of dropped) {
      const err = await peer.next((f) => f.type === "error" && f.runId === runId);
      expect(err).toMatchObject({ code: "rate_limited", id: `req-${runId}` });
      expect(err.retryAfterMs).toBeGreaterThan(0);
    }
    expect(await peer.next((f) => f.type === "error" && f.id === "cancel-1")).toMatchObject({
      code: "rate_limited",
    });
    expect(peer.frames.some((f) => f.type === "event")).toBe(false);
    peer.close();
    await srv.close();
  });

  it("closes connections past maxConnectionsPerPrincipal with 1013", async () => {
    const { srv } = await serve({ limits: { maxConnectionsPerPrincipal: 2 } });
    const a = await connectPeer(srv.wsUrl, auth);
    const b = await connectPeer(srv.wsUrl, auth);
    await expect(connectPeer(srv.wsUrl, auth)).rejects.toThrow(/1013/);
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 50));
    const c = await connectPeer(srv.wsUrl, auth);
    b.close();
    c.close();
    await srv.close();
  });

  it("graceful shutdown: sockets close with 1012 (service restart), running runs finish within the deadline, late ones end in RUN_ERROR", async () => {
    const { sdk, srv } = await serve({ shutdownDeadlineMs: 300 });
    const peer = await connectPeer(srv.wsUrl, auth);
    const quick = startRun(peer, "streamer", { forwardedProps: { count: 5, delayMs: 20 } });
    const stuck = startRun(peer, "hanger");
    await peer.next((f) => f.runId === stuck && f.event?.type === "STEP_STARTED");
    const closing = srv.close();
    expect(await peer.closed).toMatchObject({ code: 1012, reason: "service restart" });
    await closing;
    const quickRun = sdk.registry.get(quick)!;
    const stuckRun = sdk.registry.get(stuck)!;
    expect(quickRun.status).toBe("finished");
    expect(stuckRun.status).toBe("error");
    expect(stuckRun.buffer.since(0, stuckRun.lastSeq)!.at(-1)!.event).toMatchObject({
      type: "RUN_ERROR",
      code: "shutdown",
    });
    await expect(fetch(`${srv.httpUrl}/copilotkit/health`)).rejects.toThrow();
  });

  it("graceful shutdown waits for a run launched after the drain began (a start that passed its checks as it began), not only the runs running then", async () => {
    const { sdk } = await serve({ shutdownDeadlineMs: 20_000 });
    const principal = { id: "apikey:default", kind: "api_key" } as const;
    const input = (runId: string, count: number, delayMs: number) =>
      ({
        threadId: `t-${runId}`,
        runId,
        messages: [],
        tools: [],
        context: [],
        state: {},
        forwardedProps: { count, delayMs },
      }) as never;
    const early = sdk.startRun(input("early", 2, 10), streamer as never, principal);
    const closing = sdk.close();
    // Ends well after `early`: before the fix the drain stopped waiting when `early` ended and cut it.
    const late = sdk.startRun(input("late", 10, 30), streamer as never, principal);
    await closing;
    expect(early.status).toBe("finished");
    expect(late.status).toBe("finished");
    expect(
      late.buffer.since(0, late.lastSeq)!.filter((e) => e.event.type === "TEXT_MESSAGE_CONTENT"),
    ).toHaveLength(10);
  });

  it("a stalled reader does not grow server memory without bound: it is cut at 4001 and can resume the full transcript", async () => {
    const { sdk, srv } = await serve({
      limits: { outboundHighWaterBytes: 16 * 1024, maxOutboundQueueBytes: 256 * 1024 },
      resume: { maxBytes: 64 * 1024 * 1024, maxEvents: 100_000 },
    });
    const slow = await connectPeer(srv.wsUrl, auth);
    const healthy = await connectPeer(srv.wsUrl, auth);
    const raw = (slow.ws as any)._socket;
    raw.pause(); // stop reading: the kernel buffers fill, then the server's outbox
    const slowRun = startRun(slow, "flood", { forwardedProps: { count: 20_000, size: 1024 } });
    const healthyRun = startRun(healthy, "streamer", { forwardedProps: { count: 200 } });
    const healthyEvents = await healthy.runEvents(healthyRun);
    expect(
      healthyEvents
        .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
        .map((f) => f.event.delta)
        .join(""),
    ).toBe(expectedText(200));
    await sdk.registry.get(slowRun)!.done;
    raw.resume();
    expect((await slow.closed).code).toBe(4001);
    const received = slow.frames.filter((f) => f.type === "event");
    const last = received.at(-1)?.seq ?? 0;
    const again = await connectPeer(srv.wsUrl, auth);
    again.send({ type: "resume", runId: slowRun, after: last });
    const rest = await again.runEvents(slowRun);
    const all = [...received, ...rest];
    // contiguous, counting merged frames as covering first..seq
    let expected = 1;
    for (const f of all) {
      expect(f.first ?? f.seq).toBe(expected);
      expected = f.seq + 1;
    }
    expect(all.filter((f) => f.event.type === "CUSTOM").map((f) => f.event.value.i)).toEqual(
      Array.from({ length: 20_000 }, (_, i) => i),
    );
    again.close();
    healthy.close();
    await srv.close();
  });

  it("merges consecutive text deltas for a reader that falls behind, without losing text", async () => {
    const { srv } = await serve({
      limits: { outboundHighWaterBytes: 1024, maxOutboundQueueBytes: 64 * 1024 * 1024 },
    });
    const peer = await connectPeer(srv.wsUrl, auth);
    const raw = (peer.ws as any)._socket;
    raw.pause();
    const runId = startRun(peer, "streamer", { forwardedProps: { count: 30_000 } });
    await new Promise((r) => setTimeout(r, 500));
    raw.resume();
    const events = await peer.runEvents(runId, 20_000);
    expect(events.some((f) => f.first !== undefined && f.first < f.seq)).toBe(true);
    expect(
      events
        .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
        .map((f) => f.event.delta)
        .join(""),
    ).toBe(expectedText(30_000));
    expect(events.at(-1).seq).toBe(30_004);
    peer.close();
    await srv.close();
  });

  it("validates its options with actionable errors", () => {
    expect(
      () => new CopilotKitSDK({ agents: [streamer, streamer], auth: { apiKeys: KEY }, logger: silent }),
    ).toThrow(/unique/);
    expect(
      () => new CopilotKitSDK({ agents: [{ name: "x" } as never], auth: { apiKeys: KEY }, logger: silent }),
    ).toThrow(/run/);
    expect(
      () => new CopilotKitSDK({ agents: [], auth: { jwt: { secret: "short" } }, logger: silent }),
    ).toThrow(/32 characters/);
  });
});
