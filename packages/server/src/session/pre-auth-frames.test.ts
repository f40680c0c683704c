import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, DEFAULTS, type ListeningServer } from "../index.js";

// Issue 11 finding 7: before authentication a socket could send 1 MiB frames at 200/s, each
// parsed and schema-checked; eight such sockets slowed everyone else's pings to ~490 ms.
const KEY = "pre-auth-frames-key-0123456789";
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

describe("frames before authentication", () => {
  it("a frame over maxPreAuthFrameBytes closes the socket with 1009", async () => {
    const peer = await connectPeer(srv.wsUrl, { awaitReady: false });
    peer.send({ type: "auth", token: "x".repeat(DEFAULTS.limits.maxPreAuthFrameBytes) });
    expect((await peer.closed).code).toBe(1009);
  });

  it("more than preAuthFramesPerSecond frames close the socket with 1008", async () => {
    const peer = await connectPeer(srv.wsUrl, { awaitReady: false });
    for (let i = 0; i < DEFAULTS.limits.preAuthFramesPerSecond * 4; i++) peer.send({ type: "ping", ts: i });
    const closed = await peer.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/Too many frames before authentication/);
  });

  it("a small auth frame then works, and after it frames up to maxFrameBytes are accepted again", async () => {
    const peer = await connectPeer(srv.wsUrl, { awaitReady: false });
    peer.send({ type: "ping", ts: 1 });
    peer.send({ type: "auth", token: KEY });
    await peer.next((f) => f.type === "ready");
    const runId = startRun(peer, "streamer", {
      forwardedProps: { count: 2, padding: "p".repeat(200 * 1024) },
    });
    expect((await peer.runEvents(runId)).at(-1).event.type).toBe("RUN_FINISHED");
    peer.close();
  });
});
