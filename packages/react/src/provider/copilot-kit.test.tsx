// @vitest-environment happy-dom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTcpProxy } from "../../../../test/helpers/tcp-proxy.js";
import { API_KEY, providerFor, startServer } from "../../test/server.js";
import { useConnection } from "../hooks/use-agent-thread.js";
import { useCopilotChat } from "../hooks/use-copilot-chat.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer();
  // The page is served by the runtime's origin, so runtimeUrl can be a same-origin path.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${srv.httpUrl}/app`);
});
afterAll(() => srv.close());
afterEach(cleanup);

const text = (m: { content?: unknown } | undefined) => (typeof m?.content === "string" ? m.content : "");

describe("<CopilotKit> connection", () => {
  it("discovers the socket through runtimeUrl/connect and authenticates with the ticket", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const { result } = renderHook(() => ({ chat: useCopilotChat(), conn: useConnection() }), {
      wrapper: providerFor("", {
        wsUrl: undefined as never,
        runtimeUrl: "/copilotkit",
        headers: { Authorization: `Bearer ${API_KEY}` },
        getToken: undefined as never,
      }),
    });
    await waitFor(() => expect(result.current.chat.connectionState).toBe("connected"));
    const call = fetchSpy.mock.calls.find(([url]) => String(url).endsWith("/copilotkit/connect"));
    expect(call).toBeDefined();
    expect(call![1]?.method).toBe("POST");
    // The browser side never held the API key: the single-use ticket from /connect opened the
    // socket, and it stands for the principal that asked for it.
    expect(result.current.conn.ready?.principal.id).toBe("apikey:test");
    await act(() => result.current.chat.sendMessage({ content: "via discovery" }));
    expect(text(result.current.chat.messages.at(-1))).toBe("You said: via discovery");
    fetchSpy.mockRestore();
  });

  it("gives up on a runtimeUrl that answers 404, saying what to check, and reconnect() tries again", async () => {
    const onError = vi.fn();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const asked = () =>
      fetchSpy.mock.calls.filter(([url]) => String(url).endsWith("/not-here/connect")).length;
    const { result } = renderHook(() => ({ chat: useCopilotChat(), conn: useConnection() }), {
      wrapper: providerFor("", { wsUrl: undefined as never, runtimeUrl: "/not-here", onError }),
    });
    try {
      await waitFor(() => expect(result.current.chat.connectionState).toBe("disconnected"));
      expect(result.current.chat.error?.code).toBe("connection_failed");
      expect(result.current.chat.error?.message).toBe(
        "No Backchannel runtime at /not-here/connect (HTTP 404). Check runtimeUrl and the proxy route.",
      );
      expect(onError).toHaveBeenCalledTimes(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(asked()).toBe(1);
      act(() => result.current.chat.reconnect());
      await waitFor(() => expect(asked()).toBe(2));
      await waitFor(() => expect(result.current.chat.connectionState).toBe("disconnected"));
      expect(onError).toHaveBeenCalledTimes(2);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("gives up with auth_failed when the runtime refuses discovery", async () => {
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor("", {
        wsUrl: undefined as never,
        runtimeUrl: "/copilotkit",
        getToken: undefined as never,
      }),
    });
    await waitFor(() => expect(result.current.connectionState).toBe("disconnected"));
    expect(result.current.error?.code).toBe("auth_failed");
  });

  it("says which prop is missing when there is neither runtimeUrl nor wsUrl", async () => {
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor("", { wsUrl: undefined as never }),
    });
    await waitFor(() => expect(result.current.connectionState).toBe("disconnected"));
    expect(result.current.error?.message).toMatch(/needs runtimeUrl .* or wsUrl/);
  });

  it('streams over HTTP/SSE with transport="sse"', async () => {
    const { result } = renderHook(() => ({ chat: useCopilotChat(), conn: useConnection() }), {
      wrapper: providerFor(srv.wsUrl, { transport: "sse" }),
    });
    await waitFor(() => expect(result.current.chat.connectionState).toBe("connected"));
    expect(result.current.conn.ready?.sessionId).toMatch(/^sse-/);
    await act(() => result.current.chat.sendMessage({ content: "over sse" }));
    expect(text(result.current.chat.messages.at(-1))).toBe("You said: over sse");
  });

  it("takes the token from an Authorization header when given wsUrl", async () => {
    const { result } = renderHook(() => useConnection(), {
      wrapper: providerFor(srv.wsUrl, {
        getToken: undefined as never,
        headers: { authorization: `Bearer ${API_KEY}` },
      }),
    });
    await waitFor(() => expect(result.current.connectionState).toBe("connected"));
  });

  it("resumes an answer cut mid-stream and ends with the full text, never twice", async () => {
    const proxy = await createTcpProxy({ port: srv.port });
    try {
      const { result } = renderHook(() => useCopilotChat(), {
        wrapper: providerFor(proxy.url("/copilotkit/ws"), {
          agent: "counter",
          forwardedProps: { count: 60, delayMs: 8 },
        }),
      });
      let done!: Promise<{ status: string }>;
      act(() => {
        done = result.current.sendMessage({ content: "count" });
      });
      await waitFor(() => expect(text(result.current.messages.at(-1))).toMatch(/^1 2 3 4 5 /));
      proxy.refuse(true);
      proxy.cut();
      await waitFor(() => expect(result.current.connectionState).toBe("reconnecting"));
      proxy.refuse(false);
      const outcome = await act(() => done);
      expect(outcome.status).toBe("finished");
      const expected = Array.from({ length: 60 }, (_, i) => i + 1).join(" ");
      expect(text(result.current.messages.at(-1)).trim()).toBe(expected);
      expect(result.current.connectionState).toBe("connected");
    } finally {
      await proxy.close();
    }
  });

  it("reconnect() connects again after the client gave up", async () => {
    const proxy = await createTcpProxy({ port: srv.port });
    try {
      proxy.refuse(true);
      const { result } = renderHook(() => useCopilotChat(), {
        wrapper: providerFor(proxy.url("/copilotkit/ws"), {
          clientOptions: { reconnect: { maxAttempts: 1 } },
        }),
      });
      await waitFor(() => expect(result.current.connectionState).toBe("disconnected"));
      expect(result.current.error?.code).toBe("connection_failed");
      proxy.refuse(false);
      act(() => result.current.reconnect());
      await waitFor(() => expect(result.current.connectionState).toBe("connected"));
      expect(result.current.error).toBeNull();
    } finally {
      await proxy.close();
    }
  });

  it("closes the socket on unmount", async () => {
    const { result, unmount } = renderHook(() => useConnection(), { wrapper: providerFor(srv.wsUrl) });
    await waitFor(() => expect(result.current.connectionState).toBe("connected"));
    await waitFor(() => expect(srv.sdk.stats().connections).toBeGreaterThan(0));
    const before = srv.sdk.stats().connections;
    unmount();
    await waitFor(() => expect(srv.sdk.stats().connections).toBe(before - 1));
  });
});
