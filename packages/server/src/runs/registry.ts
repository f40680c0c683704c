import type { RunAgentInput } from "@ag-ui/core";
import type { ResolvedResume } from "../options.js";
import type { Principal } from "../principal.js";
import { Run } from "./run.js";

/**
 * Every run this process knows: running ones, and finished ones until their resume
 * retention expires. Lookups by runId are what resume and cancel need; per-thread lookup
 * serves followers of a thread.
 */
export class RunRegistry {
  private readonly runs = new Map<string, Run>();

  constructor(private readonly options: ResolvedResume) {}

  get size(): number {
    return this.runs.size;
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
    this.runs.set(run.id, run);
    return run;
  }

  /** Registers a run created elsewhere (a cluster's locally mirrored run). */
  adopt(run: Run): Run {
    this.runs.set(run.id, run);
    return run;
  }

  /**
   * Forgets every run of a deleted thread (cancelling the running ones): a resume of them is then
   * `resume_unavailable` like any unknown run. Streams already following a run keep it to its end.
   */
  forgetThread(threadId: string): void {
    for (const [id, run] of this.runs) {
      if (run.threadId !== threadId) continue;
      if (!run.ended) run.cancel();
      this.runs.delete(id);
    }
  }

  /** Drops finished runs past retention, and the oldest finished ones past `maxRetainedRuns`. */
  sweep(now = Date.now()): void {
    let finished = 0;
    for (const [id, run] of this.runs) {
      if (run.endedAt === undefined) continue;
      if (now - run.endedAt > this.options.retentionMs) {
        run.buffer.clear();
        this.runs.delete(id);
      } else finished++;
    }
    // Map iteration is insertion order, so this evicts the oldest runs first.
    for (const [id, run] of this.runs) {
      if (finished <= this.options.maxRetainedRuns) break;
      if (run.endedAt === undefined) continue;
      run.buffer.clear();
      this.runs.delete(id);
      finished--;
    }
  }

  clear(): void {
    this.runs.clear();
  }
}
