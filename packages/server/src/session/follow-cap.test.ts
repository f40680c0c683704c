import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";
import { MAX_FOLLOWED_THREADS } from "./thread-follower.js";

// Issue 11 finding 9: the cap was checked before the access lookup's await, so a burst of
// `join` frames all passed it (a review followed 190 threads on one socket).
const KEY = "follow-cap-key-0123456789";
let srv: ListeningServer;

beforeAll(async () => {
  const sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: KEY },
    logger: pino({ level: "silent" }),
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

describe("join cap", () => {
  it("a burst of joins follows at most 32 threads; a leave frees a slot", async () => {
    const peer = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${KEY}` } });
    const burst = 120;
    // One write: every frame arrives in the same turn, before any lookup resolves.
    for (let i = 0; i < burst; i++) peer.send({ type: "join", id: `j${i}`, threadId: `burst-${i}` });
    const answers = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        peer.next((f) => (f.type === "joined" || f.type === "error") && f.id === `j${i}`),
      ),
    );
    const joined = answers.filter((f) => f.type === "joined");
    expect(joined).toHaveLength(MAX_FOLLOWED_THREADS);
    expect(answers.filter((f) => f.type === "error").every((f) => /already follows 32/.test(f.message))).toBe(
      true,
    );
    // Joining a thread it already follows takes no new slot.
    peer.send({ type: "join", id: "again", threadId: joined[0].threadId });
    expect(await peer.next((f) => f.id === "again")).toMatchObject({ type: "joined" });
    peer.send({ type: "leave", threadId: joined[0].threadId });
    peer.send({ type: "join", id: "after-leave", threadId: "one-more" });
    expect(await peer.next((f) => f.id === "after-leave")).toMatchObject({ type: "joined" });
    peer.close();
  });
});
