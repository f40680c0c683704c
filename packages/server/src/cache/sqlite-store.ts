import type Database from "better-sqlite3";
import type { CachedResponse, ResponseCacheStore } from "./types.js";

type Row = Record<string, unknown>;

/**
 * The response cache in the embedded SQLite file, table `response_cache` (migration 2). TTL
 * is enforced on read (`expires_at > now`), and each write first deletes expired rows.
 */
export function createSqliteCacheStore(db: Database.Database): ResponseCacheStore {
  const q = {
    get: db.prepare("SELECT * FROM response_cache WHERE cache_key = ? AND expires_at > ?"),
    expire: db.prepare("DELETE FROM response_cache WHERE expires_at <= ?"),
    put: db.prepare(
      `INSERT INTO response_cache (cache_key, agent, principal_id, thread_id, events, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cache_key) DO UPDATE SET agent = excluded.agent, principal_id = excluded.principal_id,
         thread_id = excluded.thread_id, events = excluded.events, created_at = excluded.created_at,
         expires_at = excluded.expires_at`,
    ),
    purge: db.prepare(
      `DELETE FROM response_cache WHERE (@agent IS NULL OR agent = @agent)
         AND (@principalId IS NULL OR principal_id = @principalId) AND (@threadId IS NULL OR thread_id = @threadId)`,
    ),
  };
  const write = db.transaction((entry: CachedResponse) => {
    q.expire.run(Date.now());
    q.put.run(
      entry.key,
      entry.agent,
      entry.principalId,
      entry.threadId,
      JSON.stringify(entry.events),
      entry.createdAt,
      entry.expiresAt,
    );
  });
  return {
    kind: "sqlite",
    async get(key, now) {
      const row = q.get.get(key, now) as Row | undefined;
      return row ? fromRow(row, JSON.parse(row.events as string), Number) : undefined;
    },
    async put(entry) {
      write(entry);
    },
    async purge(filter) {
      return q.purge.run({
        agent: filter.agent ?? null,
        principalId: filter.principalId ?? null,
        threadId: filter.threadId ?? null,
      }).changes;
    },
  };
}

/** A row of `response_cache` (either dialect) as a CachedResponse. */
export function fromRow(
  row: Row,
  events: Record<string, unknown>[],
  time: (v: unknown) => number,
): CachedResponse {
  return {
    key: row.cache_key as string,
    agent: row.agent as string,
    principalId: (row.principal_id as string | null) ?? null,
    threadId: row.thread_id as string,
    events,
    createdAt: time(row.created_at),
    expiresAt: time(row.expires_at),
  };
}
