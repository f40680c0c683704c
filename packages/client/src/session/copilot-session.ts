/**
 * The copilot session: everything a chat UI needs beyond one run, without a framework. It owns
 * one client, one `AgentThread` per agent in use, and the context and tools registered on it
 * (fanned out to every thread); it loads the chat thread's stored conversation, reconciles a
 * reload with a run still in flight (attach or follow it, then ask the server for what was
 * missed), and picks the chat agent. React's `<CopilotKit>` is a thin layer over it; a vanilla
 * page, another framework or a Node script uses it directly.
 * @module
 */
import type { Message, State } from "@ag-ui/core";
import { type BackchannelClient, type ClientSnapshot, createClient } from "../client.js";
import { BackchannelError } from "../errors.js";
import { Subscribable } from "../observable.js";
import type { RunResult } from "../run-handle.js";
import { AgentThread } from "../thread/agent-thread.js";
import type { ClientTool } from "../thread/client-tools.js";
import type {
  AgentThreadSnapshot,
  AnswerEnding,
  OutgoingMessage,
  WhileRunningPolicy,
} from "../thread/thread-types.js";
import type { ThreadHistory } from "../threads.js";
import { type ConnectionProps, toClientOptions } from "./connect-options.js";
import { HistoryLoader } from "./history.js";
import { withMissing } from "./merge-messages.js";

/** Per-thread settings shared by every thread of a session. */
export interface SessionThreadOptions {
  /** The chat agent; `undefined` picks the runtime's first agent once connected. */
  agent?: string;
  /** Thread id of the chat agent's thread. */
  threadId?: string;
  /** Messages the chat thread starts with. */
  initialMessages?: Message[];
  /** Load the stored conversation of `threadId` (when no `initialMessages`) before the chat starts. @default true */
  loadHistory?: boolean;
  /** Follow `threadId` live: runs other tabs start on it stream into the chat. @default true */
  followThread?: boolean;
  /** Minimum ms between change notifications while an answer streams; see `AgentThreadOptions.throttleMs`. */
  throttleMs?: number;
  /** What sending does while a run is in progress. @default "queue" */
  whileRunning?: WhileRunningPolicy;
  /** Sent as `forwardedProps` with every run (a function is called per run). */
  forwardedProps?: unknown;
}

/** Options of `createCopilotSession`. With `runtimeUrl` or `wsUrl` it connects at once. */
export interface CopilotSessionOptions extends ConnectionProps, SessionThreadOptions {
  /** Called with every error: connection, auth, failed runs, failing tools. Each error once. */
  onError?: (error: BackchannelError) => void;
  /**
   * Context values (`addContext(...).update()`, React's `useCopilotReadable`) that change
   * faster than this are coalesced: threads take the latest value once it has been stable this
   * long, and every run carries the latest value whatever the timing. `0` applies each update
   * at once. @default 250
   */
  contextDebounceMs?: number;
}

/** The session's observable state. A new object only when something in it changed. */
export interface SessionSnapshot {
  readonly client: BackchannelClient | null;
  readonly connection: ClientSnapshot;
  /** Name of the agent the chat talks to, once known. */
  readonly chatAgent: string | null;
  /** Bumped when threads are created or replaced, or tools registered. */
  readonly threadsVersion: number;
}

/** A client tool plus an optional renderer kept beside it (the session never calls it). */
export interface RegisteredTool extends ClientTool {
  /** Opaque to the session; a UI calls it to draw this tool's calls. */
  render?: unknown;
}

/** A readable context value, as `addContext` takes it. */
export interface SessionContext {
  /** What the value is, for the model. */
  description: string;
  /** Any value; the agent receives it as the AG-UI context entry's `value`. */
  value: unknown;
}

/** What `addContext` returns: call it to remove the context; `update` changes its value. */
export interface ContextHandle {
  (): void;
  /** Replaces the value. Updates faster than `contextDebounceMs` are coalesced; the latest always wins. */
  update(value: unknown): void;
}

/** Default of `contextDebounceMs`. */
export const CONTEXT_DEBOUNCE_MS = 250;

const CONNECTING: ClientSnapshot = Object.freeze({
  connectionState: "connecting",
  error: null,
  ready: null,
  attempt: 0,
  retryAt: null,
});

type Entry<T> = { value: T; removers: Map<AgentThread, () => void> };
type ContextEntry = Entry<SessionContext> & { pending: boolean };

/**
 * Holds the connection and threads of one chat surface. Create with `createCopilotSession`.
 * @example
 * const session = createCopilotSession({ runtimeUrl: "/api/copilotkit", threadId: "t-1" });
 * session.subscribe(() => render(session.getChatThread()?.getSnapshot().messages ?? []));
 * await session.sendMessage("What is today's NAV?");
 */
export class CopilotSession extends Subscribable<SessionSnapshot> {
  #errorListeners = new Set<(error: BackchannelError) => void>();
  #reported = new WeakSet<object>();
  #threads = new Map<string, AgentThread>();
  /** The thread made as the chat's (its threadId, initial messages, history). */
  #chatThread: AgentThread | null = null;
  #wanted = new Map<string, { initialState?: State; refs: number }>();
  #contexts = new Map<number, ContextEntry>();
  #contextTimer: ReturnType<typeof setTimeout> | undefined;
  #contextDebounceMs: number;
  #tools = new Map<number, Entry<RegisteredTool>>();
  #seq = 0;
  #threadOptions: SessionThreadOptions = {};
  #offClient: (() => void) | null = null;
  #waiters: ((thread: AgentThread) => void)[] = [];
  #lastConnect: ConnectionProps | null = null;
  #history = new HistoryLoader(
    () => this.#ensureThreads(),
    (error) => this.#report(error),
  );

  constructor(options: CopilotSessionOptions = {}) {
    super({ client: null, connection: CONNECTING, chatAgent: null, threadsVersion: 0 });
    const {
      runtimeUrl,
      wsUrl,
      headers,
      getToken,
      transport,
      clientOptions,
      onError,
      contextDebounceMs = CONTEXT_DEBOUNCE_MS,
      ...threadOptions
    } = options;
    if (!(contextDebounceMs >= 0)) {
      throw new TypeError(`createCopilotSession: contextDebounceMs must be ≥ 0 (got ${contextDebounceMs}).`);
    }
    this.#contextDebounceMs = contextDebounceMs;
    if (onError) this.onError(onError);
    this.setThreadOptions(threadOptions);
    if (runtimeUrl !== undefined || wsUrl !== undefined) {
      this.connect({
        ...(runtimeUrl === undefined ? {} : { runtimeUrl }),
        ...(wsUrl === undefined ? {} : { wsUrl }),
        ...(headers === undefined ? {} : { headers }),
        ...(getToken === undefined ? {} : { getToken }),
        ...(transport === undefined ? {} : { transport }),
        ...(clientOptions === undefined ? {} : { clientOptions }),
      });
    }
  }

  /** Calls `listener` with every error of the connection and of every thread (each error once). */
  onError(listener: (error: BackchannelError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** The thread of `agent`, or null while it does not exist yet. */
  getThread(agent: string | null | undefined): AgentThread | null {
    return agent ? (this.#threads.get(agent) ?? null) : null;
  }

  /** The chat agent's thread, or null until the client is up and the agent is known. */
  getChatThread(): AgentThread | null {
    return this.getThread(this.getSnapshot().chatAgent);
  }

  /** Resolves with the chat thread as soon as there is one (for sending before connecting). */
  whenChatThread(): Promise<AgentThread> {
    const thread = this.getChatThread();
    if (thread) return Promise.resolve(thread);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sends a user message on the chat thread (once it exists). See `AgentThread.sendMessage`. */
  async sendMessage(message: string | OutgoingMessage): Promise<RunResult> {
    const thread = await this.whenChatThread();
    return thread.sendMessage(typeof message === "string" ? { content: message } : message);
  }

  /** Sets thread options. A changed `agent`, `threadId` or `followThread` replaces the chat thread (history starts over). */
  setThreadOptions(options: SessionThreadOptions): void {
    const prev = this.#threadOptions;
    this.#threadOptions = options;
    if (
      prev.agent !== options.agent ||
      prev.threadId !== options.threadId ||
      prev.followThread !== options.followThread
    ) {
      const old = this.getSnapshot().chatAgent;
      if (old) this.#dropThread(old);
      this.update({ chatAgent: options.agent ?? this.#firstAgent() });
      this.#ensureThreads();
    }
  }

  /** Opens the client for `props` (replacing any open one). Call `disconnect()` to undo. */
  connect(props: ConnectionProps): void {
    this.disconnect();
    this.#lastConnect = props;
    let client: BackchannelClient;
    try {
      client = createClient({ ...toClientOptions(props), onError: (error) => this.#report(error) });
    } catch (err) {
      // Bad options (no runtimeUrl/wsUrl, no WebSocket): say so where the chat shows errors.
      const error = BackchannelError.from(err, "connection_failed");
      this.update({ connection: Object.freeze({ ...CONNECTING, connectionState: "disconnected", error }) });
      this.#report(error);
      return;
    }
    const sync = () => {
      const connection = client.getSnapshot();
      const snap = this.getSnapshot();
      const chatAgent = snap.chatAgent ?? this.#threadOptions.agent ?? this.#firstAgent(connection);
      this.update({ connection, chatAgent });
      this.#ensureThreads();
    };
    this.#offClient = client.subscribe(sync);
    this.update({ client });
    sync();
  }

  /** Closes the client and disposes every thread (their transcripts are dropped). */
  disconnect(): void {
    this.#lastConnect = null;
    this.#history.reset();
    this.#offClient?.();
    this.#offClient = null;
    for (const agent of [...this.#threads.keys()]) this.#dropThread(agent);
    this.getSnapshot().client?.close();
    this.update({ client: null, connection: CONNECTING });
  }

  /** Reconnects now, with the backoff reset; runs in flight resume. Retries discovery if it had failed. */
  reconnect(): void {
    const { client, connection } = this.getSnapshot();
    if (client) client.reconnect();
    else if (this.#lastConnect && connection.connectionState === "disconnected") {
      this.connect(this.#lastConnect);
    }
  }

  /** Asks for a thread of `agent` to exist (React's `useCoAgent`). Returns the release function. */
  retainThread(agent: string, initialState?: State): () => void {
    const wanted = this.#wanted.get(agent);
    if (wanted) wanted.refs++;
    else this.#wanted.set(agent, { ...(initialState === undefined ? {} : { initialState }), refs: 1 });
    const existing = this.#threads.get(agent);
    if (existing && initialState !== undefined) {
      // The chat created this agent's thread first: seed the state if nothing has set it yet.
      const snap = existing.getSnapshot();
      if (Object.keys(snap.state ?? {}).length === 0 && snap.messages.length === 0)
        existing.setState(initialState);
    }
    this.#ensureThreads();
    return () => {
      const entry = this.#wanted.get(agent);
      if (!entry) return;
      entry.refs--;
      if (entry.refs === 0) this.#wanted.delete(agent);
    };
  }

  /**
   * Adds context to every thread's runs (now and future threads). Returns the remove function,
   * whose `update(value)` replaces the value (coalesced, see `contextDebounceMs`).
   */
  addContext(context: SessionContext): ContextHandle {
    const id = ++this.#seq;
    const entry: ContextEntry = {
      value: { description: String(context.description), value: context.value },
      removers: new Map(),
      pending: false,
    };
    this.#contexts.set(id, entry);
    for (const thread of this.#threads.values()) entry.removers.set(thread, thread.addContext(entry.value));
    const remove = (() => {
      if (!this.#contexts.delete(id)) return;
      for (const off of entry.removers.values()) off();
    }) as ContextHandle;
    remove.update = (value: unknown) => {
      if (!this.#contexts.has(id) || Object.is(value, entry.value.value)) return;
      entry.value = { description: entry.value.description, value };
      entry.pending = true;
      if (this.#contextDebounceMs === 0) return this.#applyContexts();
      // Trailing debounce: the latest value lands once updates pause, or at the next run.
      clearTimeout(this.#contextTimer);
      this.#contextTimer = setTimeout(() => this.#applyContexts(), this.#contextDebounceMs);
    };
    return remove;
  }

  /** Offers a client tool to every thread. Returns the unregister function. */
  registerTool(tool: RegisteredTool): () => void {
    const id = ++this.#seq;
    const entry: Entry<RegisteredTool> = { value: tool, removers: new Map() };
    this.#tools.set(id, entry);
    for (const thread of this.#threads.values()) entry.removers.set(thread, thread.registerTool(tool));
    this.#bump();
    return () => {
      if (!this.#tools.delete(id)) return;
      for (const off of entry.removers.values()) off();
      this.#bump();
    };
  }

  /** The registered tool named `name` (latest registration wins), for renderers. */
  getTool(name: string): RegisteredTool | undefined {
    let found: RegisteredTool | undefined;
    for (const entry of this.#tools.values()) if (entry.value.name === name) found = entry.value;
    return found;
  }

  /** Disconnects and forgets every listener, tool and context: the session is done. */
  dispose(): void {
    clearTimeout(this.#contextTimer);
    this.disconnect();
    this.#errorListeners.clear();
    this.#contexts.clear();
    this.#tools.clear();
    this.#wanted.clear();
  }

  /** Applies coalesced context updates to every thread. */
  #applyContexts(): void {
    clearTimeout(this.#contextTimer);
    this.#contextTimer = undefined;
    for (const entry of this.#contexts.values()) {
      if (!entry.pending) continue;
      entry.pending = false;
      for (const [thread, off] of entry.removers) {
        off();
        entry.removers.set(thread, thread.addContext(entry.value));
      }
    }
  }

  #bump(): void {
    this.update({ threadsVersion: this.getSnapshot().threadsVersion + 1 });
  }

  #firstAgent(connection: ClientSnapshot = this.getSnapshot().connection): string | null {
    return connection.ready?.agents[0]?.name ?? null;
  }

  #ensureThreads(): void {
    const { client, chatAgent, connection } = this.getSnapshot();
    if (!client) return;
    // Without an `agent` option the chat agent is the runtime's first, known once connected. A
    // thread made before that (for `retainThread`) could be the chat agent's, made without the
    // chat's threadId and history: wait for `ready` to tell.
    if (!chatAgent && !connection.ready) return;
    let created = false;
    const names = new Set(this.#wanted.keys());
    if (chatAgent) names.add(chatAgent);
    for (const agent of names) {
      const isChat = agent === chatAgent;
      const existing = this.#threads.get(agent);
      if (existing && (!isChat || existing === this.#chatThread)) continue;
      // The chat thread waits for its stored conversation (a reload shows it again).
      if (isChat && this.#chatHistory() === undefined) continue;
      // `agent` now names an agent that had a thread of its own: the chat takes it over, with
      // the chat's threadId and history, keeping the state the page gave it.
      const carried = existing?.getSnapshot().state;
      if (existing) this.#dropThread(agent);
      const thread = this.#createThread(client, agent, isChat, carried);
      this.#threads.set(agent, thread);
      if (isChat) this.#chatThread = thread;
      created = true;
    }
    if (!created) return;
    this.#bump();
    const chat = this.getChatThread();
    if (chat) for (const resolve of this.#waiters.splice(0)) resolve(chat);
  }

  /** The chat thread's loaded history: undefined while loading, null for none (or not wanted). */
  #chatHistory(): ThreadHistory | null | undefined {
    const o = this.#threadOptions;
    if (o.threadId === undefined || o.initialMessages || o.loadHistory === false || !this.#lastConnect)
      return null;
    return this.#history.get(o.threadId, this.#lastConnect);
  }

  #createThread(client: BackchannelClient, agent: string, isChat: boolean, carried?: State): AgentThread {
    const o = this.#threadOptions;
    const history = isChat ? this.#chatHistory() : null;
    // Stored state first, then what the page set on the thread the chat took over, then the
    // page's initialState; an empty state means "nothing set yet" at every step.
    const initialState =
      nonEmpty(history?.state) ??
      nonEmpty(carried) ??
      this.#wanted.get(agent)?.initialState ??
      history?.state;
    // The HTTP/SSE binding cannot follow threads; a forced "sse" would only report that.
    const follow =
      isChat &&
      o.threadId !== undefined &&
      o.followThread !== false &&
      this.#lastConnect?.transport !== "sse";
    const thread = new AgentThread({
      client,
      agent,
      follow,
      ...(isChat && o.threadId !== undefined ? { threadId: o.threadId } : {}),
      ...(isChat && o.initialMessages ? { initialMessages: o.initialMessages } : {}),
      ...(history ? { initialMessages: history.messages, endedEarly: storedEnding(history) } : {}),
      ...(initialState === undefined ? {} : { initialState }),
      ...(o.throttleMs === undefined ? {} : { throttleMs: o.throttleMs }),
      ...(o.whileRunning === undefined ? {} : { whileRunning: o.whileRunning }),
      ...(o.forwardedProps === undefined ? {} : { forwardedProps: o.forwardedProps }),
      beforeRun: () => this.#applyContexts(),
      onError: (error) => this.#report(error),
    });
    for (const entry of this.#contexts.values()) entry.removers.set(thread, thread.addContext(entry.value));
    for (const entry of this.#tools.values()) entry.removers.set(thread, thread.registerTool(entry.value));
    const connection = this.#lastConnect;
    const threadId = o.threadId;
    if (!history || threadId === undefined || !connection) return thread;
    // A run still streaming when the page reloaded is followed from its start: by the join,
    // which also brings its question, or else (no join: off, refused, or the SSE transport) by
    // attaching to it, its question filled in from storage once it has ended.
    const attach = () => {
      const active = history.activeRuns.find((r) => r.agent === agent);
      if (!active || thread.getSnapshot().isRunning) return;
      void thread
        .attachRun(active.runId, 0)
        .then(() => this.#fillIn(thread, threadId, active.runId, connection));
    };
    if (!thread.following) attach();
    else if (history.activeRuns.length > 0) {
      void thread.following.joined.then(
        (live) => {
          // A run streaming when the history loaded but ended before the join is stored by now.
          for (const { runId } of history.activeRuns) {
            if (!live.some((r) => r.runId === runId)) void this.#fillIn(thread, threadId, runId, connection);
          }
        },
        () => {
          // Refused (another user's thread, or the SSE transport) or left: attach instead, unless
          // this thread has been replaced meanwhile.
          if (this.#chatThread === thread) attach();
        },
      );
    }
    return thread;
  }

  /**
   * A followed run's events carry its answer but not the message that started it (the page
   * that sent it is gone, and the server stores it only when the run ends). Once it has ended,
   * ask the server for the stored conversation as of that run (`settledRun`: it answers once
   * the run is stored) and take what this thread lacks, so the question shows again and goes
   * with the next run. A run still executing elsewhere (another cluster node) when the server
   * answered is asked about again; nothing is retried on a timer.
   */
  async #fillIn(
    thread: AgentThread,
    threadId: string,
    runId: string,
    connection: ConnectionProps,
  ): Promise<void> {
    for (let ask = 0; ask < MAX_FILL_IN_ASKS; ask++) {
      if (this.#chatThread !== thread) return;
      let history: ThreadHistory | null;
      try {
        history = await this.#history.fetch(threadId, connection, runId);
      } catch (err) {
        this.#report(BackchannelError.from(err, "connection_failed"));
        return;
      }
      if (this.#chatThread !== thread || !history) return;
      const stored = history.lastRunId === runId || history.runs.some((r) => r.runId === runId);
      if (!stored) {
        if (history.activeRuns.some((r) => r.runId === runId)) continue;
        return;
      }
      const snap = thread.getSnapshot();
      if (snap.isRunning) return;
      const merged = withMissing(snap.messages, history.messages);
      if (merged !== snap.messages) thread.setMessages(merged);
      return;
    }
  }

  #dropThread(agent: string): void {
    const thread = this.#threads.get(agent);
    if (!thread) return;
    this.#threads.delete(agent);
    if (this.#chatThread === thread) this.#chatThread = null;
    for (const entry of this.#contexts.values()) entry.removers.delete(thread);
    for (const entry of this.#tools.values()) entry.removers.delete(thread);
    // Let go without cancelling: a run in progress ends (and is stored) on the server, and the
    // next session for this thread (a remount, a reload) follows it.
    thread.dispose({ keepRun: true });
    this.#bump();
  }

  #report(error: BackchannelError): void {
    // The client reports a failed run and its thread reports it again: tell listeners once.
    if (this.#reported.has(error)) return;
    this.#reported.add(error);
    for (const listener of this.#errorListeners) listener(error);
  }
}

/** How often one followed run's stored conversation is asked for while it still runs elsewhere. */
const MAX_FILL_IN_ASKS = 3;

/** The stored conversation's last answer, marked if its run failed or was cancelled. */
function storedEnding(history: ThreadHistory): Record<string, AnswerEnding> {
  const status = history.lastRunStatus;
  const last = history.messages.at(-1);
  if ((status !== "error" && status !== "cancelled") || last?.role !== "assistant") return {};
  return { [last.id]: status === "error" ? "failed" : "stopped" };
}

function nonEmpty(state: State | undefined): State | undefined {
  return state && typeof state === "object" && Object.keys(state).length > 0 ? state : undefined;
}

/**
 * Creates a session. With `runtimeUrl` or `wsUrl` it connects at once; otherwise call
 * `connect(...)` when ready.
 * @example
 * const session = createCopilotSession({ runtimeUrl: "/api/copilotkit", threadId: "t-1" });
 */
export function createCopilotSession(options?: CopilotSessionOptions): CopilotSession {
  return new CopilotSession(options);
}

/** An empty thread snapshot, for views rendered before their thread exists. */
export const EMPTY_THREAD_SNAPSHOT: AgentThreadSnapshot = Object.freeze({
  threadId: "",
  messages: Object.freeze([]),
  state: Object.freeze({}),
  isRunning: false,
  error: null,
  currentRunId: null,
  pendingToolCalls: Object.freeze([]),
  interrupts: Object.freeze([]),
  queuedMessages: Object.freeze([]),
  endedEarly: Object.freeze({}),
});
