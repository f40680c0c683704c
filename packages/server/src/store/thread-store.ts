/**
 * The thread store contract: where conversations (messages, agent state, run history) live
 * between runs, restarts and nodes. Implementations: SQLite (embedded default) and Postgres.
 * Stores are deliberately dumb: ownership and access rules live in `persistence.ts`.
 * @module
 */

import type { Message, State } from "@ag-ui/core";
import { idProblem } from "@backchannel/protocol";
import type { ResponseCacheStore } from "../cache/types.js";

/** How a run ended, as stored. */
export type StoredRunStatus = "finished" | "error" | "cancelled";

/** One run of a thread, as kept in the `runs` table. */
export interface RunRecord {
  runId: string;
  threadId: string;
  /** Who started the run (may differ from the thread owner when the app grants access). */
  principalId: string;
  agent: string;
  status: StoredRunStatus;
  /** RUN_ERROR's `code` and `message`, for failed runs. */
  errorCode?: string;
  errorMessage?: string;
  /** Events the run produced. */
  eventCount: number;
  /** True when events fell out of the resume buffer before they were folded: the stored answer is incomplete. */
  truncated: boolean;
  /** ms since epoch. */
  startedAt: number;
  endedAt: number;
}

/** A thread with its full conversation, as `GET /threads/:threadId` returns it. */
export interface StoredThread {
  threadId: string;
  ownerId: string;
  /** The agent of the latest saved run. */
  agent?: string;
  /** The first user message, shortened; for thread lists. */
  title?: string;
  /** AG-UI messages, oldest first. */
  messages: Message[];
  /** The agent state after the latest saved run. */
  state: State;
  createdAt: number;
  updatedAt: number;
  lastRunId?: string;
  lastRunStatus?: StoredRunStatus;
}

/** A thread without its conversation, for lists. */
export interface ThreadSummary {
  threadId: string;
  title?: string;
  agent?: string;
  messageCount: number;
  createdAt: number;
  updatedAt: number;
  lastRunStatus?: StoredRunStatus;
}

/** What a finished run writes to its thread. */
export interface ThreadSnapshot {
  messages: Message[];
  state: State;
  title?: string;
}

/** A keyset position in a thread list: newest first by `updatedAt`, ties by `threadId`. */
export interface ThreadCursor {
  updatedAt: number;
  threadId: string;
}

/**
 * Storage for threads. Every method may throw when the database is unreachable; callers
 * turn that into a retryable error for the client.
 */
export interface ThreadStore {
  /** "sqlite", "postgres", ... (for logs and `/health`). */
  readonly kind: string;
  /** Creates or upgrades the schema. Safe to call from several processes at once. */
  migrate(): Promise<void>;
  /**
   * Creates the thread owned by `ownerId` unless it exists, and touches its `updatedAt`.
   * Returns the owner on record (which is someone else's when the thread was theirs).
   */
  claimThread(threadId: string, ownerId: string, now: number): Promise<{ ownerId: string; created: boolean }>;
  getThread(threadId: string): Promise<StoredThread | undefined>;
  /** The owner of a thread, without loading its conversation; undefined if there is none. */
  getOwner(threadId: string): Promise<string | undefined>;
  /** Threads of `ownerId`, newest first, at most `limit`, strictly after `cursor`. */
  listThreads(ownerId: string, page: { limit: number; cursor?: ThreadCursor }): Promise<ThreadSummary[]>;
  /** Runs of a thread, newest first. */
  listRuns(threadId: string, limit: number): Promise<RunRecord[]>;
  /**
   * Records a run and, unless a run that started later already saved, the thread's
   * conversation and state. Does nothing (returns false) if the thread was deleted.
   */
  saveRun(run: RunRecord, snapshot: ThreadSnapshot): Promise<boolean>;
  /** Deletes a thread and its runs; false if there was none. */
  deleteThread(threadId: string): Promise<boolean>;
  /**
   * The response cache kept in this store's own database (the built-in SQLite and Postgres
   * stores have it); without it the runtime caches in memory. See the server README.
   */
  responseCache?(): ResponseCacheStore;
  /** Deletes up to `limit` threads not updated since `idleBefore` (ms since epoch); returns their ids. */
  deleteIdleThreads(idleBefore: number, limit: number): Promise<string[]>;
  /** Throws when the database cannot answer (for `/health`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Longest accepted threadId; longer ones are refused before they reach the database. */
export const MAX_THREAD_ID_LENGTH = 256;

/** Encodes a list position for `?cursor=` (opaque to clients). */
export function encodeCursor(c: ThreadCursor): string {
  return Buffer.from(JSON.stringify([c.updatedAt, c.threadId])).toString("base64url");
}

/** Decodes `?cursor=`; undefined when it is not one of ours. */
export function decodeCursor(text: string): ThreadCursor | undefined {
  try {
    const v = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(v) || v.length !== 2) return undefined;
    const [updatedAt, threadId] = v as [unknown, unknown];
    if (typeof updatedAt !== "number" || !Number.isFinite(updatedAt) || typeof threadId !== "string")
      return undefined;
    if (threadId.length > MAX_THREAD_ID_LENGTH || idProblem(threadId) !== undefined) return undefined;
    return { updatedAt, threadId };
  } catch {
    return undefined;
  }
}

/** A title for thread lists: the first user message's text, on one line, at most 80 characters. */
/** `text` with every unpaired UTF-16 surrogate replaced by U+FFFD (what UTF-8 storage can hold). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

export function titleFrom(messages: readonly Message[]): string | undefined {
  for (const m of messages) {
    if (m.role !== "user") continue;
    const content = (m as { content?: unknown }).content;
    const text =
      typeof content === "string"
        ? content
        : Array.isArray(content)
          ? content
              .map((p) =>
                p && typeof p === "object" && (p as { type?: unknown }).type === "text"
                  ? ((p as { text?: string }).text ?? "")
                  : "",
              )
              .join(" ")
          : "";
    // Control characters (NUL breaks a Postgres text column) and unpaired surrogates go.
    const line = wellFormed(
      text
        // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
        .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, "")
        .replace(/\s+/g, " ")
        .trim(),
    );
    if (line) return line.length > 80 ? `${line.slice(0, 79)}…` : line;
  }
  return undefined;
}
