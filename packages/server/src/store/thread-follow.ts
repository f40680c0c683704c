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
      host.cluster.onThreadRun((threadId, runId) => {
        if (!this.listeners.has(threadId)) return;
        const local = host.registry.get(runId);
        if (local) return this.notify(local);
        void host.cluster?.locateRun(runId).then((run) => run && this.notify(run));
      });
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
