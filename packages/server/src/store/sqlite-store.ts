/**
 * The embedded thread store: one SQLite file (WAL) under the data directory, through
 * better-sqlite3. Synchronous under the hood; it runs only at run start (claim) and run end
 * (save), never per token, and the claims and saves of one event-loop turn share one
 * transaction (write-batch.ts), so a thousand runs starting together cost one commit.
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import { loadOptional } from "../optional-dependency.js";
import { safeJson } from "./json-text.js";
import { SQLITE_MIGRATIONS } from "./migrations.js";
import { type Row, type RowDecoder, runFromRow, summaryFromRow, threadFromRow } from "./rows.js";
import type {
  RunRecord,
  StoredThread,
  ThreadCursor,
  ThreadSnapshot,
  ThreadStore,
  ThreadSummary,
} from "./thread-store.js";
import { createWriteBatch, type WriteBatch } from "./write-batch.js";

/** Options of `createSqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file, or ":memory:" (nothing survives the process). Parent folders are created. */
  path: string;
  /** How long a write waits for another process holding the lock, in ms. @default 5000 */
  busyTimeoutMs?: number;
}

/** SQLite keeps JSON as text, times as ms numbers and booleans as 0/1. */
const SQLITE: RowDecoder = {
  json: (v) => JSON.parse(v as string),
  time: (v) => v as number,
  bool: (v) => v === 1,
};

/**
 * Creates a SQLite thread store and applies its migrations.
 * @example const store = await createSqliteStore({ path: "./.data/threads.db" });
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<ThreadStore> {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const SQLite = loadOptional<typeof Database>("better-sqlite3", "The embedded SQLite store");
  const db = new SQLite(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const store = new SqliteStore(db);
  await store.migrate();
  return store;
}

class SqliteStore implements ThreadStore {
  readonly kind = "sqlite";
  private stmts: ReturnType<SqliteStore["prepare"]> | undefined;
  private readonly batch: WriteBatch;

  constructor(private readonly db: Database.Database) {
    // Called inside an open transaction, a better-sqlite3 transaction is a savepoint.
    const inTransaction = db.transaction((body: () => unknown) => body());
    this.batch = createWriteBatch(
      (body) => inTransaction(body),
      (work) => inTransaction(work) as ReturnType<typeof work>,
    );
  }

  async migrate(): Promise<void> {
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    // IMMEDIATE takes the write lock first, so two processes starting at once apply each step once.
    this.db
      .transaction(() => {
        const done = new Set(
          (this.db.prepare("SELECT version FROM schema_migrations").all() as Row[]).map((r) => r.version),
        );
        for (const m of SQLITE_MIGRATIONS) {
          if (done.has(m.version)) continue;
          this.db.exec(m.sql);
          this.db
            .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .run(m.version, m.name, Date.now());
        }
      })
      .immediate();
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      claim: db.prepare(
        `INSERT INTO sessions (thread_id, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (thread_id) DO UPDATE SET updated_at = MAX(updated_at, excluded.updated_at)
         WHERE owner_id = excluded.owner_id`,
      ),
      owner: db.prepare("SELECT owner_id, created_at FROM sessions WHERE thread_id = ?"),
      get: db.prepare("SELECT * FROM sessions WHERE thread_id = ?"),
      list: db.prepare(
        `SELECT thread_id, title, agent, message_count, created_at, updated_at, last_run_status
         FROM sessions WHERE owner_id = ? ORDER BY updated_at DESC, thread_id DESC LIMIT ?`,
      ),
      listAfter: db.prepare(
        `SELECT thread_id, title, agent, message_count, created_at, updated_at, last_run_status
         FROM sessions WHERE owner_id = ? AND (updated_at < ? OR (updated_at = ? AND thread_id < ?))
         ORDER BY updated_at DESC, thread_id DESC LIMIT ?`,
      ),
      runs: db.prepare(
        "SELECT * FROM runs WHERE thread_id = ? ORDER BY started_at DESC, run_id DESC LIMIT ?",
      ),
      saveThread: db.prepare(
        `UPDATE sessions SET messages = ?, state = ?, message_count = ?, title = COALESCE(title, ?), agent = ?,
           updated_at = MAX(updated_at, ?), last_run_id = ?, last_run_status = ?, last_run_started_at = ?
         WHERE thread_id = ? AND (last_run_started_at IS NULL OR last_run_started_at <= ?)`,
      ),
      touch: db.prepare("UPDATE sessions SET updated_at = MAX(updated_at, ?) WHERE thread_id = ?"),
      saveRun: db.prepare(
        `INSERT INTO runs (run_id, thread_id, principal_id, agent, status, error_code, error_message,
           event_count, truncated, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, error_code = excluded.error_code,
           error_message = excluded.error_message, event_count = excluded.event_count,
           truncated = excluded.truncated, ended_at = excluded.ended_at`,
      ),
      delete: db.prepare("DELETE FROM sessions WHERE thread_id = ?"),
      idle: db.prepare("SELECT thread_id FROM sessions WHERE updated_at < ? ORDER BY updated_at LIMIT ?"),
      ping: db.prepare("SELECT 1"),
    };
  }

  /** Prepared statements; commits queued writes first, so every read sees them (program order). */
  private get q() {
    if (!this.stmts) throw new Error("Thread store used before migrate()");
    if (this.batch.pending) this.batch.flush();
    return this.stmts;
  }

  claimThread(threadId: string, ownerId: string, now: number) {
    if (!this.stmts) return Promise.reject(new Error("Thread store used before migrate()"));
    const q = this.stmts;
    return this.batch.run(() => {
      const created = q.claim.run(threadId, ownerId, now, now).changes > 0;
      const row = q.owner.get(threadId) as Row | undefined;
      // `changes` counts the update of our own row too; a brand-new row has created_at = now.
      return {
        ownerId: (row?.owner_id as string | undefined) ?? ownerId,
        created: created && row?.created_at === now,
      };
    });
  }

  async getOwner(threadId: string): Promise<string | undefined> {
    return (this.q.owner.get(threadId) as Row | undefined)?.owner_id;
  }

  async getThread(threadId: string): Promise<StoredThread | undefined> {
    const r = this.q.get.get(threadId) as Row | undefined;
    if (!r) return undefined;
    return threadFromRow(r, SQLITE);
  }

  async listThreads(
    ownerId: string,
    page: { limit: number; cursor?: ThreadCursor },
  ): Promise<ThreadSummary[]> {
    const c = page.cursor;
    const rows = (
      c
        ? this.q.listAfter.all(ownerId, c.updatedAt, c.updatedAt, c.threadId, page.limit)
        : this.q.list.all(ownerId, page.limit)
    ) as Row[];
    return rows.map((r) => summaryFromRow(r, SQLITE));
  }

  async listRuns(threadId: string, limit: number): Promise<RunRecord[]> {
    return (this.q.runs.all(threadId, limit) as Row[]).map((r) => runFromRow(r, SQLITE));
  }

  async saveRun(run: RunRecord, snap: ThreadSnapshot): Promise<boolean> {
    const messages = safeJson(snap.messages);
    const state = safeJson(snap.state ?? {});
    if (!this.stmts) throw new Error("Thread store used before migrate()");
    const q = this.stmts;
    return this.batch.run(() => {
      if (!q.owner.get(run.threadId)) return false;
      const saved = q.saveThread.run(
        messages,
        state,
        snap.messages.length,
        snap.title ?? null,
        run.agent,
        run.endedAt,
        run.runId,
        run.status,
        run.startedAt,
        run.threadId,
        run.startedAt,
      );
      if (saved.changes === 0) q.touch.run(run.endedAt, run.threadId);
      q.saveRun.run(
        run.runId,
        run.threadId,
        run.principalId,
        run.agent,
        run.status,
        run.errorCode ?? null,
        run.errorMessage ?? null,
        run.eventCount,
        run.truncated ? 1 : 0,
        run.startedAt,
        run.endedAt,
      );
      return true;
    });
  }

  async deleteThread(threadId: string): Promise<boolean> {
    return this.q.delete.run(threadId).changes > 0;
  }

  async deleteIdleThreads(idleBefore: number, limit: number): Promise<string[]> {
    const q = this.q; // commits queued writes before this transaction opens
    return this.db.transaction(() => {
      const ids = (q.idle.all(idleBefore, limit) as Row[]).map((r) => r.thread_id as string);
      for (const id of ids) q.delete.run(id);
      return ids;
    })();
  }

  async ping(): Promise<void> {
    this.q.ping.get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.batch.flush();
    this.db.close();
  }
}
