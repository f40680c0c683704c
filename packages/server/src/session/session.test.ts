import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer, runInput, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";

const KEY = "test-key-0123456789";
let sdk: CopilotKitSDK;
let srv: ListeningServer;
const auth = { headers: { authorization: `Bearer ${KEY}` } };

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: { tests: KEY } },
    logger: pino({ level: "silent" }),
    limits: { maxFrameBytes: 64 * 1024, maxRunsPerConnection: 3 },
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

describe("session frames", () => {
  it("sends ready with agents, principal and limits once authenticated", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const ready = peer.frames[0];
    expect(ready).toMatchObject({
      type: "ready",
      protocol: "backchannel.v1",
      principal: { id: "apikey:tests", kind: "api_key" },
      heartbeatMs: 15000,
      idleTimeoutMs: 45000,
      maxFrameBytes: 64 * 1024,
    });
    expect(ready.agents.map((a: any) => a.name)).toContain("streamer");
    expect(typeof ready.sessionId).toBe("string");
    expect(peer.protocol).toBe("backchannel.v1");
    peer.close();
  });

  it("answers ping with pong carrying the same ts", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "ping", ts: 1234 });
    expect(await peer.next((f) => f.type === "pong")).toEqual({ type: "pong", ts: 1234 });
    peer.close();
  });

  it("streams a run with contiguous seq from 1, starting RUN_STARTED and ending RUN_FINISHED", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const runId = startRun(peer, "streamer", { forwardedProps: { count: 20 } });
    const events = await peer.runEvents(runId);
    expect(events.map((f) => f.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events[0].event).toMatchObject({ type: "RUN_STARTED", runId });
    expect(events.at(-1).event).toMatchObject({ type: "RUN_FINISHED", runId });
    const text = events
      .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
      .map((f) => f.event.delta)
      .join("");
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `t${i} `).join(""));
    peer.close();
  });

  it("runs several runs concurrently on one socket, each with its own seq", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const ids = [0, 1, 2].map(() =>
      startRun(peer, "streamer", { forwardedProps: { count: 30, delayMs: 1 } }),
    );
    const all = await Promise.all(ids.map((id) => peer.runEvents(id)));
    for (const events of all) {
      expect(events.map((f) => f.seq)).toEqual(Array.from({ length: 34 }, (_, i) => i + 1));
    }
    // interleaved, not serialized
    const order = peer.frames.filter((f) => f.type === "event").map((f) => f.runId);
    const firstEnd = order.lastIndexOf(ids[0]);
    expect(order.slice(0, firstEnd).some((r) => r === ids[2])).toBe(true);
    peer.close();
  });

  it("turns a throwing agent into RUN_ERROR, closes the open message, and keeps the socket usable", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const runId = startRun(peer, "thrower");
    const events = await peer.runEvents(runId);
    const types = events.map((f) => f.event.type);
    expect(types).toEqual([
      "RUN_STARTED",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "RUN_ERROR",
    ]);
    expect(events.at(-1).event.message).toEqual(
      expect.stringMatching(/^The agent failed \(error id [0-9a-f-]{36}\)/),
    );
    const again = startRun(peer, "streamer");
    expect((await peer.runEvents(again)).at(-1).event.type).toBe("RUN_FINISHED");
    peer.close();
  });

  it("ends a run whose agent emits an invalid AG-UI event with RUN_ERROR code invalid_event", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const runId = startRun(peer, "invalid");
    const last = (await peer.runEvents(runId)).at(-1).event;
    expect(last).toMatchObject({ type: "RUN_ERROR", code: "invalid_event" });
    peer.close();
  });

  it("answers an unknown agent with error unknown_agent naming the available ones", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "run", id: "r1", agent: "nope", input: runInput() });
    const err = await peer.next((f) => f.type === "error");
    expect(err).toMatchObject({ code: "unknown_agent", id: "r1" });
    expect(err.message).toContain("streamer");
    peer.close();
  });

  it("answers a known frame with an invalid body with bad_request and keeps the socket", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "run", id: "r2", agent: "streamer", input: { threadId: "t" } });
    const err = await peer.next((f) => f.type === "error");
    expect(err).toMatchObject({ code: "bad_request", id: "r2" });
    expect(err.message).toMatch(/input\.(runId|messages)/);
    peer.send({ type: "resume", runId: "x", after: -1 });
    expect((await peer.next((f) => f.type === "error" && f.message.includes("after"))).code).toBe(
      "bad_request",
    );
    peer.send({ type: "ping" });
    await peer.next((f) => f.type === "pong");
    peer.close();
  });

  it("closes with 1007 on a frame that is not JSON", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send("{not json");
    expect(await peer.closed).toMatchObject({ code: 1007 });
  });

  it("closes with 1007 on an unknown frame type", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "launch_missiles" });
    const closed = await peer.closed;
    expect(closed.code).toBe(1007);
    expect(closed.reason).toContain("launch_missiles");
  });

  it("closes with 1007 on a binary frame", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await peer.closed).code).toBe(1007);
  });

  it("closes with 1009 on a frame over maxFrameBytes", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "ping", pad: "x".repeat(70 * 1024) });
    expect((await peer.closed).code).toBe(1009);
  });

  it("cancel fires the agent's AbortSignal and ends the run promptly with outcome cancelled", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const before = (testAgents[4] as any).aborted;
    const runId = startRun(peer, "hanger");
    await peer.next((f) => f.type === "event" && f.runId === runId && f.event.type === "STEP_STARTED");
    peer.send({ type: "cancel", runId });
    const last = (await peer.runEvents(runId, 2000)).at(-1).event;
    expect(last).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "cancelled" } });
    expect((testAgents[4] as any).aborted).toBe(before + 1);
    peer.close();
  });

  it("cancel of an unknown run answers unknown_run", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "cancel", runId: "ghost", id: "c1" });
    expect(await peer.next((f) => f.type === "error")).toMatchObject({ code: "unknown_run", id: "c1" });
    peer.close();
  });

  it("refuses more than maxRunsPerConnection runs in flight with too_many_runs", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const ids = [0, 1, 2].map(() => startRun(peer, "hanger"));
    const fourth = startRun(peer, "hanger");
    expect(await peer.next((f) => f.type === "error")).toMatchObject({
      code: "too_many_runs",
      runId: fourth,
    });
    for (const runId of ids) peer.send({ type: "cancel", runId });
    await Promise.all(ids.map((id) => peer.runEvents(id)));
    peer.close();
  });

  it("a disconnect does not cancel the run; resume replays after `after` then continues live with no gap or duplicate", async () => {
    const first = await connectPeer(srv.wsUrl, auth);
    const runId = startRun(first, "streamer", { forwardedProps: { count: 60, delayMs: 5 } });
    await first.next((f) => f.type === "event" && f.runId === runId && f.seq === 10);
    first.ws.terminate();
    const seen = first.frames.filter((f) => f.type === "event" && f.runId === runId);
    const after = seen.at(-1).seq;
    const second = await connectPeer(srv.wsUrl, auth);
    second.send({ type: "resume", runId, after });
    const rest = await second.runEvents(runId);
    const all = [...seen, ...rest];
    // A resume that lands late may merge consecutive text deltas into one frame (first..seq,
    // docs/protocol.md "Merged text deltas"): the frames must still cover 1..last exactly once.
    const covered = all.flatMap((f) =>
      Array.from({ length: f.seq - (f.first ?? f.seq) + 1 }, (_, i) => (f.first ?? f.seq) + i),
    );
    expect(covered).toEqual(Array.from({ length: covered.length }, (_, i) => i + 1));
    expect(all.at(-1).event.type).toBe("RUN_FINISHED");
    const text = all
      .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
      .map((f) => f.event.delta)
      .join("");
    expect(text).toBe(Array.from({ length: 60 }, (_, i) => `t${i} `).join(""));
    second.close();
  });

  it("a repeated run frame with the same runId is served as a resume, never a second run", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    const input = runInput({ forwardedProps: { count: 3 } });
    peer.send({ type: "run", id: "a", agent: "streamer", input });
    await peer.runEvents(input.runId);
    const other = await connectPeer(srv.wsUrl, auth);
    other.send({ type: "run", id: "b", agent: "streamer", input });
    const replay = await other.runEvents(input.runId);
    const original = peer.frames.filter((f) => f.runId === input.runId);
    // A replay may merge consecutive text deltas (first..seq); the transcript is identical.
    const text = (fs: any[]) =>
      fs
        .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
        .map((f) => f.event.delta)
        .join("");
    expect(text(replay)).toBe(text(original));
    expect(replay.map((f) => f.event.type).filter((t) => t !== "TEXT_MESSAGE_CONTENT")).toEqual(
      original.map((f) => f.event.type).filter((t) => t !== "TEXT_MESSAGE_CONTENT"),
    );
    expect(replay.at(-1).seq).toBe(original.at(-1).seq);
    expect(sdk.registry.byThread(input.threadId)).toHaveLength(1);
    peer.close();
    other.close();
  });

  it("answers resume_unavailable for an unknown run", async () => {
    const peer = await connectPeer(srv.wsUrl, auth);
    peer.send({ type: "resume", runId: "never-was", after: 0 });
    expect(await peer.next((f) => f.type === "error")).toMatchObject({
      code: "resume_unavailable",
      runId: "never-was",
    });
    peer.close();
  });

  it("lets another principal neither resume nor cancel a run", async () => {
    const other = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { apiKeys: { alice: "alice-key-000000000", bob: "bob-key-00000000000" } },
      logger: pino({ level: "silent" }),
    });
    const s = await other.listen({ port: 0 });
    const alice = await connectPeer(s.wsUrl, { headers: { authorization: "Bearer alice-key-000000000" } });
    const bob = await connectPeer(s.wsUrl, { headers: { authorization: "Bearer bob-key-00000000000" } });
    const runId = startRun(alice, "hanger");
    await alice.next((f) => f.runId === runId && f.event?.type === "STEP_STARTED");
    bob.send({ type: "resume", runId, after: 0 });
    expect(await bob.next((f) => f.type === "error")).toMatchObject({ code: "forbidden" });
    bob.send({ type: "cancel", runId, id: "x" });
    expect(await bob.next((f) => f.type === "error" && f.id === "x")).toMatchObject({ code: "forbidden" });
    bob.send({ type: "run", id: "dup", agent: "streamer", input: runInput({ runId }) });
    expect(await bob.next((f) => f.type === "error" && f.id === "dup")).toMatchObject({
      code: "run_conflict",
    });
    expect(bob.frames.some((f) => f.type === "event")).toBe(false);
    alice.send({ type: "cancel", runId });
    await alice.runEvents(runId);
    await s.close();
  });
});
