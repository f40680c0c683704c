/**
 * Thread history hooks: `useThreads` lists the signed-in user's conversations (to show a
 * history sidebar and switch between them), `useThreadHistory` loads one so a page reload
 * shows the conversation again. Both talk to the runtime's `/threads` routes over HTTP with
 * the same connection props as `<CopilotKit>`.
 * @module
 */
import type { ThreadHistory, ThreadSummary, ThreadsApi } from "@backchannel/client";
import {
  BackchannelError,
  createThreadsApi,
  type HeadersOption,
  httpBaseFrom,
  toSocketUrl,
} from "@backchannel/client";
import { useCallback, useEffect, useRef, useState } from "react";

/** Where the thread routes are: the same `runtimeUrl`/`wsUrl`, `headers` and `getToken` as `<CopilotKit>`. */
export interface ThreadsHookOptions {
  /** HTTP base of the runtime, e.g. `"/api/copilotkit"` (its proxy must forward `/threads`). */
  runtimeUrl?: string;
  /** The socket URL; the routes are beside it (`…/copilotkit/ws` → `…/copilotkit/threads`). */
  wsUrl?: string;
  /** Extra headers per request (e.g. `Authorization: Bearer …`). */
  headers?: HeadersOption;
  /** Called before each request for a fresh token. */
  getToken?: () => string | Promise<string>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

function useThreadsApi(options: ThreadsHookOptions): () => ThreadsApi {
  const latest = useRef(options);
  latest.current = options;
  return useCallback(() => {
    const o = latest.current;
    const page = (globalThis as { location?: { href?: string } }).location?.href ?? "http://localhost/";
    const target = o.wsUrl ? toSocketUrl(o.wsUrl, page) : o.runtimeUrl;
    if (!target) throw new TypeError("useThreads/useThreadHistory need runtimeUrl or wsUrl");
    return createThreadsApi({
      baseUrl: httpBaseFrom(target),
      ...(o.getToken ? { getToken: o.getToken } : {}),
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
    });
  }, []);
}

/** What `useThreads` returns. */
export interface UseThreadsResult {
  /** The caller's threads, newest first (pages loaded so far). */
  threads: readonly ThreadSummary[];
  loading: boolean;
  error: BackchannelError | null;
  /** Whether `loadMore` would fetch another page. */
  hasMore: boolean;
  /** Fetches the next page. */
  loadMore(): Promise<void>;
  /** Reloads from the first page (e.g. after a run ended). */
  refresh(): Promise<void>;
  /** Deletes a thread (cancelling its runs) and drops it from the list. */
  remove(threadId: string): Promise<void>;
}

/**
 * Lists the signed-in user's threads. Switch conversations by giving `<CopilotKit>` another
 * `threadId` (and that thread's `useThreadHistory` messages as `initialMessages`).
 * @example
 * const { threads, remove } = useThreads({ runtimeUrl: "/api/copilotkit" });
 * return threads.map((t) => <button onClick={() => setThreadId(t.threadId)}>{t.title}</button>);
 */
export function useThreads(options: ThreadsHookOptions & { pageSize?: number }): UseThreadsResult {
  const api = useThreadsApi(options);
  const pageSize = options.pageSize ?? 20;
  const [threads, setThreads] = useState<readonly ThreadSummary[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<BackchannelError | null>(null);
  const generation = useRef(0);

  const load = useCallback(
    async (from: string | undefined) => {
      const gen = from === undefined ? ++generation.current : generation.current;
      setLoading(true);
      try {
        const page = await api().list({ limit: pageSize, ...(from ? { cursor: from } : {}) });
        if (gen !== generation.current) return;
        setThreads((prev) => (from === undefined ? page.threads : [...prev, ...page.threads]));
        setCursor(page.nextCursor);
        setHasMore(page.nextCursor !== undefined);
        setError(null);
      } catch (err) {
        if (gen === generation.current) setError(BackchannelError.from(err, "connection_failed"));
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [api, pageSize],
  );

  const target = options.wsUrl ?? options.runtimeUrl;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the runtime changes
  useEffect(() => {
    void load(undefined);
  }, [load, target]);

  return {
    threads,
    loading,
    error,
    hasMore,
    loadMore: () => (cursor ? load(cursor) : Promise.resolve()),
    refresh: () => load(undefined),
    async remove(threadId) {
      try {
        await api().delete(threadId);
        setThreads((prev) => prev.filter((t) => t.threadId !== threadId));
      } catch (err) {
        const e = BackchannelError.from(err, "connection_failed");
        setError(e);
        throw e;
      }
    },
  };
}

/** What `useThreadHistory` returns. */
export interface UseThreadHistoryResult {
  /** The stored conversation; `null` for a thread with nothing stored (new) or while loading. */
  history: ThreadHistory | null;
  /** True until the first answer for this threadId. */
  loading: boolean;
  error: BackchannelError | null;
  reload(): Promise<void>;
}

/**
 * Loads a thread's stored conversation, for `<CopilotKit initialMessages>` after a reload.
 * @example
 * const { history, loading } = useThreadHistory(threadId, { runtimeUrl: "/api/copilotkit" });
 * if (loading) return <Spinner />;
 * return <CopilotKit runtimeUrl="/api/copilotkit" threadId={threadId} initialMessages={history?.messages}>…</CopilotKit>;
 */
export function useThreadHistory(
  threadId: string | undefined,
  options: ThreadsHookOptions,
): UseThreadHistoryResult {
  const api = useThreadsApi(options);
  const [state, setState] = useState<{
    for: string | undefined;
    history: ThreadHistory | null;
    error: BackchannelError | null;
  }>({
    for: undefined,
    history: null,
    error: null,
  });
  const generation = useRef(0);

  const load = useCallback(async () => {
    const gen = ++generation.current;
    if (!threadId) return setState({ for: threadId, history: null, error: null });
    try {
      const history = await api().get(threadId);
      if (gen === generation.current) setState({ for: threadId, history, error: null });
    } catch (err) {
      if (gen === generation.current) {
        setState({ for: threadId, history: null, error: BackchannelError.from(err, "connection_failed") });
      }
    }
  }, [api, threadId]);

  useEffect(() => {
    void load();
  }, [load]);

  const current = state.for === threadId;
  return {
    history: current ? state.history : null,
    loading: Boolean(threadId) && !current,
    error: current ? state.error : null,
    reload: load,
  };
}
