/**
 * The `join`/`leave` frames of one WebSocket session: which threads this socket follows, and
 * announcing (`thread_run`) and streaming each of their runs once. Decisions (may this principal
 * follow, may it see this run) are the run core's.
 * @module
 */
import { ErrorCode } from "@backchannel/protocol";
import type { RunCore } from "../core/run-core.js";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";

/** How a session lets its thread follower talk to the client. */
export interface FollowerSink {
  principal(): Principal | undefined;
  closed(): boolean;
  sendControl(frame: object): void;
  sendError(e: { code: string; message: string; id?: string; runId?: string }): void;
  /** Streams `run` after seq `after` on this socket. */
  follow(run: Run, after: number): void;
}

/** What a session's follower needs from the runtime: the run core's join and access rule, and new-run listeners. */
export interface FollowerHost {
  readonly core: Pick<RunCore, "join" | "mayRead">;
  followThread(threadId: string, fn: (run: Run) => void): () => void;
}

/** Threads one socket may follow at once. */
export const MAX_FOLLOWED_THREADS = 32;

/** The `join`/`leave` frames of one session. */
export class SessionThreadFollower {
  private readonly subs = new Map<string, () => void>();
  /** Threads whose `join` is between its cap check and its subscription: their slots are taken. */
  private readonly joining = new Set<string>();
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
    // The slot is reserved before the first await: checked after it, a burst of joins would all
    // pass the check while the access lookups are in flight.
    const reserved = !this.subs.has(threadId) && !this.joining.has(threadId);
    if (reserved && this.subs.size + this.joining.size >= MAX_FOLLOWED_THREADS) {
      return this.sink.sendError({
        code: ErrorCode.BadRequest,
        message: `This connection already follows ${MAX_FOLLOWED_THREADS} threads; leave one first`,
        ...(id ? { id } : {}),
      });
    }
    if (reserved) this.joining.add(threadId);
    let joined: Awaited<ReturnType<typeof this.host.core.join>>;
    try {
      joined = await this.host.core.join(principal, threadId);
    } finally {
      if (reserved) this.joining.delete(threadId);
    }
    if (!joined.ok)
      return this.sink.sendError({ code: joined.code, message: joined.message, ...(id ? { id } : {}) });
    const runs = joined.runs;
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
    if (await this.host.core.mayRead(principal, run)) this.announce(run, 0);
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
