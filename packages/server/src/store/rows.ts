/**
 * Rows of the `sessions` and `runs` tables turned into store records. Both dialects share one
 * schema; they differ only in how a column comes back (JSON as text or parsed, time as a
 * number or a Date, booleans as 0/1 or true/false), which the `RowDecoder` hides.
 * @module
 */
import type { RunRecord, StoredRunStatus, StoredThread, ThreadSummary } from "./thread-store.js";

/** A database row as the driver returns it. */
export type Row = Record<string, any>;

/** How one dialect's column values become record values. */
export interface RowDecoder {
  json(value: unknown): any;
  time(value: unknown): number;
  bool(value: unknown): boolean;
}

/** A full thread (`getThread`). */
export function threadFromRow(r: Row, d: RowDecoder): StoredThread {
  return {
    threadId: r.thread_id,
    ownerId: r.owner_id,
    ...(r.agent != null ? { agent: r.agent } : {}),
    ...(r.title != null ? { title: r.title } : {}),
    messages: d.json(r.messages),
    state: d.json(r.state),
    createdAt: d.time(r.created_at),
    updatedAt: d.time(r.updated_at),
    ...(r.last_run_id != null ? { lastRunId: r.last_run_id } : {}),
    ...(r.last_run_status != null ? { lastRunStatus: r.last_run_status as StoredRunStatus } : {}),
  };
}

/** One entry of `listThreads`. */
export function summaryFromRow(r: Row, d: RowDecoder): ThreadSummary {
  return {
    threadId: r.thread_id,
    ...(r.title != null ? { title: r.title } : {}),
    ...(r.agent != null ? { agent: r.agent } : {}),
    messageCount: r.message_count,
    createdAt: d.time(r.created_at),
    updatedAt: d.time(r.updated_at),
    ...(r.last_run_status != null ? { lastRunStatus: r.last_run_status as StoredRunStatus } : {}),
  };
}

/** One entry of `listRuns`. */
export function runFromRow(r: Row, d: RowDecoder): RunRecord {
  return {
    runId: r.run_id,
    threadId: r.thread_id,
    principalId: r.principal_id,
    agent: r.agent,
    status: r.status as StoredRunStatus,
    ...(r.error_code != null ? { errorCode: r.error_code } : {}),
    ...(r.error_message != null ? { errorMessage: r.error_message } : {}),
    eventCount: r.event_count,
    truncated: d.bool(r.truncated),
    startedAt: d.time(r.started_at),
    endedAt: d.time(r.ended_at),
  };
}
