/**
 * Regression: with `runtimeUrl`, a refused or misrouted `/connect` used to surface as
 * `auth_failed: getToken() failed: …` and be retried forever, so a signed-out page sat in
 * "connecting". The provider's banner and the seed's `onError`/`disconnected` handling need the
 * discovery error as it is, and a refusal to end in `disconnected`.
 */
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

  it("a 404 keeps its connection_failed code and is retried with backoff", async () => {
    const client = createClient({
      runtimeUrl: `${backend.httpUrl}/wrong-route`,
      transport: "websocket",
      WebSocket: WebSocket as never,
      reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    try {
      await vi.waitFor(() => expect(client.getSnapshot().attempt).toBeGreaterThan(2), { timeout: 5000 });
      expect(client.connectionState).toBe("connecting");
      expect(client.error?.code).toBe("connection_failed");
      expect(client.error?.message).toMatch(/wrong-route\/connect refused to connect \(HTTP 404/);
    } finally {
      client.close();
    }
  });
});
