/**
 * Lua scripts, so that every check-and-write on a run's keys is atomic across nodes: a run
 * is claimed once, only the lease holder appends, and a dead node's run is ended once.
 * They are registered on each connection with ioredis `defineCommand` (`withClusterScripts`):
 * calls go out as EVALSHA (40 bytes instead of the script), and ioredis sends the full EVAL
 * once per connection and again after a NOSCRIPT (Redis restarted, `SCRIPT FLUSH`, failover
 * to a replica whose script cache is empty).
 * @module
 */
import type { ChainableCommander, Redis } from "ioredis";

/** KEYS: lease, meta, active, threadRuns. ARGV: node, leaseMs, deadline, runId, threadId, agent, principal, input, startedAt, liveTtlMs. Returns 1, or 0 when the runId exists. */
export const START_RUN = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[2], 'node', ARGV[1], 'threadId', ARGV[5], 'agent', ARGV[6], 'principal', ARGV[7],
  'input', ARGV[8], 'startedAt', ARGV[9], 'status', 'running')
redis.call('PEXPIRE', KEYS[2], ARGV[10])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('SADD', KEYS[4], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[10])
return 1`;

/**
 * KEYS: lease, events, meta, active, threadRuns. ARGV: node, first, last, data, terminalStatus
 * ('' while running), runId, retentionMs, liveTtlMs. Returns 1, or 0 when the lease is not ours.
 */
export const APPEND_EVENTS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[2], '*', 'f', ARGV[2], 'l', ARGV[3], 'd', ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], 'status', ARGV[5], 'lastSeq', ARGV[3])
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[4], ARGV[6])
  redis.call('SREM', KEYS[5], ARGV[6])
  redis.call('PEXPIRE', KEYS[2], ARGV[7])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
else
  redis.call('PEXPIRE', KEYS[2], ARGV[8])
end
return 1`;

/** KEYS: lease, events, meta, active, threadRuns. ARGV: node, leaseMs, deadline, runId, liveTtlMs. Returns 1, or 0 when the lease was lost. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
return 1`;

/**
 * Ends a run whose lease expired: appends RUN_ERROR (data in ARGV[3]) after the last
 * written seq. KEYS: lease, events, meta, active, threadRuns (of the thread in the run's meta,
 * read before the call: Redis requires every key a script touches to be declared).
 * ARGV: runId, retentionMs, data.
 * Returns the RUN_ERROR's seq, or a negative number when there was nothing to reap.
 */
export const REAP_RUN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local status = redis.call('HGET', KEYS[3], 'status')
if not status then redis.call('ZREM', KEYS[4], ARGV[1]) return -2 end
if status ~= 'running' then redis.call('ZREM', KEYS[4], ARGV[1]) return -3 end
local last = 0
local tail = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #tail > 0 then
  local fields = tail[1][2]
  for i = 1, #fields, 2 do if fields[i] == 'l' then last = tonumber(fields[i + 1]) end end
end
local seq = last + 1
redis.call('XADD', KEYS[2], '*', 'f', seq, 'l', seq, 'd', ARGV[3])
redis.call('HSET', KEYS[3], 'status', 'error', 'lastSeq', seq)
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('SREM', KEYS[5], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return seq`;

type Arg = string | number;

/** The cluster's scripts as commands (arguments: KEYS, then ARGV, as documented on each script). */
export interface ClusterScriptCommands<R> {
  /** `START_RUN`: 1, or 0 when the runId exists. */
  bcStartRun(
    lease: string,
    meta: string,
    active: string,
    threadRuns: string,
    node: string,
    leaseMs: Arg,
    deadline: Arg,
    runId: string,
    threadId: string,
    agent: string,
    principal: string,
    input: string,
    startedAt: Arg,
    liveTtlMs: Arg,
  ): R;
  /** `APPEND_EVENTS`: 1, or 0 when the lease is not ours. */
  bcAppendEvents(
    lease: string,
    events: string,
    meta: string,
    active: string,
    threadRuns: string,
    node: string,
    first: Arg,
    last: Arg,
    data: string,
    terminalStatus: string,
    runId: string,
    retentionMs: Arg,
    liveTtlMs: Arg,
  ): R;
  /** `RENEW_LEASE`: 1, or 0 when the lease was lost. */
  bcRenewLease(
    lease: string,
    events: string,
    meta: string,
    active: string,
    threadRuns: string,
    node: string,
    leaseMs: Arg,
    deadline: Arg,
    runId: string,
    liveTtlMs: Arg,
  ): R;
  /** `REAP_RUN`: the RUN_ERROR's seq, or a negative number when there was nothing to reap. */
  bcReapRun(
    lease: string,
    events: string,
    meta: string,
    active: string,
    threadRuns: string,
    runId: string,
    retentionMs: Arg,
    data: string,
  ): R;
}

/** A connection with the cluster's scripts registered. */
export type ScriptedRedis = Redis & ClusterScriptCommands<Promise<number>>;
/** A pipeline of a `ScriptedRedis` (ioredis copies the registered scripts onto its pipelines). */
export type ScriptedPipeline = ChainableCommander & ClusterScriptCommands<ChainableCommander>;

const CLUSTER_SCRIPTS = {
  bcStartRun: { numberOfKeys: 4, lua: START_RUN },
  bcAppendEvents: { numberOfKeys: 5, lua: APPEND_EVENTS },
  bcRenewLease: { numberOfKeys: 5, lua: RENEW_LEASE },
  bcReapRun: { numberOfKeys: 5, lua: REAP_RUN },
} as const;

/**
 * Registers `scripts` on `redis` (once; later calls find them registered) and returns it
 * typed with the new commands.
 */
export function defineScripts<T>(
  redis: Redis,
  scripts: Record<string, { numberOfKeys: number; lua: string }>,
): Redis & T {
  const known = redis.scriptsSet as Record<string, unknown>;
  for (const [name, definition] of Object.entries(scripts))
    if (!(name in known)) redis.defineCommand(name, definition);
  return redis as Redis & T;
}

/** `redis` with the cluster's scripts registered. */
export function withClusterScripts(redis: Redis): ScriptedRedis {
  return defineScripts<ClusterScriptCommands<Promise<number>>>(redis, CLUSTER_SCRIPTS);
}
