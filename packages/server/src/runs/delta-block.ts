import type { BaseEvent } from "@ag-ui/core";

/**
 * Consecutive deltas of one message (or one tool call's arguments) of a finished run, held as
 * one string and the end offset of each delta, instead of one event object per token. A
 * finished run stays resumable for `resume.retentionMs` (5 minutes by default), and every
 * event object it kept was marked by each major GC in that time; a block is three objects
 * however many tokens it holds. `event(seq)` rebuilds the event as it was sent: only deltas
 * with exactly `type`, the id and `delta` are packed, and their frame is written with the keys
 * in that order (run-event.ts), so a replay is byte for byte the live frame.
 */
export class DeltaBlock {
  constructor(
    readonly type: "TEXT_MESSAGE_CONTENT" | "TOOL_CALL_ARGS",
    readonly id: string,
    /** Seq of the first delta in the block. */
    readonly firstSeq: number,
    readonly text: string,
    /** `ends[k]` is where delta `firstSeq + k` ends in `text`. */
    readonly ends: Uint32Array,
  ) {}

  /** The event with this seq (which must be in the block). */
  event(seq: number): BaseEvent {
    const k = seq - this.firstSeq;
    const delta = this.text.slice(k === 0 ? 0 : this.ends[k - 1], this.ends[k]);
    return (
      this.type === "TEXT_MESSAGE_CONTENT"
        ? { type: this.type, messageId: this.id, delta }
        : { type: this.type, toolCallId: this.id, delta }
    ) as BaseEvent;
  }
}

/** The id of a delta that can be packed (exactly `type`, its id and a string `delta`), else undefined. */
function packableId(event: BaseEvent | DeltaBlock | undefined, type: string): string | undefined {
  if (event === undefined || event instanceof DeltaBlock || event.type !== type) return undefined;
  const e = event as unknown as Record<string, unknown>;
  const id = type === "TEXT_MESSAGE_CONTENT" ? e.messageId : e.toolCallId;
  if (typeof id !== "string" || typeof e.delta !== "string") return undefined;
  let keys = 0;
  for (const _ in e) if (++keys > 3) return undefined;
  return keys === 3 ? id : undefined;
}

/**
 * Packs each stretch of two or more consecutive packable deltas of one message in
 * `events[from..]` into a DeltaBlock, in place: every slot of the stretch then points to its
 * block. `seqOf(i)` is the seq of slot `i`.
 */
export function packDeltas(
  events: (BaseEvent | DeltaBlock | undefined)[],
  from: number,
  seqOf: (i: number) => number,
): void {
  let i = from;
  while (i < events.length) {
    const first = events[i];
    const type = first instanceof DeltaBlock ? undefined : first?.type;
    const id =
      type === "TEXT_MESSAGE_CONTENT" || type === "TOOL_CALL_ARGS" ? packableId(first, type) : undefined;
    if (id === undefined) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < events.length && packableId(events[j], type!) === id) j++;
    if (j - i >= 2) {
      const ends = new Uint32Array(j - i);
      const parts: string[] = [];
      let at = 0;
      for (let k = i; k < j; k++) {
        const delta = (events[k] as unknown as { delta: string }).delta;
        parts.push(delta);
        at += delta.length;
        ends[k - i] = at;
      }
      const block = new DeltaBlock(type as DeltaBlock["type"], id, seqOf(i), parts.join(""), ends);
      for (let k = i; k < j; k++) events[k] = block;
    }
    i = j;
  }
}
