/**
 * Runs in flight and the seq bookkeeping that makes reconnects lossless: each run remembers
 * the last seq it received; on a new connection it resumes from there (or re-sends its `run`
 * frame if it never got an event, which the server treats as "resume after 0", so a retry never
 * starts a run twice). Duplicates are dropped and gaps trigger a resume.
 * @module
 */

import type { ClientFrame, ErrorFrame, EventFrame, RunFrame } from "@backchannel/protocol";
import { ErrorCode } from "@backchannel/protocol";
import type { Connection } from "./connection.js";
import { BackchannelError } from "./errors.js";
import { RunHandleImpl } from "./run-handle.js";

interface RunRecord {
  handle: RunHandleImpl;
  /** The `run` frame, for runs this client started; attached runs only ever resume. */
  frame: RunFrame | undefined;
  /**
   * For a run announced by `thread_run`: the followed thread. Such a run is not resumed on a
   * new connection; the thread's next `join` brings it back (see `rejoined`).
   */
  follow: string | undefined;
  /** Whether a run/resume frame went out on the current connection. */
  sent: boolean;
  /** Whether any frame for this run ever reached a server (a never-sent run cancels locally). */
  everSent: boolean;
  /** A resume for a gap is outstanding; further out-of-order frames wait for it. */
  resyncing: boolean;
  cancelRequested: boolean;
  rateLimitRetries: number;
  /** Not before (ms since epoch): a `rate_limited` run waits out `retryAfterMs`. */
  holdUntil: number;
  holdTimer: ReturnType<typeof setTimeout> | undefined;
}

/** Options of the registry, taken from the client options. */
export interface RunRegistryOptions {
  maxRateLimitRetries: number;
  onRunError?: (error: BackchannelError) => void;
  /** A run was added or removed (the connection re-times its idle close). */
  onActivity?: () => void;
}

const encoder = new TextEncoder();
/** How many ended runs the registry remembers, so a late `thread_run` for one is not taken for news. */
const RECENT_ENDED = 128;

/** Tracks every run that has not ended and speaks the run half of the protocol. */
export class RunRegistry {
  #runs = new Map<string, RunRecord>();
  #recent = new Set<string>();
  #connection!: Connection;
  #opts: RunRegistryOptions;

  constructor(options: RunRegistryOptions) {
    this.#opts = options;
  }

  /** Wires the connection (the two reference each other). */
  bind(connection: Connection): void {
    this.#connection = connection;
  }

  /** Runs in flight. */
  get size(): number {
    return this.#runs.size;
  }

  get(runId: string): RunHandleImpl | undefined {
    return this.#runs.get(runId)?.handle;
  }

  /** Whether `runId` is in flight here or ended here lately. */
  knows(runId: string): boolean {
    return this.#runs.has(runId) || this.#recent.has(runId);
  }

  /**
   * Registers a run the server streams to this socket because it follows `threadId` (it sent
   * `thread_run`): nothing is sent for it, it is already on its way.
   */
  adopt(runId: string, threadId: string, after: number): RunHandleImpl {
    const handle = new RunHandleImpl(runId, threadId, after, (id) => this.cancel(id));
    this.#runs.set(runId, this.#record(handle, undefined, threadId, true));
    this.#opts.onActivity?.();
    return handle;
  }

  /**
   * The server answered a (re)join of `threadId` with the runs in flight `live`: those are
   * streamed again; a followed run not among them ended meanwhile and is resumed for its rest.
   */
  rejoined(threadId: string, live: Set<string>): void {
    for (const record of this.#runs.values()) {
      if (record.follow !== threadId || record.sent) continue;
      if (!live.has(record.handle.runId)) {
        record.follow = undefined;
        this.#flush(record);
        continue;
      }
      record.sent = true;
      if (record.cancelRequested)
        this.#connection.send({ type: "cancel", runId: record.handle.runId, id: record.handle.runId });
    }
  }

  /**
   * The run of `threadId` in flight here that has received the most events (followed runs
   * first, since only a join brings them back), for a join to name after a reconnect.
   */
  furthest(threadId: string): { runId: string; after: number } | undefined {
    let best: RunRecord | undefined;
    for (const record of this.#runs.values()) {
      const { handle } = record;
      if (handle.threadId !== threadId || handle.lastSeq === 0) continue;
      const rank = (r: RunRecord) => (r.follow === threadId ? 1e15 : 0) + r.handle.lastSeq;
      if (!best || rank(record) > rank(best)) best = record;
    }
    return best && { runId: best.handle.runId, after: best.handle.lastSeq };
  }

  /** `threadId` is no longer followed: its runs in flight become ordinary attached runs. */
  unfollow(threadId: string): void {
    for (const record of this.#runs.values()) {
      if (record.follow !== threadId) continue;
      record.follow = undefined;
      if (this.#connection.snapshot.connectionState === "connected") this.#flush(record);
    }
  }

  /** Registers a new run and sends it now if connected (else on the next `ready`). */
  start(frame: RunFrame): RunHandleImpl {
    const runId = frame.input.runId;
    if (this.#runs.has(runId)) {
      throw new TypeError(`A run with id ${JSON.stringify(runId)} is already in flight; use a fresh runId.`);
    }
    const handle = new RunHandleImpl(runId, frame.input.threadId, 0, (id) => this.cancel(id));
    this.#add(handle, frame);
    return handle;
  }

  /** Registers an existing run to resume after `after` (an already-registered run is returned as is). */
  attach(runId: string, after: number, threadId: string | undefined): RunHandleImpl {
    const existing = this.#runs.get(runId);
    if (existing) return existing.handle;
    const handle = new RunHandleImpl(runId, threadId, after, (id) => this.cancel(id));
    this.#add(handle, undefined);
    return handle;
  }

  #record(
    handle: RunHandleImpl,
    frame: RunFrame | undefined,
    follow: string | undefined,
    sent: boolean,
  ): RunRecord {
    return {
      handle,
      frame,
      follow,
      sent,
      everSent: sent,
      resyncing: false,
      cancelRequested: false,
      rateLimitRetries: 0,
      holdUntil: 0,
      holdTimer: undefined,
    };
  }

  #add(handle: RunHandleImpl, frame: RunFrame | undefined): void {
    const record = this.#record(handle, frame, undefined, false);
    this.#runs.set(handle.runId, record);
    this.#opts.onActivity?.();
    if (this.#connection.snapshot.connectionState === "connected") this.#flush(record);
    else this.#connection.connect();
  }

  /** Stops a run: locally if no server ever saw it, else with a `cancel` frame (sent after resume when offline). */
  cancel(runId: string): void {
    const record = this.#runs.get(runId);
    if (!record) {
      // Not ours (e.g. started in another tab); the server checks ownership.
      this.#connection.send({ type: "cancel", runId, id: runId });
      return;
    }
    if (!record.everSent) {
      this.#finish(record, "cancelled", null);
      return;
    }
    record.cancelRequested = true;
    if (record.sent) this.#connection.send({ type: "cancel", runId, id: runId });
  }

  /** A connection became ready: resume or (re)send every run, in the order they were started. */
  onReady(): void {
    for (const record of this.#runs.values()) this.#flush(record);
  }

  /** The socket is gone; nothing is in flight on it any more. */
  onDown(): void {
    for (const record of this.#runs.values()) {
      record.sent = false;
      record.resyncing = false;
    }
  }

  /**
   * The client stopped trying (or was closed): every run fails with `error` itself — the same
   * object the connection already reported, so listeners can tell it is one failure, not many.
   */
  onGiveUp(error: BackchannelError): void {
    for (const record of [...this.#runs.values()]) {
      this.#remove(record);
      record.handle.end("error", error);
    }
  }

  #flush(record: RunRecord): void {
    if (record.sent || record.follow !== undefined || record.holdUntil > Date.now()) return;
    const { handle, frame } = record;
    let out: ClientFrame;
    if (frame && handle.lastSeq === 0) {
      out = frame;
    } else {
      out = { type: "resume", runId: handle.runId, after: handle.lastSeq, id: handle.runId };
    }
    const text = JSON.stringify(out);
    const limit = this.#connection.snapshot.ready?.maxFrameBytes;
    if (
      out.type === "run" &&
      limit !== undefined &&
      text.length * 3 > limit &&
      encoder.encode(text).length > limit
    ) {
      this.#finish(
        record,
        "error",
        new BackchannelError(
          "frame_too_large",
          `The run's input is ${encoder.encode(text).length} bytes; the server accepts at most ${limit}. Send fewer messages or a smaller state.`,
          { runId: handle.runId },
        ),
      );
      return;
    }
    if (!this.#connection.send(out, text)) return;
    record.sent = true;
    record.everSent = true;
    if (record.cancelRequested)
      this.#connection.send({ type: "cancel", runId: handle.runId, id: handle.runId });
  }

  /** Applies one `event` frame: accept in order, drop duplicates, resume across a gap. */
  onEvent(frame: EventFrame): void {
    const record = this.#runs.get(frame.runId);
    if (!record) return;
    const { handle } = record;
    if (frame.seq <= handle.lastSeq) return;
    const first = frame.first ?? frame.seq;
    if (first !== handle.lastSeq + 1) {
      // A gap (or a merged frame straddling what we have): ask for a replay from what we hold.
      if (!record.resyncing && record.sent) {
        record.resyncing = true;
        this.#connection.send({
          type: "resume",
          runId: handle.runId,
          after: handle.lastSeq,
          id: handle.runId,
        });
      }
      return;
    }
    record.resyncing = false;
    if (!handle.deliver(frame.event, frame.seq)) return;
    this.#remove(record);
    if (handle.error) this.#opts.onRunError?.(handle.error);
  }

  /** Routes an `error` frame to its run. Returns false if it names no run of ours. */
  onErrorFrame(frame: ErrorFrame): boolean {
    const runId = frame.runId ?? frame.id;
    const record = runId === undefined ? undefined : this.#runs.get(runId);
    if (!record) {
      if (runId === undefined && frame.code === ErrorCode.RateLimited)
        this.#resendAfterDrop(frame.retryAfterMs);
      return false;
    }
    if (frame.code === ErrorCode.RateLimited && record.frame && record.handle.lastSeq === 0) {
      if (record.rateLimitRetries < this.#opts.maxRateLimitRetries) {
        record.rateLimitRetries++;
        record.sent = false;
        this.#hold(record, Math.max(0, frame.retryAfterMs ?? 1000));
        return true;
      }
    }
    this.#finish(record, "error", BackchannelError.from({ ...frame, runId: record.handle.runId }));
    return true;
  }

  /**
   * The server dropped some of our frames for sending too fast, without saying which. Every
   * run still waiting for an answer is sent again after the wait: a repeated `run` or `resume`
   * is idempotent on the server, so re-sending one that did arrive costs only duplicates we drop.
   */
  #resendAfterDrop(retryAfterMs: number | undefined): void {
    const wait = Math.max(0, retryAfterMs ?? 1000);
    for (const record of this.#runs.values()) {
      if (
        !record.sent ||
        record.follow !== undefined ||
        (record.handle.lastSeq > 0 && !record.resyncing && !record.cancelRequested)
      )
        continue;
      record.sent = false;
      record.resyncing = false;
      this.#hold(record, wait);
    }
  }

  #hold(record: RunRecord, wait: number): void {
    record.holdUntil = Date.now() + wait;
    clearTimeout(record.holdTimer);
    record.holdTimer = setTimeout(() => {
      record.holdUntil = 0;
      if (
        this.#runs.get(record.handle.runId) === record &&
        this.#connection.snapshot.connectionState === "connected"
      ) {
        this.#flush(record);
      }
    }, wait);
  }

  #finish(record: RunRecord, status: "error" | "cancelled", error: BackchannelError | null): void {
    this.#remove(record);
    record.handle.end(status, error);
    if (error) this.#opts.onRunError?.(error);
  }

  #remove(record: RunRecord): void {
    clearTimeout(record.holdTimer);
    const runId = record.handle.runId;
    if (this.#runs.get(runId) !== record) return;
    this.#runs.delete(runId);
    this.#recent.add(runId);
    if (this.#recent.size > RECENT_ENDED) this.#recent.delete(this.#recent.values().next().value!);
    this.#opts.onActivity?.();
  }
}
