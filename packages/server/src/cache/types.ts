/**
 * The response cache's public shapes: per-agent settings, a cached entry, and the store
 * interface the SQLite, Postgres, Redis and in-memory stores implement.
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import type { Principal } from "../principal.js";

/**
 * Who may be served an entry: `principal` (the default) keys entries by the caller, so one
 * user's answer is never served to another; `global` shares them between everyone, for
 * answers that hold no user data.
 */
export type CacheScope = "principal" | "global";

/** What a `key` function is given besides the input. */
export interface CacheKeyContext {
  agent: string;
  principal: Principal;
}

/** Response caching for one agent: `agent.cache`, or `responseCache` in the runtime options. */
export interface ResponseCacheOptions {
  /** How long an answer is served from cache, in ms. */
  ttlMs: number;
  /** @default "principal" */
  scope?: CacheScope;
  /**
   * Replaces the default key (agent, normalized last user message, hashes of context, tools,
   * state and forwardedProps). Return `undefined` to neither serve nor store this request.
   * The agent's name, and with scope `principal` the caller, are always added to it.
   */
  key?: (input: RunAgentInput, ctx: CacheKeyContext) => string | undefined | Promise<string | undefined>;
}

/** One cached answer: the events an agent yielded on a run that finished cleanly. */
export interface CachedResponse {
  /** The full key (a SHA-256 hex digest). */
  key: string;
  agent: string;
  /** The principal it belongs to; `null` for scope `global`. */
  principalId: string | null;
  /** The thread of the run that produced it (`DELETE` of the thread purges it). */
  threadId: string;
  /** The events, without RUN_STARTED; ids of messages and tool calls are renewed on each replay. */
  events: Record<string, unknown>[];
  /** ms since epoch. */
  createdAt: number;
  /** ms since epoch; the store never returns an entry past it. */
  expiresAt: number;
}

/** Which entries `purge` removes; every given field must match. `{}` removes them all. */
export interface CachePurgeFilter {
  agent?: string;
  principalId?: string;
  threadId?: string;
}

/**
 * Where cached answers live. The runtime picks one: the thread store's own tables (SQLite,
 * Postgres), Redis in a cluster, or memory; `responseCache.store` overrides it.
 */
export interface ResponseCacheStore {
  readonly kind: string;
  /** The live entry under `key`, or undefined (absent or expired at `now`). */
  get(key: string, now: number): Promise<CachedResponse | undefined>;
  /** Stores (or replaces) `entry` until `entry.expiresAt`. */
  put(entry: CachedResponse): Promise<void>;
  /** Removes matching entries; resolves to how many. */
  purge(filter: CachePurgeFilter): Promise<number>;
}
