import type { RunAgentInput } from "@ag-ui/core";
import type { Principal } from "../principal.js";
import type { ResumeBufferLimits } from "../runs/resume-buffer.js";
import { Run } from "../runs/run.js";

/** Where a mirrored run's cancel and fail go: the executing run, here or on another node. */
export interface MirrorControl {
  cancel(): void;
  fail(message: string, code: string): void;
}

/**
 * A run as sessions on this node see it when it is shared through Redis: it holds exactly the
 * events written to the run's stream, numbered as there, so every node serves the same seqs.
 * Cancel and fail are forwarded to the node executing the run.
 */
export class MirrorRun extends Run {
  constructor(
    input: RunAgentInput,
    agentName: string,
    principal: Principal,
    limits: ResumeBufferLimits,
    private readonly control: MirrorControl,
  ) {
    super(input, agentName, principal, limits);
  }

  override cancel(): void {
    if (!this.ended) this.control.cancel();
  }

  override fail(message: string, code: string): void {
    if (!this.ended) this.control.fail(message, code);
  }

  /**
   * Ends the mirror here with RUN_ERROR as the next seq, without the closing events a local
   * run adds, so its numbering stays the same as the stream's (where the same error lands).
   */
  endLocally(message: string, code: string): void {
    this.emit({ type: "RUN_ERROR", message, code } as never);
  }
}
