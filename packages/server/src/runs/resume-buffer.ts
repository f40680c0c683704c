import type { BaseEvent } from "@ag-ui/core";

/**
 * One numbered event with its wire frame, serialized once and shared by every live
 * subscriber. Events a run buffers rebuild their frame when read later (see run-event.ts):
 * read `frame` once per send, not in a loop.
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

/** Bounds of one run's buffer. */
export interface ResumeBufferLimits {
  maxEvents: number;
  /** Measured as the length of the serialized frames. */
  maxBytes: number;
  maxAgeMs: number;
}

/**
 * The events a run has produced, kept so a client that lost its socket can `resume`.
 * Oldest events are dropped first when any bound is exceeded; `since()` then answers
 * `undefined` for a resume point that fell off, and the client gets `resume_unavailable`.
 */
export class ResumeBuffer {
  private items: SequencedEvent[] = [];
  private head = 0;
  /**
   * `cum` just before the oldest event held. Bytes held are the newest event's `cum` minus
   * this, so dropping an event never reads its frame (which may have to be rebuilt).
   */
  private base = 0;

  constructor(private readonly limits: ResumeBufferLimits) {}

  /** Number of events held. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Bytes held (serialized frame length). */
  get byteSize(): number {
    const newest = this.items[this.items.length - 1];
    return newest && this.size > 0 ? newest.cum - this.base : 0;
  }

  /** Lowest seq still held, or `undefined` when empty. */
  get firstSeq(): number | undefined {
    return this.items[this.head]?.seq;
  }

  /** Appends the next event; its `frame` must still be at hand (it is measured once, here). */
  push(item: SequencedEvent): void {
    if (this.size === 0) this.base = item.cum - item.frame.length;
    this.items.push(item);
    const oldest = item.at - this.limits.maxAgeMs;
    while (
      this.size > 1 &&
      (this.size > this.limits.maxEvents ||
        item.cum - this.base > this.limits.maxBytes ||
        this.items[this.head]!.at < oldest)
    ) {
      this.base = this.items[this.head]!.cum;
      this.items[this.head] = undefined as unknown as SequencedEvent;
      this.head++;
    }
    // Compact occasionally so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The event with this seq, if still held. O(1). */
  get(seq: number): SequencedEvent | undefined {
    const first = this.firstSeq;
    if (first === undefined || seq < first) return undefined;
    return this.items[this.head + (seq - first)];
  }

  /**
   * Events with seq > `after`, oldest first, or `undefined` if some of them were dropped.
   * @param lastSeq the run's latest seq, to tell "nothing new" from "dropped"
   */
  since(after: number, lastSeq: number): SequencedEvent[] | undefined {
    if (after >= lastSeq) return [];
    const first = this.firstSeq;
    if (first === undefined || first > after + 1) return undefined;
    return this.items.slice(this.head + (after + 1 - first));
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.base = 0;
  }
}
