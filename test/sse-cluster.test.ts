/**
 * The HTTP binding in a cluster (two nodes sharing one real Redis): a ticket minted by one
 * node opens the socket on the other, once; a run started over the WebSocket on one node is
 * resumed over SSE and cancelled over HTTP on the other.
 */
import { randomUUID } from "node:crypto";
import { bearerSubprotocol } from "@backchannel/protocol";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, TEST_REDIS_URL } from "../packages/server/test/services.js";
import { testAgents } from "./helpers/agents.js";
import { openSse } from "./helpers/sse-client.js";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const SECRET = "cluster-sse-hs256-secret-of-32-chars!!";
const redisUp = await redisAvailable();

describe.skipIf(!redisUp)("HTTP binding across cluster nodes", () => {
  const keyPrefix = `bc:test:${randomUUID()}:`;
  const nodes: { sdk: CopilotKitSDK; srv: ListeningServer }[] = [];
  let jwt: string;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const sdk = new CopilotKitSDK({
        agents: testAgents as never,
        auth: { jwt: { secret: SECRET } },
        logger: pino({ level: "silent" }),
        cluster: { redis: TEST_REDIS_URL, keyPrefix },
      });
      nodes.push({ sdk, srv: await sdk.listen({ port: 0 }) });
    }
    jwt = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
  });
  afterAll(async () => {
    for (const n of nodes) await n.srv.close();
  });

  it("a ticket minted on one node opens the socket on another, exactly once", async () => {
    const [a, b] = nodes;
    const res = await fetch(`${a!.srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}` },
    });
    const { ticket } = (await res.json()) as { ticket: string };
    const peer = await connectPeer(b!.srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(ticket)],
    });
    expect(peer.frames[0].principal.id).toBe("user:alice");
    peer.close();
    const again = await connectPeer(a!.srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(ticket)],
      awaitReady: false,
    });
    expect((await again.closed).code).toBe(1008);
  });

  it("resumes over SSE on node B a run started over the WebSocket on node A, and cancels it over HTTP", async () => {
    const [a, b] = nodes;
    const auth = { authorization: `Bearer ${jwt}` };
    const peer = await connectPeer(a!.srv.wsUrl, { headers: auth });
    const runId = startRun(peer, "hanger");
    await peer.next((f) => f.type === "event" && f.runId === runId && f.seq === 2);
    peer.close();
    const stream = await openSse(`${b!.srv.httpUrl}/copilotkit/runs/${runId}/events`, {
      headers: { ...auth, "last-event-id": "1" },
    });
    expect(stream.status).toBe(200);
    expect((await stream.next((blk) => blk.id === "2")).json.type).toBe("STEP_STARTED");
    const cancel = await fetch(`${b!.srv.httpUrl}/copilotkit/runs/${runId}/cancel`, {
      method: "POST",
      headers: auth,
    });
    expect(cancel.status).toBe(200);
    const last = await stream.next((blk) => blk.json?.type === "RUN_FINISHED", 10_000);
    expect(last.json.outcome).toEqual({ type: "cancelled" });
  });
});
