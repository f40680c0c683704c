/**
 * Regression: a user who `join`s a thread id before anyone created it must not receive the
 * runs of whoever creates it later (the eventual owner decides, not the order of arrival),
 * with or without a thread store. And a user granted follow access may resume what it follows.
 */
import { CopilotKitSDK, type ThreadAccessPolicy } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { streamer } from "./helpers/agents.js";
import { connectPeer, type Peer, runInput } from "./helpers/ws-peer.js";

const KEYS = { alice: "alice-key-0000000000", bob: "bob-key-00000000000000" };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(opts: { store?: false; threadAccess?: ThreadAccessPolicy } = {}) {
  const sdk = new CopilotKitSDK({
    agents: [streamer] as never,
    auth: { apiKeys: KEYS },
    logger: pino({ level: "silent" }),
    dataDir: ":memory:",
    ...opts,
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

async function peer(url: string, who: keyof typeof KEYS): Promise<Peer> {
  const p = await connectPeer(url, { headers: { authorization: `Bearer ${KEYS[who]}` } });
  cleanups.push(() => p.close());
  return p;
}

describe("join cannot be used to pre-claim someone else's future thread", () => {
  for (const store of [undefined, false] as const) {
    it(`a follower of a not-yet-existing thread sees none of its later owner's runs (store ${store === false ? "off" : "on"})`, async () => {
      const srv = await serve(store === false ? { store: false } : {});
      const bob = await peer(srv.wsUrl, "bob");
      const threadId = `future-${Math.random().toString(36).slice(2)}`;
      bob.send({ type: "join", threadId, id: "j" });
      expect(await bob.next((f) => f.type === "joined")).toMatchObject({ threadId, runs: [] });

      const alice = await peer(srv.wsUrl, "alice");
      const input = runInput({
        threadId,
        messages: [{ id: "s", role: "user", content: "secret" }],
        forwardedProps: { count: 5 },
      });
      alice.send({ type: "run", id: "r", agent: "streamer", input });
      await alice.runEvents(input.runId);
      // Bob's socket still works, and it received nothing of Alice's run.
      bob.send({ type: "ping", ts: 1 });
      await bob.next((f) => f.type === "pong");
      await new Promise((r) => setTimeout(r, 100));
      expect(bob.frames.filter((f) => f.type === "thread_run" || f.type === "event")).toEqual([]);
      expect(JSON.stringify(bob.frames)).not.toContain("secret");
    });
  }

  it("the owner's other tab that joined early still sees the thread's runs", async () => {
    const srv = await serve();
    const tab2 = await peer(srv.wsUrl, "alice");
    const threadId = `early-${Math.random().toString(36).slice(2)}`;
    tab2.send({ type: "join", threadId });
    await tab2.next((f) => f.type === "joined");
    const tab1 = await peer(srv.wsUrl, "alice");
    const input = runInput({ threadId, forwardedProps: { count: 3 } });
    tab1.send({ type: "run", id: "r", agent: "streamer", input });
    expect(await tab2.next((f) => f.type === "thread_run")).toMatchObject({ threadId, runId: input.runId });
    expect((await tab2.runEvents(input.runId)).at(-1).event.type).toBe("RUN_FINISHED");
  });

  it("a user granted follow access may resume a run it follows, but not one it may not see", async () => {
    const srv = await serve({
      threadAccess: (p, _t, action) => p.id === "apikey:bob" && action === "follow",
    });
    const alice = await peer(srv.wsUrl, "alice");
    const input = runInput({ forwardedProps: { count: 40, delayMs: 5 } });
    alice.send({ type: "run", id: "r", agent: "streamer", input });
    await alice.next((f) => f.type === "event" && f.seq >= 5);
    const bob = await peer(srv.wsUrl, "bob");
    bob.send({ type: "resume", runId: input.runId, after: 3, id: "res" });
    const events = await bob.runEvents(input.runId);
    expect(events[0].first ?? events[0].seq).toBe(4);
    expect(bob.frames.some((f) => f.type === "error")).toBe(false);
  });

  it("without follow access, resume of another user's run stays forbidden", async () => {
    const srv = await serve();
    const alice = await peer(srv.wsUrl, "alice");
    const input = runInput({ forwardedProps: { count: 40, delayMs: 5 } });
    alice.send({ type: "run", id: "r", agent: "streamer", input });
    await alice.next((f) => f.type === "event" && f.seq >= 2);
    const bob = await peer(srv.wsUrl, "bob");
    bob.send({ type: "resume", runId: input.runId, after: 0, id: "res" });
    expect(await bob.next((f) => f.type === "error")).toMatchObject({ code: "forbidden", id: "res" });
  });
});
