import type { BaseEvent } from "@ag-ui/core";
import type { SequencedEvent } from "./resume-buffer.js";

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

/** The wire frame of event `seq` of the run whose frames start with `prefix`. */
export function eventFrame(prefix: string, seq: number, event: BaseEvent): string {
  return `${prefix}${seq},"event":${JSON.stringify(event)}}`;
}
