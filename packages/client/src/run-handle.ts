/**
 * One run as the caller sees it: its status, its events (as listeners or an async iterator)
 * and a promise of its result. The registry feeds it; callers only read.
 * @module
 */
import type { BaseEvent, Interrupt, RunFinishedOutcome } from "@ag-ui/core";
import { BackchannelError } from "./errors.js";

/** Where a run is. `pending` until its first event arrives; the last four are terminal. */
export type RunStatus = "pending" | "running" | "finished" | "error" | "cancelled" | "interrupted";

/** A terminal `RunStatus`. */
export type RunEndStatus = Exclude<RunStatus, "pending" | "running">;

/** How a run ended. `done` resolves with this whatever the outcome; it never rejects. */
export interface RunResult {
  runId: string;
  threadId: string | undefined;
  status: RunEndStatus;
  /** Seq of the last event received. */
  lastSeq: number;
  /** RUN_FINISHED's `outcome`, when the run finished. */
  outcome: RunFinishedOutcome | undefined;
  /** RUN_FINISHED's `result`, when the agent returned one. */
  result: unknown;
  /** What the run waits for when `status` is `interrupted`; otherwise empty. */
  interrupts: Interrupt[];
  /** Why the run failed when `status` is `error`; otherwise null. */
  error: BackchannelError | null;
}

/** Receives each event of a run once, in seq order, with its seq. */
export type RunEventListener = (event: BaseEvent, seq: number) => void;

/**
 * A run in flight (or finished). Iterate it with `for await` to get every event from the first
 * one received (it replays what arrived before you started), or add listeners with `on` to get
 * events from now on.
 * @example
 * const run = client.startRun({ agent: "echo", input: { messages } });
 * for await (const event of run) console.log(event.type);
 * const { status } = await run.done;
 */
export interface RunHandle extends AsyncIterable<BaseEvent> {
  /** The run's id (= `input.runId`). */
  readonly runId: string;
  /** The thread's id; for `attachRun` without `threadId` it is unknown until RUN_STARTED. */
  readonly threadId: string | undefined;
  readonly status: RunStatus;
  /** Seq of the last event received (0 before the first). */
  readonly lastSeq: number;
  /** Why the run failed, once `status` is `error`. */
  readonly error: BackchannelError | null;
  /** Resolves when the run ends, whatever the outcome. Never rejects. */
  readonly done: Promise<RunResult>;
  /**
   * Calls `listener` for each event from now on; with `{ replay: true }` first (synchronously)
   * for each event already received. Returns the unsubscribe function.
   */
  on(listener: RunEventListener, options?: { replay?: boolean }): () => void;
  /** Asks the server to stop the run; it ends with status `cancelled`. Idempotent. */
  cancel(): void;
}

function reportListenerError(err: unknown): void {
  // A throwing listener must not break delivery to the others, nor vanish silently.
  queueMicrotask(() => {
    throw err;
  });
}

/** The registry's side of a run handle. Not exported from the package. */
export class RunHandleImpl implements RunHandle {
  readonly runId: string;
  readonly done: Promise<RunResult>;
  #threadId: string | undefined;
  #status: RunStatus = "pending";
  #lastSeq: number;
  #error: BackchannelError | null = null;
  #listeners = new Set<RunEventListener>();
  // Kept so that an iterator started late still sees the whole run.
  #history: BaseEvent[] = [];
  #historySeqs: number[] = [];
  #wake = new Set<() => void>();
  #resolve!: (result: RunResult) => void;
  #cancel: (runId: string) => void;

  constructor(runId: string, threadId: string | undefined, after: number, cancel: (runId: string) => void) {
    this.runId = runId;
    this.#threadId = threadId;
    this.#lastSeq = after;
    this.#cancel = cancel;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get threadId() {
    return this.#threadId;
  }
  get status() {
    return this.#status;
  }
  get lastSeq() {
    return this.#lastSeq;
  }
  get error() {
    return this.#error;
  }
  get isTerminal(): boolean {
    return this.#status !== "pending" && this.#status !== "running";
  }

  on(listener: RunEventListener, options: { replay?: boolean } = {}): () => void {
    if (options.replay) {
      for (let i = 0; i < this.#history.length; i++) listener(this.#history[i]!, this.#historySeqs[i]!);
    }
    if (this.isTerminal) return () => {};
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  cancel(): void {
    if (!this.isTerminal) this.#cancel(this.runId);
  }

  /** Delivers one accepted event. Returns true when it ended the run. */
  deliver(event: BaseEvent, seq: number): boolean {
    if (this.isTerminal) return false;
    this.#lastSeq = seq;
    this.#history.push(event);
    this.#historySeqs.push(seq);
    const e = event as BaseEvent & Record<string, any>;
    if (this.#status === "pending") this.#status = "running";
    if (e.type === "RUN_STARTED" && typeof e.threadId === "string") this.#threadId = e.threadId;
    let ended = false;
    if (e.type === "RUN_FINISHED") {
      const outcome = e.outcome as RunFinishedOutcome | undefined;
      const status: RunEndStatus =
        outcome?.type === "cancelled"
          ? "cancelled"
          : outcome?.type === "interrupt"
            ? "interrupted"
            : "finished";
      this.#status = status;
      ended = true;
      this.#settle({
        status,
        outcome,
        result: e.result,
        interrupts: outcome?.type === "interrupt" ? outcome.interrupts : [],
        error: null,
      });
    } else if (e.type === "RUN_ERROR") {
      const error = new BackchannelError("run_failed", String(e.message ?? "The run failed"), {
        cause: event,
        runId: this.runId,
      });
      this.#status = "error";
      this.#error = error;
      ended = true;
      this.#settle({ status: "error", outcome: undefined, result: undefined, interrupts: [], error });
    }
    for (const listener of this.#listeners) {
      try {
        listener(event, seq);
      } catch (err) {
        reportListenerError(err);
      }
    }
    this.#notifyIterators();
    return ended;
  }

  /** Ends the run without a terminal event: a client-side failure or a local cancel. */
  end(status: "error" | "cancelled", error: BackchannelError | null): void {
    if (this.isTerminal) return;
    this.#status = status;
    this.#error = error;
    this.#settle({ status, outcome: undefined, result: undefined, interrupts: [], error });
    this.#notifyIterators();
  }

  #settle(partial: Omit<RunResult, "runId" | "threadId" | "lastSeq">): void {
    this.#resolve({ runId: this.runId, threadId: this.#threadId, lastSeq: this.#lastSeq, ...partial });
    this.#listenersDoneLater();
  }

  #listenersDoneLater(): void {
    // Listeners of a finished run can never fire again; drop them so closures are collectable.
    queueMicrotask(() => this.#listeners.clear());
  }

  #notifyIterators(): void {
    for (const wake of this.#wake) wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<BaseEvent> {
    let index = 0;
    let closed = false;
    const next = (): Promise<IteratorResult<BaseEvent>> => {
      if (closed) return Promise.resolve({ done: true, value: undefined });
      const event = this.#history[index];
      if (event !== undefined) {
        index++;
        return Promise.resolve({ done: false, value: event });
      }
      if (this.isTerminal) {
        closed = true;
        // A failure the event stream does not show (connection lost, resume unavailable) would
        // otherwise end the loop as if the run had finished normally.
        const lastType = this.#history.at(-1)?.type as string | undefined;
        if (this.#status === "error" && lastType !== "RUN_ERROR" && this.#error) {
          return Promise.reject(this.#error);
        }
        return Promise.resolve({ done: true, value: undefined });
      }
      return new Promise((resolve, reject) => {
        const wake = () => {
          this.#wake.delete(wake);
          next().then(resolve, reject);
        };
        this.#wake.add(wake);
      });
    };
    return {
      next,
      return: () => {
        closed = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}
