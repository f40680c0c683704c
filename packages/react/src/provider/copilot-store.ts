/**
 * The provider's state outside React: one client, one `AgentThread` per agent in use, and the
 * context and tools the hooks register, fanned out to every thread. React reads it through
 * `useSyncExternalStore`; nothing here imports React.
 * @module
 */
import type { Message, State } from "@ag-ui/core";
import type {
  AgentThreadSnapshot,
  AnswerEnding,
  BackchannelClient,
  ClientSnapshot,
  ClientTool,
  ThreadHistory,
  WhileRunningPolicy,
} from "@backchannel/client";
import { AgentThread, BackchannelError, createClient } from "@backchannel/client";
import { HistoryLoader } from "./history-loader.js";
import { type ConnectionProps, toClientOptions } from "./resolve-connection.js";

/** Per-thread settings shared by every thread of a provider. */
export interface StoreThreadOptions {
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
  throttleMs?: number;
  whileRunning?: WhileRunningPolicy;
  forwardedProps?: unknown;
}

/** The store's observable state. A new object only when something in it changed. */
export interface StoreSnapshot {
  readonly client: BackchannelClient | null;
  readonly connection: ClientSnapshot;
  /** Name of the agent the chat talks to, once known. */
  readonly chatAgent: string | null;
  /** Bumped when threads are created or replaced. */
  readonly threadsVersion: number;
}

const CONNECTING: ClientSnapshot = Object.freeze({
  connectionState: "connecting",
  error: null,
  ready: null,
  attempt: 0,
  retryAt: null,
});

/** A client tool plus an optional React renderer kept beside it (the store stays React-free). */
export interface RegisteredTool extends ClientTool {
  /** Opaque to the store; the chat UI calls it to draw this tool's calls. */
  render?: unknown;
}

type Entry<T> = { value: T; removers: Map<AgentThread, () => void> };

/** Holds the connection and threads of one `<CopilotKit>`. Create with `createCopilotStore`. */
export class CopilotStore {
  #snapshot: StoreSnapshot = {
    client: null,
    connection: CONNECTING,
    chatAgent: null,
    threadsVersion: 0,
  };
  #listeners = new Set<() => void>();
  #errorListeners = new Set<(error: BackchannelError) => void>();
  #reported = new WeakSet<object>();
  #threads = new Map<string, AgentThread>();
  /** The thread made as the chat's (its threadId, initial messages, history). */
  #chatThread: AgentThread | null = null;
  #wanted = new Map<string, { initialState?: State; refs: number }>();
  #contexts = new Map<number, Entry<{ description: string; value: unknown }>>();
  #tools = new Map<number, Entry<RegisteredTool>>();
  #seq = 0;
  #threadOptions: StoreThreadOptions = {};
  #offClient: (() => void) | null = null;
  #waiters: ((thread: AgentThread) => void)[] = [];
  #lastConnect: ConnectionProps | null = null;
  #history = new HistoryLoader(
    () => this.#ensureThreads(),
    (error) => this.#report(error),
  );

  getSnapshot = (): StoreSnapshot => this.#snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

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
    return this.getThread(this.#snapshot.chatAgent);
  }

  /** Resolves with the chat thread as soon as there is one (for `sendMessage` before connecting). */
  whenChatThread(): Promise<AgentThread> {
    const thread = this.getChatThread();
    if (thread) return Promise.resolve(thread);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Sets thread options. A changed `agent`, `threadId` or `followThread` replaces the chat thread (history starts over). */
  setThreadOptions(options: StoreThreadOptions): void {
    const prev = this.#threadOptions;
    this.#threadOptions = options;
    if (
      prev.agent !== options.agent ||
      prev.threadId !== options.threadId ||
      prev.followThread !== options.followThread
    ) {
      const old = this.#snapshot.chatAgent;
      if (old) this.#dropThread(old);
      this.#update({ chatAgent: options.agent ?? this.#firstAgent() });
      this.#ensureThreads();
    }
  }

  /** Opens the client for the provider's connection props. Call `disconnect()` to undo. */
  connect(props: ConnectionProps): void {
    this.disconnect();
    this.#lastConnect = props;
    let client: BackchannelClient;
    try {
      client = createClient({ ...toClientOptions(props), onError: (error) => this.#report(error) });
    } catch (err) {
      // Bad props (no runtimeUrl/wsUrl, no WebSocket): say so where the chat shows errors.
      const error = BackchannelError.from(err, "connection_failed");
      this.#update({ connection: Object.freeze({ ...CONNECTING, connectionState: "disconnected", error }) });
      this.#report(error);
      return;
    }
    const sync = () => {
      const connection = client.getSnapshot();
      const chatAgent = this.#snapshot.chatAgent ?? this.#threadOptions.agent ?? this.#firstAgent(connection);
      this.#update({ connection, chatAgent });
      this.#ensureThreads();
    };
    this.#offClient = client.subscribe(sync);
    this.#update({ client });
    sync();
  }

  /** Closes the client and disposes every thread (their transcripts are dropped). */
  disconnect(): void {
    this.#lastConnect = null;
    this.#history.reset();
    this.#offClient?.();
    this.#offClient = null;
    for (const agent of [...this.#threads.keys()]) this.#dropThread(agent);
    this.#snapshot.client?.close();
    this.#update({ client: null, connection: CONNECTING });
  }

  /** Reconnects now, with the backoff reset; runs in flight resume. Retries discovery if it had failed. */
  reconnect(): void {
    const client = this.#snapshot.client;
    if (client) client.reconnect();
    else if (this.#lastConnect && this.#snapshot.connection.connectionState === "disconnected") {
      this.connect(this.#lastConnect);
    }
  }

  /** Asks for a thread of `agent` to exist (for `useCoAgent`). Returns the release function. */
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

  /** Adds context to every thread's runs (now and future threads). Returns the remove function. */
  addContext(context: { description: string; value: unknown }): () => void {
    return this.#fanOut(this.#contexts, context, (thread, value) => thread.addContext(value));
  }

  /** Offers a client tool to every thread. Returns the unregister function. */
  registerTool(tool: RegisteredTool): () => void {
    const remove = this.#fanOut(this.#tools, tool, (thread, value) => thread.registerTool(value));
    this.#update({ threadsVersion: this.#snapshot.threadsVersion + 1 });
    return () => {
      remove();
      this.#update({ threadsVersion: this.#snapshot.threadsVersion + 1 });
    };
  }

  /** The registered tool named `name` (latest registration wins), for renderers. */
  getTool(name: string): RegisteredTool | undefined {
    let found: RegisteredTool | undefined;
    for (const entry of this.#tools.values()) if (entry.value.name === name) found = entry.value;
    return found;
  }

  #fanOut<T>(
    table: Map<number, Entry<T>>,
    value: T,
    add: (thread: AgentThread, value: T) => () => void,
  ): () => void {
    const id = ++this.#seq;
    const entry: Entry<T> = { value, removers: new Map() };
    table.set(id, entry);
    for (const thread of this.#threads.values()) entry.removers.set(thread, add(thread, value));
    return () => {
      if (!table.delete(id)) return;
      for (const remove of entry.removers.values()) remove();
    };
  }

  #firstAgent(connection: ClientSnapshot = this.#snapshot.connection): string | null {
    return connection.ready?.agents[0]?.name ?? null;
  }

  #ensureThreads(): void {
    const client = this.#snapshot.client;
    if (!client) return;
    const chatAgent = this.#snapshot.chatAgent;
    // Without an `agent` prop the chat agent is the runtime's first, known once connected. A
    // thread made before that (for `useCoAgent`) could be the chat agent's, made without the
    // chat's threadId and history: wait for `ready` to tell.
    if (!chatAgent && !this.#snapshot.connection.ready) return;
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
    this.#update({ threadsVersion: this.#snapshot.threadsVersion + 1 });
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
   * take what the stored conversation has and this thread lacks, so the question shows again
   * and goes with the next run.
   */
  async #fillIn(
    thread: AgentThread,
    threadId: string,
    runId: string,
    connection: ConnectionProps,
  ): Promise<void> {
    for (const wait of FILL_IN_WAITS_MS) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.#chatThread !== thread) return;
      let history: ThreadHistory | null;
      try {
        history = await this.#history.fetch(threadId, connection);
      } catch {
        continue;
      }
      if (this.#chatThread !== thread || !history) return;
      // The run's conversation is written just after it ends: until then the store has the old one.
      if (history.lastRunId !== runId && !history.runs.some((r) => r.runId === runId)) continue;
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
    // next provider for this thread (a remount, a reload) follows it.
    thread.dispose({ keepRun: true });
    this.#update({ threadsVersion: this.#snapshot.threadsVersion + 1 });
  }

  #report(error: BackchannelError): void {
    // The client reports a failed run and its thread reports it again: tell listeners once.
    if (this.#reported.has(error)) return;
    this.#reported.add(error);
    for (const listener of this.#errorListeners) listener(error);
  }

  #update(patch: Partial<StoreSnapshot>): void {
    const prev = this.#snapshot;
    let changed = false;
    for (const key of Object.keys(patch) as (keyof StoreSnapshot)[]) {
      if (patch[key] !== prev[key]) changed = true;
    }
    if (!changed) return;
    this.#snapshot = Object.freeze({ ...prev, ...patch });
    for (const listener of this.#listeners) listener();
  }
}

/** The stored conversation's last answer, marked if its run failed or was cancelled. */
function storedEnding(history: ThreadHistory): Record<string, AnswerEnding> {
  const status = history.lastRunStatus;
  const last = history.messages.at(-1);
  if ((status !== "error" && status !== "cancelled") || last?.role !== "assistant") return {};
  return { [last.id]: status === "error" ? "failed" : "stopped" };
}

/** Delays before each look at the stored conversation after a followed run ended, in ms. */
const FILL_IN_WAITS_MS = [50, 250, 1000, 3000];

/**
 * `local` plus the messages of `stored` it lacks, each placed before the message that follows
 * it in `stored` (or at the end). `local` itself when nothing is missing.
 */
function withMissing(local: readonly Message[], stored: readonly Message[]): readonly Message[] {
  const have = new Set(local.map((m) => m.id));
  if (stored.every((m) => have.has(m.id))) return local;
  const before = new Map<string, Message[]>();
  let pending: Message[] = [];
  for (const message of stored) {
    if (!have.has(message.id)) pending.push(message);
    else if (pending.length) {
      before.set(message.id, pending);
      pending = [];
    }
  }
  const out: Message[] = [];
  for (const message of local) out.push(...(before.get(message.id) ?? []), message);
  out.push(...pending);
  return out;
}

function nonEmpty(state: State | undefined): State | undefined {
  return state && typeof state === "object" && Object.keys(state).length > 0 ? state : undefined;
}

/** Creates an idle store; `<CopilotKit>` does this for you. */
export function createCopilotStore(): CopilotStore {
  return new CopilotStore();
}

/** An empty snapshot for hooks rendered before their thread exists. */
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
  fromCache: Object.freeze({}),
});
