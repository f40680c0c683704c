/**
 * Following a thread (`join`): a second tab or device of the same user, or anyone the app's
 * `threadAccess` lets follow, sees every run of the thread live, the ones in flight when it
 * joins and every one started later, on this node or (in a cluster) any other.
 * @module
 */
import { ErrorCode } from "@backchannel/protocol";
import type { Cluster } from "../cluster/cluster.js";
import { BackchannelServerError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { RunRegistry } from "../runs/registry.js";
import type { Run } from "../runs/run.js";
import type { ThreadPersistence } from "./persistence.js";

/** What following needs from the runtime. */
export interface ThreadFollowHost {
  readonly registry: RunRegistry;
  readonly threads: ThreadPersistence | undefined;
  readonly cluster: Cluster | undefined;
}

/** Per-thread listeners for new runs, and the access check and run lookup of `join`. */
export class ThreadFollowing {
  private readonly listeners = new Map<string, Set<(run: Run) => void>>();

  constructor(private readonly host: ThreadFollowHost) {
    if (host.cluster) {
      // Every node hears every run start; only threads someone follows here cost a lookup.
      host.cluster.onThreadRun = (threadId, runId) => {
        if (!this.listeners.has(threadId)) return;
        const local = host.registry.get(runId);
        if (local) return this.notify(local);
        void host.cluster?.locateRun(runId).then((run) => run && this.notify(run));
      };
    }
  }

  /** Threads with at least one follower on this node. */
  get size(): number {
    return this.listeners.size;
  }

  /**
   * Checks that `principal` may follow `threadId` and returns its runs in flight (none for a
   * thread not stored yet). Throws BackchannelServerError `forbidden`, or `unavailable` when
   * the store is down.
   */
  async join(principal: Principal, threadId: string): Promise<Run[]> {
    const { threads, cluster } = this.host;
    if (threads) {
      const verdict = await threads.check(principal, threadId, "follow");
      if (verdict === "forbidden") {
        throw new BackchannelServerError(ErrorCode.Forbidden, "This thread belongs to another user");
      }
      // "not_found": nothing stored yet and, since a run claims its thread first, nothing running.
      if (verdict === "not_found") return [];
    }
    const runs = new Map<string, Run>();
    for (const run of this.host.registry.byThread(threadId)) if (!run.ended) runs.set(run.id, run);
    if (cluster) {
      for (const info of await cluster.liveRuns(threadId)) {
        if (runs.has(info.runId)) continue;
        const run = await cluster.locateRun(info.runId);
        if (run && !run.ended) runs.set(run.id, run);
      }
    }
    const list = [...runs.values()];
    // Without a store there is no owner on record: a principal follows only its own runs.
    return threads ? list : list.filter((r) => r.principal.id === principal.id);
  }

  /**
   * Whether `principal` may see `run` (its own, or a thread the store lets it follow). Checked
   * for every run announced to a follower, because a follower may have joined a thread id before
   * anyone created it: the thread's eventual owner decides, not the order of arrival.
   */
  async mayFollow(principal: Principal, run: Run): Promise<boolean> {
    if (run.principal.id === principal.id) return true;
    const { threads } = this.host;
    if (!threads) return false;
    try {
      if ((await threads.check(principal, run.threadId, "follow")) !== "ok") return false;
      // The run must belong to the thread as it is now: a thread deleted and claimed again by
      // someone else keeps its id, and its old runs (still resumable on some node) must not
      // become readable by the new owner. Their starter may not run on the new owner's thread.
      return (await threads.check(run.principal, run.threadId, "run")) === "ok";
    } catch {
      return false;
    }
  }

  /** Calls `fn` for each run started on `threadId` from now on. Returns the unsubscribe. */
  follow(threadId: string, fn: (run: Run) => void): () => void {
    let set = this.listeners.get(threadId);
    if (!set) {
      set = new Set();
      this.listeners.set(threadId, set);
    }
    set.add(fn);
    return () => {
      const s = this.listeners.get(threadId);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.listeners.delete(threadId);
    };
  }

  /** Tells the followers of `run.threadId` about a new run. */
  notify(run: Run): void {
    const set = this.listeners.get(run.threadId);
    if (!set) return;
    for (const fn of [...set]) fn(run);
  }
}

/** How a session lets its thread follower talk to the client. */
export interface FollowerSink {
  principal(): Principal | undefined;
  closed(): boolean;
  sendControl(frame: object): void;
  sendError(e: { code: string; message: string; id?: string; runId?: string }): void;
  /** Streams `run` after seq `after` on this socket. */
  follow(run: Run, after: number): void;
}

/** What a session's follower needs from the runtime (optional: a host may not support join). */
export interface FollowerHost {
  joinThread?(principal: Principal, threadId: string): Promise<Run[]>;
  /** Whether `principal` may see `run`; a host without it announces only the principal's own runs. */
  mayFollow?(principal: Principal, run: Run): Promise<boolean>;
  followThread?(threadId: string, fn: (run: Run) => void): () => void;
}

/** Threads one socket may follow at once. */
export const MAX_FOLLOWED_THREADS = 32;

/** The `join`/`leave` frames of one session. */
export class SessionThreadFollower {
  private readonly subs = new Map<string, () => void>();
  /** Runs this socket already streams (started here, or announced), so none is streamed twice. */
  private readonly streamed = new Set<string>();

  constructor(
    private readonly host: FollowerHost,
    private readonly sink: FollowerSink,
  ) {}

  /** The session started `run` itself: followers of its thread on this socket must not re-stream it. */
  own(run: Run): void {
    this.remember(run);
  }

  async join(frame: { threadId: string; id?: string; runId?: string; after?: number }): Promise<void> {
    const principal = this.sink.principal()!;
    const { threadId, id } = frame;
    if (!this.host.joinThread || !this.host.followThread) {
      return this.sink.sendError({
        code: ErrorCode.BadRequest,
        message: "This server does not support join",
        ...(id ? { id } : {}),
      });
    }
    if (!this.subs.has(threadId) && this.subs.size >= MAX_FOLLOWED_THREADS) {
      return this.sink.sendError({
        code: ErrorCode.BadRequest,
        message: `This connection already follows ${MAX_FOLLOWED_THREADS} threads; leave one first`,
        ...(id ? { id } : {}),
      });
    }
    let runs: Run[];
    try {
      runs = await this.host.joinThread(principal, threadId);
    } catch (err) {
      const code = err instanceof BackchannelServerError ? err.code : ErrorCode.Internal;
      const message = err instanceof BackchannelServerError ? err.message : "Internal error; retry";
      return this.sink.sendError({ code, message, ...(id ? { id } : {}) });
    }
    if (this.sink.closed()) return;
    if (!this.subs.has(threadId))
      this.subs.set(
        threadId,
        this.host.followThread(threadId, (run) => void this.announceIfAllowed(run)),
      );
    this.sink.sendControl({
      type: "joined",
      threadId,
      ...(id ? { id } : {}),
      runs: runs.map((r) => ({ runId: r.id, agent: r.agentName, lastSeq: r.lastSeq })),
    });
    for (const run of runs) this.announce(run, run.id === frame.runId ? (frame.after ?? 0) : 0);
  }

  leave(threadId: string): void {
    this.subs.get(threadId)?.();
    this.subs.delete(threadId);
  }

  /** The socket closed. */
  close(): void {
    for (const unsubscribe of this.subs.values()) unsubscribe();
    this.subs.clear();
    this.streamed.clear();
  }

  /** A run started on a followed thread after the join: announced only if this principal may see it. */
  private async announceIfAllowed(run: Run): Promise<void> {
    const principal = this.sink.principal();
    if (!principal || this.streamed.has(run.id)) return;
    const allowed = this.host.mayFollow
      ? await this.host.mayFollow(principal, run)
      : run.principal.id === principal.id;
    if (allowed) this.announce(run, 0);
  }

  private announce(run: Run, after: number): void {
    if (this.sink.closed() || this.streamed.has(run.id)) return;
    this.remember(run);
    this.sink.sendControl({
      type: "thread_run",
      threadId: run.threadId,
      runId: run.id,
      agent: run.agentName,
      messages: run.input.messages ?? [],
    });
    this.sink.follow(run, after);
  }

  private remember(run: Run): void {
    if (run.ended) return;
    this.streamed.add(run.id);
    void run.done.then(() => this.streamed.delete(run.id));
  }
}
