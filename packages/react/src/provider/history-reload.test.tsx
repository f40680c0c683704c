// @vitest-environment happy-dom
/**
 * Reloading a page with `<CopilotKit threadId>` against a real runtime that stores threads:
 * the conversation comes back even when `useCoAgent` for the chat's agent mounts before the
 * runtime has said which agent that is, and a run still streaming keeps streaming.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createThreadsApi } from "@backchannel/client";
import { act, cleanup, render, renderHook, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { API_KEY, providerFor, startServer } from "../../test/server.js";
import { useCoAgent } from "../hooks/use-co-agent.js";
import { type UseCopilotChatResult, useCopilotChat } from "../hooks/use-copilot-chat.js";
import { CopilotKit } from "./copilot-kit.js";

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer({
    store: undefined,
    dataDir: mkdtempSync(join(tmpdir(), "bc-react-reload-")),
    allowedOrigins: [window.location.origin],
  });
});
afterAll(() => srv.close());
afterEach(cleanup);

const text = (m: { content?: unknown } | undefined) => (typeof m?.content === "string" ? m.content : "");

/** Waits until the server has stored `count` messages for `threadId` (written when a run ends). */
async function stored(threadId: string, count: number) {
  const api = createThreadsApi({ baseUrl: srv.httpUrl + "/copilotkit", token: API_KEY });
  await waitFor(async () => expect((await api.get(threadId))?.messages.length).toBe(count), {
    timeout: 5000,
  });
  return (await api.get(threadId))!;
}

/** One conversation turn on `threadId` with the default (first) agent, then unmount. */
async function converse(threadId: string, content: string) {
  const page = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, { threadId }) });
  await waitFor(() => expect(page.result.current.connectionState).toBe("connected"));
  let done!: Promise<unknown>;
  act(() => {
    done = page.result.current.sendMessage({ content });
  });
  await act(() => done);
  const messages = page.result.current.messages.map(text);
  page.unmount();
  return messages;
}

/** What the switching page's hooks returned last. */
const seen: { chat?: UseCopilotChatResult; agent?: ReturnType<typeof useCoAgent> } = {};
function SwitchProbe() {
  seen.agent = useCoAgent({ name: "stateful" });
  seen.chat = useCopilotChat();
  return null;
}
/** A page whose provider's `agent` prop the test changes (the provider stays mounted). */
function SwitchPage({ agent, threadId }: { agent: string; threadId: string }) {
  return (
    <CopilotKit
      wsUrl={srv.wsUrl}
      getToken={() => API_KEY}
      threadId={threadId}
      agent={agent}
      loadHistory={false}
      throttleMs={0}
      clientOptions={{ WebSocket: WebSocket as never }}
    >
      <SwitchProbe />
    </CopilotKit>
  );
}

describe("reload with useCoAgent for the chat's agent", () => {
  it("loads the stored conversation when useCoAgent mounts before the runtime named the chat agent", async () => {
    const threadId = `coagent-first-${Date.now()}`;
    const before = await converse(threadId, "remember me");
    await stored(threadId, 2);

    // No `agent` prop: the chat agent is the runtime's first agent ("echo"), known only once
    // connected, and this page's useCoAgent("echo") effect runs before the provider's.
    const reloaded = renderHook(
      () => ({ agent: useCoAgent({ name: "echo", initialState: { page: 1 } }), chat: useCopilotChat() }),
      { wrapper: providerFor(srv.wsUrl, { threadId }) },
    );
    await waitFor(() => expect(reloaded.result.current.chat.messages.map(text)).toEqual(before));
    expect(reloaded.result.current.chat.threadId).toBe(threadId);
    expect(reloaded.result.current.agent.threadId).toBe(threadId);

    // It is one thread: the next turn continues the stored conversation on the same threadId,
    // with the page's initialState (nothing was stored for it).
    let done!: Promise<unknown>;
    act(() => {
      done = reloaded.result.current.chat.sendMessage({ content: "state" });
    });
    await act(() => done);
    expect(reloaded.result.current.chat.messages.map(text)).toEqual([
      ...before,
      "state",
      'State: {"page":1}',
    ]);
    await stored(threadId, 4);
  });

  it("starts from initialMessages and the saved state when useCoAgent mounts first (OpsHub's page without agent=)", async () => {
    const threadId = `coagent-initial-${Date.now()}`;
    const initialMessages = [
      { id: "u0", role: "user" as const, content: "earlier question" },
      { id: "a0", role: "assistant" as const, content: "earlier answer" },
    ];
    const savedState = { lastRun: { fund: "F1", status: "passed" } };
    const page = renderHook(
      () => ({ agent: useCoAgent({ name: "echo", initialState: savedState }), chat: useCopilotChat() }),
      { wrapper: providerFor(srv.wsUrl, { threadId, initialMessages }) },
    );
    await waitFor(() => expect(page.result.current.chat.connectionState).toBe("connected"));
    await waitFor(() =>
      expect(page.result.current.chat.messages.map(text)).toEqual(["earlier question", "earlier answer"]),
    );
    expect(page.result.current.agent.threadId).toBe(threadId);
    expect(page.result.current.agent.state).toEqual(savedState);
    expect(page.result.current.chat.state).toEqual(savedState);
  });

  it("an agent prop switched to an agent useCoAgent already had a thread for makes that the chat's thread", async () => {
    const threadId = `coagent-switch-${Date.now()}`;
    const page = render(<SwitchPage agent="echo" threadId={threadId} />);
    await waitFor(() => expect(seen.agent?.threadId).not.toBe(""));
    expect(seen.agent?.threadId).not.toBe(threadId);
    act(() => seen.agent!.setState({ count: 5 }));
    page.rerender(<SwitchPage agent="stateful" threadId={threadId} />);
    await waitFor(() => expect(seen.chat?.threadId).toBe(threadId));
    expect(seen.agent?.threadId).toBe(threadId);
    expect(seen.agent?.state).toEqual({ count: 5 });
    let done!: Promise<unknown>;
    act(() => {
      done = seen.chat!.sendMessage({ content: "go" });
    });
    await act(() => done);
    expect(text(seen.chat!.messages.at(-1))).toBe('Saw {"count":5}');
    expect(seen.agent?.state).toEqual({ count: 6, status: "done" });
  });
});

describe("reload during a run", () => {
  it("a remounted provider follows the run still streaming (join): its question at once, the whole answer once", async () => {
    const threadId = `reload-mid-run-${Date.now()}`;
    const props = { threadId, agent: "counter", forwardedProps: { count: 60, delayMs: 25 } };
    const first = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, props) });
    await waitFor(() => expect(first.result.current.connectionState).toBe("connected"));
    act(() => {
      void first.result.current.sendMessage({ content: "count" });
    });
    await waitFor(() => expect(text(first.result.current.messages.at(-1))).toMatch(/^1 2 3 4 5 /));
    first.unmount(); // the reload: the socket closes, the run goes on on the server

    const full = Array.from({ length: 60 }, (_, i) => i + 1).join(" ");
    const reloaded = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, props) });
    // Still streaming after the reload, followed live, after its question (from the join).
    await waitFor(() => expect(reloaded.result.current.isLoading).toBe(true));
    await waitFor(() =>
      expect(reloaded.result.current.messages.map(text)).toEqual(["count", expect.stringMatching(/^1 2 3/)]),
    );
    expect(text(reloaded.result.current.messages.at(-1)).trim()).not.toBe(full);
    await waitFor(() => expect(reloaded.result.current.isLoading).toBe(false), { timeout: 10_000 });
    const messages = reloaded.result.current.messages;
    expect(messages.map((m) => text(m).trim())).toEqual(["count", full]);
    expect(reloaded.result.current.error).toBeNull();
    const saved = await stored(threadId, 2);
    expect(saved.messages).toEqual(messages.map((m) => ({ ...m })));
  });

  it("with followThread={false} it attaches to the run: the whole answer once, its question filled in when it ends", async () => {
    const threadId = `reload-attach-${Date.now()}`;
    const props = {
      threadId,
      agent: "counter",
      forwardedProps: { count: 60, delayMs: 25 },
      followThread: false,
    };
    const first = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, props) });
    await waitFor(() => expect(first.result.current.connectionState).toBe("connected"));
    act(() => {
      void first.result.current.sendMessage({ content: "count" });
    });
    await waitFor(() => expect(text(first.result.current.messages.at(-1))).toMatch(/^1 2 3 4 5 /));
    first.unmount();

    const full = Array.from({ length: 60 }, (_, i) => i + 1).join(" ");
    const reloaded = renderHook(() => useCopilotChat(), { wrapper: providerFor(srv.wsUrl, props) });
    await waitFor(() => expect(reloaded.result.current.isLoading).toBe(true));
    await waitFor(() => expect(text(reloaded.result.current.messages.at(-1))).toMatch(/^1 2 3/));
    expect(text(reloaded.result.current.messages.at(-1)).trim()).not.toBe(full);
    await waitFor(() => expect(reloaded.result.current.isLoading).toBe(false), { timeout: 10_000 });
    const messages = reloaded.result.current.messages;
    expect(messages.filter((m) => m.role === "assistant").map((m) => text(m).trim())).toEqual([full]);
    expect(reloaded.result.current.error).toBeNull();
    // The question came with neither the history (stored only when the run ends) nor the
    // events; it is filled in from the stored conversation once the run has ended.
    // (The server answers the fill-in as soon as the run is stored, which can be before this
    // test first saw isLoading false: take the answer by role, not by position.)
    const answer = messages.find((m) => m.role === "assistant")!;
    await waitFor(() => expect(reloaded.result.current.messages.map(text)).toEqual(["count", text(answer)]));
    expect(reloaded.result.current.messages[1]).toBe(answer);
    const saved = await stored(threadId, 2);
    expect(saved.messages.map(text)).toEqual(reloaded.result.current.messages.map(text));
  });
});
