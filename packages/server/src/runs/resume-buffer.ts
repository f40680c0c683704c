import type { BaseEvent } from "@ag-ui/core";
import { DeltaBlock, packDeltas } from "./delta-block.js";
import { framePrefix, RunEvent, type SequencedEvent } from "./run-event.js";

export type { SequencedEvent } from "./run-event.js";

/** Bounds of one run's buffer. */
export interface ResumeBufferLimits {
  maxEvents: number;
  /** Measured as the length of the serialized frames. */
  maxBytes: number;
  maxAgeMs: number;
}

/** Entries dropped from the front before the columns are compacted. */
const COMPACT_AFTER = 1024;

/**
 * The events a run has produced, kept so a client that lost its socket can `resume`.
 * Oldest events are dropped first when any bound is exceeded; `since()` then answers
 * `undefined` for a resume point that fell off, and the client gets `resume_unavailable`.
 *
 * Held as columns (the event objects, their times, their cumulative sizes), not as one
 * object per event: every buffered token outlives the young generation, so what it holds is
 * what the GC copies and marks. One event costs its own object plus three array slots;
 * `get`/`since` build the SequencedEvent views on demand. Once the run has ended, `compact()`
 * packs its deltas into one string per message (delta-block.ts).
 */
export class ResumeBuffer {
  private events: (BaseEvent | DeltaBlock | undefined)[] = [];
  /** ms since epoch; a plain array of doubles, stored unboxed. */
  private ats: number[] = [];
  private cums: number[] = [];
  /** Index of the oldest event held. */
  private head = 0;
  /** Seq of the event at index 0. */
  private seq0 = 0;
  /**
   * `cum` just before the oldest event held. Bytes held are the newest event's `cum` minus
   * this, so dropping an event never needs its frame.
   */
  private base = 0;
  private readonly prefix: string;

  /** @param runId the run whose frames `get`/`since` rebuild. @default "" */
  constructor(
    private readonly limits: ResumeBufferLimits,
    private readonly runId = "",
  ) {
    this.prefix = framePrefix(runId);
  }

  /** Number of events held. */
  get size(): number {
    return this.events.length - this.head;
  }

  /** Bytes held (serialized frame length). */
  get byteSize(): number {
    return this.size > 0 ? this.cums[this.cums.length - 1]! - this.base : 0;
  }

  /**
   * How close the buffer is to dropping its oldest event, from 0 (empty) to 1: the largest
   * of its event count, bytes and oldest event's age, each as a fraction of its bound.
   */
  fill(now = Date.now()): number {
    if (this.size === 0) return 0;
    return Math.max(
      this.size / this.limits.maxEvents,
      this.byteSize / this.limits.maxBytes,
      (now - this.ats[this.head]!) / this.limits.maxAgeMs,
    );
  }

  /** Lowest seq still held, or `undefined` when empty. */
  get firstSeq(): number | undefined {
    return this.size > 0 ? this.seq0 + this.head : undefined;
  }

  /** Appends the next event (seq one above the last); its `frame` is measured here when the buffer is empty. */
  push(item: SequencedEvent): void {
    if (this.size === 0) {
      this.base = item.cum - item.frame.length;
      this.seq0 = item.seq - this.events.length;
    }
    this.events.push(item.event);
    this.ats.push(item.at);
    this.cums.push(item.cum);
    const oldest = item.at - this.limits.maxAgeMs;
    while (
      this.size > 1 &&
      (this.size > this.limits.maxEvents ||
        item.cum - this.base > this.limits.maxBytes ||
        this.ats[this.head]! < oldest)
    ) {
      this.base = this.cums[this.head]!;
      this.events[this.head] = undefined;
      this.head++;
    }
    // Compact occasionally so the columns do not grow without bound.
    if (this.head > COMPACT_AFTER && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.ats = this.ats.slice(this.head);
      this.cums = this.cums.slice(this.head);
      this.seq0 += this.head;
      this.head = 0;
    }
  }

  /** The event with this seq, if still held, without building a view. O(1). */
  eventAt(seq: number): BaseEvent | undefined {
    const i = seq - this.seq0;
    if (i < this.head || i >= this.events.length) return undefined;
    const e = this.events[i];
    return e instanceof DeltaBlock ? e.event(seq) : e;
  }

  /**
   * Packs the deltas held into one string per message. For a run that has ended (nothing is
   * pushed after): events read back are the same, at a fraction of the memory and GC work.
   */
  compact(): void {
    packDeltas(this.events, this.head, (i) => this.seq0 + i);
  }

  /** `cum` of the event with this seq, if still held. O(1). */
  cumAt(seq: number): number | undefined {
    const i = seq - this.seq0;
    return i >= this.head && i < this.cums.length ? this.cums[i] : undefined;
  }

  /** The event with this seq, if still held. O(1). */
  get(seq: number): SequencedEvent | undefined {
    const i = seq - this.seq0;
    if (i < this.head || i >= this.events.length) return undefined;
    return new RunEvent(this.prefix, this.runId, seq, this.eventAt(seq)!, this.ats[i]!, this.cums[i]!);
  }

  /**
   * Events with seq > `after`, oldest first, or `undefined` if some of them were dropped.
   * @param lastSeq the run's latest seq, to tell "nothing new" from "dropped"
   */
  since(after: number, lastSeq: number): SequencedEvent[] | undefined {
    if (after >= lastSeq) return [];
    const first = this.firstSeq;
    if (first === undefined || first > after + 1) return undefined;
    const out: SequencedEvent[] = [];
    for (let seq = after + 1, last = this.seq0 + this.events.length - 1; seq <= last; seq++) {
      out.push(this.get(seq)!);
    }
    return out;
  }

  clear(): void {
    this.events = [];
    this.ats = [];
    this.cums = [];
    this.head = 0;
    this.seq0 = 0;
    this.base = 0;
  }
}
