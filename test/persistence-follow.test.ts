/**
 * Following a thread (`join`): a second tab of the same user sees the run in flight from
 * its start (or from a seq) and every later run, with the message that started it; another
 * user cannot follow; a granted user can. Also across two cluster nodes.
 */
import { CopilotKitSDK, type ThreadAccessPolicy } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { streamer } from "./helpers/agents.js";
import { connectPeer, type Peer, runInput } from "./helpers/ws-peer.js";

const KEYS = {
  alice: "alice-key-0000000000",
  bob: "bob-key-00000000000000",
  carol: "carol-key-000000000000",
};
const as = (who: keyof typeof KEYS) => ({ headers: { authorization: `Bearer ${KEYS[who]}` } });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(threadAccess?: ThreadAccessPolicy) {
  const sdk = new CopilotKitSDK({
    agents: [streamer] as never,
    auth: { apiKeys: KEYS },
    logger: pino({ level: "silent" }),
    dataDir: ":memory:",
    ...(threadAccess ? { threadAccess } : {}),
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

async function peer(url: string, who: keyof typeof KEYS): Promise<Peer> {
  const p = await connectPeer(url, as(who));
  cleanups.push(() => p.close());
  return p;
}

const text = (frames: any[]) =>
  frames
    .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
    .map((f) => f.event.delta)
    .join("");

describe("join: following a thread", () => {
  it("a second tab joins a run in flight from its start, then sees the next run with its question", async () => {
    const srv = await serve();
    const tab1 = await peer(srv.wsUrl, "alice");
    const threadId = `follow-${Date.now()}`;
    const first = runInput({ threadId, forwardedProps: { count: 60, delayMs: 5 } });
    tab1.send({ type: "run", id: "r1", agent: "streamer", input: first });
    await tab1.next((f) => f.type === "event" && f.seq >= 10);

    const tab2 = await peer(srv.wsUrl, "alice");
    tab2.send({ type: "join", threadId, id: "j" });
    const joined = await tab2.next((f) => f.type === "joined");
    expect(joined).toMatchObject({ threadId, id: "j", runs: [{ runId: first.runId, agent: "streamer" }] });
    expect(joined.runs[0].lastSeq).toBeGreaterThanOrEqual(10);
    const announced = await tab2.next((f) => f.type === "thread_run" && f.runId === first.runId);
    expect(announced.messages).toEqual(first.messages);
    const [seen1, seen2] = await Promise.all([tab1.runEvents(first.runId), tab2.runEvents(first.runId)]);
    expect(text(seen2)).toBe(text(seen1));
    expect(seen2.at(-1).seq).toBe(seen1.at(-1).seq);

    // The next run, started in tab 1, is announced to tab 2 and streamed there too.
    const second = runInput({
      threadId,
      messages: [{ id: "u2", role: "user", content: "and again" }],
      forwardedProps: { count: 5 },
    });
    tab1.send({ type: "run", id: "r2", agent: "streamer", input: second });
    const next = await tab2.next((f) => f.type === "thread_run" && f.runId === second.runId);
    expect(next.messages).toEqual([{ id: "u2", role: "user", content: "and again" }]);
    const [a, b] = await Promise.all([tab1.runEvents(second.runId), tab2.runEvents(second.runId)]);
    expect(b.map((f) => f.seq)).toEqual(a.map((f) => f.seq));
    // The tab that started a run is not told about its own run.
    expect(tab1.frames.some((f) => f.type === "thread_run")).toBe(false);

    // After leave, new runs are no longer announced.
    tab2.send({ type: "leave", threadId });
    const third = runInput({ threadId, forwardedProps: { count: 1 } });
    await new Promise((r) => setTimeout(r, 20));
    tab1.send({ type: "run", id: "r3", agent: "streamer", input: third });
    await tab1.runEvents(third.runId);
    await new Promise((r) => setTimeout(r, 50));
    expect(tab2.frames.some((f) => f.runId === third.runId)).toBe(false);
  });

  it("joins from a seq of a run already partly seen, with no duplicate", async () => {
    const srv = await serve();
    const tab1 = await peer(srv.wsUrl, "alice");
    const threadId = `follow-seq-${Date.now()}`;
    const run = runInput({ threadId, forwardedProps: { count: 40, delayMs: 5 } });
    tab1.send({ type: "run", id: "r", agent: "streamer", input: run });
    await tab1.next((f) => f.type === "event" && f.seq >= 8);
    const tab2 = await peer(srv.wsUrl, "alice");
    tab2.send({ type: "join", threadId, runId: run.runId, after: 8 });
    const events = await tab2.runEvents(run.runId);
    expect(events[0].first ?? events[0].seq).toBe(9);
    const all = await tab1.runEvents(run.runId);
    expect(events.at(-1).seq).toBe(all.at(-1).seq);
  });

  it("another user cannot follow a thread unless threadAccess grants it", async () => {
    const grant: ThreadAccessPolicy = (p, _t, action) => p.id === "apikey:carol" && action === "follow";
    const srv = await serve(grant);
    const alice = await peer(srv.wsUrl, "alice");
    const threadId = `private-${Date.now()}`;
    const run = runInput({ threadId, forwardedProps: { count: 30, delayMs: 5 } });
    alice.send({ type: "run", id: "r", agent: "streamer", input: run });
    await alice.next((f) => f.type === "event" && f.seq >= 3);

    const bob = await peer(srv.wsUrl, "bob");
    bob.send({ type: "join", threadId, id: "jb" });
    expect(await bob.next((f) => f.id === "jb")).toMatchObject({ type: "error", code: "forbidden" });
    const carol = await peer(srv.wsUrl, "carol");
    carol.send({ type: "join", threadId, id: "jc" });
    expect(await carol.next((f) => f.id === "jc")).toMatchObject({
      type: "joined",
      runs: [{ runId: run.runId }],
    });
    const events = await carol.runEvents(run.runId);
    expect(events.at(-1).event.type).toBe("RUN_FINISHED");
    expect(bob.frames.some((f) => f.type === "event")).toBe(false);
    // Granting "follow" does not grant "run".
    carol.send({ type: "run", id: "rc", agent: "streamer", input: runInput({ threadId }) });
    expect(await carol.next((f) => f.id === "rc")).toMatchObject({ type: "error", code: "forbidden" });
  });

  it("joining a thread with nothing in flight answers joined with no runs; bad frames get bad_request", async () => {
    const srv = await serve();
    const tab = await peer(srv.wsUrl, "alice");
    tab.send({ type: "join", threadId: "never-used", id: "j" });
    expect(await tab.next((f) => f.id === "j")).toEqual({
      type: "joined",
      threadId: "never-used",
      id: "j",
      runs: [],
    });
    tab.send({ type: "join", threadId: "", id: "bad" });
    expect(await tab.next((f) => f.id === "bad")).toMatchObject({ type: "error", code: "bad_request" });
  });
});
