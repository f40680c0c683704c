import type { RunAgentInput } from "@ag-ui/core";
import type { Principal } from "../principal.js";
import type { ResolvedResume } from "./resume-options.js";
import { Run } from "./run.js";

/**
 * Every run this process knows: running ones, and finished ones until their resume
 * retention expires. Lookups by runId are what resume and cancel need; per-thread lookup
 * serves followers of a thread.
 */
export class RunRegistry {
  private readonly runs = new Map<string, Run>();
  /** Finished runs and the bytes their buffers held when they ended. */
  private readonly retained = new Map<Run, number>();
  private retainedTotal = 0;

  constructor(private readonly options: ResolvedResume) {}

  get size(): number {
    return this.runs.size;
  }

  /** Serialized event bytes held by finished runs (counted by their buffers), kept under `maxRetainedBytes`. */
  get retainedBytes(): number {
    return this.retainedTotal;
  }

  get(runId: string): Run | undefined {
    return this.runs.get(runId);
  }

  /** Runs still executing. */
  running(): Run[] {
    return [...this.runs.values()].filter((r) => !r.ended);
  }

  /** Runs of `threadId`, oldest first. */
  byThread(threadId: string): Run[] {
    return [...this.runs.values()].filter((r) => r.threadId === threadId);
  }

  create(input: RunAgentInput, agentName: string, principal: Principal): Run {
    const run = new Run(input, agentName, principal, {
      maxEvents: this.options.maxEvents,
      maxBytes: this.options.maxBytes,
      maxAgeMs: this.options.maxAgeMs,
    });
    return this.adopt(run);
  }

  /** Registers a run created elsewhere (a cluster's locally mirrored run). */
  adopt(run: Run): Run {
    this.runs.set(run.id, run);
    // Counted once this turn's readers of the whole run (persistence) are done with it.
    void run.done.then(() => setImmediate(() => this.retain(run)));
    return run;
  }

  /**
   * Forgets every run of a deleted thread (cancelling the running ones): a resume of them is then
   * `resume_unavailable` like any unknown run, and a later owner of the same id cannot reach
   * them. Streams already following a run keep it (and its buffer) to its end.
   */
  forgetThread(threadId: string): void {
    for (const run of this.byThread(threadId)) {
      if (!run.ended) run.cancel();
      this.drop(run, false);
    }
  }

  /** Drops finished runs past retention, and the oldest finished ones past `maxRetainedRuns`. */
  sweep(now = Date.now()): void {
    let finished = 0;
    for (const run of this.runs.values()) {
      if (run.endedAt === undefined) continue;
      if (now - run.endedAt > this.options.retentionMs) this.drop(run);
      else finished++;
    }
    // Map iteration is insertion order, so this evicts the oldest runs first.
    for (const run of this.runs.values()) {
      if (finished <= this.options.maxRetainedRuns) break;
      if (run.endedAt === undefined) continue;
      this.drop(run);
      finished--;
    }
  }

  clear(): void {
    this.runs.clear();
    this.retained.clear();
    this.retainedTotal = 0;
  }

  private retain(run: Run): void {
    if (this.runs.get(run.id) !== run) return;
    const bytes = run.buffer.byteSize;
    this.retained.set(run, bytes);
    this.retainedTotal += bytes;
    if (this.retainedTotal <= this.options.maxRetainedBytes) return;
    // Oldest first (insertion order), finished runs only, until back under the budget.
    for (const old of this.runs.values()) {
      if (this.retainedTotal <= this.options.maxRetainedBytes) break;
      if (this.retained.has(old)) this.drop(old);
    }
  }

  private drop(run: Run, clearBuffer = true): void {
    if (clearBuffer) run.buffer.clear();
    if (this.runs.get(run.id) === run) this.runs.delete(run.id);
    const bytes = this.retained.get(run);
    if (bytes !== undefined) {
      this.retained.delete(run);
      this.retainedTotal -= bytes;
    }
  }
}
