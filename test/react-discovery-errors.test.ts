/**
 * Regression: with `runtimeUrl`, a refused or misrouted `/connect` used to surface as
 * `auth_failed: getToken() failed: …` and be retried forever, so a signed-out page sat in
 * "connecting". The provider's banner and the seed's `onError`/`disconnected` handling need the
 * discovery error as it is, and a refusal to end in `disconnected`. A `runtimeUrl` with no
 * runtime behind it (404, a web page) used to be retried forever as "connecting" too.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@backchannel/client";
import { CopilotKitSDK, createLogger, type ListeningServer } from "@backchannel/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";

let backend: ListeningServer;
beforeAll(async () => {
  const sdk = new CopilotKitSDK({
    agents: [{ name: "noop", description: "does nothing", async *run() {} }],
    auth: { apiKeys: { app: "discovery-key" } },
    logger: createLogger({ level: "silent" }),
    store: false,
  });
  backend = await sdk.listen({ port: 0 });
});
afterAll(() => backend.close());

describe("runtimeUrl discovery errors", () => {
  it("a 401 from /connect is retried once, then the client gives up with auth_failed", async () => {
    const errors: { code: string; message: string }[] = [];
    const fetchSpy = vi.fn(fetch);
    const client = createClient({
      runtimeUrl: `${backend.httpUrl}/copilotkit`,
      transport: "websocket",
      WebSocket: WebSocket as never,
      fetch: fetchSpy,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
      onError: (e) => errors.push(e),
    });
    try {
      await vi.waitFor(() => expect(client.connectionState).toBe("disconnected"), { timeout: 5000 });
      expect(client.error?.code).toBe("auth_failed");
      expect(client.error?.message).toMatch(/\/copilotkit\/connect refused to connect \(HTTP 401/);
      expect(client.error?.message).not.toMatch(/getToken\(\)/);
      expect(fetchSpy).toHaveBeenCalledTimes(2);
    } finally {
      client.close();
    }
  });

  it("a 404 gives up at once with what to check, and reconnect() tries again", async () => {
    // A route that is missing until the app is fixed, then forwards /connect to the runtime.
    let fixed = false;
    let asked = 0;
    const site = createServer(async (req, res) => {
      asked++;
      if (!fixed || req.url !== "/api/copilotkit/connect") {
        res.writeHead(404, { "content-type": "text/html" }).end("<h1>404: This page could not be found</h1>");
        return;
      }
      const body = await new Promise<string>((resolve) => {
        let data = "";
        req.on("data", (chunk) => {
          data += chunk;
        });
        req.on("end", () => resolve(data));
      });
      const upstream = await fetch(`${backend.httpUrl}/copilotkit/connect`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer discovery-key" },
        body,
      });
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const runtimeUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/api/copilotkit`;
    const errors: { code: string; message: string }[] = [];
    const client = createClient({
      runtimeUrl,
      transport: "websocket",
      WebSocket: WebSocket as never,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
      onError: (e) => errors.push(e),
    });
    try {
      await vi.waitFor(() => expect(client.connectionState).toBe("disconnected"), { timeout: 5000 });
      expect(client.error?.code).toBe("connection_failed");
      expect(client.error?.message).toBe(
        `No Backchannel runtime at ${runtimeUrl}/connect (HTTP 404). Check runtimeUrl and the proxy route.`,
      );
      expect(errors).toHaveLength(1);
      // Given up: no more requests while nothing changes.
      await new Promise((r) => setTimeout(r, 200));
      expect(asked).toBe(1);
      expect(client.connectionState).toBe("disconnected");

      // A run started meanwhile fails with the same error instead of waiting forever.
      const run = client.startRun({ agent: "noop" });
      await vi.waitFor(() => expect(asked).toBe(2));
      expect((await run.done).error?.message).toMatch(/No Backchannel runtime at/);

      fixed = true;
      client.reconnect();
      await vi.waitFor(() => expect(client.connectionState).toBe("connected"), { timeout: 5000 });
      expect(client.error).toBeNull();
      expect(client.ready?.principal.id).toBe("apikey:app");
    } finally {
      client.close();
      await new Promise((resolve) => site.close(resolve));
    }
  });

  it("a /connect that answers a web page instead of JSON gives up at once too", async () => {
    const site = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>My app</title>");
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const client = createClient({
      runtimeUrl: `http://127.0.0.1:${(site.address() as AddressInfo).port}/app`,
      transport: "websocket",
      WebSocket: WebSocket as never,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      await vi.waitFor(() => expect(client.connectionState).toBe("disconnected"), { timeout: 5000 });
      expect(client.error?.code).toBe("protocol_error");
      expect(client.error?.message).toMatch(/did not answer with JSON.*Check runtimeUrl and the proxy route/);
    } finally {
      client.close();
      await new Promise((resolve) => site.close(resolve));
    }
  });

  it("a 503 from /connect is still retried with backoff (the runtime may come back)", async () => {
    let asked = 0;
    const site = createServer((_req, res) => {
      asked++;
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"starting"}}');
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    const client = createClient({
      runtimeUrl: `http://127.0.0.1:${(site.address() as AddressInfo).port}/api/copilotkit`,
      transport: "websocket",
      WebSocket: WebSocket as never,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      await vi.waitFor(() => expect(asked).toBeGreaterThan(2), { timeout: 5000 });
      expect(client.connectionState).toBe("connecting");
      expect(client.error?.message).toMatch(/refused to connect \(HTTP 503: starting\)/);
    } finally {
      client.close();
      await new Promise((resolve) => site.close(resolve));
    }
  });
});
