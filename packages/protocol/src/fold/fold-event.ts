/**
 * `foldEvent`: applies one AG-UI event to a `FoldState`. The one fold of Backchannel: the
 * client folds a run live with it and the server folds the same events with it to store the
 * conversation, so what a user sees live is what they see after a reload. The rules, event by
 * event, are in docs/protocol.md § Folding events.
 *
 * - Text: TEXT_MESSAGE_START/CONTENT/END build a message (role from START, assistant by
 *   default). Chunks (fold-chunks.ts) follow AG-UI's `transformChunks`.
 * - Tool calls: TOOL_CALL_START adds `{ id, type: "function", function: { name, arguments } }` to
 *   its parent assistant message's `toolCalls`; ARGS appends to `arguments`; TOOL_CALL_RESULT
 *   adds a `tool` message after the call.
 * - Reasoning: REASONING_MESSAGE_* build `reasoning` messages (AG-UI's ReasoningMessage);
 *   REASONING_START/END only delimit spans; REASONING_ENCRYPTED_VALUE sets `encryptedValue`.
 * - Activities: ACTIVITY_SNAPSHOT/DELTA build `activity` messages.
 * - State: STATE_SNAPSHOT replaces it; STATE_DELTA applies an RFC 6902 patch, all or nothing,
 *   without mutating the old state.
 * - MESSAGES_SNAPSHOT: messages-snapshot.ts.
 * - Run lifecycle: RUN_STARTED/RUN_FINISHED/RUN_ERROR update `running`, `outcome`, `runError`,
 *   `interrupts` and `pendingToolCallIds`. STEP_*, RAW, CUSTOM and SUBAGENT_* change nothing.
 * @module
 */
import type { BaseEvent, Message, RunFinishedOutcome } from "@ag-ui/core";
import { closeAllLanes, closeLane, reasoningChunk, textChunk, toolCallChunk } from "./fold-chunks.js";
import * as m from "./fold-messages.js";
import { appendMessage, beginRun, type FoldState, setFoldState } from "./fold-state.js";
import { applyPatchImmutable } from "./json-patch.js";
import { applyMessagesSnapshot } from "./messages-snapshot.js";

/** An event the fold could not apply. The fold is unchanged by it. */
export class FoldError extends Error {
  override readonly name = "FoldError";
  constructor(
    /** `state_patch_failed` (a STATE_DELTA or ACTIVITY_DELTA that does not apply) or `protocol_error`. */
    readonly code: "state_patch_failed" | "protocol_error",
    message: string,
    /** The event. */
    readonly event: BaseEvent,
  ) {
    super(message);
  }
}

/** What folding one event did. */
export interface FoldResult {
  /** Whether messages, state or run status changed. */
  changed: boolean;
  /** Set when the event could not be applied (e.g. a STATE_DELTA that does not apply). */
  error: FoldError | null;
}

const CHANGED: FoldResult = Object.freeze({ changed: true, error: null });
const UNCHANGED: FoldResult = Object.freeze({ changed: false, error: null });

function failed(code: FoldError["code"], message: string, event: BaseEvent): FoldResult {
  return { changed: false, error: new FoldError(code, message, event) };
}

/**
 * Events that end the chunk stream of their own lane (AG-UI: an explicit event closes only its
 * lane's pending stream). RUN_*, MESSAGES_SNAPSHOT end every lane; RAW, ACTIVITY_*,
 * REASONING_ENCRYPTED_VALUE and SUBAGENT_STARTED end none.
 */
const CLOSES_OWN_LANE = new Set([
  "TEXT_MESSAGE_START",
  "TEXT_MESSAGE_CONTENT",
  "TEXT_MESSAGE_END",
  "TOOL_CALL_START",
  "TOOL_CALL_ARGS",
  "TOOL_CALL_END",
  "TOOL_CALL_RESULT",
  "STATE_SNAPSHOT",
  "STATE_DELTA",
  "CUSTOM",
  "STEP_STARTED",
  "STEP_FINISHED",
  "REASONING_START",
  "REASONING_MESSAGE_START",
  "REASONING_MESSAGE_CONTENT",
  "REASONING_MESSAGE_END",
  "REASONING_END",
]);

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
  // Streaming deltas first: they are most of a run, and a chunk ends no stream of its own.
  if (type === "TEXT_MESSAGE_CHUNK") {
    textChunk(fold, e);
    return CHANGED;
  }
  if (fold.lanes.size > 0 && CLOSES_OWN_LANE.has(type)) {
    closeLane(fold, typeof e.subagentRunId === "string" ? e.subagentRunId : undefined);
  }
  switch (type) {
    case "TEXT_MESSAGE_START":
      m.textStart(fold, e);
      return CHANGED;
    case "TEXT_MESSAGE_CONTENT":
      m.appendContent(fold, e.messageId, e.delta, "assistant");
      return CHANGED;
    case "REASONING_MESSAGE_START":
      m.reasoningStart(fold, e);
      return CHANGED;
    case "REASONING_MESSAGE_CONTENT":
      m.appendContent(fold, e.messageId, e.delta, "reasoning");
      return CHANGED;
    case "REASONING_MESSAGE_CHUNK":
      reasoningChunk(fold, e);
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
      toolCallChunk(fold, e);
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
      closeAllLanes(fold);
      if (!Array.isArray(e.messages))
        return failed("protocol_error", "MESSAGES_SNAPSHOT without a messages array", event);
      applyMessagesSnapshot(fold, e.messages, e.metadata);
      return CHANGED;
    case "RUN_STARTED":
      closeAllLanes(fold);
      beginRun(fold, typeof e.runId === "string" ? e.runId : undefined);
      fold.threadId = e.threadId;
      fold.running = true;
      fold.outcome = undefined;
      fold.runError = null;
      fold.interrupts = [];
      fold.pendingToolCallIds = [];
      // AG-UI: the run's input messages join the transcript unless already there.
      if (Array.isArray(e.input?.messages)) {
        for (const message of e.input.messages as Message[]) appendMessage(fold, message, undefined);
      }
      return CHANGED;
    case "RUN_FINISHED": {
      closeAllLanes(fold);
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
      closeAllLanes(fold);
      fold.running = false;
      fold.outcome = undefined;
      fold.runError = {
        message: String(e.message ?? "The run failed"),
        ...(e.code ? { code: String(e.code) } : {}),
      };
      fold.pendingToolCallIds = [];
      return CHANGED;
    case "SUBAGENT_FINISHED":
    case "SUBAGENT_ERROR":
      if (typeof e.subagentRunId === "string") closeLane(fold, e.subagentRunId);
      return UNCHANGED;
    default:
      return UNCHANGED;
  }
}
