import type pg from "pg";
import { fromRow } from "./sqlite-store.js";
import type { ResponseCacheStore } from "./types.js";

const time = (v: unknown) => (v instanceof Date ? v.getTime() : new Date(v as string).getTime());

/**
 * The response cache in Postgres, table `<schema>.response_cache` (migration 2). TTL is
 * enforced on read (`expires_at > now`), and each write first deletes expired rows, so
 * every node sees the same entries and none outlives its TTL.
 * @param s the quoted schema name, e.g. `"agent"`
 */
export function createPostgresCacheStore(pool: pg.Pool, s: string): ResponseCacheStore {
  return {
    kind: "postgres",
    async get(key, now) {
      const { rows } = await pool.query(
        `SELECT * FROM ${s}.response_cache WHERE cache_key = $1 AND expires_at > $2`,
        [key, new Date(now)],
      );
      const row = rows[0];
      return row ? fromRow(row, row.events, time) : undefined;
    },
    async put(entry) {
      await pool.query(`DELETE FROM ${s}.response_cache WHERE expires_at <= now()`);
      await pool.query(
        `INSERT INTO ${s}.response_cache (cache_key, agent, principal_id, thread_id, events, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
         ON CONFLICT (cache_key) DO UPDATE SET agent = EXCLUDED.agent, principal_id = EXCLUDED.principal_id,
           thread_id = EXCLUDED.thread_id, events = EXCLUDED.events, created_at = EXCLUDED.created_at,
           expires_at = EXCLUDED.expires_at`,
        [
          entry.key,
          entry.agent,
          entry.principalId,
          entry.threadId,
          JSON.stringify(entry.events),
          new Date(entry.createdAt),
          new Date(entry.expiresAt),
        ],
      );
    },
    async purge(filter) {
      const r = await pool.query(
        `DELETE FROM ${s}.response_cache WHERE ($1::text IS NULL OR agent = $1)
           AND ($2::text IS NULL OR principal_id = $2) AND ($3::text IS NULL OR thread_id = $3)`,
        [filter.agent ?? null, filter.principalId ?? null, filter.threadId ?? null],
      );
      return r.rowCount ?? 0;
    },
  };
}
