/**
 * Following a thread (`join`/`leave`): the runs other tabs or devices start on a conversation,
 * streamed to this client live. Each followed run gets a `RunHandle` fed by the same seq,
 * dedupe and resume machinery as the runs this client starts. After a reconnect the thread is
 * joined again, naming the run seen furthest, so nothing is missed and nothing shows twice.
 * @module
 */
import type { Message } from "@ag-ui/core";
import type {
  ErrorFrame,
  JoinedFrame,
  JoinFrame,
  ThreadRunFrame,
  ThreadRunInfo,
} from "@backchannel/protocol";
import { exponentialBackoff } from "./backoff.js";
import type { Connection } from "./connection.js";
import { BackchannelError } from "./errors.js";
import { randomId } from "./ids.js";
import type { ReconnectOptions } from "./options.js";
import type { RunHandle } from "./run-handle.js";
import type { RunRegistry } from "./run-registry.js";

/** What `client.joinThread` takes. */
export interface JoinThreadOptions {
  /** A run of the thread already seen up to `after` (e.g. attached earlier): streamed from there. */
  runId?: string;
  /** With `runId`: the last seq already seen. @default 0 */
  after?: number;
  /**
   * Called for each run of the thread that this client did not start: those in flight when
   * the join is answered, and every run started later (by any tab or device), before its events.
   */
  onRun?: (run: FollowedRun) => void;
  /**
   * Called when a join fails: `forbidden` (another user's thread) or `bad_request` end the
   * follow; `unavailable` (the server's database or Redis is down), `rate_limited` and
   * `internal` are retried with backoff and reported once per streak of failures.
   */
  onError?: (error: BackchannelError) => void;
}

/** A run announced on a followed thread (`thread_run`). */
export interface FollowedRun {
  readonly runId: string;
  readonly threadId: string;
  /** The agent it runs. */
  readonly agent: string;
  /** Its input conversation, ending with the message that started it (the other tab's question). */
  readonly messages: readonly Message[];
  /** Its events, from its start (or after `after`), exactly once and in order, across reconnects. */
  readonly handle: RunHandle;
}

/**
 * - `joining`: waiting for the server's answer (again after every reconnect).
 * - `joined`: new runs of the thread are announced.
 * - `closed`: after `leave()`, a refusal (`forbidden`), or the client closing or giving up.
 */
export type ThreadFollowStatus = "joining" | "joined" | "closed";

/** One caller's follow of a thread. Create with `client.joinThread`. */
export interface ThreadFollow {
  readonly threadId: string;
  readonly status: ThreadFollowStatus;
  /** The last join failure; null again once joined. */
  readonly error: BackchannelError | null;
  /**
   * Resolves with the runs in flight at the first `joined` answer. Rejects with a
   * `BackchannelError` if the follow closes first: `forbidden`, `bad_request`, `client_closed`
   * (`leave()` or `client.close()`), or the error the client gave up with.
   */
  readonly joined: Promise<ThreadRunInfo[]>;
  /** Followed runs still in flight. */
  readonly runs: readonly FollowedRun[];
  /** Stops following. Runs already streaming continue to their end. Idempotent. */
  leave(): void;
}

interface Shared {
  threadId: string;
  members: Set<Member>;
  status: ThreadFollowStatus;
  error: BackchannelError | null;
  /** Id of the join awaiting an answer on this connection. */
  joinId: string | undefined;
  /** The caller's `runId`/`after`, for the first join only. */
  start: { runId: string; after: number } | undefined;
  /** The run the last join named, and from where. */
  named: { runId: string; after: number } | undefined;
  runs: Map<string, FollowedRun>;
  failures: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function report(fn: (() => void) | undefined): void {
  try {
    fn?.();
  } catch (err) {
    // A throwing callback must not break delivery to the others, nor vanish silently.
    queueMicrotask(() => {
      throw err;
    });
  }
}

class Member implements ThreadFollow {
  readonly joined: Promise<ThreadRunInfo[]>;
  left = false;
  settled = false;
  resolve!: (runs: ThreadRunInfo[]) => void;
  reject!: (error: BackchannelError) => void;

  constructor(
    readonly shared: Shared,
    readonly options: JoinThreadOptions,
    private readonly onLeave: (member: Member) => void,
  ) {
    this.joined = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Awaiting `joined` is optional: a rejection nobody awaits must not be "unhandled".
    this.joined.catch(() => {});
  }

  get threadId() {
    return this.shared.threadId;
  }
  get status(): ThreadFollowStatus {
    return this.left ? "closed" : this.shared.status;
  }
  get error() {
    return this.shared.error;
  }
  get runs(): readonly FollowedRun[] {
    return this.left ? [] : Object.freeze([...this.shared.runs.values()]);
  }

  leave(): void {
    if (this.left) return;
    this.left = true;
    this.settle(new BackchannelError("client_closed", "leave() was called before the thread was joined."));
    this.onLeave(this);
  }

  settle(outcome: ThreadRunInfo[] | BackchannelError): void {
    if (this.settled) return;
    this.settled = true;
    if (outcome instanceof BackchannelError) this.reject(outcome);
    else this.resolve(outcome);
  }
}

const FINAL = new Set(["forbidden", "bad_request"]);

/** Every thread one client follows: speaks `join`/`leave`, routes `joined`/`thread_run`. */
export class ThreadFollows {
  #shared = new Map<string, Shared>();

  constructor(
    private readonly registry: RunRegistry,
    private readonly connection: Connection,
    private readonly backoff: ReconnectOptions,
  ) {}

  /** Threads followed. */
  get size(): number {
    return this.#shared.size;
  }

  join(threadId: string, options: JoinThreadOptions): ThreadFollow {
    let s = this.#shared.get(threadId);
    if (s) {
      const member = new Member(s, options, (m) => this.#leave(m));
      const existing = [...s.runs.values()];
      s.members.add(member);
      if (s.status === "joined") member.settle(existing.map(info));
      // Runs announced before this caller came: delivered once it holds the follow.
      queueMicrotask(() => {
        for (const run of existing) if (!member.left) report(() => options.onRun?.(run));
      });
      return member;
    }
    s = {
      threadId,
      members: new Set(),
      status: "joining",
      error: null,
      joinId: undefined,
      start: options.runId === undefined ? undefined : { runId: options.runId, after: options.after ?? 0 },
      named: undefined,
      runs: new Map(),
      failures: 0,
      timer: undefined,
    };
    const member = new Member(s, options, (m) => this.#leave(m));
    s.members.add(member);
    this.#shared.set(threadId, s);
    this.connection.activityChanged();
    if (this.connection.snapshot.connectionState === "connected") this.#send(s);
    else this.connection.connect();
    return member;
  }

  /** A connection became ready: join every followed thread again. */
  onReady(): void {
    for (const s of this.#shared.values()) this.#send(s);
  }

  /** The socket is gone: every join must be sent again on the next one. */
  onDown(): void {
    for (const s of this.#shared.values()) {
      clearTimeout(s.timer);
      s.joinId = undefined;
      s.status = "joining";
    }
  }

  /** The client closed or gave up: every follow ends with `error`. */
  onGiveUp(error: BackchannelError): void {
    // The connection reported `error` already; the follows only settle with it.
    for (const s of [...this.#shared.values()]) this.#close(s, error, false);
  }

  onFrame(frame: JoinedFrame | ThreadRunFrame): void {
    const s = this.#shared.get(frame.threadId);
    if (!s) {
      // A join answered after leave() (the server handled `leave` first): leave again.
      this.connection.send({ type: "leave", threadId: frame.threadId });
      return;
    }
    if (frame.type === "joined") {
      if (frame.id !== s.joinId) return;
      s.joinId = undefined;
      s.status = "joined";
      s.error = null;
      s.failures = 0;
      s.start = undefined;
      this.registry.rejoined(s.threadId, new Set(frame.runs.map((r) => r.runId)));
      for (const member of s.members) member.settle(frame.runs);
      return;
    }
    // Runs this client started (or already follows) keep their handle; the server may still
    // announce them after a reconnect, when it no longer knows who started them.
    if (this.registry.knows(frame.runId)) return;
    const after = s.named?.runId === frame.runId ? s.named.after : 0;
    const handle = this.registry.adopt(frame.runId, s.threadId, after);
    const run: FollowedRun = Object.freeze({
      runId: frame.runId,
      threadId: s.threadId,
      agent: frame.agent,
      messages: Object.freeze(frame.messages ?? []),
      handle,
    });
    s.runs.set(run.runId, run);
    void handle.done.then(() => s.runs.delete(run.runId));
    for (const member of [...s.members]) report(() => member.options.onRun?.(run));
  }

  /** Routes an `error` frame answering a join. Returns false if it answers none. */
  onErrorFrame(frame: ErrorFrame): boolean {
    if (frame.id === undefined) return false;
    let s: Shared | undefined;
    for (const candidate of this.#shared.values()) if (candidate.joinId === frame.id) s = candidate;
    if (!s) return false;
    s.joinId = undefined;
    const error = BackchannelError.from(frame);
    s.error = error;
    if (FINAL.has(frame.code)) {
      this.#close(s, error, true);
      return true;
    }
    s.failures++;
    if (s.failures === 1) for (const member of [...s.members]) report(() => member.options.onError?.(error));
    const delay = frame.retryAfterMs ?? Math.max(1000, exponentialBackoff(s.failures, this.backoff));
    const shared = s;
    s.timer = setTimeout(() => {
      if (this.#shared.get(shared.threadId) === shared) this.#send(shared);
    }, delay);
    return true;
  }

  #send(s: Shared): void {
    clearTimeout(s.timer);
    const named = s.start ?? this.registry.furthest(s.threadId);
    const id = randomId();
    const frame: JoinFrame = { type: "join", threadId: s.threadId, id };
    if (named) {
      frame.runId = named.runId;
      frame.after = named.after;
    }
    if (!this.connection.send(frame)) return;
    s.joinId = id;
    s.named = named;
  }

  #leave(member: Member): void {
    const s = member.shared;
    s.members.delete(member);
    if (s.members.size > 0 || this.#shared.get(s.threadId) !== s) return;
    this.connection.send({ type: "leave", threadId: s.threadId });
    this.#close(s, null, false);
  }

  #close(s: Shared, error: BackchannelError | null, notify: boolean): void {
    clearTimeout(s.timer);
    s.status = "closed";
    if (error) s.error = error;
    if (this.#shared.get(s.threadId) === s) {
      this.#shared.delete(s.threadId);
      this.connection.activityChanged();
    }
    // Runs already streaming go on as attached runs (resumed on a new connection; the server
    // says `forbidden` there if access was revoked).
    this.registry.unfollow(s.threadId);
    if (!error) return;
    for (const member of [...s.members]) {
      member.settle(error);
      if (notify) report(() => member.options.onError?.(error));
    }
  }
}

function info(run: FollowedRun): ThreadRunInfo {
  return { runId: run.runId, agent: run.agent, lastSeq: run.handle.lastSeq };
}
