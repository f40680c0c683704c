/**
 * Message-building events: text, reasoning, tool calls, tool results and activities. Each
 * handler touches one message and marks only it dirty.
 * @module
 */
import type { ToolCall } from "@ag-ui/core";
import {
  appendMessage,
  ensureMessage,
  type FoldEntry,
  type FoldState,
  generatedId,
  registerToolCalls,
} from "./fold-state.js";
import { applyPatchImmutable } from "./json-patch.js";

type Ev = Record<string, any>;

function withSubagent<T extends Record<string, any>>(msg: T, e: Ev): T {
  if (typeof e.subagentRunId === "string") (msg as Record<string, any>).subagentRunId = e.subagentRunId;
  return msg;
}

/** TEXT_MESSAGE_START: opens a message (assistant unless `role` says otherwise). */
export function textStart(fold: FoldState, e: Ev): FoldEntry {
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

/** TEXT_MESSAGE_CONTENT / REASONING_MESSAGE_CONTENT: appends a delta (creating the message if the start was missed). */
export function appendContent(
  fold: FoldState,
  messageId: string,
  delta: unknown,
  role: "assistant" | "reasoning",
) {
  const entry = ensureMessage(fold, messageId, () => ({ id: messageId, role, content: "" }) as never);
  if (typeof delta !== "string" || delta.length === 0) return;
  const msg = entry.msg;
  msg.content = typeof msg.content === "string" ? msg.content + delta : delta;
  fold.dirty.add(entry);
}

/** TEXT_MESSAGE_CHUNK: start, content and end in one; a chunk without an id continues the open message. */
export function textChunk(fold: FoldState, e: Ev): void {
  let id: string | undefined = typeof e.messageId === "string" ? e.messageId : fold.openText;
  if (id === undefined) id = generatedId(fold, "msg");
  if (id !== fold.openText) {
    textStart(fold, { ...e, messageId: id });
    fold.openText = id;
  }
  appendContent(fold, id, e.delta, "assistant");
}

/** REASONING_MESSAGE_START: a `reasoning` message in the transcript. */
export function reasoningStart(fold: FoldState, e: Ev): void {
  ensureMessage(
    fold,
    e.messageId,
    () => withSubagent({ id: e.messageId, role: "reasoning", content: "" }, e) as never,
  );
}

/** REASONING_MESSAGE_CHUNK: like TEXT_MESSAGE_CHUNK for reasoning. */
export function reasoningChunk(fold: FoldState, e: Ev): void {
  let id: string | undefined = typeof e.messageId === "string" ? e.messageId : fold.openReasoning;
  if (id === undefined) id = generatedId(fold, "reasoning");
  if (id !== fold.openReasoning) {
    reasoningStart(fold, { ...e, messageId: id });
    fold.openReasoning = id;
  }
  appendContent(fold, id, e.delta, "reasoning");
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

/** The assistant message a new tool call belongs to: the named parent, or this run's last assistant message. */
function parentFor(fold: FoldState, e: Ev): FoldEntry {
  const parentId = typeof e.parentMessageId === "string" ? e.parentMessageId : undefined;
  if (parentId !== undefined) {
    const named = fold.byId.get(parentId);
    if (!named)
      return ensureMessage(fold, parentId, () => withSubagent({ id: parentId, role: "assistant" }, e));
    if (named.msg.role === "assistant") return named;
    // The id names a user/tool message: the call still needs an assistant message of its own.
  } else {
    const last = fold.entries.at(-1);
    if (last?.msg.role === "assistant" && fold.runId !== undefined && last.runId === fold.runId) return last;
  }
  let id: string = parentId === undefined ? e.toolCallId : generatedId(fold, "msg");
  if (fold.byId.has(id)) id = generatedId(fold, "msg");
  return ensureMessage(fold, id, () => withSubagent({ id, role: "assistant" }, e));
}

/** TOOL_CALL_START: adds a call to its parent assistant message's `toolCalls`. */
export function toolCallStart(fold: FoldState, e: Ev): void {
  if (fold.toolCalls.has(e.toolCallId)) return;
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

/** TOOL_CALL_ARGS: appends to the call's argument text. */
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

/** TOOL_CALL_CHUNK: start and args in one; a chunk without an id continues the open call. */
export function toolCallChunk(fold: FoldState, e: Ev): void {
  const id: string | undefined = typeof e.toolCallId === "string" ? e.toolCallId : fold.openToolCall;
  if (id === undefined) return; // Nothing to attribute the fragment to.
  if (id !== fold.openToolCall) {
    if (fold.openToolCall !== undefined) toolCallEnd(fold, fold.openToolCall);
    toolCallStart(fold, { ...e, toolCallId: id });
    fold.openToolCall = id;
  }
  toolCallArgs(fold, id, e.delta);
}

/** TOOL_CALL_RESULT: a `tool` message answering the call. */
export function toolCallResult(fold: FoldState, e: Ev): void {
  const existing = fold.byId.get(e.messageId);
  if (existing) {
    existing.msg.content = e.content;
    fold.dirty.add(existing);
  } else {
    const entry = appendMessage(
      fold,
      withSubagent({ id: e.messageId, role: "tool", toolCallId: e.toolCallId, content: e.content }, e),
      fold.runId,
    );
    registerToolCalls(fold, entry);
  }
  const tc = fold.toolCalls.get(e.toolCallId);
  if (tc) tc.hasResult = true;
  fold.pendingToolCallIds = fold.pendingToolCallIds.filter((id) => id !== e.toolCallId);
}

/** ACTIVITY_SNAPSHOT: creates or (unless `replace: false`) overwrites an `activity` message. */
export function activitySnapshot(fold: FoldState, e: Ev): void {
  const existing = fold.byId.get(e.messageId);
  if (existing && e.replace === false) return;
  const entry = ensureMessage(fold, e.messageId, () => ({ id: e.messageId, role: "activity" }) as never);
  Object.assign(entry.msg, withSubagent({ activityType: e.activityType, content: e.content }, e));
  fold.dirty.add(entry);
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
