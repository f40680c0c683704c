import type { Redis } from "ioredis";
import { matchesPurge } from "./memory-store.js";
import type { CachedResponse, ResponseCacheStore } from "./types.js";

/** Options of `createRedisCacheStore`. */
export interface RedisCacheStoreOptions {
  /** Prefix of every key. @default "bc:" */
  keyPrefix?: string;
}

/**
 * The response cache shared by every node of a cluster: one `SET … PX ttl` per entry (Redis
 * expires it), and per thread a set of its entries' keys (so `DELETE` of a thread purges them)
 * that expires with the longest-lived of them.
 */
export function createRedisCacheStore(redis: Redis, opts: RedisCacheStoreOptions = {}): ResponseCacheStore {
  const prefix = `${opts.keyPrefix ?? "bc:"}cache:`;
  const entryKey = (key: string) => `${prefix}e:${key}`;
  const threadKey = (threadId: string) => `${prefix}t:${threadId}`;
  const remove = async (keys: string[]): Promise<number> => (keys.length ? redis.del(...keys) : 0);
  return {
    kind: "redis",
    async get(key, now) {
      const json = await redis.get(entryKey(key));
      if (json === null) return undefined;
      const entry = JSON.parse(json) as CachedResponse;
      return entry.expiresAt > now ? entry : undefined;
    },
    async put(entry) {
      const ttl = Math.max(1, Math.ceil(entry.expiresAt - Date.now()));
      await redis
        .multi()
        .set(entryKey(entry.key), JSON.stringify(entry), "PX", ttl)
        .sadd(threadKey(entry.threadId), entry.key)
        // GT: never shorten the set's life below an entry stored earlier with a longer TTL.
        .pexpire(threadKey(entry.threadId), ttl, "GT")
        .pexpire(threadKey(entry.threadId), ttl, "NX")
        .exec();
    },
    async purge(filter) {
      if (filter.threadId !== undefined) {
        const keys = await redis.smembers(threadKey(filter.threadId));
        const doomed: string[] = [];
        for (const key of keys) {
          const json = await redis.get(entryKey(key));
          if (json !== null && matchesPurge(JSON.parse(json) as CachedResponse, filter))
            doomed.push(entryKey(key));
        }
        const n = await remove(doomed);
        if (filter.agent === undefined && filter.principalId === undefined)
          await redis.del(threadKey(filter.threadId));
        return n;
      }
      let n = 0;
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}e:*`, "COUNT", 500);
        cursor = next;
        const doomed: string[] = [];
        for (const k of keys) {
          if (filter.agent === undefined && filter.principalId === undefined) doomed.push(k);
          else {
            const json = await redis.get(k);
            if (json !== null && matchesPurge(JSON.parse(json) as CachedResponse, filter)) doomed.push(k);
          }
        }
        n += await remove(doomed);
      } while (cursor !== "0");
      if (filter.agent === undefined && filter.principalId === undefined) {
        cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}t:*`, "COUNT", 500);
          cursor = next;
          await remove(keys);
        } while (cursor !== "0");
      }
      return n;
    },
  };
}
