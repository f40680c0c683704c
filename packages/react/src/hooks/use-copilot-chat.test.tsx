// @vitest-environment happy-dom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { providerFor, startServer } from "../../test/server.js";
import { useCopilotChat } from "./use-copilot-chat.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());
afterEach(cleanup);

const text = (m: { content?: unknown } | undefined) => (typeof m?.content === "string" ? m.content : "");

describe("useCopilotChat", () => {
  it("connects, picks the runtime's first agent, and streams an answer", async () => {
    const { result } = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl) });
    expect(result.current.messages).toEqual([]);
    await waitFor(() => expect(result.current.connectionState).toBe("connected"));
    expect(result.current.threadId).not.toBe("");

    let done!: Promise<unknown>;
    act(() => {
      done = result.current.sendMessage({ role: "user", content: "hello there" });
    });
    await waitFor(() => expect(result.current.isLoading).toBe(true));
    await act(() => done);
    expect(result.current.isLoading).toBe(false);
    expect(result.current.error).toBeNull();
    expect(result.current.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(text(result.current.messages[1])).toBe("You said: hello there");
  });

  it("sends a message given before the connection is up", async () => {
    const { result } = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl) });
    let done!: Promise<unknown>;
    act(() => {
      done = result.current.sendMessage({ content: "early" });
    });
    await act(() => done);
    expect(text(result.current.messages.at(-1))).toBe("You said: early");
  });

  it("queues a message sent while a run is in progress and sends it after", async () => {
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, { agent: "counter", forwardedProps: { count: 10, delayMs: 15 } }),
    });
    await waitFor(() => expect(result.current.connectionState).toBe("connected"));
    let first!: Promise<unknown>;
    let second!: Promise<unknown>;
    act(() => {
      first = result.current.sendMessage({ content: "one" });
    });
    await waitFor(() => expect(result.current.isLoading).toBe(true));
    act(() => {
      second = result.current.sendMessage({ content: "two" });
    });
    await waitFor(() => expect(result.current.queuedMessages.map(text)).toEqual(["two"]));
    expect(result.current.messages.filter((m) => m.role === "user").map(text)).toEqual(["one"]);
    await act(() => Promise.all([first, second]));
    expect(result.current.queuedMessages).toEqual([]);
    expect(result.current.messages.map((m) => `${m.role}:${text(m).trim()}`)).toEqual([
      "user:one",
      "assistant:1 2 3 4 5 6 7 8 9 10",
      "user:two",
      "assistant:1 2 3 4 5 6 7 8 9 10",
    ]);
  });

  it("stop() cancels the answer in progress and keeps what arrived", async () => {
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, { agent: "counter", forwardedProps: { count: 500, delayMs: 10 } }),
    });
    let done!: Promise<{ status: string }>;
    act(() => {
      done = result.current.sendMessage({ content: "count" });
    });
    await waitFor(() => expect(text(result.current.messages.at(-1))).toMatch(/^1 2 3 /));
    act(() => result.current.stop());
    const outcome = await act(() => done);
    expect(outcome.status).toBe("cancelled");
    expect(result.current.isLoading).toBe(false);
    const partial = text(result.current.messages.at(-1)).trim().split(" ");
    expect(partial.length).toBeGreaterThan(2);
    expect(partial.length).toBeLessThan(500);
  });

  it("reports a failed run as error, and regenerate() answers the same message again", async () => {
    const onError = vi.fn();
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, { agent: "failing", onError }),
    });
    let done!: Promise<unknown>;
    act(() => {
      done = result.current.sendMessage({ content: "fail please" });
    });
    await act(() => done);
    expect(result.current.error?.code).toBe("run_failed");
    expect(result.current.error?.message).toContain("The agent failed (error id");
    // Reported once, although both the client and the thread see it.
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0].code).toBe("run_failed");

    await act(() => result.current.regenerate());
    expect(result.current.messages.filter((m) => m.role === "user").map(text)).toEqual(["fail please"]);
    expect(onError).toHaveBeenCalledTimes(2);
  });

  it("reset() starts a new conversation with a new thread id", async () => {
    const { result } = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl) });
    await act(() => result.current.sendMessage({ content: "remember me" }));
    const before = result.current.threadId;
    act(() => result.current.reset());
    expect(result.current.messages).toEqual([]);
    expect(result.current.threadId).not.toBe(before);
  });

  it("uses the threadId and initialMessages props", async () => {
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, {
        threadId: "thread-fixed",
        initialMessages: [{ id: "h1", role: "assistant", content: "Earlier answer" }],
      }),
    });
    await waitFor(() => expect(result.current.threadId).toBe("thread-fixed"));
    expect(result.current.messages.map(text)).toEqual(["Earlier answer"]);
  });

  it("gives up with auth_failed and a plain error when the token is refused", async () => {
    const onError = vi.fn();
    const { result } = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, { getToken: () => "wrong-key", onError }),
    });
    await waitFor(() => expect(result.current.connectionState).toBe("disconnected"));
    expect(result.current.error?.code).toBe("auth_failed");
    expect(onError.mock.calls.some(([e]) => e.code === "auth_failed")).toBe(true);
  });

  it("throws a clear error outside <CopilotKit>", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => renderHook(() => useCopilotChat())).toThrow(/inside <CopilotKit/);
  });
});
