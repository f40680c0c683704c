import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisAvailable, TEST_REDIS_URL } from "../../test/services.js";
import { createRedisTicketStore } from "./redis-tickets.js";
import { createTicketIssuer } from "./tickets.js";

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)("Redis ticket store", () => {
  let a: Redis;
  let b: Redis;
  const keyPrefix = `bc:test:${randomUUID()}:`;
  beforeAll(() => {
    a = new Redis(TEST_REDIS_URL);
    b = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    const keys = await a.keys(`${keyPrefix}*`);
    if (keys.length) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  it("redeems a ticket minted on one node exactly once, on any node", async () => {
    const nodeA = createTicketIssuer({ store: createRedisTicketStore(a, { keyPrefix }) });
    const nodeB = createTicketIssuer({ store: createRedisTicketStore(b, { keyPrefix }) });
    const alice = { id: "alice", kind: "user" as const, expiresAt: Date.now() + 60_000 };
    const { ticket } = await nodeA.mint(alice);
    const results = await Promise.allSettled([
      nodeB.verifier(ticket),
      nodeA.verifier(ticket),
      nodeB.verifier(ticket),
    ]);
    const redeemed = results.filter((r) => r.status === "fulfilled");
    expect(redeemed).toHaveLength(1);
    expect((redeemed[0] as PromiseFulfilledResult<unknown>).value).toEqual(alice);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(2);
  });

  it("caps outstanding tickets per principal: minting drops only the minter's oldest", async () => {
    const store = createRedisTicketStore(a, { keyPrefix, maxTicketsPerPrincipal: 3 });
    const issuer = createTicketIssuer({ store });
    const victim = await issuer.mint({ id: "user:victim", kind: "user" });
    const mallory = { id: "user:mallory", kind: "user" as const };
    const minted = [];
    for (let i = 0; i < 6; i++) minted.push((await issuer.mint(mallory)).ticket);
    const outstanding = await a.zcard(`${keyPrefix}p:user:mallory`);
    expect(outstanding).toBe(3);
    await expect(issuer.verifier(minted[0]!)).rejects.toThrow(/expired or already used/);
    expect(await issuer.verifier(minted[5]!)).toEqual(mallory);
    expect(await a.zcard(`${keyPrefix}p:user:mallory`)).toBe(2);
    expect(await issuer.verifier(victim.ticket)).toEqual({ id: "user:victim", kind: "user" });
  });

  it("stores digests only, and lets Redis expire tickets after the TTL", async () => {
    const own = `${keyPrefix}ttl:`;
    const issuer = createTicketIssuer({ ttlMs: 150, store: createRedisTicketStore(a, { keyPrefix: own }) });
    const { ticket } = await issuer.mint({ id: "bob", kind: "user" });
    const keys = (await a.keys(`${own}*`)).filter((k) => !k.startsWith(`${own}p:`));
    expect(keys).toHaveLength(1);
    expect(keys.some((k) => k.includes(ticket))).toBe(false);
    const ttl = await a.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(150);
    await new Promise((r) => setTimeout(r, 200));
    await expect(issuer.verifier(ticket)).rejects.toThrow(/expired or already used/);
  });
});
