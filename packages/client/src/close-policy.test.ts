import { describe, expect, it } from "vitest";
import { decideOnClose } from "./close-policy.js";

const ctx = { canRefreshToken: false, authRetried: false, wasConnected: true, url: "ws://x/copilotkit/ws" };

describe("decideOnClose", () => {
  it.each([1001, 1006, 1007, 1009, 1011, 1013, 4000, 4001])("reconnects with backoff after %i", (code) => {
    const d = decideOnClose(code, "why", ctx);
    expect(d.action).toBe("retry-later");
    expect(d.error).toMatchObject({ code: "connection_failed", closeCode: code });
    expect(d.error.message).toBe(`Connection lost (${code} why); reconnecting.`);
  });

  it("reconnects at once, without backoff, after a 1012 service restart of a connected socket", () => {
    const d = decideOnClose(1012, "service restart", ctx);
    expect(d.action).toBe("retry-now");
    expect(d.error).toMatchObject({ code: "connection_failed", closeCode: 1012 });
    expect(d.error.message).toBe("The server is restarting (1012 service restart); reconnecting now.");
    // Never connected: a node refusing during its restart is retried with backoff, not in a tight loop.
    expect(decideOnClose(1012, "service restart", { ...ctx, wasConnected: false }).action).toBe(
      "retry-later",
    );
  });

  it("names the URL when the first connection never got going", () => {
    expect(decideOnClose(1006, "", { ...ctx, wasConnected: false }).error.message).toBe(
      "Could not connect to ws://x/copilotkit/ws (1006).",
    );
  });

  it("retries a 1008 once at once when getToken can refresh, then gives up", () => {
    const first = decideOnClose(1008, "Token expired", { ...ctx, canRefreshToken: true });
    expect(first.action).toBe("retry-now");
    expect(first.error.code).toBe("auth_failed");
    const second = decideOnClose(1008, "Token expired", { ...ctx, canRefreshToken: true, authRetried: true });
    expect(second.action).toBe("give-up");
    expect(second.error.message).toMatch(/getToken\(\) returned a token the server refused too/);
  });

  it("gives up on 1008 without getToken, telling the developer what to pass", () => {
    const d = decideOnClose(1008, "Invalid or missing API key", ctx);
    expect(d).toMatchObject({ action: "give-up", error: { code: "auth_failed", closeCode: 1008 } });
    expect(d.error.message).toMatch(/Invalid or missing API key.*Pass a valid `token`/);
  });

  it("gives up on a normal close from the server", () => {
    expect(decideOnClose(1000, "bye", ctx)).toMatchObject({
      action: "give-up",
      error: { code: "connection_failed" },
    });
  });
});
