// @vitest-environment happy-dom
/**
 * Two `<CopilotKit threadId>` providers on one thread (two tabs of one user) against a real
 * runtime with a store, over real sockets: a tab opened mid-answer shows that answer from its
 * start with its question, each tab's runs show up live in the other, and both end with the
 * same transcript. With `followThread={false}` another tab's runs do not appear.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { providerFor, startServer } from "../../test/server.js";
import type { ChatMessage } from "../hooks/chat-message.js";
import { useCopilotChat } from "../hooks/use-copilot-chat.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer({
    store: undefined,
    dataDir: mkdtempSync(join(tmpdir(), "bc-react-follow-")),
    allowedOrigins: [window.location.origin],
  });
});
afterAll(() => srv.close());
afterEach(cleanup);

const text = (m: ChatMessage | undefined) => (m?.content ?? "").trim();
const count = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(" ");

function openTab(threadId: string, props: Record<string, unknown> = {}) {
  const tab = renderHook(() => useCopilotChat(), {
    wrapper: providerFor(srv.wsUrl, {
      threadId,
      agent: "counter",
      forwardedProps: { count: 30, delayMs: 20 },
      ...props,
    }),
  });
  return tab;
}

function send(tab: ReturnType<typeof openTab>, content: string) {
  let done!: Promise<unknown>;
  act(() => {
    done = tab.result.current.sendMessage({ content });
  });
  return done;
}

describe("<CopilotKit threadId> in two tabs", () => {
  it("both show the same conversation live: an answer in flight from its start, and each other's runs", async () => {
    const threadId = `two-tabs-${Date.now()}`;
    const a = openTab(threadId);
    await waitFor(() => expect(a.result.current.connectionState).toBe("connected"));
    const sentA = send(a, "count");
    await waitFor(() => expect(text(a.result.current.messages.at(-1))).toMatch(/^1 2 3/));

    // Tab B opens mid-answer: the question at once, then the answer from its start, live.
    const b = openTab(threadId);
    await waitFor(() => expect(b.result.current.isLoading).toBe(true));
    await waitFor(() =>
      expect(b.result.current.messages.map(text)).toEqual(["count", expect.stringMatching(/^1 2/)]),
    );
    expect(b.result.current.messages[1]?.role).toBe("assistant");
    await act(() => sentA);
    await waitFor(() => expect(b.result.current.isLoading).toBe(false));
    expect(a.result.current.messages.map(text)).toEqual(["count", count(30)]);
    expect(b.result.current.messages).toEqual(a.result.current.messages);

    // B asks: A shows the question and the answer while it streams.
    const sentB = send(b, "again");
    await waitFor(() => expect(a.result.current.isLoading).toBe(true));
    await waitFor(() =>
      expect(a.result.current.messages.map(text).slice(0, 3)).toEqual(["count", count(30), "again"]),
    );
    expect(b.result.current.isLoading).toBe(true);
    await act(() => sentB);
    await waitFor(() => expect(a.result.current.isLoading).toBe(false));
    const expected = ["count", count(30), "again", count(30)];
    expect(b.result.current.messages.map(text)).toEqual(expected);
    expect(a.result.current.messages).toEqual(b.result.current.messages);
    expect(a.result.current.error).toBeNull();
    expect(b.result.current.error).toBeNull();
  });

  it("followThread={false}: runs started in another tab do not appear", async () => {
    const threadId = `no-follow-${Date.now()}`;
    const a = openTab(threadId, { forwardedProps: { count: 3, delayMs: 5 } });
    const c = openTab(threadId, { followThread: false });
    await waitFor(() => expect(a.result.current.connectionState).toBe("connected"));
    await waitFor(() => expect(c.result.current.connectionState).toBe("connected"));
    // The same thread followed by a third tab shows A's run: the store and the join work.
    const watcher = openTab(threadId);
    await waitFor(() => expect(watcher.result.current.connectionState).toBe("connected"));
    await send(a, "count");
    await waitFor(() => expect(watcher.result.current.messages.map(text)).toEqual(["count", count(3)]));
    expect(c.result.current.messages).toEqual([]);
    expect(c.result.current.isLoading).toBe(false);
  });
});
