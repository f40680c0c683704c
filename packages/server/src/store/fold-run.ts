/**
 * One run's events folded into the conversation and state to store, with the same fold the
 * client runs live (`@backchannel/protocol/fold`), so a reloaded thread shows exactly what was
 * streamed. It runs off the hot path (fed from the run's resume buffer in batches), is
 * O(events) overall, and never touches the events it reads or the run's input.
 * @module
 */
import type { BaseEvent, Message, RunAgentInput, State } from "@ag-ui/core";
import { createFoldState, type FoldState, foldEvent, foldSnapshot } from "@backchannel/protocol/fold";

/**
 * Folds events on top of the run's input (`input.messages`, `input.state`): messages the run
 * adds are placed as the client places them, generated ids are the client's
 * (`<runId>:msg:<n>`), and a state patch that fails is skipped (and remembered in `stateError`).
 */
export class RunFold {
  /** Events applied so far. */
  applied = 0;
  /** The first state patch that failed, if any (later patches still apply). */
  stateError: string | undefined;
  private readonly fold: FoldState;

  constructor(input: Pick<RunAgentInput, "messages" | "state" | "runId">) {
    this.fold = createFoldState({
      messages: input.messages ?? [],
      state: input.state === undefined ? {} : input.state,
      runId: input.runId,
    });
  }

  /** Applies one event. Unknown and lifecycle-only events change nothing. */
  apply(event: BaseEvent): void {
    this.applied++;
    const { error } = foldEvent(this.fold, event);
    if (error && event.type === "STATE_DELTA") this.stateError ??= error.message;
  }

  /** The conversation and state so far. */
  result(): { messages: Message[]; state: State } {
    const { messages, state } = foldSnapshot(this.fold);
    return { messages: messages as Message[], state: state as State };
  }
}
