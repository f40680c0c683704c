/**
 * A cluster node whose Redis is unreachable: it starts, says so on /health, refuses runs
 * with a clear `unavailable` error (never hangs), and still shuts down promptly.
 */
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { streamer } from "./helpers/agents.js";
import { connectPeer, runInput } from "./helpers/ws-peer.js";

describe("cluster without Redis", () => {
  it("answers /health 503 naming redis, refuses runs with unavailable, and closes", async () => {
    const sdk = new CopilotKitSDK({
      agents: [streamer] as never,
      auth: { apiKeys: "cluster-key-000000000" },
      logger: pino({ level: "silent" }),
      store: false,
      cluster: { redis: "redis://127.0.0.1:1", leaseMs: 2000 },
    });
    const srv = await sdk.listen({ port: 0 });
    const health = await fetch(`${srv.httpUrl}/copilotkit/health`, {
      headers: { authorization: "Bearer cluster-key-000000000" },
    });
    expect(health.status).toBe(503);
    expect((await health.json()).failing.map((f: any) => f.name)).toEqual(["redis"]);
    const peer = await connectPeer(srv.wsUrl, { headers: { authorization: "Bearer cluster-key-000000000" } });
    const input = runInput();
    peer.send({ type: "run", id: "r1", agent: "streamer", input });
    const refused = await peer.next((f) => f.id === "r1" || f.runId === input.runId, 10_000);
    expect(refused).toMatchObject({ type: "error", code: "unavailable", runId: input.runId });
    peer.send({ type: "resume", runId: "elsewhere", after: 0, id: "res" });
    expect(await peer.next((f) => f.id === "res", 10_000)).toMatchObject({
      type: "error",
      code: "unavailable",
    });
    peer.close();
    const started = Date.now();
    await srv.close();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
