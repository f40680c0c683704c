/**
 * What thread persistence and the cluster share, kept apart from both so neither imports the
 * other: a thread's runs in flight (this node's, or the cluster's) and a run reaped from a
 * dead node, which persistence saves.
 * @module
 */
import type { BaseEvent, RunAgentInput } from "@ag-ui/core";

/** A run of a thread still executing somewhere, for `GET /threads/:id` and `join`. */
export interface LiveRunInfo {
  runId: string;
  agent: string;
  /** Highest seq produced so far (as known to this node). */
  lastSeq: number;
}

/** A thread's live runs: this node's, or (the cluster implements it) every node's. */
export interface ThreadRuns {
  liveRuns(threadId: string): Promise<LiveRunInfo[]>;
  cancelThreadRuns(threadId: string): Promise<void>;
}

/** A run that ended on a dead node, as the node that ended it read it back from Redis. */
export interface ReapedRun {
  runId: string;
  threadId: string;
  agent: string;
  principalId: string;
  input: RunAgentInput;
  startedAt: number;
  events: BaseEvent[];
}
