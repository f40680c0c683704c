import type { CachedResponse, CachePurgeFilter, ResponseCacheStore } from "./types.js";

/** Options of `createMemoryCacheStore`. */
export interface MemoryCacheStoreOptions {
  /** Entries kept at most; past it the oldest are dropped. @default 10000 */
  maxEntries?: number;
}

/** Whether `entry` matches every field `filter` gives. */
export function matchesPurge(entry: CachedResponse, filter: CachePurgeFilter): boolean {
  return (
    (filter.agent === undefined || entry.agent === filter.agent) &&
    (filter.principalId === undefined || entry.principalId === filter.principalId) &&
    (filter.threadId === undefined || entry.threadId === filter.threadId)
  );
}

/**
 * An in-process cache store, for runtimes without a thread store (`store: false`) or with a
 * custom one. Entries are kept as JSON text, so a replay never shares objects with the run
 * that produced them.
 */
export function createMemoryCacheStore(opts: MemoryCacheStoreOptions = {}): ResponseCacheStore {
  const max = opts.maxEntries ?? 10_000;
  const entries = new Map<string, { meta: CachedResponse; json: string }>();
  return {
    kind: "memory",
    async get(key, now) {
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.meta.expiresAt <= now) {
        entries.delete(key);
        return undefined;
      }
      return { ...hit.meta, events: JSON.parse(hit.json) };
    },
    async put(entry) {
      entries.delete(entry.key);
      entries.set(entry.key, { meta: { ...entry, events: [] }, json: JSON.stringify(entry.events) });
      const now = Date.now();
      for (const [key, e] of entries) {
        if (entries.size <= max && e.meta.expiresAt > now) break;
        entries.delete(key);
      }
    },
    async purge(filter) {
      let n = 0;
      for (const [key, e] of entries) {
        if (matchesPurge(e.meta, filter)) {
          entries.delete(key);
          n++;
        }
      }
      return n;
    },
  };
}
