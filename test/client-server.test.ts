/**
 * @backchannel/client against the real @backchannel/server over real sockets, with a TCP proxy
 * in between where the network has to fail.
 */
import type { BaseEvent, Message } from "@ag-ui/core";
import {
  AgentThread,
  type BackchannelClient,
  type ClientOptions,
  createClient,
  createFoldState,
  foldEvent,
  foldSnapshot,
  type RunHandle,
} from "@backchannel/client";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { hanger, streamer, thrower } from "./helpers/agents.js";
import { createTcpProxy, type TcpProxy } from "./helpers/tcp-proxy.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Answers with the last user message, and calls the client tool `lookup` first when asked to. */
const assistant = {
  name: "assistant",
  description: "Echoes, and uses a client tool when the message says 'lookup'",
  async *run(input: any) {
    const last = input.messages.at(-1);
    const id = `a-${input.runId}`;
    if (last?.role === "user" && String(last.content).includes("lookup")) {
      yield {
        type: "TOOL_CALL_START",
        toolCallId: `tc-${input.runId}`,
        toolCallName: "lookup",
        parentMessageId: id,
      };
      yield { type: "TOOL_CALL_ARGS", toolCallId: `tc-${input.runId}`, delta: '{"fund":"F1"}' };
      yield { type: "TOOL_CALL_END", toolCallId: `tc-${input.runId}` };
      return;
    }
    const text = last?.role === "tool" ? `tool said ${last.content}` : `you said ${last?.content}`;
    yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: text };
    yield { type: "TEXT_MESSAGE_END", messageId: id };
    yield { type: "STATE_DELTA", delta: [{ op: "add", path: "/turns", value: input.messages.length }] };
  },
};

async function startServer(options: Partial<ConstructorParameters<typeof CopilotKitSDK>[0]> = {}) {
  const sdk = new CopilotKitSDK({
    agents: [streamer, thrower, hanger, assistant],
    auth: { apiKeys: { test: "secret" } },
    logger: createLogger({ level: "silent" }),
    ...options,
  });
  const srv = await sdk.listen({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => srv.close());
  return { sdk, srv };
}

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await createTcpProxy({ port });
  cleanups.push(() => proxy.close());
  return proxy;
}

function connect(options: Partial<ClientOptions> & { url: string }): BackchannelClient {
  const client = createClient({
    WebSocket,
    token: "secret",
    reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0.5 },
    ...options,
  });
  cleanups.push(() => client.close());
  return client;
}

/** Collects every (event, seq) a run delivers. */
function record(run: RunHandle) {
  const seen: { seq: number; event: BaseEvent }[] = [];
  run.on((event, seq) => seen.push({ seq, event }));
  return seen;
}

/**
 * The seqs a run delivered must rise strictly up to `total`; frames the server merged on replay
 * (`first..seq`) make the list skip, which is why text is compared separately.
 */
function expectOrderedSeqs(seen: { seq: number; event: BaseEvent }[], total: number) {
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
  expect(seen.at(-1)!.seq).toBe(total);
  const types = seen.map((s) => s.event.type as string);
  for (const once of ["RUN_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_END", "RUN_FINISHED"]) {
    expect(types.filter((t) => t === once)).toHaveLength(1);
  }
}

function transcript(events: { event: BaseEvent }[]): string {
  const fold = createFoldState();
  for (const { event } of events) foldEvent(fold, event);
  return foldSnapshot(fold)
    .messages.map((m) => String(m.content))
    .join("|");
}

const tokens = (count: number) => Array.from({ length: count }, (_, i) => `t${i} `).join("");

describe("client ↔ server", () => {
  it("streams a run: contiguous seqs from RUN_STARTED to RUN_FINISHED", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const run = client.startRun({ agent: "streamer", input: { forwardedProps: { count: 5 } } });
    const seen = record(run);
    const result = await run.done;
    expect(result.status).toBe("finished");
    expect(seen.map((s) => s.seq)).toEqual(seen.map((_, i) => i + 1));
    expect(seen[0]!.event.type).toBe("RUN_STARTED");
    expect(seen.at(-1)!.event.type).toBe("RUN_FINISHED");
    expect(transcript(seen)).toBe(tokens(5));
    expect(client.ready).toMatchObject({ principal: { id: "apikey:test", kind: "api_key" } });
    expect(client.ready?.agents.map((a) => a.name)).toContain("streamer");
  });

  it("cancels a run: RUN_FINISHED with outcome cancelled and the agent's signal fires", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const aborted = hanger.aborted;
    const run = client.startRun({ agent: "hanger" });
    await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThanOrEqual(2));
    run.cancel();
    const result = await run.done;
    expect(result.status).toBe("cancelled");
    expect(result.outcome).toEqual({ type: "cancelled" });
    expect(hanger.aborted).toBe(aborted + 1);
  });

  it("runs many runs at once on one socket, each in order", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const runs = Array.from({ length: 8 }, (_, i) =>
      client.startRun({ agent: "streamer", input: { forwardedProps: { count: 10 + i, delayMs: 1 } } }),
    );
    const seen = runs.map(record);
    await Promise.all(runs.map((r) => r.done));
    runs.forEach((run, i) => {
      expect(run.status).toBe("finished");
      // Eight runs share one reader in this process: it may be behind for a moment and get deltas
      // merged (first..seq), so seqs rise strictly to the end and the text is compared exactly.
      expectOrderedSeqs(seen[i]!, run.lastSeq);
      expect(transcript(seen[i]!)).toBe(tokens(10 + i));
    });
  });

  it("reports RUN_ERROR as a failed run with the agent's message", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const result = await client.startRun({ agent: "thrower" }).done;
    expect(result.status).toBe("error");
    expect(result.error).toMatchObject({
      code: "run_failed",
      message: expect.stringMatching(/^The agent failed \(error id [0-9a-f-]{36}\)/),
    });
  });

  it("fails a run for an unknown agent with unknown_agent", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const result = await client.startRun({ agent: "nobody" }).done;
    expect(result.error?.code).toBe("unknown_agent");
    expect(result.error?.message).toMatch(/Available: .*streamer/);
  });

  it("authenticates with an auth frame in authMode 'frame'", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl, authMode: "frame" });
    expect((await client.startRun({ agent: "streamer" }).done).status).toBe("finished");
  });
});

describe("client ↔ server: failures", () => {
  it("reconnects through cut connections mid-run with an exact transcript: no gap, no duplicate", async () => {
    const { srv } = await startServer();
    const proxy = await proxyTo(srv.port);
    const getToken = vi.fn(async () => "secret");
    const client = connect({ url: proxy.url("/copilotkit/ws"), getToken });
    const count = 150;
    const run = client.startRun({ agent: "streamer", input: { forwardedProps: { count, delayMs: 2 } } });
    const seen = record(run);
    for (const at of [10, 50, 100]) {
      await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThanOrEqual(at), { timeout: 10_000 });
      proxy.cut();
    }
    const result = await run.done;
    expect(result.status).toBe("finished");
    expectOrderedSeqs(seen, count + 4); // RUN_STARTED, START, count deltas, END, RUN_FINISHED
    expect(transcript(seen)).toBe(tokens(count));
    // A fresh token for every connection, first and reconnects alike.
    expect(proxy.accepted).toBeGreaterThanOrEqual(4);
    expect(getToken).toHaveBeenCalledTimes(proxy.accepted);
  });

  it("re-sends a run whose frame may have been lost, without starting it twice", async () => {
    const { srv, sdk } = await startServer();
    const proxy = await proxyTo(srv.port);
    const client = connect({ url: proxy.url("/copilotkit/ws") });
    await vi.waitFor(() => expect(client.connectionState).toBe("connected"));
    const run = client.startRun({ agent: "streamer", input: { forwardedProps: { count: 20, delayMs: 2 } } });
    proxy.cut(); // right after sending: did the run frame arrive? The client cannot know.
    const seen = record(run);
    await run.done;
    expect(transcript(seen)).toBe(tokens(20));
    expectOrderedSeqs(seen, 24);
    expect(sdk.stats().runs).toBeLessThanOrEqual(1);
  });

  it("detects a half-open connection by silence and resumes", async () => {
    const { srv } = await startServer({ heartbeatMs: 50, idleTimeoutMs: 250 });
    const proxy = await proxyTo(srv.port);
    const client = connect({ url: proxy.url("/copilotkit/ws") });
    const states: string[] = [];
    client.subscribe(() => states.push(client.connectionState));
    const run = client.startRun({ agent: "streamer", input: { forwardedProps: { count: 100, delayMs: 5 } } });
    const seen = record(run);
    await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThanOrEqual(10));
    proxy.blackhole(true);
    await vi.waitFor(() => expect(states).toContain("reconnecting"), { timeout: 5000 });
    proxy.blackhole(false);
    expect((await run.done).status).toBe("finished");
    expect(transcript(seen)).toBe(tokens(100));
    expectOrderedSeqs(seen, 104);
  });

  it("queues runs while the server is unreachable and sends them once it is back", async () => {
    const { srv } = await startServer();
    const proxy = await proxyTo(srv.port);
    proxy.refuse(true);
    const client = connect({ url: proxy.url("/copilotkit/ws") });
    const run = client.startRun({ agent: "streamer", input: { forwardedProps: { count: 3 } } });
    await vi.waitFor(() => expect(client.getSnapshot().attempt).toBeGreaterThanOrEqual(2));
    expect(client.connectionState).toBe("connecting");
    expect(client.error?.code).toBe("connection_failed");
    expect(run.status).toBe("pending");
    proxy.refuse(false);
    expect((await run.done).status).toBe("finished");
    expect(client.connectionState).toBe("connected");
    expect(client.error).toBeNull();
  });

  it("goes disconnected with auth_failed on a bad token (one retry with a fresh token)", async () => {
    const { srv } = await startServer();
    const proxy = await proxyTo(srv.port);
    const getToken = vi.fn(async () => "wrong");
    const client = connect({ url: proxy.url("/copilotkit/ws"), getToken, token: undefined });
    const run = client.startRun({ agent: "streamer" });
    const result = await run.done;
    expect(result.error?.code).toBe("auth_failed");
    expect(client.connectionState).toBe("disconnected");
    expect(client.error).toMatchObject({ code: "auth_failed", closeCode: 1008 });
    expect(client.error?.message).toMatch(/Invalid or missing API key/);
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(proxy.accepted).toBe(2);
  });

  it("reconnects after a 1001 shutdown and fails a run the next server does not know with resume_unavailable", async () => {
    const first = await startServer({ shutdownDeadlineMs: 50 });
    const second = await startServer();
    const proxy = await proxyTo(first.srv.port);
    const errors: string[] = [];
    const client = connect({ url: proxy.url("/copilotkit/ws"), onError: (e) => errors.push(e.code) });
    const run = client.startRun({ agent: "hanger" });
    await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThanOrEqual(1));
    proxy.retarget(second.srv.port);
    await first.sdk.close();
    const result = await run.done;
    expect(result.status).toBe("error");
    expect(result.error?.code).toBe("resume_unavailable");
    expect(errors).toContain("resume_unavailable");
    expect(client.connectionState).toBe("connected");
  });
});

describe("client ↔ server: expiring tokens", () => {
  const secret = "a-test-secret-that-is-long-enough-for-hs256!";
  const jwt = (sub: string, seconds: number) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
      .sign(new TextEncoder().encode(secret));

  it("refreshes a JWT over the live socket before it expires, keeping the run streaming", async () => {
    const { srv } = await startServer({ auth: { jwt: { secret, clockToleranceSec: 0 } } });
    const getToken = vi.fn(() => jwt("user-1", 2));
    const client = connect({ url: srv.wsUrl, token: undefined, getToken, refreshBeforeExpiryMs: 1000 });
    const run = client.startRun({
      agent: "streamer",
      input: { forwardedProps: { count: 120, delayMs: 25 } },
    });
    const seen = record(run);
    const states: string[] = [];
    client.subscribe(() => states.push(client.connectionState));
    await vi.waitFor(() => expect(client.ready?.principal.id).toBe("user:user-1"));
    const firstExpiry = client.ready!.expiresAt!;
    // Well past the first token's expiry: the socket must still be the same one.
    await vi.waitFor(() => expect(client.ready!.expiresAt!).toBeGreaterThan(firstExpiry), { timeout: 5000 });
    expect((await run.done).status).toBe("finished");
    expect(transcript(seen)).toBe(tokens(120));
    expect(states).not.toContain("reconnecting");
    expect(getToken.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it("goes disconnected with auth_failed when a fixed token expires (server closes 1008)", async () => {
    const { srv } = await startServer({ auth: { jwt: { secret, clockToleranceSec: 0 } } });
    // exp is in whole seconds: "+2" lives 1-2 s, long enough to authenticate on a loaded machine
    // (with "+1" it could expire within milliseconds of being signed).
    const client = connect({ url: srv.wsUrl, token: await jwt("user-2", 2) });
    const states: string[] = [];
    client.subscribe(() => states.push(client.connectionState));
    await vi.waitFor(() => expect(client.connectionState).toBe("disconnected"), { timeout: 8000 });
    // It was connected before the token expired, and never tried again with the dead token.
    expect(states).toContain("connected");
    expect(states).not.toContain("reconnecting");
    expect(client.error).toMatchObject({ code: "auth_failed", closeCode: 1008 });
    expect(client.error?.message).toMatch(/expired/i);
  });
});

describe("AgentThread ↔ server", () => {
  it("attaches to a run started elsewhere (e.g. before a page reload) and folds it from the start", async () => {
    const { srv } = await startServer();
    const tab1 = connect({ url: srv.wsUrl });
    const run = tab1.startRun({ agent: "streamer", input: { forwardedProps: { count: 30, delayMs: 2 } } });
    await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThanOrEqual(5));
    tab1.close(); // the page goes away; the run keeps going on the server
    const tab2 = connect({ url: srv.wsUrl });
    const thread = new AgentThread({
      client: tab2,
      agent: "streamer",
      threadId: run.threadId,
      throttleMs: 0,
    });
    cleanups.push(() => thread.dispose());
    const result = await thread.attachRun(run.runId);
    expect(result.status).toBe("finished");
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual([tokens(30)]);
  });

  it("attaches to a run its own client is already following, replaying what it missed", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const run = client.startRun({ agent: "streamer", input: { forwardedProps: { count: 30, delayMs: 2 } } });
    await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThanOrEqual(5));
    const thread = new AgentThread({ client, agent: "streamer", throttleMs: 0 });
    cleanups.push(() => thread.dispose());
    expect((await thread.attachRun(run.runId)).status).toBe("finished");
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual([tokens(30)]);
  });

  it("round-trips a client tool through the real server's validation and folds state deltas", async () => {
    const { srv } = await startServer();
    const client = connect({ url: srv.wsUrl });
    const thread = new AgentThread({ client, agent: "assistant", throttleMs: 0 });
    cleanups.push(() => thread.dispose());
    thread.registerTool({
      name: "lookup",
      description: "Looks up a fund",
      parameters: { type: "object", properties: { fund: { type: "string" } } },
      handler: async ({ fund }: { fund: string }) => ({ fund, nav: 99 }),
    });
    thread.addContext({ description: "page", value: "portfolio" });
    const result = await thread.sendMessage({ content: "please lookup" });
    expect(result.status).toBe("finished");
    const messages = thread.getSnapshot().messages as (Message & Record<string, any>)[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(messages.at(-1)!.content).toBe('tool said {"fund":"F1","nav":99}');
    expect(thread.getSnapshot().state).toEqual({ turns: 3 });
    expect(thread.getSnapshot().error).toBeNull();
    await thread.sendMessage({ content: "thanks" });
    expect(thread.getSnapshot().messages.at(-1)!.content).toBe("you said thanks");
    expect(thread.getSnapshot().state).toEqual({ turns: 5 });
  });
});
