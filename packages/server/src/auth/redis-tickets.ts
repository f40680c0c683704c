import type { Redis } from "ioredis";
import type { TicketRecord, TicketStore } from "./tickets.js";

/** Options of `createRedisTicketStore`. */
export interface RedisTicketStoreOptions {
  /** Prefix of every key. @default "bc:ticket:" */
  keyPrefix?: string;
}

/**
 * A `TicketStore` shared by every node through Redis, for deployments where `/connect` and the
 * WebSocket may reach different processes. `SET … PX ttl` expires tickets on their own and
 * `GETDEL` (Redis ≥ 6.2) redeems atomically, so a ticket is single-use across the cluster.
 * @example new CopilotKitSDK({ agents, auth, tickets: { store: createRedisTicketStore(new Redis(process.env.REDIS_URL)) } })
 */
export function createRedisTicketStore(redis: Redis, opts: RedisTicketStoreOptions = {}): TicketStore {
  const prefix = opts.keyPrefix ?? "bc:ticket:";
  return {
    async put(digest, record, ttlMs) {
      await redis.set(prefix + digest, JSON.stringify(record), "PX", Math.max(1, Math.ceil(ttlMs)));
    },
    async take(digest) {
      const json = await redis.getdel(prefix + digest);
      if (json === null) return undefined;
      const record = JSON.parse(json) as TicketRecord;
      return record.expiresAt > Date.now() ? record : undefined;
    },
  };
}
