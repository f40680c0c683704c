import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createEndpointResolver, httpBaseFromWsUrl } from "./endpoint.js";
import { resolveOptions } from "./options.js";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A real `/connect` route that answers like the runtime's and records what it was asked. */
async function connectRoute(): Promise<{ runtimeUrl: string; seen: { auth?: string; body: string }[] }> {
  const seen: { auth?: string; body: string }[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body });
      const wantsTicket = JSON.parse(body).ticket !== false;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          protocol: "backchannel.v1",
          transports: ["websocket", "sse"],
          wsUrl: "ws://backend.test/copilotkit/ws",
          sseBase: "http://backend.test/copilotkit",
          ...(wantsTicket ? { ticket: `ticket-${++n}` } : {}),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => server.close());
  return { runtimeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/copilotkit`, seen };
}

describe("endpoint resolution", () => {
  it("derives the HTTP base from the socket URL", () => {
    expect(httpBaseFromWsUrl("wss://api.example.com/copilotkit/ws")).toBe(
      "https://api.example.com/copilotkit",
    );
    expect(httpBaseFromWsUrl("ws://127.0.0.1:8000/copilotkit/ws?x=1")).toBe(
      "http://127.0.0.1:8000/copilotkit",
    );
  });

  it("with url: the URL and a fresh getToken() per resolution, the same credential for both transports", async () => {
    let calls = 0;
    const resolver = createEndpointResolver({
      url: "wss://h/copilotkit/ws",
      runtimeUrl: undefined,
      token: undefined,
      getToken: () => `t${++calls}`,
      wantsTicket: true,
      fetch,
      timeoutMs: 1000,
    });
    expect(resolver.refreshes).toBe(true);
    expect(await resolver.resolve()).toEqual({
      wsUrl: "wss://h/copilotkit/ws",
      httpBase: "https://h/copilotkit",
      socketToken: "t1",
      httpToken: "t1",
    });
    expect((await resolver.resolve()).socketToken).toBe("t2");
    const fixed = createEndpointResolver({
      url: "ws://h/ws",
      runtimeUrl: undefined,
      token: "k",
      getToken: undefined,
      wantsTicket: true,
      fetch,
      timeoutMs: 1000,
    });
    expect(fixed.refreshes).toBe(false);
    expect((await fixed.resolve()).httpToken).toBe("k");
  });

  it("with runtimeUrl: discovery per resolution, a fresh ticket for the socket, the caller's token for HTTP", async () => {
    const route = await connectRoute();
    const resolver = createEndpointResolver({
      url: undefined,
      runtimeUrl: route.runtimeUrl,
      token: "user-token",
      getToken: undefined,
      wantsTicket: true,
      fetch,
      timeoutMs: 5000,
    });
    expect(resolver.refreshes).toBe(true);
    expect(await resolver.resolve()).toEqual({
      wsUrl: "ws://backend.test/copilotkit/ws",
      httpBase: "http://backend.test/copilotkit",
      socketToken: "ticket-1",
      httpToken: "user-token",
    });
    expect((await resolver.resolve()).socketToken).toBe("ticket-2");
    expect(route.seen).toEqual([
      { auth: "Bearer user-token", body: "{}" },
      { auth: "Bearer user-token", body: "{}" },
    ]);
    // SSE only: no ticket asked for, and behind a cookie proxy no token at all.
    const sseOnly = createEndpointResolver({
      url: undefined,
      runtimeUrl: route.runtimeUrl,
      token: undefined,
      getToken: undefined,
      wantsTicket: false,
      fetch,
      timeoutMs: 5000,
    });
    expect(await sseOnly.resolve()).toMatchObject({ socketToken: undefined, httpToken: undefined });
    expect(route.seen[2]).toEqual({ body: '{"ticket":false}' });
  });

  it("resolving options does no network I/O and does not call getToken", () => {
    let calls = 0;
    const opts = resolveOptions({
      runtimeUrl: "http://127.0.0.1:1/api/copilotkit",
      getToken: () => `t${++calls}`,
      WebSocket,
    });
    expect(opts.transport).toBe("auto");
    expect(calls).toBe(0);
  });
});

describe("transport options", () => {
  it("defaults to the WebSocket with url, and to auto with runtimeUrl", () => {
    expect(resolveOptions({ url: "ws://h/copilotkit/ws", WebSocket }).transport).toBe("websocket");
    const auto = resolveOptions({ runtimeUrl: "http://h/api/copilotkit", WebSocket });
    expect(auto.transport).toBe("auto");
    expect(auto.endpoints.refreshes).toBe(true);
  });

  it("refuses what cannot work, saying what to pass instead", () => {
    expect(() => resolveOptions({})).toThrow(/or pass runtimeUrl/);
    expect(() => resolveOptions({ runtimeUrl: "" })).toThrow(/runtimeUrl/);
    expect(() =>
      resolveOptions({ url: "ws://h/ws", transport: "carrier-pigeon" as never, WebSocket }),
    ).toThrow(/"auto", "websocket" or "sse"/);
    // SSE needs no WebSocket implementation at all.
    expect(resolveOptions({ url: "ws://h/copilotkit/ws", transport: "sse" }).transport).toBe("sse");
  });
});
