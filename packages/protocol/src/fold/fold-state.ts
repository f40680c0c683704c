/**
 * The fold's working state and its immutable snapshots. Internally, messages are plain mutable
 * objects updated in place (a text delta costs O(delta)); `foldSnapshot` hands out frozen
 * copies, re-copying only the messages that changed since the last snapshot.
 * @module
 */
import type { Interrupt, Message, RunFinishedOutcome, State, ToolCall } from "@ag-ui/core";

/** One message slot. `msg` is the working copy; `frozen` what the last snapshot handed out. */
export interface FoldEntry {
  msg: Message & Record<string, any>;
  frozen: Message | null;
  /** The run that created this message (undefined for initial/local messages). */
  runId: string | undefined;
}

/** A tool call seen in the stream. */
export interface FoldToolCall {
  call: ToolCall;
  entry: FoldEntry;
  runId: string | undefined;
  ended: boolean;
  hasResult: boolean;
}

/** A message or tool call being assembled from chunk events (AG-UI's "pending stream"). */
export interface OpenChunkStream {
  kind: "text" | "tool" | "reasoning";
  /** The message id (text, reasoning) or tool call id (tool). */
  id: string;
}

/** The fold's working state. Treat as opaque; read it through `foldSnapshot` and the fields documented below. */
export interface FoldState {
  entries: FoldEntry[];
  byId: Map<string, FoldEntry>;
  toolCalls: Map<string, FoldToolCall>;
  dirty: Set<FoldEntry>;
  structureChanged: boolean;
  /** Agent state. Replaced (never mutated) on every change, sharing untouched subtrees. */
  state: State;
  stateChanged: boolean;
  /** The run being folded (from RUN_STARTED, or `FoldInit.runId`). */
  runId: string | undefined;
  threadId: string | undefined;
  /** Between RUN_STARTED and RUN_FINISHED/RUN_ERROR. */
  running: boolean;
  /** The last RUN_FINISHED's outcome (undefined while running or after RUN_ERROR). */
  outcome: RunFinishedOutcome | undefined;
  /** The last RUN_ERROR, if the last run failed. */
  runError: { message: string; code?: string } | null;
  /** Interrupts of the last run when it finished with an interrupt outcome. */
  interrupts: Interrupt[];
  /** Tool calls of the current/last run that got no TOOL_CALL_RESULT, in order. */
  pendingToolCallIds: string[];
  /**
   * Chunk streams still open, one per lane: the key is the `subagentRunId` their chunks carry
   * (undefined for the agent itself). See docs/protocol.md § Folding events.
   */
  lanes: Map<string | undefined, OpenChunkStream>;
  /** Ids generated in the current run so far (the n in `<runId>:msg:<n>`). */
  generatedIds: number;
  snapshot: FoldSnapshot | null;
}

/** What a UI renders. Immutable; unchanged messages keep their identity across snapshots. */
export interface FoldSnapshot {
  readonly messages: readonly Message[];
  readonly state: State;
}

/** Options of `createFoldState`. */
export interface FoldInit {
  messages?: readonly Message[];
  state?: State;
  /**
   * The run about to be folded, when it is known before its RUN_STARTED (the server folds one
   * run on top of its input). RUN_STARTED sets it too.
   */
  runId?: string;
}

/** A working copy of a message: its own object and tool-call objects, sharing everything else. */
export function workingCopy(message: Message): Message & Record<string, any> {
  const copy: Message & Record<string, any> = { ...message };
  if ("toolCalls" in message && Array.isArray(message.toolCalls)) {
    copy.toolCalls = message.toolCalls.map((tc) => ({ ...tc, function: { ...tc.function } }));
  }
  return copy;
}

function frozenCopy(message: Message & Record<string, any>): Message {
  const copy: Record<string, any> = { ...message };
  if (Array.isArray(message.toolCalls)) {
    copy.toolCalls = Object.freeze(
      message.toolCalls.map((tc: ToolCall) =>
        Object.freeze({ ...tc, function: Object.freeze({ ...tc.function }) }),
      ),
    );
  }
  return Object.freeze(copy) as Message;
}

/** A fresh fold, optionally seeded with earlier messages and state. */
export function createFoldState(init: FoldInit = {}): FoldState {
  const fold: FoldState = {
    entries: [],
    byId: new Map(),
    toolCalls: new Map(),
    dirty: new Set(),
    structureChanged: true,
    state: init.state ?? {},
    stateChanged: true,
    runId: init.runId,
    threadId: undefined,
    running: false,
    outcome: undefined,
    runError: null,
    interrupts: [],
    pendingToolCallIds: [],
    lanes: new Map(),
    generatedIds: 0,
    snapshot: null,
  };
  for (const message of init.messages ?? []) appendMessage(fold, message, undefined);
  return fold;
}

/** Appends a message (a copy of it) unless one with its id exists. Returns its entry. */
export function appendMessage(fold: FoldState, message: Message, runId: string | undefined): FoldEntry {
  const existing = fold.byId.get(message.id);
  if (existing) return existing;
  const entry: FoldEntry = { msg: workingCopy(message), frozen: null, runId };
  fold.entries.push(entry);
  fold.byId.set(message.id, entry);
  fold.dirty.add(entry);
  fold.structureChanged = true;
  registerToolCalls(fold, entry);
  return entry;
}

/** Indexes the tool calls a message carries (and marks results for `tool` messages). */
export function registerToolCalls(fold: FoldState, entry: FoldEntry): void {
  const msg = entry.msg;
  if (Array.isArray(msg.toolCalls)) {
    for (const call of msg.toolCalls as ToolCall[]) {
      if (!fold.toolCalls.has(call.id)) {
        fold.toolCalls.set(call.id, { call, entry, runId: entry.runId, ended: true, hasResult: false });
      }
    }
  }
  if (msg.role === "tool") {
    const tc = fold.toolCalls.get(msg.toolCallId);
    if (tc) tc.hasResult = true;
  }
}

/**
 * Replaces the whole transcript with `messages`, in their order (used by regenerate, reset,
 * `setMessages` and MESSAGES_SNAPSHOT). An identical message keeps its entry and snapshot
 * object, so a UI does not re-render it. `runId` is recorded as the creator of new entries.
 */
export function replaceMessages(
  fold: FoldState,
  messages: readonly Message[],
  runId: string | undefined,
): void {
  const previous = fold.byId;
  fold.entries = [];
  fold.byId = new Map();
  fold.toolCalls = new Map();
  fold.structureChanged = true;
  for (const message of messages) {
    const old = previous.get(message.id);
    if (old && !fold.byId.has(message.id) && (old.msg === message || sameJson(old.msg, message))) {
      fold.entries.push(old);
      fold.byId.set(message.id, old);
      registerToolCalls(fold, old);
      continue;
    }
    if (fold.byId.has(message.id)) continue;
    appendMessage(fold, message, runId);
  }
  for (const entry of fold.dirty) if (fold.byId.get(entry.msg.id) !== entry) fold.dirty.delete(entry);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Replaces the agent state. */
export function setFoldState(fold: FoldState, state: State): void {
  if (state === fold.state) return;
  fold.state = state;
  fold.stateChanged = true;
}

/** Whether anything changed since the last `foldSnapshot`. */
export function foldChanged(fold: FoldState): boolean {
  return fold.snapshot === null || fold.structureChanged || fold.stateChanged || fold.dirty.size > 0;
}

/**
 * The current messages and state as an immutable snapshot. Returns the previous snapshot object
 * when nothing changed; otherwise only the changed messages are copied.
 */
export function foldSnapshot(fold: FoldState): FoldSnapshot {
  if (!foldChanged(fold)) return fold.snapshot!;
  const messagesChanged = fold.structureChanged || fold.dirty.size > 0 || fold.snapshot === null;
  for (const entry of fold.dirty) entry.frozen = frozenCopy(entry.msg);
  fold.dirty.clear();
  const messages = messagesChanged
    ? Object.freeze(fold.entries.map((e) => e.frozen!))
    : (fold.snapshot as FoldSnapshot).messages;
  fold.structureChanged = false;
  fold.stateChanged = false;
  fold.snapshot = Object.freeze({ messages, state: fold.state });
  return fold.snapshot;
}

/** Finds or creates the working message `id` (created by `create` when absent, at the end). */
export function ensureMessage(
  fold: FoldState,
  id: string,
  create: () => Message & Record<string, any>,
): FoldEntry {
  const existing = fold.byId.get(id);
  if (existing) return existing;
  return insertEntry(fold, create(), fold.entries.length);
}

/** Inserts a new working message at `index` of the transcript. */
export function insertEntry(fold: FoldState, msg: Message & Record<string, any>, index: number): FoldEntry {
  const entry: FoldEntry = { msg, frozen: null, runId: fold.runId };
  if (index >= fold.entries.length) fold.entries.push(entry);
  else fold.entries.splice(index, 0, entry);
  fold.byId.set(msg.id, entry);
  fold.dirty.add(entry);
  fold.structureChanged = true;
  return entry;
}

/**
 * A deterministic id for a message or tool call the producer did not name:
 * `<runId>:<kind>:<n>`, n counting from 1 in each run. Folding the same run's events yields
 * the same ids everywhere (live in a browser, stored on the server), so nothing a user sees
 * changes on reload. Skips ids that `taken` reports in use.
 */
export function generatedId(fold: FoldState, kind: "msg" | "reasoning" | "call"): string {
  let id: string;
  do id = `${fold.runId ?? "local"}:${kind}:${++fold.generatedIds}`;
  while (kind === "call" ? fold.toolCalls.has(id) : fold.byId.has(id));
  return id;
}

/**
 * Starts folding run `runId`: generated ids restart at 1 (they are scoped by the run id), and
 * chunk streams an earlier run left open are over. A no-op for the run being folded.
 */
export function beginRun(fold: FoldState, runId: string | undefined): void {
  if (runId === undefined || runId === fold.runId) return;
  fold.runId = runId;
  fold.generatedIds = 0;
  for (const open of fold.lanes.values()) {
    const tc = open.kind === "tool" ? fold.toolCalls.get(open.id) : undefined;
    if (tc) tc.ended = true;
  }
  fold.lanes.clear();
}
