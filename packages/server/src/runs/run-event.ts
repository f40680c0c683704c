import type { BaseEvent } from "@ag-ui/core";
import type { SequencedEvent } from "./resume-buffer.js";

/**
 * One event of a local run as its resume buffer holds it. The wire frame is serialized once
 * when the event is emitted and shared by every socket that receives it live; the run then
 * drops it (`release`), and a later reader (a resume, a socket that fell behind, the cluster
 * publisher) gets it rebuilt, byte for byte the same, from the event. A retained frame string
 * was most of an event's memory, and retaining it made every buffered token survive (and be
 * copied by) the young-generation GC; without it a token's share of GC fell by about half.
 * Events are never mutated after they are emitted (the run fold and merged frames read them
 * too), so the rebuilt frame is the one that was sent.
 */
export class RunEvent implements SequencedEvent {
  private text: string | undefined;

  constructor(
    /** `{"type":"event","runId":…,"seq":` of the run. */
    private readonly prefix: string,
    readonly runId: string,
    readonly seq: number,
    readonly event: BaseEvent,
    readonly at: number,
    readonly cum: number,
    frame: string,
  ) {
    this.text = frame;
  }

  /** The complete `event` frame as sent on the wire. */
  get frame(): string {
    return this.text ?? eventFrame(this.prefix, this.seq, this.event);
  }

  /** Forgets the serialized frame; `frame` rebuilds it when asked. */
  release(): void {
    this.text = undefined;
  }
}

/** The wire frame of event `seq` of the run whose frames start with `prefix`. */
export function eventFrame(prefix: string, seq: number, event: BaseEvent): string {
  return `${prefix}${seq},"event":${JSON.stringify(event)}}`;
}
