/**
 * Thread persistence for a runtime: claims a thread for its owner when a run starts, folds
 * each run's events (from its resume buffer, off the hot path: when it ends, or earlier once
 * its buffer fills up) and writes the conversation once when the run finishes, fails or is
 * cancelled, and sweeps idle threads.
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import { ErrorCode, idProblem } from "@backchannel/protocol";
import type { Logger } from "pino";
import { BackchannelServerError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { RunRegistry } from "../runs/registry.js";
import type { Run } from "../runs/run.js";
import { RunFold } from "./fold-run.js";
import { RETENTION_DEFAULTS, type RetentionOptions } from "./retention-options.js";
import { mayAccess, type ThreadAccessPolicy, type ThreadAction } from "./thread-access.js";
import type { LiveRunInfo, ReapedRun, ThreadRuns } from "./thread-runs.js";
import { type RunRecord, type ThreadStore, titleFrom } from "./thread-store.js";

/** What persistence needs from the runtime. */
export interface PersistenceHost {
  readonly logger: Logger;
  readonly registry: RunRegistry;
}

/** How often running runs' buffers are checked, so long runs never outlive their buffer. */
const FOLD_INTERVAL_MS = 1_000;
/**
 * A running run is folded early once its buffer is this full (events, bytes or age); below
 * that it is folded once, when it ends. Folding every run every second made the event loop
 * stall for a moment each second under many streams, and kept each token's rope alive.
 */
const FOLD_EARLY_FILL = 0.25;
const SAVE_RETRY_DELAYS_MS = [500, 2_000, 5_000];
const SWEEP_BATCH = 500;

interface Tracked {
  run: Run;
  fold: RunFold | undefined;
  /** Highest seq applied to `fold`. */
  folded: number;
  truncated: boolean;
  /** Why folding this run failed (its save is then skipped and logged). */
  failed?: unknown;
}

/**
 * Ties a ThreadStore to a runtime. Created by the SDK; `store` is reachable for apps that
 * want to read threads themselves.
 */
export class ThreadPersistence {
  private readonly tracked = new Map<string, Tracked>();
  private readonly pending = new Set<Promise<void>>();
  /** Saves in progress by run id (for `whenSaved`). */
  private readonly saving = new Map<string, Promise<void>>();
  private readonly folder: NodeJS.Timeout;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly retention: Required<RetentionOptions>;
  private closed = false;
  private readonly runs: ThreadRuns;

  constructor(
    readonly store: ThreadStore,
    private readonly host: PersistenceHost,
    private readonly opts: {
      access?: ThreadAccessPolicy;
      retention?: RetentionOptions;
      ownsStore: boolean;
      /** Where a thread's live runs are: every node's with a cluster. @default this node's registry */
      runs?: ThreadRuns;
    },
  ) {
    this.retention = { ...RETENTION_DEFAULTS, ...stripUndefined(opts.retention ?? {}) };
    this.folder = setInterval(() => this.foldRunning(), FOLD_INTERVAL_MS);
    this.folder.unref();
    if (this.retention.threadMaxIdleMs > 0) {
      this.sweeper = setInterval(() => void this.sweep(), this.retention.sweepIntervalMs);
      this.sweeper.unref();
    }
    this.runs = opts.runs ?? {
      liveRuns: async (threadId) => this.localLiveRuns(threadId),
      cancelThreadRuns: async (threadId) => {
        for (const run of host.registry.byThread(threadId)) run.cancel();
      },
    };
  }

  /** Live runs of a thread (on every node, in a cluster). */
  liveRuns(threadId: string): Promise<LiveRunInfo[]> {
    return this.runs.liveRuns(threadId);
  }

  /** Cancels the live runs of a thread (before it is deleted), wherever they execute. */
  cancelThreadRuns(threadId: string): Promise<void> {
    return this.runs.cancelThreadRuns(threadId);
  }

  /** Runs on this node still executing on `threadId`. */
  localLiveRuns(threadId: string): LiveRunInfo[] {
    return this.host.registry
      .byThread(threadId)
      .filter((r) => !r.ended)
      .map((r) => ({ runId: r.id, agent: r.agentName, lastSeq: r.lastSeq }));
  }

  /**
   * The run authorizer: claims the thread for `principal` on its first run, and refuses a run
   * on a thread owned by someone else (unless `threadAccess` grants "run").
   */
  async authorizeRun(principal: Principal, input: RunAgentInput): Promise<void> {
    const threadId = input.threadId;
    badThreadId(threadId);
    let ownerId: string;
    try {
      ({ ownerId } = await this.store.claimThread(threadId, principal.id, Date.now()));
    } catch (err) {
      throw this.unavailable(err);
    }
    if (!(await mayAccess(this.opts.access, principal, { threadId, ownerId }, "run"))) {
      throw new BackchannelServerError(
        ErrorCode.Forbidden,
        "This thread belongs to another user; start a new thread (a fresh threadId)",
      );
    }
  }

  /**
   * Whether `principal` may perform `action` on `threadId`: "ok", "not_found" (no such thread)
   * or "forbidden". Throws BackchannelServerError `unavailable` when the store is down.
   */
  async check(
    principal: Principal,
    threadId: string,
    action: ThreadAction,
  ): Promise<"ok" | "not_found" | "forbidden"> {
    // Never let an id the store cannot hold (a NUL breaks a Postgres query) look like an outage.
    badThreadId(threadId);
    let ownerId: string | undefined;
    try {
      ownerId = await this.store.getOwner(threadId);
    } catch (err) {
      throw this.unavailable(err);
    }
    if (ownerId === undefined) return "not_found";
    return (await mayAccess(this.opts.access, principal, { threadId, ownerId }, action)) ? "ok" : "forbidden";
  }

  /** Starts following a new run; its conversation is written when it ends. */
  track(run: Run): void {
    if (this.closed) return;
    const t: Tracked = { run, fold: undefined, folded: 0, truncated: false };
    this.tracked.set(run.id, t);
    void run.done.then(() => {
      this.tracked.delete(run.id);
      const p = this.finish(t).finally(() => {
        this.pending.delete(p);
        this.saving.delete(run.id);
      });
      this.pending.add(p);
      this.saving.set(run.id, p);
    });
  }

  /**
   * Resolves once run `runId` of `threadId`, if it runs or is being saved on this node, has
   * ended and its conversation is written; at once for any other run; after `maxWaitMs` at
   * most. Backs `GET /threads/:id?settled=<runId>`, which a client asks after following a run
   * to end, instead of guessing when the write lands.
   */
  async whenSaved(threadId: string, runId: string, maxWaitMs: number): Promise<void> {
    const tracked = this.tracked.get(runId);
    if (tracked && tracked.run.threadId !== threadId) return;
    const saved = async () => {
      if (tracked) await tracked.run.done;
      // The save starts in the same `done` callback that untracks the run, queued before ours.
      await Promise.resolve();
      await this.saving.get(runId);
    };
    if (!tracked && !this.saving.has(runId)) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      saved(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * Folds what is left of an ended run and saves it. Never rejects: this runs from a promise
   * callback, where a throw would take the whole process (every user's sockets and runs) down,
   * so a fold or save that fails fails this run's save only, and is logged.
   */
  private async finish(t: Tracked): Promise<void> {
    try {
      if (t.failed === undefined) this.catchUp(t);
      if (t.failed !== undefined) throw t.failed;
      await this.save(t);
    } catch (err) {
      this.host.logger.error(
        { err, runId: t.run.id, threadId: t.run.threadId, principalId: t.run.principal.id },
        "could not fold or save the run's conversation; the thread keeps its previous history",
      );
    }
  }

  /** Resolves when every ended run has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Deletes threads idle past `threadMaxIdleMs`; returns how many. Runs on its own timer too. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.retention.threadMaxIdleMs <= 0 || this.closed) return 0;
    let total = 0;
    try {
      for (;;) {
        const ids = await this.store.deleteIdleThreads(now - this.retention.threadMaxIdleMs, SWEEP_BATCH);
        total += ids.length;
        if (ids.length < SWEEP_BATCH) break;
      }
      if (total) this.host.logger.info({ deleted: total }, "retention: deleted idle threads");
    } catch (err) {
      this.host.logger.warn({ err }, "retention sweep failed; will retry at the next interval");
    }
    return total;
  }

  /** Stops timers, waits for pending writes, and closes the store if the runtime opened it. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.folder);
    clearInterval(this.sweeper);
    await this.flush();
    if (this.opts.ownsStore) await this.store.close().catch(() => {});
  }

  private unavailable(err: unknown): BackchannelServerError {
    this.host.logger.error({ err }, "thread store unavailable");
    return new BackchannelServerError(
      ErrorCode.Unavailable,
      "Conversation history is unavailable right now (database unreachable); retry shortly",
      { cause: err },
    );
  }

  private foldRunning(): void {
    const now = Date.now();
    for (const t of this.tracked.values()) {
      if (t.failed !== undefined || t.run.buffer.fill(now) < FOLD_EARLY_FILL) continue;
      // A timer callback: a throw here would end the process. Remember it; `finish` logs it once.
      try {
        this.catchUp(t);
      } catch (err) {
        t.failed = err;
      }
    }
  }

  /** Applies the run's buffered events not yet folded. O(new events). */
  private catchUp(t: Tracked): void {
    const run = t.run;
    if (t.folded >= run.lastSeq) return;
    t.fold ??= new RunFold(run.input);
    while (t.folded < run.lastSeq) {
      const event = run.buffer.eventAt(t.folded + 1);
      if (!event) {
        // Events fell out of the resume buffer before we read them (a huge burst, or a tiny buffer).
        const first = run.buffer.firstSeq;
        if (first === undefined || first <= t.folded + 1) break;
        t.truncated = true;
        t.folded = first - 1;
        continue;
      }
      t.fold.apply(event);
      t.folded++;
    }
  }

  /**
   * Saves a run that ended on another node that died (read back from Redis by the node that
   * ended it), so its partial answer is kept like any other.
   */
  async saveReaped(run: ReapedRun): Promise<void> {
    const fold = new RunFold(run.input);
    for (const event of run.events) fold.apply(event);
    const terminal = run.events.at(-1) as { type?: string; code?: string; message?: string } | undefined;
    await this.write(
      {
        runId: run.runId,
        threadId: run.threadId,
        principalId: run.principalId,
        agent: run.agent,
        status: "error",
        errorCode: String(terminal?.code ?? "node_lost"),
        errorMessage: String(terminal?.message ?? ""),
        eventCount: run.events.length,
        truncated: false,
        startedAt: run.startedAt,
        endedAt: Date.now(),
      },
      fold,
    );
  }

  private async save(t: Tracked): Promise<void> {
    const run = t.run;
    const terminal = run.buffer.get(run.lastSeq)?.event as
      | { type?: string; code?: string; message?: string }
      | undefined;
    const record: RunRecord = {
      runId: run.id,
      threadId: run.threadId,
      principalId: run.principal.id,
      agent: run.agentName,
      status: run.status === "running" ? "error" : run.status,
      ...(terminal?.type === "RUN_ERROR"
        ? { errorCode: String(terminal.code ?? "agent_error"), errorMessage: String(terminal.message ?? "") }
        : {}),
      eventCount: run.lastSeq,
      truncated: t.truncated,
      startedAt: run.createdAt,
      endedAt: run.endedAt ?? Date.now(),
    };
    await this.write(record, t.fold ?? new RunFold(run.input));
  }

  private async write(record: RunRecord, fold: RunFold): Promise<void> {
    const run = { id: record.runId, threadId: record.threadId };
    const { messages, state } = fold.result();
    if (record.truncated)
      this.host.logger.warn(
        { runId: run.id },
        "run outgrew its resume buffer before it was folded; stored answer is incomplete",
      );
    if (fold.stateError)
      this.host.logger.warn(
        { runId: run.id, reason: fold.stateError },
        "a state patch failed; stored state skips it",
      );
    const title = titleFrom(messages);
    for (let attempt = 0; ; attempt++) {
      try {
        const saved = await this.store.saveRun(record, { messages, state, ...(title ? { title } : {}) });
        if (!saved)
          this.host.logger.info(
            { runId: run.id, threadId: run.threadId },
            "thread deleted during its run; not saved",
          );
        return;
      } catch (err) {
        const delay = SAVE_RETRY_DELAYS_MS[attempt];
        if (delay === undefined || this.closed) {
          this.host.logger.error(
            { err, runId: run.id, threadId: run.threadId },
            "could not save the run's conversation",
          );
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

/** Throws `bad_request` for a threadId breaking the id rule (docs/security.md). */
function badThreadId(threadId: string): void {
  const problem = idProblem(threadId);
  if (problem) throw new BackchannelServerError(ErrorCode.BadRequest, `threadId ${problem}`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
