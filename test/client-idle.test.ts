/**
 * Idle connections close (`idleClose`) over real sockets, through a TCP proxy that counts
 * them: after the documented idle time with nothing in use the socket goes; sooner once the
 * page is hidden (a swapped-in `ClientEnvironment`); the next run reconnects with no error and
 * `connectionState` never leaving "connected"; a followed thread and a pending client tool
 * call keep the socket open.
 */
import type { BaseEvent } from "@ag-ui/core";
import {
  AgentThread,
  type BackchannelClient,
  type BackchannelError,
  type ClientEnvironment,
  type ClientOptions,
  type ConnectionState,
  createClient,
  type FollowedRun,
} from "@backchannel/client";
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { streamer } from "./helpers/agents.js";
import { createTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

const KEY = "idle-key-00000000000000";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Calls the client tool `ask` once, then answers with the tool's result. */
const asker = {
  name: "asker",
  description: "Asks the browser",
  async *run(input: { runId: string; messages: { role: string; content?: unknown }[] }) {
    const last = input.messages.at(-1);
    if (last?.role === "tool") {
      const messageId = `m-${input.runId}`;
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `you said ${String(last.content)}` };
      yield { type: "TEXT_MESSAGE_END", messageId };
      return;
    }
    const toolCallId = `c-${input.runId}`;
    yield { type: "TOOL_CALL_START", toolCallId, toolCallName: "ask" };
    yield { type: "TOOL_CALL_ARGS", toolCallId, delta: "{}" };
    yield { type: "TOOL_CALL_END", toolCallId };
  },
};

async function serve(): Promise<{ proxy: TcpProxy; url: string }> {
  const sdk = new CopilotKitSDK({
    agents: [streamer, asker] as never,
    auth: { apiKeys: { user: KEY } },
    logger: pino({ level: "silent" }),
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  const proxy = await createTcpProxy({ port: srv.port });
  cleanups.push(() => proxy.close());
  return { proxy, url: proxy.url("/copilotkit/ws") };
}

/** A `ClientEnvironment` whose visibility the test sets. */
function fakeEnvironment() {
  let visible = true;
  const listeners = new Set<() => void>();
  const environment: ClientEnvironment = {
    onOnline: () => () => {},
    isVisible: () => visible,
    onVisibilityChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    environment,
    setVisible(value: boolean) {
      visible = value;
      for (const listener of listeners) listener();
    },
  };
}

function connect(url: string, options: Partial<ClientOptions>) {
  const errors: BackchannelError[] = [];
  const states: ConnectionState[] = [];
  const client = createClient({
    url,
    token: KEY,
    WebSocket: WebSocket as never,
    onError: (e) => errors.push(e),
    ...options,
  });
  const record = () => {
    if (states.at(-1) !== client.connectionState) states.push(client.connectionState);
  };
  record();
  client.subscribe(record);
  cleanups.push(() => client.close());
  return { client, errors, states };
}

const textOf = (events: BaseEvent[]) =>
  events
    .filter((e) => e.type === "TEXT_MESSAGE_CONTENT")
    .map((e) => (e as BaseEvent & { delta: string }).delta)
    .join("");

async function runText(client: BackchannelClient, threadId?: string): Promise<string> {
  const run = client.startRun({
    agent: "streamer",
    input: { forwardedProps: { count: 3 }, ...(threadId ? { threadId } : {}) },
  });
  const events: BaseEvent[] = [];
  for await (const event of run) events.push(event);
  return textOf(events);
}

describe("idleClose", () => {
  it("closes an unused socket after visibleMs and reconnects on the next run, still 'connected', with no error", async () => {
    const { proxy, url } = await serve();
    const { client, errors, states } = connect(url, { idleClose: { visibleMs: 100, hiddenMs: 100 } });
    expect(await runText(client)).toBe("t0 t1 t2 ");
    await vi.waitFor(() => expect(proxy.connections).toBe(0), { timeout: 10_000 });
    expect(client.connectionState).toBe("connected");

    expect(await runText(client)).toBe("t0 t1 t2 ");
    expect(proxy.accepted).toBe(2);
    // Closed for idleness twice more would not show either: the state never left "connected".
    await vi.waitFor(() => expect(proxy.connections).toBe(0), { timeout: 10_000 });
    expect(await runText(client)).toBe("t0 t1 t2 ");
    expect(proxy.accepted).toBe(3);
    expect(states).toEqual(["connecting", "connected"]);
    expect(errors).toEqual([]);
  });

  it("closes sooner once the page is hidden (hiddenMs), through a swapped-in environment", async () => {
    const { proxy, url } = await serve();
    const page = fakeEnvironment();
    const { client, errors, states } = connect(url, {
      idleClose: { visibleMs: 600_000, hiddenMs: 50 },
      environment: page.environment,
    });
    expect(await runText(client)).toBe("t0 t1 t2 ");
    expect(proxy.connections).toBe(1);
    page.setVisible(false);
    await vi.waitFor(() => expect(proxy.connections).toBe(0), { timeout: 10_000 });
    page.setVisible(true);
    expect(await runText(client)).toBe("t0 t1 t2 ");
    expect(proxy.accepted).toBe(2);
    expect(states).toEqual(["connecting", "connected"]);
    expect(errors).toEqual([]);
  });

  it("keeps the socket of a followed thread open: runs another tab starts still arrive", async () => {
    const { proxy, url } = await serve();
    const threadId = `idle-follow-${Date.now()}`;
    const follower = connect(url, { idleClose: { visibleMs: 1, hiddenMs: 1 } });
    const runs: FollowedRun[] = [];
    const follow = follower.client.joinThread(threadId, { onRun: (run) => runs.push(run) });
    await follow.joined;
    const other = connect(url, { idleClose: false });
    await vi.waitFor(() => expect(other.client.connectionState).toBe("connected"));
    expect(await runText(other.client, threadId)).toBe("t0 t1 t2 ");
    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 10_000 });
    const events: BaseEvent[] = [];
    for await (const event of runs[0]!.handle) events.push(event);
    expect(textOf(events)).toBe("t0 t1 t2 ");
    // The follower's one socket carried it all: it was never closed for idleness.
    expect(proxy.accepted).toBe(2);
    expect(follower.states).toEqual(["connecting", "connected"]);
    follow.leave();
    // Nothing followed any more: now it idles out.
    await vi.waitFor(() => expect(proxy.connections).toBe(1), { timeout: 10_000 });
    expect(follower.errors).toEqual([]);
  });

  it("keeps the socket open while a client tool call is pending", async () => {
    const { proxy, url } = await serve();
    const { client, errors, states } = connect(url, { idleClose: { visibleMs: 1, hiddenMs: 1 } });
    const thread = new AgentThread({ client, agent: "asker", throttleMs: 0 });
    let answer!: (value: string) => void;
    thread.registerTool({
      name: "ask",
      description: "Asks the user",
      handler: () => new Promise<string>((resolve) => (answer = resolve)),
    });
    const done = thread.sendMessage({ content: "hi" });
    await vi.waitFor(() => expect(thread.getSnapshot().pendingToolCalls).toHaveLength(1), {
      timeout: 10_000,
    });
    // The first run has ended; only the pending call holds the socket. An idle timer of 1 ms
    // would have fired many times over by the end of this wait (it asserts nothing by itself).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.connections).toBe(1);
    answer("yes");
    const result = await done;
    expect(result.status).toBe("finished");
    expect(thread.getSnapshot().messages.at(-1)?.content).toBe("you said yes");
    expect(proxy.accepted).toBe(1);
    expect(states).toEqual(["connecting", "connected"]);
    expect(errors).toEqual([]);
  });
});
