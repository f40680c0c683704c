/**
 * The Next.js route (`@backchannel/next`) in front of a real backend: handlers called with real
 * Request objects, as the App Router calls them, forwarding over real HTTP.
 */

import { createCopilotRouteHandlers } from "@backchannel/next";
import { bearerSubprotocol } from "@backchannel/protocol";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testAgents } from "./helpers/agents.js";
import { connectPeer, runInput } from "./helpers/ws-peer.js";

const SECRET = "next-proxy-hs256-secret-of-32-chars-min";
const APP = "https://opshub.example.com";
let srv: ListeningServer;
let sdk: CopilotKitSDK;
let release: () => void = () => {};
const seen: Record<string, string | string[] | undefined>[] = [];

const gated = {
  name: "gated",
  description: "Streams one token, then waits for the test",
  async *run(input: any) {
    const messageId = `g-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: "first" };
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

async function jwtFor(sub: string) {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(SECRET));
}

/** The app's getAuthHeaders: the signed-in user (from the session cookie) as a backend JWT. */
async function getAuthHeaders(request: Request) {
  const user = /(?:^|;\s*)session=([a-z]+)/.exec(request.headers.get("cookie") ?? "")?.[1];
  return user ? { Authorization: `Bearer ${await jwtFor(user)}` } : null;
}

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: [...(testAgents as never[]), gated],
    auth: { jwt: { secret: SECRET } },
    logger: pino({ level: "silent" }),
  });
  srv = await sdk.listen({ port: 0 });
  srv.server.prependListener("request", (req) => seen.push({ ...req.headers }));
});
afterAll(() => srv.close());

const handlers = () =>
  createCopilotRouteHandlers({ backendUrl: `${srv.httpUrl}/copilotkit`, getAuthHeaders });

const browser = (path: string, init: RequestInit & { user?: string } = {}) => {
  const { user = "alice", ...rest } = init;
  const headers = new Headers(rest.headers);
  if (user) headers.set("cookie", `session=${user}; theme=dark`);
  return new Request(`${APP}/api/copilotkit${path}`, { ...rest, headers });
};

/** Reads SSE blocks off a Response body as they arrive. */
function sseBlocks(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async function next(): Promise<{ id?: string; json: any } | undefined> {
    for (;;) {
      const cut = buffer.indexOf("\n\n");
      if (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!/^data: /m.test(block)) continue; // comments and `retry:` dispatch nothing
        return {
          id: /^id: (.+)$/m.exec(block)?.[1],
          json: JSON.parse(/^data: (.*)$/m.exec(block)![1]!),
        };
      }
      const { done, value } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describe("@backchannel/next route handlers", () => {
  it("stream SSE through without buffering: the first event arrives before the run ends", async () => {
    const { POST } = handlers();
    const input = runInput();
    const res = await POST(
      browser("/agents/gated/run", {
        method: "POST",
        headers: { accept: "text/event-stream", "content-type": "application/json" },
        body: JSON.stringify(input),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const next = sseBlocks(res);
    expect((await next())!.json.type).toBe("RUN_STARTED");
    expect((await next())!.json.type).toBe("TEXT_MESSAGE_START");
    expect((await next())!.json).toMatchObject({ type: "TEXT_MESSAGE_CONTENT", delta: "first" });
    // The agent is still blocked: the run has not ended, yet we hold its first events.
    expect(sdk.registry.get(input.runId)!.ended).toBe(false);
    release();
    const rest: string[] = [];
    for (let b = await next(); b; b = await next()) rest.push(b.json.type);
    expect(rest).toEqual(["TEXT_MESSAGE_END", "RUN_FINISHED"]);
  });

  it("run as the signed-in user, and never forward the browser's cookies or Authorization", async () => {
    const { POST } = handlers();
    seen.length = 0;
    const res = await POST(
      browser("/agents/whoami/run", {
        method: "POST",
        user: "bob",
        headers: { authorization: "Bearer forged-by-the-page", "content-type": "application/json" },
        body: JSON.stringify(runInput()),
      }),
    );
    const next = sseBlocks(res);
    let text = "";
    for (let b = await next(); b; b = await next())
      if (b.json.type === "TEXT_MESSAGE_CONTENT") text += b.json.delta;
    expect(text).toBe("user:user:bob");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.cookie).toBeUndefined();
    expect(seen[0]!.authorization).not.toContain("forged");
  });

  it("answer 401 without a session, without calling the backend", async () => {
    const { POST } = handlers();
    seen.length = 0;
    const res = await POST(browser("/agents/whoami/run", { method: "POST", user: "", body: "{}" }));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("auth_failed");
    expect(seen).toHaveLength(0);
  });

  it("map /connect to a ticket for the user: the socket opens as that user, SSE points back at the route", async () => {
    const { POST } = createCopilotRouteHandlers({
      backendUrl: `${srv.httpUrl}/copilotkit`,
      getAuthHeaders,
      publicWsUrl: srv.wsUrl,
    });
    const res = await POST(browser("/connect", { method: "POST", user: "carol" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body.sseBase).toBe(`${APP}/api/copilotkit`);
    expect(body.wsUrl).toBe(srv.wsUrl);
    expect(body.principal).toEqual({ id: "user:carol", kind: "user" });
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(body.ticket).toMatch(/^bct_/);
    const peer = await connectPeer(body.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(body.ticket)],
    });
    expect(peer.frames[0].principal.id).toBe("user:carol");
    peer.close();
  });

  it("resume with Last-Event-ID and cancel through the route; pass health through", async () => {
    const { GET, POST } = handlers();
    const input = runInput();
    const tab = new AbortController();
    const started = await POST(
      browser("/agents/hanger/run", {
        method: "POST",
        body: JSON.stringify(input),
        headers: { "content-type": "application/json" },
        signal: tab.signal,
      }),
    );
    const first = sseBlocks(started);
    expect((await first())!.id).toBe("1");
    // The browser tab goes away: the route drops its upstream stream; the run goes on.
    tab.abort();
    await vi.waitFor(() => expect(sdk.http.streamCount).toBe(0));
    expect(sdk.registry.get(input.runId)!.ended).toBe(false);
    const resumed = await GET(browser(`/runs/${input.runId}/events`, { headers: { "last-event-id": "1" } }));
    const next = sseBlocks(resumed);
    expect(await next()).toMatchObject({ id: "2", json: { type: "STEP_STARTED" } });
    const cancel = await POST(browser(`/runs/${input.runId}/cancel`, { method: "POST" }));
    expect(await cancel.json()).toEqual({ runId: input.runId, status: "cancelled" });
    const last = await next();
    expect(last!.json).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "cancelled" } });
    const health = await GET(browser("/health", { user: "" }));
    expect(health.status).toBe(200);
    expect((await health.json()).status).toBe("healthy");
  });

  it("take the sub-path from Next's params, and refuse unknown paths, dot segments, wrong methods and big bodies", async () => {
    const { GET, POST } = createCopilotRouteHandlers({
      backendUrl: `${srv.httpUrl}/copilotkit`,
      getAuthHeaders,
      maxBodyBytes: 1024,
    });
    const viaParams = await GET(new Request(`${APP}/anything`), {
      params: Promise.resolve({ path: ["health"] }),
    });
    expect(viaParams.status).toBe(200);
    expect((await GET(browser("/nope"))).status).toBe(404);
    expect((await GET(new Request(`${APP}/x`), { params: { path: ["runs", "..", "events"] } })).status).toBe(
      404,
    );
    expect((await GET(browser("/connect"))).status).toBe(405);
    const big = await POST(browser("/agents/whoami/run", { method: "POST", body: "x".repeat(2048) }));
    expect(big.status).toBe(413);
  });

  it("time out only the wait for headers: a stream outlives connectTimeoutMs", async () => {
    const { POST } = createCopilotRouteHandlers({
      backendUrl: `${srv.httpUrl}/copilotkit`,
      getAuthHeaders,
      connectTimeoutMs: 150,
    });
    const res = await POST(
      browser("/agents/streamer/run", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(runInput({ forwardedProps: { count: 30, delayMs: 15 } })),
      }),
    );
    const next = sseBlocks(res);
    let last: any;
    for (let b = await next(); b; b = await next()) last = b.json;
    expect(last.type).toBe("RUN_FINISHED");
  });

  it("answer 502 when the backend is down", async () => {
    const { POST } = createCopilotRouteHandlers({
      backendUrl: "http://127.0.0.1:9/copilotkit",
      getAuthHeaders,
    });
    const res = await POST(browser("/connect", { method: "POST" }));
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe("backend_unavailable");
  });

  it("refuse cross-origin writes (CSRF) before calling the backend, unless the origin is listed", async () => {
    const { POST } = handlers();
    seen.length = 0;
    const evil = await POST(
      browser("/agents/whoami/run", {
        method: "POST",
        headers: { origin: "https://evil.example.com", "content-type": "application/json" },
        body: JSON.stringify(runInput()),
      }),
    );
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.code).toBe("forbidden");
    const noOrigin = await POST(
      browser("/connect", { method: "POST", headers: { "sec-fetch-site": "cross-site" } }),
    );
    expect(noOrigin.status).toBe(403);
    expect(seen).toHaveLength(0);
    const own = await POST(
      browser("/connect", { method: "POST", headers: { origin: APP, host: "opshub.example.com" } }),
    );
    expect(own.status).toBe(200);
    // Scheme and port count, not only the host name (security finding 13).
    for (const origin of ["http://opshub.example.com", "https://opshub.example.com:8443"]) {
      const other = await POST(browser("/connect", { method: "POST", headers: { origin } }));
      expect(other.status, origin).toBe(403);
    }
    // Behind a TLS-terminating proxy the site's scheme comes from X-Forwarded-Proto.
    const proxied = (proto: string, origin: string) =>
      POST(
        new Request("http://127.0.0.1:3000/api/copilotkit/connect", {
          method: "POST",
          headers: {
            cookie: "session=alice",
            origin,
            "x-forwarded-host": "opshub.example.com",
            "x-forwarded-proto": proto,
          },
        }),
      );
    expect((await proxied("https", APP)).status).toBe(200);
    expect((await proxied("https", "http://opshub.example.com")).status).toBe(403);
    expect((await proxied("http", APP)).status).toBe(403);
    expect(seen).toHaveLength(2);
    const listed = createCopilotRouteHandlers({
      backendUrl: `${srv.httpUrl}/copilotkit`,
      getAuthHeaders,
      allowedOrigins: ["https://admin.example.com"],
    });
    const admin = await listed.POST(
      browser("/connect", { method: "POST", headers: { origin: "https://admin.example.com" } }),
    );
    expect(admin.status).toBe(200);
  });

  it("forward the thread history routes with the user's credentials", async () => {
    const { GET, DELETE } = handlers();
    const list = await GET(browser("/threads?limit=5", { user: "bob" }));
    expect(list.status).toBe(200);
    expect(Array.isArray((await list.json()).threads)).toBe(true);
    const missing = await DELETE(browser("/threads/no-such-thread", { method: "DELETE", user: "bob" }));
    expect(missing.status).toBe(404);
    expect(seen.at(-1)!.authorization).toMatch(/^Bearer ey/);
  });
});
