/**
 * The Postgres thread store (`DATABASE_URL=postgres://...`): schema `agent` with the seed's
 * `sessions` table (one row per thread) and `runs`, through a `pg` pool. Migrations run on
 * start under an advisory lock, so several nodes may start at once.
 * @module
 */
import type pg from "pg";
import { loadOptional } from "../optional-dependency.js";
import { safeJson, safeText } from "./json-text.js";
import { postgresMigrations, quoteIdent } from "./migrations.js";
import { type Row, type RowDecoder, runFromRow, summaryFromRow, threadFromRow } from "./rows.js";
import type {
  RunRecord,
  StoredThread,
  ThreadCursor,
  ThreadSnapshot,
  ThreadStore,
  ThreadSummary,
} from "./thread-store.js";

/** Options of `createPostgresStore`. */
export interface PostgresStoreOptions {
  /** e.g. `postgres://user@host:5432/db`. Ignored when `pool` is given. */
  connectionString?: string;
  /** An existing pool to use (not closed by `close()`). */
  pool?: pg.Pool;
  /** Schema holding the tables. @default "agent" */
  schema?: string;
  /** Pool size when we create the pool. @default 10 */
  maxConnections?: number;
  /** Statement timeout for every query, in ms. @default 10000 */
  statementTimeoutMs?: number;
}

/**
 * Creates a Postgres thread store and applies its migrations.
 * @example const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL });
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<ThreadStore> {
  const schema = options.schema ?? "agent";
  const owned = !options.pool;
  const pool =
    options.pool ??
    new (loadOptional<typeof pg>("pg", "The Postgres store (databaseUrl)").Pool)({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      connectionTimeoutMillis: 5_000,
    });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  if (owned) pool.on("error", () => {});
  const store = new PostgresStore(pool, schema, owned);
  try {
    await store.migrate();
  } catch (err) {
    if (owned) await pool.end().catch(() => {});
    throw err;
  }
  return store;
}

const SUMMARY_COLUMNS = "thread_id, title, agent, message_count, created_at, updated_at, last_run_status";

class PostgresStore implements ThreadStore {
  readonly kind = "postgres";
  private readonly s: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly ownsPool: boolean,
  ) {
    this.s = quoteIdent(schema);
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // One migrator at a time across every node; others wait, then find nothing to do.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
        `backchannel:migrate:${this.schema}`,
      ]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query(`SELECT version FROM ${this.s}.schema_migrations`)).rows.map((r) => r.version),
      );
      for (const m of postgresMigrations(this.schema)) {
        if (done.has(m.version)) continue;
        await client.query(m.sql);
        await client.query(`INSERT INTO ${this.s}.schema_migrations (version, name) VALUES ($1, $2)`, [
          m.version,
          m.name,
        ]);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async claimThread(threadId: string, ownerId: string, now: number) {
    const { rows } = await this.pool.query(
      `INSERT INTO ${this.s}.sessions (thread_id, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (thread_id) DO UPDATE SET updated_at = GREATEST(${this.s}.sessions.updated_at, EXCLUDED.updated_at)
         WHERE ${this.s}.sessions.owner_id = EXCLUDED.owner_id
       RETURNING owner_id, (xmax = 0) AS created`,
      [threadId, ownerId, new Date(now)],
    );
    if (rows[0]) return { ownerId: rows[0].owner_id as string, created: rows[0].created as boolean };
    // The row exists and belongs to someone else (the conditional update did nothing).
    const other = await this.pool.query(`SELECT owner_id FROM ${this.s}.sessions WHERE thread_id = $1`, [
      threadId,
    ]);
    return { ownerId: (other.rows[0]?.owner_id as string | undefined) ?? ownerId, created: false };
  }

  async getOwner(threadId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query(`SELECT owner_id FROM ${this.s}.sessions WHERE thread_id = $1`, [
      threadId,
    ]);
    return rows[0]?.owner_id;
  }

  async getThread(threadId: string): Promise<StoredThread | undefined> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.s}.sessions WHERE thread_id = $1`, [
      threadId,
    ]);
    const r = rows[0] as Row | undefined;
    if (!r) return undefined;
    return threadFromRow(r, PG);
  }

  async listThreads(
    ownerId: string,
    page: { limit: number; cursor?: ThreadCursor },
  ): Promise<ThreadSummary[]> {
    const c = page.cursor;
    const { rows } = c
      ? await this.pool.query(
          `SELECT ${SUMMARY_COLUMNS} FROM ${this.s}.sessions
           WHERE owner_id = $1 AND (updated_at, thread_id) < ($2, $3)
           ORDER BY updated_at DESC, thread_id DESC LIMIT $4`,
          [ownerId, new Date(c.updatedAt), c.threadId, page.limit],
        )
      : await this.pool.query(
          `SELECT ${SUMMARY_COLUMNS} FROM ${this.s}.sessions WHERE owner_id = $1
           ORDER BY updated_at DESC, thread_id DESC LIMIT $2`,
          [ownerId, page.limit],
        );
    return rows.map((r: Row) => summaryFromRow(r, PG));
  }

  async listRuns(threadId: string, limit: number): Promise<RunRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.s}.runs WHERE thread_id = $1 ORDER BY started_at DESC, run_id DESC LIMIT $2`,
      [threadId, limit],
    );
    return rows.map((r: Row) => runFromRow(r, PG));
  }

  async saveRun(run: RunRecord, snap: ThreadSnapshot): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const exists = await client.query(`SELECT 1 FROM ${this.s}.sessions WHERE thread_id = $1 FOR UPDATE`, [
        run.threadId,
      ]);
      if (exists.rowCount === 0) {
        await client.query("ROLLBACK");
        return false;
      }
      const saved = await client.query(
        `UPDATE ${this.s}.sessions SET messages = $1::jsonb, state = $2::jsonb, message_count = $3,
           title = COALESCE(title, $4), agent = $5, updated_at = GREATEST(updated_at, $6),
           last_run_id = $7, last_run_status = $8, last_run_started_at = $9
         WHERE thread_id = $10 AND (last_run_started_at IS NULL OR last_run_started_at <= $9)`,
        [
          safeJson(snap.messages),
          safeJson(snap.state ?? {}),
          snap.messages.length,
          snap.title != null ? safeText(snap.title) : null,
          run.agent,
          new Date(run.endedAt),
          run.runId,
          run.status,
          new Date(run.startedAt),
          run.threadId,
        ],
      );
      if (saved.rowCount === 0) {
        await client.query(
          `UPDATE ${this.s}.sessions SET updated_at = GREATEST(updated_at, $1) WHERE thread_id = $2`,
          [new Date(run.endedAt), run.threadId],
        );
      }
      await client.query(
        `INSERT INTO ${this.s}.runs (run_id, thread_id, principal_id, agent, status, error_code, error_message,
           event_count, truncated, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, error_code = EXCLUDED.error_code,
           error_message = EXCLUDED.error_message, event_count = EXCLUDED.event_count,
           truncated = EXCLUDED.truncated, ended_at = EXCLUDED.ended_at`,
        [
          run.runId,
          run.threadId,
          run.principalId,
          run.agent,
          run.status,
          run.errorCode ?? null,
          run.errorMessage != null ? safeText(run.errorMessage) : null,
          run.eventCount,
          run.truncated,
          new Date(run.startedAt),
          new Date(run.endedAt),
        ],
      );
      await client.query("COMMIT");
      return true;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async deleteThread(threadId: string): Promise<boolean> {
    const r = await this.pool.query(`DELETE FROM ${this.s}.sessions WHERE thread_id = $1`, [threadId]);
    return (r.rowCount ?? 0) > 0;
  }

  async deleteIdleThreads(idleBefore: number, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `DELETE FROM ${this.s}.sessions WHERE thread_id IN (
         SELECT thread_id FROM ${this.s}.sessions WHERE updated_at < $1 ORDER BY updated_at LIMIT $2
         FOR UPDATE SKIP LOCKED)
       RETURNING thread_id`,
      [new Date(idleBefore), limit],
    );
    return rows.map((r: Row) => r.thread_id as string);
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

function ms(value: Date | string | number): number {
  return value instanceof Date ? value.getTime() : new Date(value).getTime();
}

/** pg parses jsonb and booleans itself; timestamps arrive as Dates. */
const PG: RowDecoder = { json: (v) => v, time: (v) => ms(v as Date), bool: (v) => v === true };
