import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { createScriptedServer } from "../test/scripted-server.js";
import { createClient } from "./client.js";
import { browserEnvironment, type ClientEnvironment } from "./environment.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe("ClientEnvironment", () => {
  it("the default does nothing where there is no window or document (Node, workers, React Native)", () => {
    expect(typeof globalThis.addEventListener).toBe("undefined");
    const listener = vi.fn();
    const offOnline = browserEnvironment.onOnline(listener);
    const offVisibility = browserEnvironment.onVisibilityChange(listener);
    expect(browserEnvironment.isVisible()).toBe(true);
    offOnline();
    offVisibility();
    expect(listener).not.toHaveBeenCalled();
  });

  it("a swapped-in environment's online signal ends a pending backoff; close() unsubscribes", async () => {
    const s = await createScriptedServer();
    const url = s.url;
    await s.close();
    const online = new Set<() => void>();
    const visibility = new Set<() => void>();
    const environment: ClientEnvironment = {
      onOnline: (listener) => {
        online.add(listener);
        return () => online.delete(listener);
      },
      isVisible: () => true,
      onVisibilityChange: (listener) => {
        visibility.add(listener);
        return () => visibility.delete(listener);
      },
    };
    const c = createClient({
      url,
      WebSocket,
      environment,
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 },
    });
    cleanups.push(() => c.close());
    await vi.waitFor(() => expect(c.getSnapshot().retryAt).not.toBeNull());
    expect(c.getSnapshot().attempt).toBe(1);
    expect(online.size).toBe(1);
    expect(visibility.size).toBe(1);
    for (const listener of online) listener();
    await vi.waitFor(() => expect(c.getSnapshot().attempt).toBe(2));
    c.close();
    expect(online.size).toBe(0);
    expect(visibility.size).toBe(0);
  });
});
