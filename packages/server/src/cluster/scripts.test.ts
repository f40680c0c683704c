import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, TEST_REDIS_URL } from "../../test/services.js";
import { createRedisTicketStore } from "../auth/redis-tickets.js";
import { clusterKeys } from "./cluster-options.js";
import { type ScriptedPipeline, type ScriptedRedis, withClusterScripts } from "./scripts.js";

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)("Lua scripts registered with defineCommand", () => {
  const prefix = `bc:test:${randomUUID()}:`;
  const k = clusterKeys(prefix);
  let redis: ScriptedRedis;
  let admin: Redis;
  let monitor: Redis;
  /** EVAL / EVALSHA calls that touched this test's keys, as Redis executed them, in order. */
  const calls: string[] = [];
  let marks = 0;

  beforeAll(async () => {
    redis = withClusterScripts(new Redis(TEST_REDIS_URL));
    admin = new Redis(TEST_REDIS_URL);
    monitor = await new Redis(TEST_REDIS_URL).monitor();
    monitor.on("monitor", (_time: string, args: string[]) => {
      const name = String(args[0]).toLowerCase();
      if ((name === "eval" || name === "evalsha") && args.some((a) => String(a).startsWith(prefix)))
        calls.push(name);
      else if (name === "get" && String(args[1]).startsWith(`${prefix}mark:`)) calls.push("mark");
    });
  });
  afterAll(async () => {
    monitor?.disconnect();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
    redis.disconnect();
  });

  /**
   * What MONITOR reported since the last call: a GET of a marker key goes out after the
   * commands, and MONITOR reports in execution order, so once the marker shows up every
   * command before it has too.
   */
  async function drain(): Promise<string[]> {
    const mark = `${prefix}mark:${++marks}`;
    const seen = new Promise<void>((resolve) => {
      const onLine = (_time: string, args: string[]) => {
        if (String(args[1]) === mark) {
          monitor.off("monitor", onLine);
          resolve();
        }
      };
      monitor.on("monitor", onLine);
    });
    await admin.get(mark);
    await seen;
    return calls.splice(0).filter((c) => c !== "mark");
  }

  /**
   * Joins an EVALSHA answered NOSCRIPT with the EVAL ioredis resent for it into one call
   * ("evalsha>eval"), so that a SCRIPT FLUSH from another test process on the shared Redis
   * shows up as a retried call instead of a different sequence.
   */
  function perCall(seen: string[]): string[] {
    const out: string[] = [];
    for (const name of seen) {
      if (name === "eval" && out.at(-1) === "evalsha") out[out.length - 1] = "evalsha>eval";
      else out.push(name);
    }
    return out;
  }

  const start = (runId: string, threadId: string, node = "node-a") =>
    redis.bcStartRun(
      k.lease(runId),
      k.meta(runId),
      k.active,
      k.threadRuns(threadId),
      node,
      60_000,
      Date.now() + 60_000,
      runId,
      threadId,
      "agent",
      JSON.stringify({ id: "alice", kind: "user" }),
      "{}",
      Date.now(),
      60_000,
    );

  it("sends the script body once per connection, then only its SHA", async () => {
    await drain();
    expect(await start("r1", "t1")).toBe(1);
    expect(await start("r1", "t1")).toBe(0);
    expect(await start("r2", "t1")).toBe(1);
    // A fresh connection sends the body once; every later call starts with the SHA.
    const [first, ...rest] = perCall(await drain());
    expect(first).toBe("eval");
    expect(rest).toHaveLength(2);
    for (const call of rest) expect(call).toMatch(/^evalsha/);
  });

  it("keeps working after SCRIPT FLUSH: NOSCRIPT, one EVAL that reloads it, then EVALSHA again", async () => {
    await drain();
    await admin.script("FLUSH");
    expect(await start("r3", "t1")).toBe(1);
    expect(await start("r3", "t1")).toBe(0);
    const [first, ...rest] = perCall(await drain());
    expect(first).toBe("evalsha>eval");
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatch(/^evalsha/);
  });

  it("pipelines run registered scripts, also after SCRIPT FLUSH", async () => {
    const renew = (pipe: ScriptedPipeline, node: string) =>
      pipe.bcRenewLease(
        k.lease("r1"),
        k.events("r1"),
        k.meta("r1"),
        k.active,
        k.threadRuns("t1"),
        node,
        60_000,
        Date.now() + 60_000,
        "r1",
        60_000,
      );
    await admin.script("FLUSH");
    const pipe = redis.pipeline() as ScriptedPipeline;
    renew(pipe, "node-a");
    renew(pipe, "node-b");
    const results = await pipe.exec();
    expect(results).toEqual([
      [null, 1],
      [null, 0],
    ]);
  });

  it("reaps a run whose lease expired, removing it from its thread's runs (a declared key)", async () => {
    await admin.del(k.lease("r2"));
    const reap = () =>
      redis.bcReapRun(
        k.lease("r2"),
        k.events("r2"),
        k.meta("r2"),
        k.active,
        k.threadRuns("t1"),
        "r2",
        60_000,
        "[]",
      );
    expect(await admin.sismember(k.threadRuns("t1"), "r2")).toBe(1);
    expect(await reap()).toBe(1);
    expect(await admin.sismember(k.threadRuns("t1"), "r2")).toBe(0);
    expect(await admin.hget(k.meta("r2"), "status")).toBe("error");
    expect(await reap()).toBe(-3);
    // r1's lease is held: nothing to reap.
    expect(
      await redis.bcReapRun(
        k.lease("r1"),
        k.events("r1"),
        k.meta("r1"),
        k.active,
        k.threadRuns("t1"),
        "r1",
        1,
        "[]",
      ),
    ).toBe(-1);
  });

  it("the ticket store's script survives SCRIPT FLUSH too", async () => {
    const client = new Redis(TEST_REDIS_URL);
    const store = createRedisTicketStore(client, { keyPrefix: `${prefix}ticket:` });
    const record = { principal: { id: "alice", kind: "user" as const }, expiresAt: Date.now() + 60_000 };
    await store.put("d1", record, 60_000);
    await admin.script("FLUSH");
    await store.put("d2", record, 60_000);
    expect(await store.take("d2")).toEqual(record);
    expect(await store.take("d1")).toEqual(record);
    expect(await store.take("d1")).toBeUndefined();
    client.disconnect();
  });
});
