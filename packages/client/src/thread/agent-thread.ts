/**
 * `AgentThread`: one conversation with one agent, as a UI needs it. It builds each run's
 * input (transcript, state, context, client tools), folds the run's events into messages and
 * state, runs client tools and starts follow-up runs, and publishes immutable snapshots for
 * `useSyncExternalStore`-style bindings. Runs of a thread never overlap.
 * @module
 */
import type { CustomEvent, Message, ResumeEntry, State } from "@ag-ui/core";
import { CACHE_HIT_EVENT, type CacheHitValue } from "@backchannel/protocol";
import {
  appendMessage,
  beginRun,
  createFoldState,
  type FoldState,
  foldEvent,
  foldSnapshot,
  replaceMessages,
  setFoldState,
} from "@backchannel/protocol/fold";
import type { BackchannelClient } from "../client.js";
import { BackchannelError } from "../errors.js";
import { randomId } from "../ids.js";
import { Subscribable } from "../observable.js";
import type { RunHandle, RunResult } from "../run-handle.js";
import type { FollowedRun, ThreadFollow } from "../thread-follow.js";
import { type ClientTool, type PendingToolCall, runToolCalls } from "./client-tools.js";
import { createNotifier, type Notifier } from "./notifier.js";
import { answerDanglingToolCalls, buildRunInput, type ContextEntry } from "./thread-input.js";
import type {
  AgentThreadOptions,
  AgentThreadSnapshot,
  AnswerEnding,
  OutgoingMessage,
} from "./thread-types.js";

const NO_CACHE_HITS: Readonly<Record<string, CacheHitValue>> = Object.freeze({});
/** One user action (send, regenerate, resume) and the tool follow-up runs it leads to. */
interface Chain {
  resolve(result: RunResult): void;
  roundtrips: number;
  /** stop()/interrupt: finish the current step, start nothing more. */
  stopped: boolean;
  last: RunResult | undefined;
  /** A run another tab started (`follow`): its client tools are that tab's to run. */
  followed?: boolean;
}

type Work =
  | { kind: "message"; message: Message }
  | { kind: "continue" }
  | { kind: "regenerate" }
  | { kind: "resume"; entries: ResumeEntry[] };

interface QueueItem {
  work: Work;
  resolve(result: RunResult): void;
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * A conversation with one agent over a `BackchannelClient`.
 * @example
 * const thread = new AgentThread({ client, agent: "opshub-nav-agent" });
 * thread.subscribe(() => render(thread.getSnapshot().messages));
 * await thread.sendMessage({ content: "What is today's NAV?" });
 */
export class AgentThread extends Subscribable<AgentThreadSnapshot> {
  /** The agent this thread talks to. */
  readonly agent: string;
  #client: BackchannelClient;
  #opts: AgentThreadOptions;
  #threadId: string;
  #fold: FoldState;
  #notifier: Notifier;
  #active: { handle: RunHandle; off: () => void } | null = null;
  #chain: Chain | null = null;
  #queue: QueueItem[] = [];
  #queuedMessages: readonly Message[] = EMPTY;
  #tools = new Map<string, ClientTool>();
  #contexts = new Map<number, ContextEntry>();
  #contextSeq = 0;
  #toolAbort: AbortController | null = null;
  #pendingToolCalls: readonly PendingToolCall[] = EMPTY;
  #error: BackchannelError | null = null;
  #endedEarly: Readonly<Record<string, AnswerEnding>>;
  #fromCache: Readonly<Record<string, CacheHitValue>> = NO_CACHE_HITS;
  #following: ThreadFollow | null = null;
  /** Runs other tabs started while this thread was busy, in the order they were announced. */
  #foreign: FollowedRun[] = [];

  constructor(options: AgentThreadOptions) {
    if (!options?.client || typeof options.agent !== "string" || options.agent === "") {
      throw new TypeError("new AgentThread({ client, agent }) needs a client and the agent's name.");
    }
    // The real first snapshot needs the fields below; the base only needs an object to start from.
    super({} as AgentThreadSnapshot);
    this.#opts = options;
    this.#client = options.client;
    this.agent = options.agent;
    this.#threadId = options.threadId ?? randomId();
    this.#fold = createFoldState({
      messages: options.initialMessages ?? [],
      state: options.initialState ?? {},
    });
    this.#endedEarly = Object.freeze({ ...options.endedEarly });
    this.update(this.#build());
    this.#notifier = createNotifier(options.throttleMs, () => this.#flush());
    if (options.follow) this.#join();
  }

  /** The live follow of this thread's id with `follow: true` (its `joined`, `status`, `error`); else null. */
  get following(): ThreadFollow | null {
    return this.#following;
  }

  /**
   * Sends a user message and runs the agent. Resolves when that run, and any follow-up runs
   * after client tools, have ended, with the last run's result. It never rejects because a run
   * failed (see `result.status`/`error` and the snapshot's `error`); it rejects only with
   * `run_in_progress` under `whileRunning: "reject"`.
   */
  sendMessage(message: OutgoingMessage): Promise<RunResult> {
    const content = message?.content;
    if (typeof content !== "string" && !Array.isArray(content)) {
      return Promise.reject(
        new TypeError("sendMessage({ content }) needs content: a string or an array of content parts."),
      );
    }
    const full = {
      id: message.id ?? randomId(),
      role: "user",
      content,
      ...(message.name === undefined ? {} : { name: message.name }),
    } as Message;
    return this.#submit({ kind: "message", message: full }, this.#opts.whileRunning ?? "queue");
  }

  /**
   * Runs the agent on the thread as it is (transcript, state, context, tools) without a new
   * user message: after `setState`, to let the agent speak first, or to retry after an error
   * without dropping anything. Follows `whileRunning` like `sendMessage`; resolves likewise.
   */
  runAgent(): Promise<RunResult> {
    return this.#submit({ kind: "continue" }, this.#opts.whileRunning ?? "queue");
  }

  /** Runs the agent again from the last user message, dropping what came after it. Interrupts a run in progress. */
  regenerate(): Promise<RunResult> {
    if (!foldSnapshot(this.#fold).messages.some((m) => m.role === "user")) {
      return Promise.reject(new TypeError("regenerate(): there is no user message to answer again."));
    }
    return this.#submit({ kind: "regenerate" }, "interrupt");
  }

  /**
   * Answers the interrupts of the last run (RUN_FINISHED with an interrupt outcome) and starts
   * the run that continues from them: `input.resume = [{ interruptId, status, payload }]`, one
   * entry per open interrupt, or only `interruptId`'s.
   */
  resumeInterrupt(
    payload?: unknown,
    options: { interruptId?: string; status?: ResumeEntry["status"] } = {},
  ): Promise<RunResult> {
    const open = this.#fold.interrupts.filter(
      (i) => options.interruptId === undefined || i.id === options.interruptId,
    );
    if (open.length === 0) {
      return Promise.reject(
        new TypeError(
          options.interruptId === undefined
            ? "resumeInterrupt(): the thread has no open interrupt."
            : `resumeInterrupt(): no open interrupt with id ${JSON.stringify(options.interruptId)}.`,
        ),
      );
    }
    return this.resumeInterrupts(
      open.map((i) => ({
        interruptId: i.id,
        status: options.status ?? "resolved",
        ...(payload === undefined ? {} : { payload }),
      })),
    );
  }

  /** Like `resumeInterrupt`, with one explicit resume entry per interrupt. */
  resumeInterrupts(entries: ResumeEntry[]): Promise<RunResult> {
    return this.#submit({ kind: "resume", entries }, "reject");
  }

  /**
   * Stops everything: cancels the run in progress, answers client tool calls still waiting as
   * cancelled, and drops queued messages (their `sendMessage` promises resolve as cancelled).
   */
  stop(): void {
    for (const item of this.#queue.splice(0)) item.resolve(this.#cancelledResult());
    this.#syncQueue();
    this.#interruptCurrent();
    this.#publish();
  }

  /**
   * Stops, then starts over: initial messages and state, no error, and a new thread id. A run
   * another tab started (`follow`) is let go of, not cancelled.
   */
  reset(): void {
    this.#letGoOfFollowed();
    this.stop();
    const chain = this.#chain;
    this.#detach();
    this.#chain = null;
    chain?.resolve(this.#cancelledResult());
    this.#fold = createFoldState({
      messages: this.#opts.initialMessages ?? [],
      state: this.#opts.initialState ?? {},
    });
    this.#threadId = randomId();
    this.#error = null;
    this.#endedEarly = Object.freeze({ ...this.#opts.endedEarly });
    this.#fromCache = NO_CACHE_HITS;
    if (this.#following) this.#join();
    this.#publish();
  }

  /**
   * Replaces the shared state locally; the next run sends it as `input.state`. During a run the
   * agent's STATE_DELTAs keep applying on top of it.
   */
  setState(state: State): void {
    setFoldState(this.#fold, state);
    this.#publish();
  }

  /** Adds context sent as `input.context` of every run until removed. Non-string values are JSON-encoded. */
  addContext(context: { description: string; value: unknown }): () => void {
    const id = ++this.#contextSeq;
    this.#contexts.set(id, { description: String(context.description), value: context.value });
    return () => this.#contexts.delete(id);
  }

  /** Offers a client tool to the agent (`input.tools`) until unregistered. See `ClientTool`. */
  registerTool<Args = any>(tool: ClientTool<Args>): () => void {
    if (!tool || typeof tool.name !== "string" || tool.name === "" || typeof tool.description !== "string") {
      throw new TypeError(
        "registerTool({ name, description, parameters?, handler? }) needs a name and a description.",
      );
    }
    this.#tools.set(tool.name, tool as ClientTool);
    return () => {
      if (this.#tools.get(tool.name) === tool) this.#tools.delete(tool.name);
    };
  }

  /** Follows a run of this thread that is already on the server (e.g. after a reload), from `after`. */
  attachRun(runId: string, after = 0): Promise<RunResult> {
    if (this.#chain) {
      return Promise.reject(
        new BackchannelError("run_in_progress", "attachRun(): the thread already has a run."),
      );
    }
    return new Promise((resolve) => {
      const chain: Chain = { resolve, roundtrips: 0, stopped: false, last: undefined };
      this.#chain = chain;
      this.#follow(chain, this.#client.attachRun(runId, { after, threadId: this.#threadId }));
    });
  }

  /**
   * Replaces the transcript locally (e.g. with a conversation loaded from storage); the next run
   * sends it. Messages equal to the current ones keep their identity. Rejected with
   * `run_in_progress` while a run is in progress: the run's events would land on a transcript
   * they were not made for.
   */
  setMessages(messages: readonly Message[]): void {
    if (this.#chain) {
      throw new BackchannelError(
        "run_in_progress",
        "setMessages(): a run is in progress; wait for it to end or call stop() first.",
      );
    }
    if (!Array.isArray(messages)) throw new TypeError("setMessages(messages) needs an array of messages.");
    replaceMessages(this.#fold, messages, undefined);
    this.#publish();
  }

  /**
   * Stops the thread and releases its timers and listeners. By default the run in progress is
   * cancelled on the server too. With `{ keepRun: true }` it is only let go of: it runs to its
   * end on the server (which stores it), and a new thread can follow it with `attachRun`, as a
   * page that unmounts its chat mid-answer wants.
   */
  dispose(options: { keepRun?: boolean } = {}): void {
    this.#following?.leave();
    this.#following = null;
    this.#foreign = [];
    this.#letGoOfFollowed();
    if (options.keepRun) {
      for (const item of this.#queue.splice(0)) item.resolve(this.#cancelledResult());
      this.#syncQueue();
      this.#toolAbort?.abort();
      const chain = this.#chain;
      this.#detach();
      this.#chain = null;
      chain?.resolve(this.#cancelledResult());
    } else {
      this.stop();
      this.#detach();
    }
    this.#notifier.cancel();
    this.unsubscribeAll();
  }

  // ------------------------------------------------------------------ internals

  #submit(work: Work, policy: NonNullable<AgentThreadOptions["whileRunning"]>): Promise<RunResult> {
    if (!this.#chain) {
      return new Promise((resolve) => {
        this.#begin(work, resolve);
        this.#publish();
      });
    }
    if (policy === "reject") {
      return Promise.reject(
        new BackchannelError(
          "run_in_progress",
          "A run is in progress; wait for it, call stop(), or use whileRunning: 'queue' or 'interrupt'.",
        ),
      );
    }
    return new Promise((resolve) => {
      const item = { work, resolve };
      if (policy === "interrupt") {
        this.#queue.unshift(item);
        this.#interruptCurrent();
      } else {
        this.#queue.push(item);
      }
      this.#syncQueue();
      this.#publish();
    });
  }

  #begin(work: Work, resolve: (result: RunResult) => void): void {
    const chain: Chain = { resolve, roundtrips: 0, stopped: false, last: undefined };
    this.#chain = chain;
    if (work.kind === "message" || work.kind === "continue") {
      answerDanglingToolCalls(this.#fold);
      if (work.kind === "message") appendMessage(this.#fold, work.message, undefined);
    } else if (work.kind === "regenerate") {
      const messages = foldSnapshot(this.#fold).messages;
      const lastUser = messages.findLastIndex((m) => m.role === "user");
      replaceMessages(this.#fold, messages.slice(0, lastUser + 1), undefined);
    }
    this.#startRun(chain, work.kind === "resume" ? work.entries : undefined);
  }

  #startRun(chain: Chain, resume: ResumeEntry[] | undefined): void {
    let handle: RunHandle;
    try {
      this.#opts.beforeRun?.();
      const input = buildRunInput(this.#fold, {
        threadId: this.#threadId,
        tools: this.#tools.values(),
        contexts: this.#contexts.values(),
        forwardedProps: this.#opts.forwardedProps,
        resume,
      });
      handle = this.#client.startRun({ agent: this.agent, input });
    } catch (err) {
      this.#error = BackchannelError.from(err, "bad_request");
      this.#endChain(chain, { ...this.#cancelledResult(), status: "error", error: this.#error });
      return;
    }
    this.#error = null;
    this.#follow(chain, handle);
  }

  #follow(chain: Chain, handle: RunHandle): void {
    // Ids the agent did not give are derived from the run (as the server's stored fold does),
    // also when this follows the run from the middle and never sees its RUN_STARTED.
    beginRun(this.#fold, handle.runId);
    // With replay: attachRun may hand back a run this client already follows, mid-stream.
    const off = handle.on(
      (event) => {
        if (event.type === "CUSTOM") this.#noteCacheHit(event as CustomEvent);
        const result = foldEvent(this.#fold, event);
        if (result.error) {
          const { code, message, event: cause } = result.error;
          this.#opts.onError?.(new BackchannelError(code, message, { cause, runId: handle.runId }));
        }
        if (result.changed) this.#changed();
      },
      { replay: true },
    );
    this.#active = { handle, off };
    this.#changed();
    void handle.done.then((result) => this.#onRunDone(chain, handle, result));
  }

  /** A run served from the server's response cache names the messages it replays. */
  #noteCacheHit(event: CustomEvent): void {
    if (event.name !== CACHE_HIT_EVENT) return;
    const value = event.value as CacheHitValue | undefined;
    if (!Array.isArray(value?.messageIds)) return;
    const added = Object.fromEntries(value.messageIds.map((id) => [id, value] as const));
    this.#fromCache = Object.freeze({ ...this.#fromCache, ...added });
  }

  #onRunDone(chain: Chain, handle: RunHandle, result: RunResult): void {
    if (this.#active?.handle !== handle) return; // detached by reset()
    this.#detach();
    chain.last = result;
    if (result.status === "error" && result.error) {
      this.#error = result.error;
      this.#opts.onError?.(result.error);
    }
    if (result.status === "error" || result.status === "cancelled") {
      this.#markEnding(handle.runId, result.status === "error" ? "failed" : "stopped");
    }
    const fold = this.#fold;
    if (result.status === "finished" && !chain.stopped && !chain.followed) {
      const calls = fold.pendingToolCallIds.flatMap((id) => fold.toolCalls.get(id)?.call ?? []);
      if (calls.some((c) => this.#tools.has(c.function.name))) {
        const max = this.#opts.maxToolRoundtrips ?? 10;
        if (chain.roundtrips >= max) {
          this.#error = new BackchannelError(
            "tool_failed",
            `Stopped after ${max} automatic tool round trips in a row (maxToolRoundtrips); send a new message to continue.`,
          );
          this.#opts.onError?.(this.#error);
        } else {
          void this.#runTools(chain, calls);
          return;
        }
      }
    }
    this.#endChain(chain, result);
  }

  async #runTools(chain: Chain, calls: Parameters<typeof runToolCalls>[0]): Promise<void> {
    const controller = new AbortController();
    this.#toolAbort = controller;
    // A pending tool call (a handler, or a user's answer) keeps the socket from idling out.
    const release = this.#client.keepAlive();
    const { pending, done } = runToolCalls(calls, this.#tools, controller.signal, {
      onSettled: (id) => {
        this.#pendingToolCalls = Object.freeze(this.#pendingToolCalls.filter((p) => p.toolCallId !== id));
        this.#changed();
      },
      onToolError: (message, _id, cause) =>
        this.#opts.onError?.(new BackchannelError("tool_failed", message, { cause })),
    });
    // Calls that settled synchronously are already out of `pending`'s future; keep the open ones.
    this.#pendingToolCalls = Object.freeze(pending);
    this.#changed();
    let results: Awaited<typeof done>;
    try {
      results = await done;
    } finally {
      release();
    }
    if (this.#chain !== chain) return; // reset() while tools ran
    this.#toolAbort = null;
    this.#pendingToolCalls = EMPTY;
    // Every call gets an answer, even a cancelled one: models refuse transcripts with unanswered calls.
    for (const message of results) appendMessage(this.#fold, message, undefined);
    this.#fold.pendingToolCallIds = [];
    if (controller.signal.aborted || chain.stopped) {
      this.#endChain(chain, { ...chain.last!, status: "cancelled" });
      return;
    }
    chain.roundtrips++;
    this.#startRun(chain, undefined);
  }

  #endChain(chain: Chain, result: RunResult): void {
    if (this.#chain !== chain) return;
    this.#chain = null;
    // Publish now, so that code awaiting sendMessage() reads a snapshot that includes the run.
    this.#publish();
    chain.resolve(result);
    const foreign = this.#foreign.shift();
    if (foreign) {
      this.#beginFollowed(foreign, false);
      this.#publish();
      return;
    }
    const next = this.#queue.shift();
    if (!next) return;
    this.#syncQueue();
    this.#begin(next.work, next.resolve);
    this.#publish();
  }

  /** Follows this thread's id (again after `reset()`, which takes a new one). */
  #join(): void {
    this.#following?.leave();
    this.#foreign = [];
    this.#following = this.#client.joinThread(this.#threadId, {
      onRun: (run) => {
        if (run.threadId !== this.#threadId) return;
        if (this.#chain) this.#foreign.push(run);
        else {
          this.#beginFollowed(run, true);
          this.#publish();
        }
      },
      onError: (error) => this.#opts.onError?.(error),
    });
  }

  /**
   * Shows a run another tab started. Arriving on an idle thread, its input conversation
   * becomes the transcript: it is what that tab sees and what the server stores when it ends.
   * One that overlapped a run of this thread only adds the messages this thread lacks.
   */
  #beginFollowed(run: FollowedRun, idle: boolean): void {
    const chain: Chain = {
      resolve: () => {},
      roundtrips: 0,
      stopped: false,
      last: undefined,
      followed: true,
    };
    this.#chain = chain;
    if (idle) replaceMessages(this.#fold, run.messages, undefined);
    else for (const message of run.messages) appendMessage(this.#fold, message, undefined);
    // The other tab answered or dropped the open interrupts with its run.
    this.#fold.interrupts = [];
    this.#error = null;
    this.#follow(chain, run.handle);
  }

  /** Stops showing a run another tab started, without cancelling it: it is not this thread's. */
  #letGoOfFollowed(): void {
    const chain = this.#chain;
    if (!chain?.followed) return;
    this.#detach();
    this.#chain = null;
  }

  /** Marks the last assistant message run `runId` produced, if it produced one. */
  #markEnding(runId: string, ending: AnswerEnding): void {
    const entries = this.#fold.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      if (entry.runId !== runId || entry.msg.role !== "assistant") continue;
      this.#endedEarly = Object.freeze({ ...this.#endedEarly, [entry.msg.id]: ending });
      return;
    }
  }

  #interruptCurrent(): void {
    const chain = this.#chain;
    if (!chain) return;
    chain.stopped = true;
    this.#active?.handle.cancel();
    this.#toolAbort?.abort();
  }

  #detach(): void {
    this.#active?.off();
    this.#active = null;
  }

  #syncQueue(): void {
    const messages = this.#queue.flatMap((q) => (q.work.kind === "message" ? [q.work.message] : []));
    this.#queuedMessages = messages.length ? Object.freeze(messages) : EMPTY;
  }

  #cancelledResult(): RunResult {
    return {
      runId: "",
      threadId: this.#threadId,
      status: "cancelled",
      lastSeq: 0,
      outcome: undefined,
      result: undefined,
      interrupts: [],
      error: null,
    };
  }

  /** Something changed while streaming: publish with the next batch. */
  #changed(): void {
    this.#notifier.schedule();
  }

  /**
   * Something changed because the caller did something: publish at once, so a read right after
   * a method call (or after awaiting its promise) sees the result. Only stream-driven changes
   * are batched.
   */
  #publish(): void {
    this.#notifier.schedule();
    this.#notifier.flushNow();
  }

  #build(): AgentThreadSnapshot {
    const fs = foldSnapshot(this.#fold);
    return {
      threadId: this.#threadId,
      messages: fs.messages,
      state: fs.state,
      isRunning: this.#chain !== null,
      error: this.#error,
      currentRunId: this.#active?.handle.runId ?? null,
      pendingToolCalls: this.#pendingToolCalls,
      interrupts: this.#fold.interrupts,
      queuedMessages: this.#queuedMessages,
      endedEarly: this.#endedEarly,
      fromCache: this.#fromCache,
    };
  }

  /** Publishes a new snapshot if any field changed (listeners run only then). */
  #flush(): void {
    this.update(this.#build());
  }
}
