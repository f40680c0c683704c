/**
 * Maps LangGraph's `tasks` stream (a node starts, a node finishes) to AG-UI
 * STEP_STARTED / STEP_FINISHED, one step per node execution.
 * @module
 */
import type { AgentEvent } from "./agent-types.js";

/** One item of LangGraph's `tasks` stream: a task starting (has `input`) or its result. */
export type TaskEvent =
  | { id: string; name: string; input: unknown; triggers?: string[] }
  | { id: string; name: string; result?: unknown; error?: unknown; interrupts?: unknown[] };

/** Tracks the steps of one run. */
export class StepEvents {
  /** Open steps by task id. */
  private readonly open = new Map<string, string>();
  private failed: string | undefined;

  /** Events for one task event. Internal tasks (`__start__`...) are not steps. */
  handle(task: TaskEvent): AgentEvent[] {
    if (task.name.startsWith("__")) return [];
    if ("input" in task) {
      this.open.set(task.id, task.name);
      return [{ type: "STEP_STARTED", stepName: task.name }];
    }
    if (!this.open.has(task.id)) return [];
    if ("error" in task && task.error != null) {
      // Left open: the run ends with RUN_ERROR, which closes everything.
      this.failed = task.name;
      return [];
    }
    this.open.delete(task.id);
    return [{ type: "STEP_FINISHED", stepName: task.name }];
  }

  /** The node whose task reported an error, if any. */
  failedStep(): string | undefined {
    return this.failed;
  }

  /** STEP_FINISHED for every step still open (a run that ended without their results). */
  closeAll(): AgentEvent[] {
    const events: AgentEvent[] = [...this.open.values()].map((stepName) => ({
      type: "STEP_FINISHED",
      stepName,
    }));
    this.open.clear();
    return events;
  }
}
