/**
 * Two (or three) real server processes sharing one Redis: a client moves from one node to
 * another mid-run and gets every event exactly once; a cancel sent to one node stops a run
 * executing on another; rate limits are shared; a SIGKILLed node's run ends with RUN_ERROR
 * on the others, and its partial answer is saved.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  dropSchema,
  postgresAvailable,
  redisAvailable,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueSchema,
} from "../packages/server/test/services.js";
import { buildServer, type ServerProcess, spawnServer } from "../packages/server/test/spawn-server.js";
import { connectPeer, type Peer, runInput } from "./helpers/ws-peer.js";

const ALICE = { headers: { authorization: "Bearer alice-key-0000000000" } };
const redisUp = await redisAvailable();
const pgUp = await postgresAvailable();
const servers: ServerProcess[] = [];
const peers: Peer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.kill();
});

function contentOf(frames: any[]): string {
  return frames
    .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
    .map((f) => f.event.delta)
    .join("");
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `t${i} `).join("");

describe.skipIf(!redisUp)("cluster over Redis", () => {
  const schema = uniqueSchema("bc_cluster");
  let prefix = "";
  beforeAll(() => buildServer(), 180_000);
  afterAll(async () => {
    if (pgUp) await dropSchema(schema);
  });

  async function node(id: string, extra: Record<string, string> = {}) {
    const srv = await spawnServer({
      REDIS_URL: TEST_REDIS_URL,
      BC_NODE_ID: id,
      BC_PREFIX: prefix,
      BC_LEASE_MS: "1500",
      ...(pgUp ? { BC_STORE: `postgres:${schema}`, DATABASE_URL: TEST_DATABASE_URL } : {}),
      ...extra,
    });
    servers.push(srv);
    return srv;
  }

  async function connect(srv: ServerProcess) {
    const peer = await connectPeer(srv.wsUrl, ALICE);
    peers.push(peer);
    return peer;
  }

  it("a client moving to another node mid-run gets every event exactly once", async () => {
    prefix = `bct:${Date.now()}:a:`;
    const [a, b] = await Promise.all([node("a"), node("b")]);
    const onA = await connect(a);
    const input = runInput({ forwardedProps: { count: 300, delayMs: 3 } });
    onA.send({ type: "run", id: "r", agent: "streamer", input });
    await onA.next((f) => f.type === "event" && f.seq >= 40);
    onA.ws.terminate();
    const seen = onA.frames.filter((f) => f.type === "event" && f.runId === input.runId);
    const after = seen.at(-1).seq;

    const onB = await connect(b);
    onB.send({ type: "resume", runId: input.runId, after, id: "res" });
    const rest = await onB.runEvents(input.runId, 15_000);
    const all = [...seen, ...rest];
    // Contiguous 1..N, each exactly once, across both nodes.
    const seqs = all.flatMap((f) => (f.first !== undefined ? range(f.first, f.seq) : [f.seq]));
    expect(seqs).toEqual(range(1, seqs.length));
    expect(all.at(-1).event.type).toBe("RUN_FINISHED");
    expect(contentOf(all)).toBe(expected(300));
    expect(rest.length).toBeGreaterThan(0);
    expect(onB.frames.some((f) => f.type === "error")).toBe(false);
  }, 40_000);

  it("a run started on one node is cancelled from another and its retry resumes there", async () => {
    prefix = `bct:${Date.now()}:b:`;
    const [a, b] = await Promise.all([node("a"), node("b")]);
    const onA = await connect(a);
    const input = runInput({ forwardedProps: { count: 100_000, delayMs: 5 } });
    onA.send({ type: "run", id: "r", agent: "streamer", input });
    await onA.next((f) => f.type === "event" && f.seq >= 5);
    const onB = await connect(b);
    // A client that lost its socket re-sends the same run frame to another node: a resume from 0.
    onB.send({ type: "run", id: "r", agent: "streamer", input });
    await onB.next((f) => f.type === "event" && f.runId === input.runId && f.seq >= 10);
    onB.send({ type: "cancel", runId: input.runId });
    const [fromA, fromB] = await Promise.all([
      onA.runEvents(input.runId, 10_000),
      onB.runEvents(input.runId, 10_000),
    ]);
    expect(fromA.at(-1).event).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "cancelled" } });
    expect(fromB.at(-1).seq).toBe(fromA.at(-1).seq);
    expect(contentOf(fromB)).toBe(contentOf(fromA));
  }, 40_000);

  it("a tab on another node joins a thread: the run in flight and the next run stream there too", async () => {
    prefix = `bct:${Date.now()}:e:`;
    const [a, b] = await Promise.all([node("a"), node("b")]);
    const onA = await connect(a);
    const threadId = `cluster-follow-${Date.now()}`;
    const first = runInput({ threadId, forwardedProps: { count: 80, delayMs: 4 } });
    onA.send({ type: "run", id: "r1", agent: "streamer", input: first });
    await onA.next((f) => f.type === "event" && f.seq >= 5);
    const onB = await connect(b);
    onB.send({ type: "join", threadId, id: "j" });
    expect(await onB.next((f) => f.type === "joined")).toMatchObject({ runs: [{ runId: first.runId }] });
    const [fromA, fromB] = await Promise.all([
      onA.runEvents(first.runId, 10_000),
      onB.runEvents(first.runId, 10_000),
    ]);
    expect(contentOf(fromB)).toBe(contentOf(fromA));
    const second = runInput({ threadId, forwardedProps: { count: 3 } });
    onA.send({ type: "run", id: "r2", agent: "streamer", input: second });
    expect(await onB.next((f) => f.type === "thread_run" && f.runId === second.runId, 10_000)).toMatchObject({
      messages: second.messages,
    });
    const events = await onB.runEvents(second.runId, 10_000);
    expect(contentOf(events)).toBe(expected(3));
  }, 40_000);

  it("shares the run rate limit across nodes", async () => {
    prefix = `bct:${Date.now()}:c:`;
    const env = { BC_RUN_BURST: "3", BC_RUNS_PER_SECOND: "1" };
    const [a, b] = await Promise.all([node("a", env), node("b", env)]);
    const onA = await connect(a);
    const onB = await connect(b);
    const outcomes: string[] = [];
    // Each node alone would allow 1/s plus a burst of 3, i.e. all 8 within a second or two.
    for (const [i, peer] of [onA, onB, onA, onB, onA, onB, onA, onB].entries()) {
      const input = runInput({ forwardedProps: { count: 1 } });
      peer.send({ type: "run", id: `r${i}`, agent: "streamer", input });
      const f = await peer.next(
        (x) => (x.type === "error" && x.id === `r${i}`) || (x.type === "event" && x.runId === input.runId),
      );
      outcomes.push(f.type === "error" ? f.code : "started");
    }
    expect(outcomes.filter((o) => o === "started").length).toBeLessThanOrEqual(5);
    expect(outcomes).toContain("rate_limited");
  }, 40_000);

  it("a killed node's run ends with RUN_ERROR for clients on the other node, and its partial answer is saved", async () => {
    prefix = `bct:${Date.now()}:d:`;
    const [a, b] = await Promise.all([node("a"), node("b")]);
    const onA = await connect(a);
    const input = runInput({
      threadId: `killed-${Date.now()}`,
      forwardedProps: { count: 100_000, delayMs: 5 },
    });
    onA.send({ type: "run", id: "r", agent: "streamer", input });
    await onA.next((f) => f.type === "event" && f.seq >= 20);
    const onB = await connect(b);
    onB.send({ type: "resume", runId: input.runId, after: 0, id: "res" });
    await onB.next((f) => f.type === "event" && f.runId === input.runId && f.seq >= 25);
    await a.kill();
    const events = await onB.runEvents(input.runId, 15_000);
    const last = events.at(-1);
    expect(last.event).toMatchObject({ type: "RUN_ERROR", code: "node_lost" });
    expect(last.event.message).toMatch(/start the run again/);
    const seqs = events.flatMap((f) => (f.first !== undefined ? range(f.first, f.seq) : [f.seq]));
    expect(seqs).toEqual(range(1, seqs.length));
    // A client arriving later on a third node gets the same ending.
    const c = await node("c");
    const onC = await connect(c);
    onC.send({ type: "resume", runId: input.runId, after: 0 });
    const replay = await onC.runEvents(input.runId, 10_000);
    expect(replay.at(-1).seq).toBe(last.seq);
    if (pgUp) {
      let thread: any;
      for (let i = 0; i < 100; i++) {
        thread = await (await fetch(`${b.httpUrl}/copilotkit/threads/${input.threadId}`, ALICE)).json();
        if (thread.lastRunStatus) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(thread).toMatchObject({ lastRunStatus: "error" });
      expect(thread.messages.at(-1)).toMatchObject({ role: "assistant", content: contentOf(events) });
    }
  }, 40_000);
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
