/**
 * Schema migrations for both stores, applied in order on start and recorded in
 * `schema_migrations`. Append new migrations; never edit one that has shipped.
 * @module
 */
import { ConfigError } from "../errors.js";

/** One schema step. `sql` may hold several statements. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Postgres migrations for `schema` (the seed's `agent`). `sessions` is one row per thread
 * (the seed's table name); `runs` is one row per finished run.
 */
export function postgresMigrations(schema: string): Migration[] {
  const s = quoteIdent(schema);
  return [
    {
      version: 1,
      name: "sessions and runs",
      sql: `
        CREATE TABLE ${s}.sessions (
          thread_id text PRIMARY KEY,
          owner_id text NOT NULL,
          agent text,
          title text,
          messages jsonb NOT NULL DEFAULT '[]'::jsonb,
          state jsonb NOT NULL DEFAULT '{}'::jsonb,
          message_count integer NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          last_run_id text,
          last_run_status text,
          last_run_started_at timestamptz
        );
        CREATE INDEX sessions_owner_updated ON ${s}.sessions (owner_id, updated_at DESC, thread_id DESC);
        CREATE INDEX sessions_updated ON ${s}.sessions (updated_at);
        CREATE TABLE ${s}.runs (
          run_id text PRIMARY KEY,
          thread_id text NOT NULL REFERENCES ${s}.sessions (thread_id) ON DELETE CASCADE,
          principal_id text NOT NULL,
          agent text NOT NULL,
          status text NOT NULL,
          error_code text,
          error_message text,
          event_count integer NOT NULL,
          truncated boolean NOT NULL DEFAULT false,
          started_at timestamptz NOT NULL,
          ended_at timestamptz NOT NULL
        );
        CREATE INDEX runs_thread_started ON ${s}.runs (thread_id, started_at DESC);
      `,
    },
    {
      version: 2,
      name: "response cache",
      sql: `
        CREATE TABLE ${s}.response_cache (
          cache_key text PRIMARY KEY,
          agent text NOT NULL,
          principal_id text,
          thread_id text NOT NULL,
          events jsonb NOT NULL,
          created_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL
        );
        CREATE INDEX response_cache_expires ON ${s}.response_cache (expires_at);
        CREATE INDEX response_cache_thread ON ${s}.response_cache (thread_id);
      `,
    },
  ];
}

/** SQLite migrations: the same tables, JSON as text and times as ms since epoch. */
export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "sessions and runs",
    sql: `
      CREATE TABLE sessions (
        thread_id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        agent TEXT,
        title TEXT,
        messages TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL DEFAULT '{}',
        message_count INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_run_id TEXT,
        last_run_status TEXT,
        last_run_started_at INTEGER
      );
      CREATE INDEX sessions_owner_updated ON sessions (owner_id, updated_at DESC, thread_id DESC);
      CREATE INDEX sessions_updated ON sessions (updated_at);
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        thread_id TEXT NOT NULL REFERENCES sessions (thread_id) ON DELETE CASCADE,
        principal_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        status TEXT NOT NULL,
        error_code TEXT,
        error_message TEXT,
        event_count INTEGER NOT NULL,
        truncated INTEGER NOT NULL DEFAULT 0,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL
      );
      CREATE INDEX runs_thread_started ON runs (thread_id, started_at DESC);
    `,
  },
  {
    version: 2,
    name: "response cache",
    sql: `
      CREATE TABLE response_cache (
        cache_key TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        principal_id TEXT,
        thread_id TEXT NOT NULL,
        events TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX response_cache_expires ON response_cache (expires_at);
      CREATE INDEX response_cache_thread ON response_cache (thread_id);
    `,
  },
];

/** Quotes a schema name after checking it is a plain identifier (it is interpolated into SQL). */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new ConfigError(`Invalid schema name ${JSON.stringify(name)}: use lowercase letters, digits and _`);
  }
  return `"${name}"`;
}
