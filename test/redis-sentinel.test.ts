/**
 * The cluster behind Redis Sentinel: a real Sentinel process (`redis-server --sentinel`)
 * monitors the test Redis, and two nodes get ioredis clients that know only the Sentinel.
 * The clients' own host/port point at a closed port, so the test passes only if every
 * connection the cluster opens (commands, subscriber, stream reader) finds the master
 * through Sentinel.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bearerSubprotocol } from "@backchannel/protocol";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { Redis } from "ioredis";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, TEST_REDIS_URL } from "../packages/server/test/services.js";
import { testAgents } from "./helpers/agents.js";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const SECRET = "sentinel-test-hs256-secret-of-32-chars!";
const redisUp = await redisAvailable();

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts Sentinel monitoring the test Redis as `master`; resolves once it names the master. */
async function startSentinel(master: string) {
  const dir = mkdtempSync(join(tmpdir(), "bc-sentinel-"));
  const port = await closedPort();
  const target = new URL(TEST_REDIS_URL);
  // Sentinel rewrites its config file, so it gets its own in a temp folder.
  writeFileSync(
    join(dir, "sentinel.conf"),
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor ${master} ${target.hostname} ${target.port || 6379} 1`,
      // Never fail over the shared test Redis (it has no replicas anyway).
      `sentinel down-after-milliseconds ${master} 600000`,
      "",
    ].join("\n"),
  );
  const proc: ChildProcess = spawn("redis-server", [join(dir, "sentinel.conf"), "--sentinel"], {
    stdio: "ignore",
  });
  const exited = new Promise<never>((_, reject) => {
    proc.once("error", (err) =>
      reject(new Error(`cannot start redis-server --sentinel (needed for this test): ${err.message}`)),
    );
    proc.once("exit", (code) => reject(new Error(`redis-server --sentinel exited with ${code}`)));
  });
  exited.catch(() => {});
  const probe = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on("error", () => {});
  const ready = (async () => {
    for (;;) {
      try {
        if (probe.status !== "ready") await probe.connect();
        const addr = (await probe.call("SENTINEL", "get-master-addr-by-name", master)) as string[] | null;
        if (addr) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await Promise.race([ready, exited]);
  probe.disconnect();
  return {
    port,
    stop() {
      proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!redisUp)("cluster through Redis Sentinel", () => {
  const keyPrefix = `bc:test:${randomUUID()}:`;
  const master = `bc-test-${randomUUID().slice(0, 8)}`;
  const nodes: { sdk: CopilotKitSDK; srv: ListeningServer }[] = [];
  let sentinel: Awaited<ReturnType<typeof startSentinel>> | undefined;
  let jwt: string;

  beforeAll(async () => {
    sentinel = await startSentinel(master);
    const nowhere = await closedPort();
    for (let i = 0; i < 2; i++) {
      const redis = new Redis({
        sentinels: [{ host: "127.0.0.1", port: sentinel.port }],
        name: master,
        host: "127.0.0.1",
        port: nowhere,
      });
      const sdk = new CopilotKitSDK({
        agents: testAgents as never,
        auth: { jwt: { secret: SECRET } },
        logger: pino({ level: "silent" }),
        cluster: { redis, keyPrefix },
      });
      redis.disconnect();
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
    sentinel?.stop();
    const admin = new Redis(TEST_REDIS_URL);
    const keys = await admin.keys(`${keyPrefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it("shares tickets and runs across nodes: resume, live follow and a cancel relayed to the owner", async () => {
    const [a, b] = nodes;
    const res = await fetch(`${a!.srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}` },
    });
    const { ticket } = (await res.json()) as { ticket: string };
    // The ticket store's script ran on node A; node B redeems through its own connection.
    const onB = await connectPeer(b!.srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(ticket)] });
    expect(onB.frames[0].principal.id).toBe("user:alice");

    const onA = await connectPeer(a!.srv.wsUrl, { headers: { authorization: `Bearer ${jwt}` } });
    const runId = startRun(onA, "hanger");
    await onA.next((f) => f.type === "event" && f.runId === runId && f.seq === 2);
    // B mirrors the run from Redis and follows it live on its stream-reader connection.
    onB.send({ type: "resume", runId, after: 0, id: "res" });
    await onB.next((f) => f.type === "event" && f.runId === runId && f.seq === 2);
    // The cancel reaches node A over pub/sub (A's subscriber connection).
    onB.send({ type: "cancel", runId, id: "c" });
    const last = await onB.next(
      (f) => f.type === "event" && f.runId === runId && f.event.type === "RUN_FINISHED",
    );
    expect(last.event.outcome).toEqual({ type: "cancelled" });
    onA.close();
    onB.close();
  });
});
