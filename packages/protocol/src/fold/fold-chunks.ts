/**
 * Chunk events (TEXT_MESSAGE_CHUNK, TOOL_CALL_CHUNK, REASONING_MESSAGE_CHUNK), folded by the
 * rules of AG-UI's `transformChunks` (@ag-ui/client): a chunk is shorthand for START + CONTENT
 * (or ARGS), and a chunk without an id continues the stream its lane has open. A lane is the
 * `subagentRunId` the chunks carry (none: the agent itself) and holds at most one open stream.
 *
 * Where AG-UI throws (a first chunk without an id, an ambiguous id-less chunk, a continuation
 * that repeats a field with another value) we fold leniently instead, so that one malformed
 * event does not lose an answer: the stream gets a deterministic id from `generatedId`, and a
 * conflicting repeated field is ignored. docs/protocol.md § Folding events lists every case.
 * @module
 */
import {
  appendContent,
  reasoningStart,
  textStart,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
} from "./fold-messages.js";
import type { FoldState, OpenChunkStream } from "./fold-state.js";
import { generatedId } from "./fold-state.js";

type Ev = Record<string, any>;
type Lane = string | undefined;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Ends the stream `lane` has open, if any (a tool call's arguments are then complete). */
export function closeLane(fold: FoldState, lane: Lane): void {
  const open = fold.lanes.get(lane);
  if (!open) return;
  fold.lanes.delete(lane);
  if (open.kind === "tool") toolCallEnd(fold, open.id);
}

/** Ends every open stream (run-level events: RUN_*, MESSAGES_SNAPSHOT). */
export function closeAllLanes(fold: FoldState): void {
  if (fold.lanes.size === 0) return;
  for (const lane of [...fold.lanes.keys()]) closeLane(fold, lane);
}

/**
 * The lane a chunk belongs to (AG-UI's `resolveLane`): a named id continues wherever it is
 * open, else opens in the lane its tag names; an id-less chunk goes to its tag's lane, else the
 * agent's own lane when that has a stream of this kind open, else the only lane that has one.
 * With several such lanes (AG-UI: an error) it goes to the agent's own lane.
 */
function laneFor(fold: FoldState, kind: OpenChunkStream["kind"], id: string | undefined, tag: Lane): Lane {
  if (id !== undefined) {
    for (const [lane, open] of fold.lanes) if (open.kind === kind && open.id === id) return lane;
    return tag;
  }
  if (tag !== undefined) return tag;
  if (fold.lanes.get(undefined)?.kind === kind) return undefined;
  let found: Lane;
  let count = 0;
  for (const [lane, open] of fold.lanes) {
    if (open.kind === kind) {
      found = lane;
      count++;
    }
  }
  return count === 1 ? found : undefined;
}

/**
 * The id of the stream a chunk continues or opens. Opening ends whatever else the lane had open
 * and calls `start` with the new id; a chunk without an id opens a stream with a generated id.
 */
function streamFor(
  fold: FoldState,
  e: Ev,
  kind: OpenChunkStream["kind"],
  idKey: "messageId" | "toolCallId",
  start: (id: string) => void,
): string {
  const id = str(e[idKey]);
  const lane = laneFor(fold, kind, id, str(e.subagentRunId));
  const open = fold.lanes.get(lane);
  if (open?.kind === kind && (id === undefined || id === open.id)) return open.id;
  closeLane(fold, lane);
  const streamId = id ?? generatedId(fold, kind === "text" ? "msg" : kind === "tool" ? "call" : "reasoning");
  start(streamId);
  fold.lanes.set(lane, { kind, id: streamId });
  return streamId;
}

/** TEXT_MESSAGE_CHUNK: START (role from the first chunk, assistant by default) + CONTENT. */
export function textChunk(fold: FoldState, e: Ev): void {
  // Fast path: an untagged chunk continuing the agent's own open text stream.
  const open = fold.lanes.get(undefined);
  if (
    open?.kind === "text" &&
    e.subagentRunId === undefined &&
    (e.messageId === undefined || e.messageId === open.id)
  ) {
    appendContent(fold, open.id, e.delta, "assistant");
    return;
  }
  const id = streamFor(fold, e, "text", "messageId", (messageId) => textStart(fold, { ...e, messageId }));
  appendContent(fold, id, e.delta, "assistant");
}

/** TOOL_CALL_CHUNK: START (name and parentMessageId from the first chunk) + ARGS. */
export function toolCallChunk(fold: FoldState, e: Ev): void {
  const id = streamFor(fold, e, "tool", "toolCallId", (toolCallId) =>
    toolCallStart(fold, { ...e, toolCallId }),
  );
  toolCallArgs(fold, id, e.delta);
}

/** REASONING_MESSAGE_CHUNK: REASONING_MESSAGE_START + CONTENT. */
export function reasoningChunk(fold: FoldState, e: Ev): void {
  const id = streamFor(fold, e, "reasoning", "messageId", (messageId) =>
    reasoningStart(fold, { ...e, messageId }),
  );
  appendContent(fold, id, e.delta, "reasoning");
}
