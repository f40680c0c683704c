/**
 * Thread history over HTTP: list the signed-in user's threads, load one (AG-UI messages and
 * state, to show a conversation again after a reload), delete one. Same credentials as the
 * socket (`Authorization: Bearer`), against the runtime's HTTP base (`/copilotkit`, or your
 * proxy route). See docs/persistence.md.
 * @module
 */
import type { Message, State } from "@ag-ui/core";
import { BackchannelError, type BackchannelErrorCode } from "./errors.js";

/** How to reach the thread routes. */
export interface ThreadsApiOptions {
  /**
   * The runtime's HTTP base, e.g. `"/api/copilotkit"` or `"https://api.example.com/copilotkit"`.
   * A WebSocket URL (`wss://host/copilotkit/ws`) is accepted and converted.
   */
  baseUrl: string;
  /** A bearer token (API key or JWT). */
  token?: string;
  /** Called before each request for a fresh token; wins over `token`. */
  getToken?: () => string | Promise<string>;
  /** Extra request headers (e.g. for a proxy), an object or a function called per request. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A thread in a list (no messages). */
export interface ThreadSummary {
  threadId: string;
  /** The first user message, shortened. */
  title?: string;
  agent?: string;
  messageCount: number;
  createdAt: number;
  updatedAt: number;
  lastRunStatus?: "finished" | "error" | "cancelled";
}

/** One page of `listThreads`, newest first. */
export interface ThreadPage {
  threads: ThreadSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** A run of a thread that is still executing (follow it with `attachRun` or `join`). */
export interface ActiveRun {
  runId: string;
  agent: string;
  lastSeq: number;
}

/** A stored conversation, as `GET <base>/threads/:threadId` returns it. */
export interface ThreadHistory extends ThreadSummary {
  messages: Message[];
  state: State;
  lastRunId?: string;
  /** Recent runs, newest first. */
  runs: {
    runId: string;
    agent: string;
    status: "finished" | "error" | "cancelled";
    errorCode?: string;
    errorMessage?: string;
    eventCount: number;
    truncated: boolean;
    startedAt: number;
    endedAt: number;
  }[];
  /** Runs executing right now, whose output is not in `messages` yet. */
  activeRuns: ActiveRun[];
}

/** The thread routes of one runtime. */
export interface ThreadsApi {
  /** The caller's threads, newest first. */
  list(page?: { limit?: number; cursor?: string }): Promise<ThreadPage>;
  /**
   * A thread's conversation, or `null` when there is none (new, deleted or expired). With
   * `settledRun`, the server holds its answer until that run has ended and its conversation is
   * stored (a followed run's question is only in storage), up to a few seconds.
   */
  get(threadId: string, options?: { settledRun?: string }): Promise<ThreadHistory | null>;
  /** Deletes a thread (cancelling its runs); `false` when there was none. */
  delete(threadId: string): Promise<boolean>;
}

/** The HTTP base for `url`: a `ws(s)://…/ws` socket URL becomes `http(s)://…`, trailing slashes go. */
export function httpBaseFrom(url: string): string {
  let base = url.replace(/\/+$/, "");
  if (/^wss?:\/\//i.test(base)) base = base.replace(/^ws/i, "http").replace(/\/ws$/, "");
  return base;
}

/**
 * Creates a client for the thread routes.
 * @example
 * const threads = createThreadsApi({ baseUrl: "/api/copilotkit", getToken });
 * const history = await threads.get(threadId); // null for a brand-new thread
 */
export function createThreadsApi(options: ThreadsApiOptions): ThreadsApi {
  const base = httpBaseFrom(options.baseUrl);
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request(method: string, path: string): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    const extra = typeof options.headers === "function" ? await options.headers() : options.headers;
    Object.assign(headers, extra ?? {});
    const token = options.getToken ? await options.getToken() : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const url = `${base}${path}`;
    try {
      return await doFetch(url, { method, headers, cache: "no-store" });
    } catch (err) {
      throw new BackchannelError(
        "connection_failed",
        `Could not reach ${url} (${err instanceof Error ? err.message : String(err)}); check the runtime URL.`,
        { cause: err },
      );
    }
  }

  return {
    async list(page = {}) {
      const q = new URLSearchParams();
      if (page.limit !== undefined) q.set("limit", String(page.limit));
      if (page.cursor) q.set("cursor", page.cursor);
      const query = q.toString();
      const res = await request("GET", `/threads${query ? `?${query}` : ""}`);
      if (!res.ok) throw await failure(res, "list threads");
      return (await res.json()) as ThreadPage;
    },
    async get(threadId, { settledRun } = {}) {
      const query = settledRun === undefined ? "" : `?settled=${encodeURIComponent(settledRun)}`;
      const res = await request("GET", `/threads/${encodeURIComponent(threadId)}${query}`);
      if (res.status === 404) return null;
      if (!res.ok) throw await failure(res, "load the thread");
      return (await res.json()) as ThreadHistory;
    },
    async delete(threadId) {
      const res = await request("DELETE", `/threads/${encodeURIComponent(threadId)}`);
      if (res.status === 404) return false;
      if (!res.ok) throw await failure(res, "delete the thread");
      return true;
    },
  };
}

/** Loads one thread: `createThreadsApi(options).get(threadId)`. */
export function fetchThread(options: ThreadsApiOptions, threadId: string): Promise<ThreadHistory | null> {
  return createThreadsApi(options).get(threadId);
}

/** Lists the caller's threads: `createThreadsApi(options).list(page)`. */
export function listThreads(
  options: ThreadsApiOptions,
  page?: { limit?: number; cursor?: string },
): Promise<ThreadPage> {
  return createThreadsApi(options).list(page);
}

/** Deletes a thread: `createThreadsApi(options).delete(threadId)`. */
export function deleteThread(options: ThreadsApiOptions, threadId: string): Promise<boolean> {
  return createThreadsApi(options).delete(threadId);
}

const SERVER_CODES = new Set(["forbidden", "unavailable", "rate_limited", "bad_request", "auth_failed"]);

async function failure(res: Response, what: string): Promise<BackchannelError> {
  let code: string | undefined;
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not our JSON (a proxy's error page): the status says enough.
  }
  const mapped: BackchannelErrorCode =
    res.status === 401
      ? "auth_failed"
      : code && SERVER_CODES.has(code)
        ? (code as BackchannelErrorCode)
        : "connection_failed";
  const retry = res.headers.get("retry-after");
  return new BackchannelError(mapped, `Could not ${what}: ${message}`, {
    ...(retry && Number.isFinite(Number(retry)) ? { retryAfterMs: Number(retry) * 1000 } : {}),
  });
}
