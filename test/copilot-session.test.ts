/**
 * The copilot session from plain TypeScript (no framework) against a real runtime that stores
 * threads, over real sockets: a conversation, a "reload" (a second session on the same thread)
 * that shows it again, a reload while a run streams that attaches to it and then fills in the
 * run's question by asking the server (`?settled=`), and context updates that are coalesced
 * yet never lose the latest value.
 */
import {
  AgentThread,
  type BackchannelError,
  type CopilotSession,
  type CopilotSessionOptions,
  createCopilotSession,
} from "@backchannel/client";
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { streamer } from "./helpers/agents.js";

const KEY = "session-key-000000000";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Answers with the context values of its input, in order, joined by "|". */
const contextEcho = {
  name: "context-echo",
  description: "Echoes its context",
  async *run(input: { runId: string; context: { value: string }[] }) {
    const messageId = `m-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: input.context.map((c) => c.value).join("|") };
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

async function serve() {
  const sdk = new CopilotKitSDK({
    agents: [streamer, contextEcho] as never,
    auth: { apiKeys: { user: KEY } },
    logger: pino({ level: "silent" }),
    dataDir: ":memory:",
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

function session(
  wsUrl: string,
  options: CopilotSessionOptions = {},
): CopilotSession & { errors: BackchannelError[] } {
  const errors: BackchannelError[] = [];
  const s = createCopilotSession({
    wsUrl,
    headers: { Authorization: `Bearer ${KEY}` },
    clientOptions: { WebSocket: WebSocket as never, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } },
    throttleMs: 0,
    onError: (e) => errors.push(e),
    ...options,
  });
  cleanups.push(() => s.dispose());
  return Object.assign(s, { errors });
}

const texts = (s: CopilotSession) =>
  (s.getChatThread()?.getSnapshot().messages ?? []).map((m) => `${m.role}:${String(m.content)}`);

describe("copilot session (no framework)", () => {
  it("talks, and a second session on the thread (a reload) shows the stored conversation", async () => {
    const srv = await serve();
    const threadId = `s-${Date.now()}`;
    const first = session(srv.wsUrl, { threadId, forwardedProps: { count: 3 } });
    const result = await first.sendMessage("hello");
    expect(result.status).toBe("finished");
    expect(texts(first)).toEqual(["user:hello", "assistant:t0 t1 t2 "]);
    first.dispose();

    const reload = session(srv.wsUrl, { threadId });
    await vi.waitFor(() => expect(reload.getChatThread()).not.toBeNull(), { timeout: 10_000 });
    expect(texts(reload)).toEqual(["user:hello", "assistant:t0 t1 t2 "]);
    expect(reload.getSnapshot().connection.connectionState).toBe("connected");
    expect(first.errors).toEqual([]);
    expect(reload.errors).toEqual([]);
  });

  it("a reload during a run attaches to it and fills in its question from the server once stored", async () => {
    const srv = await serve();
    const threadId = `s-live-${Date.now()}`;
    const first = session(srv.wsUrl, { threadId, forwardedProps: { count: 40, delayMs: 15 } });
    const done = first.sendMessage("long one");
    await vi.waitFor(() => expect(texts(first).at(-1)).toMatch(/^assistant:t0 t1 /), { timeout: 10_000 });

    // followThread: false makes the reload attach to the run in flight (the path that cannot
    // see the run's question in its events and must ask the server for it).
    const asked: string[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      asked.push(String(input));
      return fetch(input, init);
    };
    const reload = session(srv.wsUrl, {
      threadId,
      followThread: false,
      clientOptions: { WebSocket: WebSocket as never, fetch: fetchSpy },
    });
    await vi.waitFor(() => expect(reload.getChatThread()?.getSnapshot().isRunning).toBe(true), {
      timeout: 10_000,
    });
    await done;
    const answer = `assistant:${Array.from({ length: 40 }, (_, i) => `t${i} `).join("")}`;
    await vi.waitFor(() => expect(texts(reload)).toEqual(["user:long one", answer]), { timeout: 15_000 });
    // One history load, then one question with `settled`, answered once the run was stored.
    expect(asked.filter((u) => u.includes("/threads/"))).toEqual([
      `${srv.httpUrl}/copilotkit/threads/${threadId}`,
      expect.stringMatching(/\/threads\/s-live-\d+\?settled=/),
    ]);
    expect(reload.errors).toEqual([]);
  });

  it("coalesces fast context updates and every run carries the latest value", async () => {
    const srv = await serve();
    const s = session(srv.wsUrl, { agent: "context-echo", contextDebounceMs: 60_000 });
    const readable = s.addContext({ description: "draft", value: "v0" });
    await s.whenChatThread();
    const applied = vi.spyOn(AgentThread.prototype, "addContext");
    for (let i = 1; i <= 100; i++) readable.update(`v${i}`);
    // A debounce of a minute has not fired: the run itself must take the latest value.
    const result = await s.sendMessage("what is the draft?");
    expect(result.status).toBe("finished");
    expect(texts(s).at(-1)).toBe("assistant:v100");
    // 100 updates reached the thread once (at the run), not 100 times.
    expect(applied).toHaveBeenCalledTimes(1);

    // A second registration and a removal both apply; an update after removal is ignored.
    const other = s.addContext({ description: "selection", value: "row-7" });
    readable();
    readable.update("ignored");
    await s.sendMessage("again");
    expect(texts(s).at(-1)).toBe("assistant:row-7");
    other();
    expect(s.errors).toEqual([]);
  });

  it("with contextDebounceMs, a burst of updates lands once after it pauses", async () => {
    const srv = await serve();
    const s = session(srv.wsUrl, { agent: "context-echo", contextDebounceMs: 20 });
    const readable = s.addContext({ description: "draft", value: "a" });
    const thread = await s.whenChatThread();
    const applied = vi.spyOn(thread, "addContext");
    for (const v of ["ab", "abc", "abcd"]) readable.update(v);
    await vi.waitFor(() => expect(applied).toHaveBeenCalledTimes(1));
    expect(applied).toHaveBeenLastCalledWith({ description: "draft", value: "abcd" });
    await s.sendMessage("go");
    expect(texts(s).at(-1)).toBe("assistant:abcd");
    expect(applied).toHaveBeenCalledTimes(1);
  });
});
