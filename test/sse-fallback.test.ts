/**
 * The client's HTTP/SSE fallback, end to end over real sockets: a proxy that refuses WebSocket
 * upgrades (as some corporate proxies do) sits between the client and a real backend.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type BackchannelClient, type ClientOptions, createClient } from "@backchannel/client";
import { createCopilotRouteHandlers } from "@backchannel/next";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { testAgents } from "./helpers/agents.js";
import { type NextLikeServer, serveRouteHandlers } from "./helpers/next-server.js";
import { createRefusingProxy, type RefusingProxy } from "./helpers/refusing-proxy.js";

const KEY = "fallback-key-0123456789";
const SECRET = "fallback-hs256-secret-of-32-chars-min!";
let sdk: CopilotKitSDK;
let backend: ListeningServer;
let proxy: RefusingProxy;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: KEY, jwt: { secret: SECRET } },
    logger: pino({ level: "silent" }),
  });
  backend = await sdk.listen({ port: 0 });
});
afterAll(() => backend.close());
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function freshProxy(): Promise<RefusingProxy> {
  proxy = await createRefusingProxy({ port: backend.port });
  cleanups.push(() => proxy.close());
  return proxy;
}

function client(options: Partial<ClientOptions>): BackchannelClient {
  const c = createClient({
    WebSocket,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0 },
    ...options,
  } as ClientOptions);
  cleanups.push(() => c.close());
  return c;
}

const until = (c: BackchannelClient, state: BackchannelClient["connectionState"]) =>
  vi.waitFor(() => expect(c.connectionState).toBe(state), { timeout: 5000, interval: 5 });

const expectedText = (n: number) => Array.from({ length: n }, (_, i) => `t${i} `).join("");

/** Runs `streamer` and collects its text and the seqs it saw. */
async function streamText(c: BackchannelClient, count: number, delayMs = 0) {
  const run = c.startRun({ agent: "streamer", input: { forwardedProps: { count, delayMs } } });
  const seqs: number[] = [];
  let text = "";
  run.on((event, seq) => {
    seqs.push(seq);
    if (event.type === "TEXT_MESSAGE_CONTENT") text += (event as unknown as { delta: string }).delta;
  });
  const result = await run.done;
  return { result, text, seqs, run };
}

describe('transport: "auto" behind a proxy that refuses Upgrade', () => {
  it("falls back to SSE in the same connection attempt, with the same RunHandle API", async () => {
    const p = await freshProxy();
    const c = client({ url: `${p.wsOrigin}/copilotkit/ws`, token: KEY, transport: "auto" });
    await until(c, "connected");
    expect(p.upgradesSeen).toBe(1);
    expect(p.upgradesPassed).toBe(0);
    expect(c.ready?.principal).toEqual({ id: "apikey:default", kind: "api_key" });
    expect(c.ready?.sessionId).toMatch(/^sse-/);
    const { result, text, seqs } = await streamText(c, 25);
    expect(result.status).toBe("finished");
    expect(text).toBe(expectedText(25));
    expect(seqs).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    const events: string[] = [];
    for await (const event of c.startRun({ agent: "whoami" })) events.push(event.type);
    expect(events).toEqual([
      "RUN_STARTED",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "RUN_FINISHED",
    ]);
  });

  it("keeps the resume guarantee: a stream cut mid-run resumes after the last seq, no gap, no duplicate", async () => {
    const p = await freshProxy();
    const errors: string[] = [];
    const c = client({
      url: `${p.wsOrigin}/copilotkit/ws`,
      token: KEY,
      transport: "auto",
      onError: (e) => errors.push(e.message),
    });
    await until(c, "connected");
    const pending = streamText(c, 60, 5);
    await vi.waitFor(() => expect(sdk.registry.running().length).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 80));
    p.cutStreams();
    const { result, text, seqs } = await pending;
    expect(result.status).toBe("finished");
    expect(text).toBe(expectedText(60));
    // Every seq exactly once and in order (merged deltas after a resume may skip listener seqs,
    // so check order and the end rather than each one).
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(seqs.at(-1)).toBe(64);
    // The cut really happened mid-run, and the client reconnected rather than finishing on the first stream.
    expect(errors.some((m) => /reconnecting/.test(m))).toBe(true);
  });

  it("cancels and attaches over SSE like over the WebSocket", async () => {
    const p = await freshProxy();
    const c = client({ url: `${p.wsOrigin}/copilotkit/ws`, token: KEY, transport: "auto" });
    await until(c, "connected");
    const hang = c.startRun({ agent: "hanger" });
    await vi.waitFor(() => expect(hang.status).toBe("running"));
    hang.cancel();
    expect((await hang.done).status).toBe("cancelled");

    const other = client({ url: backend.wsUrl, token: KEY });
    const started = other.startRun({
      agent: "streamer",
      input: { forwardedProps: { count: 30, delayMs: 5 } },
    });
    await vi.waitFor(() => expect(started.lastSeq).toBeGreaterThan(3));
    const attached = c.attachRun(started.runId, { after: 2 });
    const result = await attached.done;
    expect(result.status).toBe("finished");
    expect(result.lastSeq).toBe(34);
  });

  it("retries the WebSocket later and switches to it once upgrades pass, resuming runs in flight", async () => {
    const p = await freshProxy();
    const c = client({
      url: `${p.wsOrigin}/copilotkit/ws`,
      token: KEY,
      transport: "auto",
      websocketRetryMs: 200,
    });
    await until(c, "connected");
    expect(c.ready?.sessionId).toMatch(/^sse-/);
    const pending = streamText(c, 80, 5);
    p.refuseUpgrades(false);
    await vi.waitFor(() => expect(c.ready?.sessionId).not.toMatch(/^sse-/), { timeout: 5000 });
    expect(c.connectionState).toBe("connected");
    expect(p.upgradesPassed).toBeGreaterThanOrEqual(2); // the probe, then the real socket
    const { result, text } = await pending;
    expect(result.status).toBe("finished");
    expect(text).toBe(expectedText(80));
  });

  it("falls back when the proxy accepts the upgrade but passes no frames (the socket opens and stays silent)", async () => {
    const p = await freshProxy();
    p.swallowUpgrades(true);
    const c = client({
      url: `${p.wsOrigin}/copilotkit/ws`,
      token: KEY,
      transport: "auto",
      connectTimeoutMs: 300,
      websocketRetryMs: 60_000,
    });
    await vi.waitFor(() => expect(c.ready?.sessionId).toMatch(/^sse-/), { timeout: 5000 });
    expect(c.connectionState).toBe("connected");
    expect(p.upgradesSeen).toBe(1);
    expect((await streamText(c, 10)).text).toBe(expectedText(10));
  });

  it("does not let a run stall on a server that takes the request and never answers", async () => {
    // A scripted HTTP server: /connect answers (with a short idle timeout), the run never does.
    const hung = createServer((req, res) => {
      if (req.url?.endsWith("/connect")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            protocol: "backchannel.v1",
            transports: ["sse"],
            wsUrl: "ws://unused/copilotkit/ws",
            sseBase: "unused",
            principal: { id: "p", kind: "api_key" },
            agents: [{ name: "streamer", description: "" }],
            heartbeatMs: 100,
            idleTimeoutMs: 200,
            maxFrameBytes: 1 << 20,
            resumeRetentionMs: 1000,
          }),
        );
      }
    });
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      hung.closeAllConnections();
      return new Promise<void>((resolve) => hung.close(() => resolve()));
    });
    const errors: string[] = [];
    const c = client({
      url: `ws://127.0.0.1:${(hung.address() as AddressInfo).port}/copilotkit/ws`,
      token: KEY,
      transport: "sse",
      onError: (e) => errors.push(e.message),
    });
    await until(c, "connected");
    c.startRun({ agent: "streamer" });
    await vi.waitFor(() => expect(errors.some((m) => /No answer within 200 ms/.test(m))).toBe(true), {
      timeout: 3000,
    });
  });

  it("uses the WebSocket directly when nothing blocks it", async () => {
    const p = await freshProxy();
    p.refuseUpgrades(false);
    const c = client({ url: `${p.wsOrigin}/copilotkit/ws`, token: KEY, transport: "auto" });
    await until(c, "connected");
    expect(c.ready?.sessionId).not.toMatch(/^sse-/);
    expect((await streamText(c, 5)).text).toBe(expectedText(5));
  });

  it("gives up with auth_failed on refused credentials over SSE", async () => {
    const p = await freshProxy();
    const errors: string[] = [];
    const c = client({
      url: `${p.wsOrigin}/copilotkit/ws`,
      token: "wrong",
      transport: "sse",
      onError: (e) => errors.push(e.code),
    });
    await vi.waitFor(() => expect(c.connectionState).toBe("disconnected"));
    expect(c.error?.code).toBe("auth_failed");
    expect(p.upgradesSeen).toBe(0);
  });
});

describe("runtimeUrl discovery through the Next.js route", () => {
  let next: NextLikeServer;
  const jwtFor = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));

  async function nextRoute(publicWsUrl: string) {
    next = await serveRouteHandlers(
      createCopilotRouteHandlers({
        backendUrl: `${backend.httpUrl}/copilotkit`,
        publicWsUrl,
        getAuthHeaders: async (request) => {
          const user = /session=([a-z]+)/.exec(request.headers.get("cookie") ?? "")?.[1];
          return user ? { Authorization: `Bearer ${await jwtFor(user)}` } : null;
        },
      }),
    );
    cleanups.push(() => next.close());
    return next;
  }

  /** The browser's fetch: same-origin requests carry the session cookie, nothing else. */
  const browserFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("cookie", "session=alice");
    return fetch(input, { ...init, headers });
  };

  it("does not hang on a runtimeUrl that accepts connections and never answers", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      silent.closeAllConnections();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const port = (silent.address() as AddressInfo).port;
    const c = client({
      runtimeUrl: `http://127.0.0.1:${port}/api/copilotkit`,
      connectTimeoutMs: 200,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20, jitter: 0, maxAttempts: 2 },
    });
    await vi.waitFor(() => expect(c.connectionState).toBe("disconnected"), { timeout: 5000 });
    expect(c.error?.code).toBe("connection_failed");
    expect(c.error?.message).toMatch(/no answer within 200 ms/);
  });

  it("opens the WebSocket with a ticket (no credential in the browser) when upgrades pass", async () => {
    const p = await freshProxy();
    p.refuseUpgrades(false);
    const n = await nextRoute(`${p.wsOrigin}/copilotkit/ws`);
    const c = client({ runtimeUrl: `${n.origin}/api/copilotkit`, fetch: browserFetch });
    await until(c, "connected");
    expect(c.ready?.sessionId).not.toMatch(/^sse-/);
    expect(c.ready?.principal).toEqual({ id: "user:alice", kind: "user" });
    const events: any[] = [];
    for await (const event of c.startRun({ agent: "whoami" })) events.push(event);
    expect(events.find((e) => e.type === "TEXT_MESSAGE_CONTENT").delta).toBe("user:user:alice");
  });

  it("falls back to SSE through the route when the proxy refuses the upgrade, still as the signed-in user", async () => {
    const p = await freshProxy();
    const n = await nextRoute(`${p.wsOrigin}/copilotkit/ws`);
    const c = client({ runtimeUrl: `${n.origin}/api/copilotkit`, fetch: browserFetch });
    await until(c, "connected");
    expect(c.ready?.sessionId).toMatch(/^sse-/);
    expect(c.ready?.principal).toEqual({ id: "user:alice", kind: "user" });
    const events: any[] = [];
    for await (const event of c.startRun({ agent: "whoami" })) events.push(event);
    expect(events.find((e) => e.type === "TEXT_MESSAGE_CONTENT").delta).toBe("user:user:alice");
    expect((await streamText(c, 30, 2)).text).toBe(expectedText(30));
  });

  it("refreshes credentials over SSE without ever sending the single-use ticket as a bearer", async () => {
    // Discovery through the refusing proxy: the socket URL it returns is refused, so the auto
    // transport runs on SSE while every discovery (refreshes included) mints a ticket.
    const p = await freshProxy();
    let minted = 0;
    const c = client({
      runtimeUrl: `${p.httpUrl}/copilotkit`,
      refreshBeforeExpiryMs: 3500,
      getToken: async () => {
        minted++;
        return new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setSubject("alice")
          .setExpirationTime(Math.floor(Date.now() / 1000) + 4)
          .sign(new TextEncoder().encode(SECRET));
      },
    });
    await until(c, "connected");
    expect(c.ready?.sessionId).toMatch(/^sse-/);
    const firstExpiry = c.ready!.expiresAt!;
    await vi.waitFor(() => expect(c.ready!.expiresAt).toBeGreaterThan(firstExpiry), { timeout: 3000 });
    expect(minted).toBeGreaterThanOrEqual(2);
    const events: any[] = [];
    for await (const event of c.startRun({ agent: "whoami" })) events.push(event);
    expect(events.find((e) => e.type === "TEXT_MESSAGE_CONTENT").delta).toBe("user:user:alice");
    expect(c.connectionState).toBe("connected");
  });
});
