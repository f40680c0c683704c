/**
 * Message-building events: text, reasoning, tool calls, tool results and activities. Each
 * handler touches one message and marks only it dirty. Chunk events are in fold-chunks.ts.
 * @module
 */
import type { ToolCall } from "@ag-ui/core";
import {
  ensureMessage,
  type FoldEntry,
  type FoldState,
  generatedId,
  insertEntry,
  registerToolCalls,
} from "./fold-state.js";
import { applyPatchImmutable } from "./json-patch.js";

type Ev = Record<string, any>;

function withSubagent<T extends Record<string, any>>(msg: T, e: Ev): T {
  if (typeof e.subagentRunId === "string") (msg as Record<string, any>).subagentRunId = e.subagentRunId;
  return msg;
}

/**
 * TEXT_MESSAGE_START: opens a message (assistant unless `role` says otherwise). A message that
 * exists keeps its role and content. Returns undefined when the id names an activity message
 * (AG-UI: text and activity ids must not collide; the event is ignored).
 */
export function textStart(fold: FoldState, e: Ev): FoldEntry | undefined {
  const existing = fold.byId.get(e.messageId);
  if (existing) return existing.msg.role === "activity" ? undefined : existing;
  const role = typeof e.role === "string" ? e.role : "assistant";
  return ensureMessage(fold, e.messageId, () =>
    withSubagent(
      {
        id: e.messageId,
        role,
        content: "",
        ...(typeof e.name === "string" ? { name: e.name } : {}),
      } as never,
      e,
    ),
  );
}

/**
 * TEXT_MESSAGE_CONTENT / REASONING_MESSAGE_CONTENT: appends a delta. A missing START creates
 * the message (a stored run may have lost its first events); an activity message is never
 * written to.
 */
export function appendContent(
  fold: FoldState,
  messageId: string,
  delta: unknown,
  role: "assistant" | "reasoning",
): void {
  const entry = ensureMessage(fold, messageId, () => ({ id: messageId, role, content: "" }) as never);
  if (typeof delta !== "string" || delta.length === 0) return;
  const msg = entry.msg;
  if (msg.role === "activity") return;
  // V8 builds repeated concatenation as a rope, so this stays linear in the text size.
  msg.content = typeof msg.content === "string" ? msg.content + delta : delta;
  fold.dirty.add(entry);
}

/** REASONING_MESSAGE_START: a `reasoning` message in the transcript. */
export function reasoningStart(fold: FoldState, e: Ev): void {
  ensureMessage(
    fold,
    e.messageId,
    () => withSubagent({ id: e.messageId, role: "reasoning", content: "" }, e) as never,
  );
}

/** REASONING_ENCRYPTED_VALUE: stores the opaque value on its message or tool call. */
export function encryptedValue(fold: FoldState, e: Ev): void {
  if (e.subtype === "tool-call") {
    const tc = fold.toolCalls.get(e.entityId);
    if (!tc) return;
    tc.call.encryptedValue = e.encryptedValue;
    fold.dirty.add(tc.entry);
    return;
  }
  const entry = fold.byId.get(e.entityId);
  if (!entry) return;
  entry.msg.encryptedValue = e.encryptedValue;
  fold.dirty.add(entry);
}

/**
 * The assistant message a new tool call belongs to:
 * - `parentMessageId` naming an assistant message: that message;
 * - naming no message: a new assistant message with that id (AG-UI);
 * - naming a user/tool/… message: a new assistant message with the call's id (AG-UI);
 * - no `parentMessageId`: this run's assistant message when it is the last message of the
 *   transcript (the text the call follows), else a new assistant message with the call's id.
 */
function parentFor(fold: FoldState, e: Ev): FoldEntry {
  const parentId = typeof e.parentMessageId === "string" ? e.parentMessageId : undefined;
  if (parentId !== undefined) {
    const named = fold.byId.get(parentId);
    if (!named)
      return ensureMessage(fold, parentId, () => withSubagent({ id: parentId, role: "assistant" }, e));
    if (named.msg.role === "assistant") return named;
  } else {
    const last = fold.entries.at(-1);
    if (last?.msg.role === "assistant" && fold.runId !== undefined && last.runId === fold.runId) return last;
  }
  const id: string = fold.byId.has(e.toolCallId) ? generatedId(fold, "msg") : e.toolCallId;
  return ensureMessage(fold, id, () => withSubagent({ id, role: "assistant" }, e));
}

/**
 * TOOL_CALL_START: adds a call to its parent assistant message's `toolCalls`. A call that
 * exists only takes the new name, if one is given (AG-UI).
 */
export function toolCallStart(fold: FoldState, e: Ev): void {
  const existing = fold.toolCalls.get(e.toolCallId);
  if (existing) {
    if (typeof e.toolCallName === "string" && e.toolCallName !== existing.call.function.name) {
      existing.call.function.name = e.toolCallName;
      fold.dirty.add(existing.entry);
    }
    return;
  }
  const entry = parentFor(fold, e);
  const call: ToolCall = {
    id: e.toolCallId,
    type: "function",
    function: { name: String(e.toolCallName ?? ""), arguments: "" },
  };
  if (!Array.isArray(entry.msg.toolCalls)) entry.msg.toolCalls = [];
  entry.msg.toolCalls.push(call);
  fold.toolCalls.set(call.id, { call, entry, runId: fold.runId, ended: false, hasResult: false });
  if (fold.running) fold.pendingToolCallIds.push(call.id);
  fold.dirty.add(entry);
}

/** TOOL_CALL_ARGS: appends to the call's argument text (ignored for an unknown call). */
export function toolCallArgs(fold: FoldState, toolCallId: string, delta: unknown): void {
  const tc = fold.toolCalls.get(toolCallId);
  if (!tc || typeof delta !== "string" || delta.length === 0) return;
  tc.call.function.arguments += delta;
  fold.dirty.add(tc.entry);
}

/** TOOL_CALL_END: the arguments are complete. */
export function toolCallEnd(fold: FoldState, toolCallId: string): void {
  const tc = fold.toolCalls.get(toolCallId);
  if (tc) tc.ended = true;
}

/**
 * TOOL_CALL_RESULT: a `tool` message answering the call, placed right after the assistant
 * message holding the call and the tool messages already following it (AG-UI; models expect
 * results next to their calls). A result for an unknown call goes at the end. A result whose
 * message id exists replaces that message's content.
 */
export function toolCallResult(fold: FoldState, e: Ev): void {
  const existing = fold.byId.get(e.messageId);
  if (existing) {
    existing.msg.content = e.content;
    fold.dirty.add(existing);
  } else {
    const tc = fold.toolCalls.get(e.toolCallId);
    let at = fold.entries.length;
    if (tc) {
      const parent = fold.entries.lastIndexOf(tc.entry);
      if (parent >= 0) {
        at = parent + 1;
        while (at < fold.entries.length && fold.entries[at]!.msg.role === "tool") at++;
      }
    }
    const entry = insertEntry(
      fold,
      withSubagent({ id: e.messageId, role: "tool", toolCallId: e.toolCallId, content: e.content }, e),
      at,
    );
    registerToolCalls(fold, entry);
  }
  const tc = fold.toolCalls.get(e.toolCallId);
  if (tc) tc.hasResult = true;
  if (fold.pendingToolCallIds.includes(e.toolCallId)) {
    fold.pendingToolCallIds = fold.pendingToolCallIds.filter((id) => id !== e.toolCallId);
  }
}

/**
 * ACTIVITY_SNAPSHOT: creates an `activity` message, or (unless `replace: false`) replaces the
 * message with that id, in place.
 */
export function activitySnapshot(fold: FoldState, e: Ev): void {
  const msg = withSubagent(
    { id: e.messageId, role: "activity", activityType: e.activityType, content: e.content },
    e,
  ) as never;
  const existing = fold.byId.get(e.messageId);
  if (!existing) {
    ensureMessage(fold, e.messageId, () => msg);
    return;
  }
  if (e.replace === false) return;
  if (Array.isArray(existing.msg.toolCalls)) {
    for (const call of existing.msg.toolCalls as ToolCall[]) fold.toolCalls.delete(call.id);
  }
  existing.msg = msg;
  fold.dirty.add(existing);
}

/** ACTIVITY_DELTA: patches an activity's content. Returns an error message if the patch failed. */
export function activityDelta(fold: FoldState, e: Ev): string | undefined {
  const entry = fold.byId.get(e.messageId);
  if (entry?.msg.role !== "activity") return `no activity message ${JSON.stringify(e.messageId)} to patch`;
  const result = applyPatchImmutable(entry.msg.content, e.patch);
  if (!result.ok) return result.message;
  entry.msg.content = result.value as Record<string, any>;
  fold.dirty.add(entry);
  return undefined;
}
