/**
 * `client.joinThread` and `AgentThread({ follow: true })` against a real server over real
 * sockets: two tabs of one user on one thread. The second tab joins a run mid-stream and
 * gets it from its start, sees the first tab's next run live with its question, loses its
 * connection mid-run (a TCP proxy cut) and resumes with no gap and no duplicate; another
 * user's join is refused with `forbidden`; a store outage is `unavailable` and retried.
 */
import type { BaseEvent } from "@ag-ui/core";
import {
  AgentThread,
  type BackchannelClient,
  type BackchannelError,
  createClient,
  type FollowedRun,
} from "@backchannel/client";
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { streamer } from "./helpers/agents.js";
import { createTcpProxy } from "./helpers/tcp-proxy.js";

const KEYS = { alice: "alice-key-0000000000", bob: "bob-key-00000000000000" };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(options: Partial<ConstructorParameters<typeof CopilotKitSDK>[0]> = {}) {
  const sdk = new CopilotKitSDK({
    agents: [streamer] as never,
    auth: { apiKeys: KEYS },
    logger: pino({ level: "silent" }),
    dataDir: ":memory:",
    ...options,
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

function tab(
  url: string,
  who: keyof typeof KEYS,
  onError?: (e: BackchannelError) => void,
): BackchannelClient {
  const client = createClient({
    url,
    token: KEYS[who],
    WebSocket: WebSocket as never,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    ...(onError ? { onError } : {}),
  });
  cleanups.push(() => client.close());
  return client;
}

const tokens = (count: number) => Array.from({ length: count }, (_, i) => `t${i} `).join("");
const textOf = (events: BaseEvent[]) =>
  events
    .filter((e) => e.type === "TEXT_MESSAGE_CONTENT")
    .map((e) => (e as BaseEvent & { delta: string }).delta)
    .join("");

/** Every event of `run` with its seq, from the first the handle holds to the end. */
function collect(run: FollowedRun) {
  const seen: { seq: number; event: BaseEvent }[] = [];
  run.handle.on((event, seq) => seen.push({ seq, event }), { replay: true });
  return seen;
}

/**
 * The run from its first event to its last, each once: RUN_STARTED first, the terminal event
 * last at `lastSeq`, seqs increasing (a replay may merge consecutive text deltas into one
 * frame, so seqs can skip; the text shows nothing was lost or repeated).
 */
function expectWhole(seen: { seq: number; event: BaseEvent }[], lastSeq: number, count: number) {
  expect(seen[0]?.event.type).toBe("RUN_STARTED");
  expect(seen.at(-1)).toMatchObject({ seq: lastSeq, event: { type: "RUN_FINISHED" } });
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
  expect(textOf(seen.map((e) => e.event))).toBe(tokens(count));
}

describe("client.joinThread", () => {
  it("tab B joins tab A's run mid-stream and gets all of it; A's next run shows up in B with its question", async () => {
    const srv = await serve();
    const a = tab(srv.wsUrl, "alice");
    const b = tab(srv.wsUrl, "alice");
    const threadId = `two-tabs-${Date.now()}`;
    const question = { id: "q1", role: "user" as const, content: "count to 40" };
    const first = a.startRun({
      agent: "streamer",
      input: { threadId, messages: [question], forwardedProps: { count: 40, delayMs: 10 } },
    });
    await vi.waitFor(() => expect(first.lastSeq).toBeGreaterThanOrEqual(8));

    const announced: FollowedRun[] = [];
    const follow = b.joinThread(threadId, { onRun: (run) => announced.push(run) });
    expect(follow.status).toBe("joining");
    const inFlight = await follow.joined;
    expect(follow.status).toBe("joined");
    expect(inFlight).toEqual([expect.objectContaining({ runId: first.runId, agent: "streamer" })]);
    await vi.waitFor(() => expect(announced).toHaveLength(1));
    const followed = announced[0]!;
    expect(followed).toMatchObject({ runId: first.runId, threadId, agent: "streamer", messages: [question] });
    expect(b.getRun(first.runId)).toBe(followed.handle);
    const seenB = collect(followed);
    const [resultA, resultB] = await Promise.all([first.done, followed.handle.done]);
    expect(resultB).toMatchObject({ status: "finished", lastSeq: resultA.lastSeq });
    expectWhole(seenB, resultA.lastSeq, 40);

    // A's next run is announced to B, with the message that started it, and streamed live.
    const q2 = { id: "q2", role: "user" as const, content: "again" };
    const second = a.startRun({
      agent: "streamer",
      input: { threadId, messages: [question, q2], forwardedProps: { count: 30, delayMs: 10 } },
    });
    await vi.waitFor(() => expect(announced).toHaveLength(2));
    expect(announced[1]).toMatchObject({ runId: second.runId, messages: [question, q2] });
    // Live: B has it before it ends.
    expect(announced[1]!.handle.status).not.toMatch(/finished/);
    const seen2 = collect(announced[1]!);
    const [r2a] = await Promise.all([second.done, announced[1]!.handle.done]);
    expectWhole(seen2, r2a.lastSeq, 30);
    expect(follow.runs).toEqual([]);

    // A tab is never told about its own runs: B's run does not come back to B.
    const own = b.startRun({ agent: "streamer", input: { threadId, forwardedProps: { count: 2 } } });
    await own.done;
    expect(announced.map((r) => r.runId)).not.toContain(own.runId);

    // After leave(), nothing more is announced.
    follow.leave();
    expect(follow.status).toBe("closed");
    const third = a.startRun({ agent: "streamer", input: { threadId, forwardedProps: { count: 2 } } });
    await third.done;
    await new Promise((r) => setTimeout(r, 50));
    expect(announced).toHaveLength(2);
    expect(b.getRun(third.runId)).toBeUndefined();
  });

  it("tab B's connection is cut mid-run: it joins again and the run continues with no gap and no duplicate", async () => {
    const srv = await serve();
    const proxy = await createTcpProxy({ port: Number(new URL(srv.wsUrl).port) });
    cleanups.push(() => proxy.close());
    const a = tab(srv.wsUrl, "alice");
    const b = tab(proxy.url("/copilotkit/ws"), "alice");
    const threadId = `cut-${Date.now()}`;
    const announced: FollowedRun[] = [];
    const follow = b.joinThread(threadId, { onRun: (run) => announced.push(run) });
    expect(await follow.joined).toEqual([]);

    const run = a.startRun({
      agent: "streamer",
      input: { threadId, forwardedProps: { count: 80, delayMs: 5 } },
    });
    await vi.waitFor(() => expect(announced).toHaveLength(1));
    const seen = collect(announced[0]!);
    await vi.waitFor(() => expect(announced[0]!.handle.lastSeq).toBeGreaterThanOrEqual(10));
    const states: string[] = [];
    b.subscribe(() => {
      if (states.at(-1) !== b.connectionState) states.push(b.connectionState);
    });
    proxy.cut();
    await vi.waitFor(() => expect(states).toEqual(["reconnecting", "connected"]));
    const cutAt = announced[0]!.handle.lastSeq;
    const [resultA, resultB] = await Promise.all([run.done, announced[0]!.handle.done]);
    expect(resultB.status).toBe("finished");
    // The cut came mid-run: part of the run arrived after the reconnect.
    expect(cutAt).toBeLessThan(resultA.lastSeq);
    expectWhole(seen, resultA.lastSeq, 80);
    // The re-join announced nothing new: still the one run, one handle.
    expect(announced).toHaveLength(1);

    // Still following after the reconnect: the next run shows up.
    const next = a.startRun({ agent: "streamer", input: { threadId, forwardedProps: { count: 3 } } });
    await vi.waitFor(() => expect(announced.map((r) => r.runId)).toContain(next.runId));
    expect(follow.status).toBe("joined");
  });

  it("a followed run that ended while tab B was offline is resumed for its rest after the re-join", async () => {
    const srv = await serve();
    const proxy = await createTcpProxy({ port: Number(new URL(srv.wsUrl).port) });
    cleanups.push(() => proxy.close());
    const a = tab(srv.wsUrl, "alice");
    const b = tab(proxy.url("/copilotkit/ws"), "alice");
    const threadId = `offline-${Date.now()}`;
    const announced: FollowedRun[] = [];
    const follow = b.joinThread(threadId, { onRun: (run) => announced.push(run) });
    await follow.joined;
    const run = a.startRun({
      agent: "streamer",
      input: { threadId, forwardedProps: { count: 40, delayMs: 5 } },
    });
    await vi.waitFor(() => expect(announced[0]?.handle.lastSeq).toBeGreaterThanOrEqual(5));
    const seen = collect(announced[0]!);
    proxy.refuse(true);
    proxy.cut();
    const resultA = await run.done;
    expect(announced[0]!.handle.lastSeq).toBeLessThan(resultA.lastSeq);
    proxy.refuse(false);
    expect((await announced[0]!.handle.done).status).toBe("finished");
    expectWhole(seen, resultA.lastSeq, 40);
    expect(announced).toHaveLength(1);
    expect(follow.status).toBe("joined");
  });

  it("joinThread twice on one thread shares the join: the second caller gets the runs in flight; the last leave() leaves", async () => {
    const srv = await serve();
    const a = tab(srv.wsUrl, "alice");
    const b = tab(srv.wsUrl, "alice");
    const threadId = `shared-${Date.now()}`;
    const first: string[] = [];
    const one = b.joinThread(threadId, { onRun: (run) => first.push(run.runId) });
    await one.joined;
    const run = a.startRun({
      agent: "streamer",
      input: { threadId, forwardedProps: { count: 30, delayMs: 5 } },
    });
    await vi.waitFor(() => expect(first).toEqual([run.runId]));
    const second: FollowedRun[] = [];
    const two = b.joinThread(threadId, { onRun: (r) => second.push(r) });
    expect((await two.joined).map((r) => r.runId)).toEqual([run.runId]);
    await vi.waitFor(() => expect(second.map((r) => r.runId)).toEqual([run.runId]));
    expect(second[0]!.handle).toBe(b.getRun(run.runId));
    await run.done;

    one.leave();
    expect(one.status).toBe("closed");
    expect(two.status).toBe("joined");
    const next = a.startRun({ agent: "streamer", input: { threadId, forwardedProps: { count: 2 } } });
    await vi.waitFor(() => expect(second.map((r) => r.runId)).toContain(next.runId));
    expect(first).toEqual([run.runId]);
    await next.done;
    two.leave();
    const last = a.startRun({ agent: "streamer", input: { threadId, forwardedProps: { count: 2 } } });
    await last.done;
    await new Promise((r) => setTimeout(r, 50));
    expect(b.getRun(last.runId)).toBeUndefined();
    expect(second).toHaveLength(2);
  });

  it("another user's join is refused with forbidden; a store outage is unavailable and retried", async () => {
    const srv = await serve();
    const a = tab(srv.wsUrl, "alice");
    const threadId = `private-${Date.now()}`;
    await a.startRun({ agent: "streamer", input: { threadId } }).done;

    const errors: BackchannelError[] = [];
    const bob = tab(srv.wsUrl, "bob");
    const follow = bob.joinThread(threadId, { onError: (e) => errors.push(e) });
    await expect(follow.joined).rejects.toMatchObject({ name: "BackchannelError", code: "forbidden" });
    expect(follow.status).toBe("closed");
    expect(follow.error?.code).toBe("forbidden");
    expect(errors.map((e) => e.code)).toEqual(["forbidden"]);

    const down = await serve({ dataDir: undefined, databaseUrl: "postgres://postgres@127.0.0.1:1/nowhere" });
    const failures: BackchannelError[] = [];
    const client = tab(down.wsUrl, "alice");
    const waiting = client.joinThread("t-down", { onError: (e) => failures.push(e) });
    await vi.waitFor(() => expect(failures.map((e) => e.code)).toEqual(["unavailable"]));
    expect(waiting.status).toBe("joining");
    expect(waiting.error?.code).toBe("unavailable");
    waiting.leave();
    await expect(waiting.joined).rejects.toMatchObject({ code: "client_closed" });
  });
});

describe("client.joinThread over the HTTP/SSE transport", () => {
  it("is refused with bad_request (the HTTP binding cannot follow), while attachRun still works", async () => {
    const srv = await serve();
    const threadId = `sse-${Date.now()}`;
    const a = tab(srv.wsUrl, "alice");
    const run = a.startRun({
      agent: "streamer",
      input: { threadId, forwardedProps: { count: 20, delayMs: 5 } },
    });
    await vi.waitFor(() => expect(run.lastSeq).toBeGreaterThan(2));
    const sse = createClient({ url: srv.wsUrl, transport: "sse", token: KEYS.alice });
    cleanups.push(() => sse.close());
    const errors: BackchannelError[] = [];
    const follow = sse.joinThread(threadId, { onError: (e) => errors.push(e) });
    await expect(follow.joined).rejects.toMatchObject({ code: "bad_request" });
    expect(errors[0]?.message).toMatch(/WebSocket transport/);
    const attached = sse.attachRun(run.runId, { threadId });
    expect((await attached.done).status).toBe("finished");
    expect(attached.lastSeq).toBe((await run.done).lastSeq);
  });
});

describe("AgentThread({ follow: true })", () => {
  const shown = (thread: AgentThread) =>
    thread
      .getSnapshot()
      .messages.map((m) => `${m.role}:${typeof m.content === "string" ? m.content.trim() : ""}`);

  function open(client: BackchannelClient, threadId: string, count: number) {
    const errors: BackchannelError[] = [];
    const thread = new AgentThread({
      client,
      agent: "streamer",
      threadId,
      follow: true,
      throttleMs: 0,
      forwardedProps: { count, delayMs: 8 },
      onError: (e) => errors.push(e),
    });
    cleanups.push(() => thread.dispose());
    return { thread, errors };
  }

  it("two tabs show one conversation: a run in flight from its start, each other's runs live, none twice", async () => {
    const srv = await serve();
    const proxy = await createTcpProxy({ port: Number(new URL(srv.wsUrl).port) });
    cleanups.push(() => proxy.close());
    const threadId = `tabs-${Date.now()}`;
    const a = open(tab(srv.wsUrl, "alice"), threadId, 40);
    await a.thread.following!.joined;
    const sentA = a.thread.sendMessage({ content: "first question" });
    await vi.waitFor(() => expect(shown(a.thread).at(-1)).toMatch(/^assistant:t0 t1 t2/));

    // Tab B opens the thread while A's answer streams: the question, then the whole answer.
    const b = open(tab(proxy.url("/copilotkit/ws"), "alice"), threadId, 30);
    await vi.waitFor(() => expect(b.thread.getSnapshot().isRunning).toBe(true));
    expect(shown(b.thread)[0]).toBe("user:first question");
    await sentA;
    await vi.waitFor(() => expect(b.thread.getSnapshot().isRunning).toBe(false));
    expect(shown(a.thread)).toEqual(["user:first question", `assistant:${tokens(40).trim()}`]);
    expect(b.thread.getSnapshot().messages).toEqual(a.thread.getSnapshot().messages);

    // B asks; A sees B's question and the answer while it streams; B's connection is cut
    // mid-answer and B's own run resumes; neither tab shows anything twice.
    const sentB = b.thread.sendMessage({ content: "second question" });
    await vi.waitFor(() => expect(a.thread.getSnapshot().isRunning).toBe(true));
    expect(shown(a.thread).at(2)).toBe("user:second question");
    await vi.waitFor(() => expect(shown(b.thread).at(-1)).toMatch(/^assistant:t0 t1 t2/));
    proxy.cut();
    expect((await sentB).status).toBe("finished");
    await vi.waitFor(() => expect(a.thread.getSnapshot().isRunning).toBe(false));
    const expected = [
      "user:first question",
      `assistant:${tokens(40).trim()}`,
      "user:second question",
      `assistant:${tokens(30).trim()}`,
    ];
    expect(shown(b.thread)).toEqual(expected);
    expect(shown(a.thread)).toEqual(expected);
    expect(a.thread.getSnapshot().messages).toEqual(b.thread.getSnapshot().messages);

    // A asks while B is cut off: B rejoins and shows A's run from its start.
    const sentA2 = a.thread.sendMessage({ content: "third question" });
    await vi.waitFor(() => expect(shown(a.thread).at(-1)).toMatch(/^assistant:t0 t1/));
    proxy.cut();
    await sentA2;
    await vi.waitFor(() => expect(shown(b.thread)).toEqual(shown(a.thread)));
    expect(shown(b.thread)).toHaveLength(6);
    expect(b.thread.getSnapshot().isRunning).toBe(false);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("a message sent while another tab's run streams waits for it, then goes with it in the transcript", async () => {
    const srv = await serve();
    const threadId = `queue-${Date.now()}`;
    const a = open(tab(srv.wsUrl, "alice"), threadId, 30);
    const b = open(tab(srv.wsUrl, "alice"), threadId, 2);
    await Promise.all([a.thread.following!.joined, b.thread.following!.joined]);
    const sentA = a.thread.sendMessage({ content: "long one" });
    await vi.waitFor(() => expect(b.thread.getSnapshot().isRunning).toBe(true));
    const sentB = b.thread.sendMessage({ content: "short one" });
    expect(b.thread.getSnapshot().queuedMessages.map((m) => m.content)).toEqual(["short one"]);
    await sentA;
    expect((await sentB).status).toBe("finished");
    await vi.waitFor(() => expect(a.thread.getSnapshot().messages).toHaveLength(4));
    await vi.waitFor(() => expect(a.thread.getSnapshot().isRunning).toBe(false));
    const expected = ["user:long one", `assistant:${tokens(30).trim()}`, "user:short one", "assistant:t0 t1"];
    expect(shown(b.thread)).toEqual(expected);
    expect(shown(a.thread)).toEqual(expected);
  });

  it("another user's thread: the join is refused with forbidden through onError", async () => {
    const srv = await serve();
    const threadId = `theirs-${Date.now()}`;
    await tab(srv.wsUrl, "alice").startRun({ agent: "streamer", input: { threadId } }).done;
    const bob = open(tab(srv.wsUrl, "bob"), threadId, 1);
    await expect(bob.thread.following!.joined).rejects.toMatchObject({ code: "forbidden" });
    expect(bob.errors.map((e) => e.code)).toEqual(["forbidden"]);
  });
});
