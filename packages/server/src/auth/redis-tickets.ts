import type { Redis } from "ioredis";
import { defineScripts } from "../cluster/scripts.js";
import { MAX_TICKETS_PER_PRINCIPAL, type TicketRecord, type TicketStore } from "./tickets.js";

/** Options of `createRedisTicketStore`. */
export interface RedisTicketStoreOptions {
  /** Prefix of every key. @default "bc:ticket:" */
  keyPrefix?: string;
  /**
   * Outstanding tickets one principal may hold; minting one more drops that principal's
   * oldest, never anyone else's. @default 32
   */
  maxTicketsPerPrincipal?: number;
}

/**
 * KEYS: ticket, the principal's set of outstanding digests (scored by expiry).
 * ARGV: record JSON, ttlMs, now, expiresAt, digest, cap, key prefix.
 * Drops the principal's expired digests, then its oldest until there is room, then stores.
 * The dropped tickets' keys are built from the prefix: this store targets one Redis (or a
 * Redis with all keys of a prefix on one node), like the cluster's other scripts.
 * Registered with `defineCommand` on the given client, so calls go out as EVALSHA.
 */
const PUT_TICKET = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
local n = redis.call('ZCARD', KEYS[2])
local cap = tonumber(ARGV[6])
if n >= cap then
  local old = redis.call('ZRANGE', KEYS[2], 0, n - cap)
  for _, d in ipairs(old) do
    redis.call('DEL', ARGV[7] .. d)
    redis.call('ZREM', KEYS[2], d)
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`;

/**
 * A `TicketStore` shared by every node through Redis, for deployments where `/connect` and the
 * WebSocket may reach different processes. `SET … PX ttl` expires tickets on their own and
 * `GETDEL` (Redis ≥ 6.2) redeems atomically, so a ticket is single-use across the cluster.
 * Each principal holds at most `maxTicketsPerPrincipal` outstanding tickets (its oldest are
 * dropped), so no principal can push out another's.
 * @example new CopilotKitSDK({ agents, auth, tickets: { store: createRedisTicketStore(new Redis(process.env.REDIS_URL)) } })
 */
export function createRedisTicketStore(client: Redis, opts: RedisTicketStoreOptions = {}): TicketStore {
  const redis = defineScripts<{
    bcPutTicket(...keysAndArgs: (string | number)[]): Promise<number>;
  }>(client, { bcPutTicket: { numberOfKeys: 2, lua: PUT_TICKET } });
  const prefix = opts.keyPrefix ?? "bc:ticket:";
  const cap = Math.max(1, opts.maxTicketsPerPrincipal ?? MAX_TICKETS_PER_PRINCIPAL);
  // Digests are base64url (no ':'), so `p:` keys never collide with ticket keys.
  const principalKey = (record: TicketRecord) => `${prefix}p:${record.principal.id}`;
  return {
    async put(digest, record, ttlMs) {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      await redis.bcPutTicket(
        prefix + digest,
        principalKey(record),
        JSON.stringify(record),
        ttl,
        Date.now(),
        record.expiresAt,
        digest,
        cap,
        prefix,
      );
    },
    async take(digest) {
      const json = await redis.getdel(prefix + digest);
      if (json === null) return undefined;
      const record = JSON.parse(json) as TicketRecord;
      await redis.zrem(principalKey(record), digest);
      return record.expiresAt > Date.now() ? record : undefined;
    },
  };
}
