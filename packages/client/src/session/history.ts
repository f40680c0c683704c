/**
 * Loads the chat thread's stored conversation when the session has a `threadId`, so a page
 * reload shows it again. The session waits for it before creating the chat thread; a thread
 * with nothing stored (or a runtime without history routes) starts empty.
 * @module
 */
import { BackchannelError } from "../errors.js";
import { createThreadsApi, httpBaseFrom, type ThreadHistory } from "../threads.js";
import { type ConnectionProps, toSocketUrl } from "./connect-options.js";

type Entry = { key: string; done: boolean; history: ThreadHistory | null };

/** One session's history lookups (one thread at a time). */
export class HistoryLoader {
  #entry: Entry | null = null;

  constructor(
    private readonly onLoaded: () => void,
    private readonly onError: (error: BackchannelError) => void,
  ) {}

  /**
   * The stored conversation of `threadId`: `undefined` while it loads (the first call starts
   * loading and `onLoaded` fires when done), `null` when there is none or it could not load.
   */
  get(threadId: string, connection: ConnectionProps): ThreadHistory | null | undefined {
    const key = `${connection.wsUrl ?? connection.runtimeUrl ?? ""}\n${threadId}`;
    if (this.#entry?.key === key) return this.#entry.done ? this.#entry.history : undefined;
    const entry: Entry = { key, done: false, history: null };
    this.#entry = entry;
    this.fetch(threadId, connection).then(
      (history) => this.#settle(entry, history),
      (err: unknown) => {
        this.onError(BackchannelError.from(err, "connection_failed"));
        this.#settle(entry, null);
      },
    );
    return undefined;
  }

  /**
   * Loads `threadId`'s stored conversation now, bypassing what `get` remembers. With
   * `settledRun`, the server answers once that run's conversation is stored (see
   * `ThreadsApi.get`).
   */
  fetch(threadId: string, c: ConnectionProps, settledRun?: string): Promise<ThreadHistory | null> {
    const page = (globalThis as { location?: { href?: string } }).location?.href ?? "http://localhost/";
    const base = c.wsUrl ? httpBaseFrom(toSocketUrl(c.wsUrl, page)) : new URL(c.runtimeUrl ?? "", page).href;
    const fetchImpl = c.clientOptions?.fetch;
    const api = createThreadsApi({
      baseUrl: base,
      ...(c.getToken ? { getToken: c.getToken } : {}),
      ...(c.headers ? { headers: c.headers } : {}),
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    return api.get(threadId, settledRun === undefined ? {} : { settledRun });
  }

  /** Forgets the last lookup (a new connection or thread loads again). */
  reset(): void {
    this.#entry = null;
  }

  #settle(entry: Entry, history: ThreadHistory | null): void {
    if (this.#entry !== entry) return;
    entry.done = true;
    entry.history = history;
    this.onLoaded();
  }
}
