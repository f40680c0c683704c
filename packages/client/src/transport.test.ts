import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { resolveOptions } from "./options.js";
import { httpBaseFromWsUrl } from "./transport.js";

describe("transport options", () => {
  it("derives the HTTP base from the socket URL", () => {
    expect(httpBaseFromWsUrl("wss://api.example.com/copilotkit/ws")).toBe(
      "https://api.example.com/copilotkit",
    );
    expect(httpBaseFromWsUrl("ws://127.0.0.1:8000/copilotkit/ws?x=1")).toBe(
      "http://127.0.0.1:8000/copilotkit",
    );
  });

  it("defaults to the WebSocket with url, and to auto with runtimeUrl", () => {
    const ws = resolveOptions({ url: "ws://h/copilotkit/ws", WebSocket });
    expect(ws.transport).toBe("websocket");
    expect(ws.WebSocket).toBe(WebSocket);
    const auto = resolveOptions({ runtimeUrl: "http://h/api/copilotkit", WebSocket });
    expect(auto.transport).toBe("auto");
    expect(auto.WebSocket).not.toBe(WebSocket);
    expect(typeof auto.getToken).toBe("function");
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
