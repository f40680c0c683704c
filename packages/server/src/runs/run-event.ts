import type { BaseEvent } from "@ag-ui/core";

/**
 * One numbered event with its wire frame, serialized once and shared by every live
 * subscriber. Events read back from a buffer rebuild their frame (RunEvent, below): read
 * `frame` once per send, not in a loop.
 */
export interface SequencedEvent {
  runId: string;
  seq: number;
  event: BaseEvent;
  /** The complete `event` frame as sent on the wire. */
  readonly frame: string;
  /** When it was produced (ms since epoch). */
  at: number;
  /** Total frame bytes of the run up to and including this event (lets readers measure lag, and the buffer its size). */
  cum: number;
}

/**
 * One event of a run with its wire frame. A run serializes each event once, when it emits
 * it, and every socket receiving it live shares that string; the resume buffer keeps only
 * the event (resume-buffer.ts), and a later reader (a resume, a socket that fell behind)
 * gets a view whose frame is rebuilt, byte for byte the same, from the event. Retaining
 * every frame string (and one object per event) made each buffered token survive, and be
 * copied by, the young-generation GC. Events are never mutated after they are emitted (the
 * run fold and merged frames read them too), so the rebuilt frame is the one that was sent.
 */
export class RunEvent implements SequencedEvent {
  private text: string | undefined;

  constructor(
    /** `framePrefix(runId)`. */
    private readonly prefix: string,
    readonly runId: string,
    readonly seq: number,
    readonly event: BaseEvent,
    readonly at: number,
    readonly cum: number,
    frame?: string,
  ) {
    this.text = frame;
  }

  /** The complete `event` frame as sent on the wire (built once per view). */
  get frame(): string {
    this.text ??= eventFrame(this.prefix, this.seq, this.event);
    return this.text;
  }
}

/** The start of every event frame of `runId`: `{"type":"event","runId":…,"seq":`. */
export function framePrefix(runId: string): string {
  return `{"type":"event","runId":${JSON.stringify(runId)},"seq":`;
}

/** The JSON of the id a run's deltas last carried: a message's deltas all repeat it. */
export interface IdJsonCache {
  id: string;
  json: string;
}

/** True when `o` has exactly three enumerable keys (no allocation, unlike Object.keys). */
function hasThreeKeys(o: object): boolean {
  let n = 0;
  for (const _ in o) if (++n > 3) return false;
  return n === 3;
}

/**
 * The wire frame of event `seq` of the run whose frames start with `prefix`. A delta with
 * exactly `type`, its id and `delta` (most of a stream) is written from a template, which
 * is several times cheaper than JSON.stringify of the object; its keys then come in the
 * order `type`, id, `delta`, whatever order the agent built them in. `cache` keeps the id's
 * JSON between calls.
 */
export function eventFrame(prefix: string, seq: number, event: BaseEvent, cache?: IdJsonCache): string {
  // The events that are mostly deltas, and the id key each carries.
  const idKey =
    event.type === "TEXT_MESSAGE_CONTENT"
      ? "messageId"
      : event.type === "TOOL_CALL_ARGS"
        ? "toolCallId"
        : undefined;
  if (idKey !== undefined) {
    const e = event as unknown as Record<string, unknown>;
    const id = e[idKey];
    const delta = e.delta;
    if (typeof id === "string" && typeof delta === "string" && hasThreeKeys(e)) {
      let idJson: string;
      if (cache?.id === id) idJson = cache.json;
      else {
        idJson = JSON.stringify(id);
        if (cache) {
          cache.id = id;
          cache.json = idJson;
        }
      }
      return `${prefix}${seq},"event":{"type":"${event.type}","${idKey}":${idJson},"delta":${JSON.stringify(delta)}}}`;
    }
  }
  return `${prefix}${seq},"event":${JSON.stringify(event)}}`;
}
