// @vitest-environment happy-dom
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, providerFor, startServer } from "../../test/server.js";
import { useCopilotChat } from "./use-copilot-chat.js";
import { useThreadHistory, useThreads } from "./use-threads.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  // The page (happy-dom) is on another origin than the runtime: a cross-origin app, allowed by CORS.
  srv = await startServer({
    store: undefined,
    dataDir: mkdtempSync(join(tmpdir(), "bc-react-threads-")),
    allowedOrigins: [window.location.origin],
  });
});
afterAll(() => srv.close());
afterEach(cleanup);

const text = (m: { content?: unknown } | undefined) => (typeof m?.content === "string" ? m.content : "");

describe("thread history hooks", () => {
  it("a reload shows the conversation again, and useThreads lists and deletes it", async () => {
    const threadId = `react-history-${Date.now()}`;
    const chat = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, { threadId }) });
    await waitFor(() => expect(chat.result.current.connectionState).toBe("connected"));
    let done!: Promise<unknown>;
    act(() => {
      done = chat.result.current.sendMessage({ role: "user", content: "remember me" });
    });
    await act(() => done);
    const before = chat.result.current.messages;
    chat.unmount();

    // "Reload": load the stored history, then mount the provider with it.
    const opts = { wsUrl: srv.wsUrl, getToken: () => API_KEY };
    const loaded = renderHook(() => useThreadHistory(threadId, opts));
    expect(loaded.result.current.loading).toBe(true);
    await waitFor(() => expect(loaded.result.current.history?.messages.length).toBe(2));
    const history = loaded.result.current.history!;
    expect(history.messages.map(text)).toEqual(before.map(text));
    const reloaded = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, { threadId, initialMessages: history.messages }),
    });
    await waitFor(() => expect(reloaded.result.current.messages.map(text)).toEqual(before.map(text)));

    const list = renderHook(() => useThreads(opts));
    await waitFor(() => expect(list.result.current.loading).toBe(false));
    expect(list.result.current.threads.map((t) => t.threadId)).toContain(threadId);
    expect(list.result.current.threads.find((t) => t.threadId === threadId)?.title).toBe("remember me");
    await act(() => list.result.current.remove(threadId));
    expect(list.result.current.threads.map((t) => t.threadId)).not.toContain(threadId);

    const gone = renderHook(() => useThreadHistory(threadId, opts));
    await waitFor(() => expect(gone.result.current.loading).toBe(false));
    expect(gone.result.current.history).toBeNull();
    expect(gone.result.current.error).toBeNull();
  });

  it("a provider mounted with a threadId loads the stored conversation by itself", async () => {
    const threadId = `react-auto-${Date.now()}`;
    const first = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, { threadId }) });
    await waitFor(() => expect(first.result.current.connectionState).toBe("connected"));
    let done!: Promise<unknown>;
    act(() => {
      done = first.result.current.sendMessage({ role: "user", content: "keep this" });
    });
    await act(() => done);
    const before = first.result.current.messages.map(text);
    first.unmount();
    // The run's conversation is written when it ends; wait until the server has it.
    const opts = { wsUrl: srv.wsUrl, getToken: () => API_KEY };
    const probe = renderHook(() => useThreadHistory(threadId, opts));
    await waitFor(() => expect(probe.result.current.history?.messages.length).toBe(2));

    const reloaded = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, { threadId }) });
    await waitFor(() => expect(reloaded.result.current.messages.map(text)).toEqual(before));
    // And the conversation continues from there.
    act(() => {
      done = reloaded.result.current.sendMessage({ role: "user", content: "and more" });
    });
    await act(() => done);
    expect(reloaded.result.current.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
    ]);
    // loadHistory={false} starts empty.
    const fresh = renderHook(() => useCopilotChat(), {
      wrapper: providerFor(srv.wsUrl, { threadId, loadHistory: false }),
    });
    await waitFor(() => expect(fresh.result.current.connectionState).toBe("connected"));
    expect(fresh.result.current.messages).toEqual([]);
  });

  it("reports a refused token as auth_failed", async () => {
    const { result } = renderHook(() => useThreads({ wsUrl: srv.wsUrl, getToken: () => "wrong-key" }));
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.error?.code).toBe("auth_failed");
  });
});
