/**
 * `foldEvent`: applies one AG-UI event to a `FoldState`, following AG-UI's semantics.
 *
 * - Text: TEXT_MESSAGE_START/CONTENT/END build a message (role from START, assistant by
 *   default); TEXT_MESSAGE_CHUNK does all three, continuing the open message when it has no id.
 * - Tool calls: TOOL_CALL_START adds `{ id, type: "function", function: { name, arguments } }` to
 *   the parent assistant message's `toolCalls` (the `parentMessageId`, else this run's latest
 *   assistant message, else a new one); ARGS appends to `arguments`; CHUNK is START+ARGS.
 *   TOOL_CALL_RESULT appends a `tool` message.
 * - Reasoning: REASONING_MESSAGE_* build `reasoning` messages (AG-UI's ReasoningMessage) in the
 *   transcript, so a UI can show or hide them; REASONING_START/END only delimit spans and change
 *   nothing; REASONING_ENCRYPTED_VALUE sets `encryptedValue` on its message or tool call.
 * - Activities: ACTIVITY_SNAPSHOT/DELTA build `activity` messages.
 * - State: STATE_SNAPSHOT replaces it; STATE_DELTA applies an RFC 6902 patch without mutating the
 *   old state. A patch that does not apply leaves the state unchanged and is reported.
 * - MESSAGES_SNAPSHOT replaces the transcript (identical messages keep their identity).
 * - Run lifecycle: RUN_STARTED/RUN_FINISHED/RUN_ERROR update `running`, `outcome`, `runError`,
 *   `interrupts` and `pendingToolCallIds`. STEP_*, RAW, CUSTOM and SUBAGENT_* change nothing here.
 * @module
 */
import type { BaseEvent, RunFinishedOutcome } from "@ag-ui/core";
import { BackchannelError } from "../errors.js";
import * as m from "./fold-messages.js";
import { type FoldState, replaceMessages, setFoldState } from "./fold-state.js";
import { applyPatchImmutable } from "./json-patch.js";

/** What folding one event did. */
export interface FoldResult {
  /** Whether messages, state or run status changed. */
  changed: boolean;
  /** Set when the event could not be applied (e.g. a STATE_DELTA that does not apply). */
  error: BackchannelError | null;
}

const CHANGED: FoldResult = Object.freeze({ changed: true, error: null });
const UNCHANGED: FoldResult = Object.freeze({ changed: false, error: null });

function failed(
  code: "state_patch_failed" | "protocol_error",
  message: string,
  event: BaseEvent,
): FoldResult {
  return { changed: false, error: new BackchannelError(code, message, { cause: event }) };
}

/**
 * Applies one event to `fold` in place. Costs O(size of the event) for streaming deltas;
 * read the result with `foldSnapshot`.
 * @example
 * const fold = createFoldState();
 * for await (const event of run) foldEvent(fold, event);
 * const { messages, state } = foldSnapshot(fold);
 */
export function foldEvent(fold: FoldState, event: BaseEvent): FoldResult {
  const e = event as BaseEvent & Record<string, any>;
  const type = e.type as string;
  // A chunk stream stays open only while chunks of its kind keep coming.
  if (type !== "TEXT_MESSAGE_CHUNK") fold.openText = undefined;
  if (type !== "REASONING_MESSAGE_CHUNK") fold.openReasoning = undefined;
  if (type !== "TOOL_CALL_CHUNK" && fold.openToolCall !== undefined) {
    m.toolCallEnd(fold, fold.openToolCall);
    fold.openToolCall = undefined;
  }
  switch (type) {
    case "TEXT_MESSAGE_START":
      m.textStart(fold, e);
      return CHANGED;
    case "TEXT_MESSAGE_CONTENT":
      m.appendContent(fold, e.messageId, e.delta, "assistant");
      return CHANGED;
    case "TEXT_MESSAGE_CHUNK":
      m.textChunk(fold, e);
      return CHANGED;
    case "REASONING_MESSAGE_START":
      m.reasoningStart(fold, e);
      return CHANGED;
    case "REASONING_MESSAGE_CONTENT":
      m.appendContent(fold, e.messageId, e.delta, "reasoning");
      return CHANGED;
    case "REASONING_MESSAGE_CHUNK":
      m.reasoningChunk(fold, e);
      return CHANGED;
    case "REASONING_ENCRYPTED_VALUE":
      m.encryptedValue(fold, e);
      return CHANGED;
    case "TOOL_CALL_START":
      m.toolCallStart(fold, e);
      return CHANGED;
    case "TOOL_CALL_ARGS":
      m.toolCallArgs(fold, e.toolCallId, e.delta);
      return CHANGED;
    case "TOOL_CALL_END":
      m.toolCallEnd(fold, e.toolCallId);
      return UNCHANGED;
    case "TOOL_CALL_CHUNK":
      m.toolCallChunk(fold, e);
      return CHANGED;
    case "TOOL_CALL_RESULT":
      m.toolCallResult(fold, e);
      return CHANGED;
    case "ACTIVITY_SNAPSHOT":
      m.activitySnapshot(fold, e);
      return CHANGED;
    case "ACTIVITY_DELTA": {
      const problem = m.activityDelta(fold, e);
      return problem
        ? failed("state_patch_failed", `ACTIVITY_DELTA did not apply: ${problem}`, event)
        : CHANGED;
    }
    case "STATE_SNAPSHOT":
      setFoldState(fold, e.snapshot);
      return CHANGED;
    case "STATE_DELTA": {
      const result = applyPatchImmutable(fold.state, e.delta);
      if (!result.ok) {
        return failed(
          "state_patch_failed",
          `STATE_DELTA did not apply (${result.message}); the state was left unchanged. The agent should send a STATE_SNAPSHOT to resynchronise.`,
          event,
        );
      }
      setFoldState(fold, result.value);
      return CHANGED;
    }
    case "MESSAGES_SNAPSHOT":
      if (!Array.isArray(e.messages))
        return failed("protocol_error", "MESSAGES_SNAPSHOT without a messages array", event);
      replaceMessages(fold, e.messages, fold.runId);
      return CHANGED;
    case "RUN_STARTED":
      fold.runId = e.runId;
      fold.threadId = e.threadId;
      fold.running = true;
      fold.outcome = undefined;
      fold.runError = null;
      fold.interrupts = [];
      fold.pendingToolCallIds = [];
      return CHANGED;
    case "RUN_FINISHED": {
      const outcome = e.outcome as RunFinishedOutcome | undefined;
      fold.running = false;
      fold.outcome = outcome ?? { type: "success" };
      fold.interrupts = outcome?.type === "interrupt" ? outcome.interrupts : [];
      if (outcome?.type === "success" && outcome.pendingToolCallIds?.length) {
        fold.pendingToolCallIds = [...outcome.pendingToolCallIds];
      }
      if (outcome?.type === "cancelled") fold.pendingToolCallIds = [];
      return CHANGED;
    }
    case "RUN_ERROR":
      fold.running = false;
      fold.outcome = undefined;
      fold.runError = {
        message: String(e.message ?? "The run failed"),
        ...(e.code ? { code: String(e.code) } : {}),
      };
      fold.pendingToolCallIds = [];
      return CHANGED;
    default:
      return UNCHANGED;
  }
}
