/**
 * @backchannel/server/redis: stores over a Redis client of your own, for deployments that
 * share tickets or cached answers without the full `cluster` option. Needs the optional peer
 * `ioredis` (`npm install ioredis`), whose client you pass in.
 * @module
 */
export { createRedisTicketStore, type RedisTicketStoreOptions } from "./auth/redis-tickets.js";
export { createRedisCacheStore, type RedisCacheStoreOptions } from "./cache/redis-store.js";
export type { ClusterOptions } from "./cluster/cluster-options.js";
