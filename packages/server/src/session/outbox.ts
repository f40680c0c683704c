import { PROTOCOL_DEFAULTS } from "@backchannel/protocol";
import type { OpsTallies } from "../ops/metrics.js";
import type { SequencedEvent } from "../runs/resume-buffer.js";
import type { Run } from "../runs/run.js";
import { type FrameEncoder, wsFrameEncoder } from "./frame-encoder.js";
import type { ReplayScheduler, ReplayWork } from "./replay-scheduler.js";
import type { Transport } from "./transport.js";

/** Limits of one outbox. */
export interface OutboxLimits {
  /** Socket-buffered bytes above which events wait in the run's buffer instead of being sent. */
  highWaterBytes: number;
  /** How far (in bytes) this socket may fall behind before `onOverflow` (the session closes with 4001). */
  maxQueuedBytes: number;
}

/** Optional behaviour of an outbox, for bindings other than the WebSocket one. */
export interface OutboxOptions {
  /** Turns events into wire text. @default wsFrameEncoder */
  encoder?: FrameEncoder;
  /** Called once the terminal event of a followed run has been handed to the transport. */
  onFinished?: (runId: string) => void;
  /** Tallies bumped per event sent (`backchannel_events_sent_total`); a plain add, no metric call per event. */
  tallies?: OpsTallies;
  /** Called by `clear()` (the socket or stream is gone) for each followed run still running. */
  onLeft?: (run: Run) => void;
  /**
   * Shares replay work fairly between principals (see ReplayScheduler); `key` names this
   * outbox's principal. Without it, the outbox replays on its own, PUMP_BATCH frames per turn.
   */
  replay?: { scheduler: ReplayScheduler; key: () => string };
}

/** Where this socket is in one run's stream. */
interface Cursor {
  run: Run;
  /** Highest seq handed to the socket. */
  sent: number;
  /** True while the socket is behind and reads from the run's buffer instead of live events. */
  lagging: boolean;
  /**
   * Why its deltas are held (lagging, without a drain to wait for): for the reader to catch up
   * ("behind"), or for the socket's merge window to close ("window"); false when not held.
   */
  held: false | "behind" | "window";
  /** When the last frame carrying one of its deltas went out (ms, performance clock), for the merge window. */
  lastDeltaAt: number;
}

/** Largest merged delta, so one merged frame stays small. */
const MAX_MERGED_CHARS = 64 * 1024;
/** Backlog characters a follow sends at once before the rest waits for the scheduler's turns. */
const SYNC_REPLAY_CHARS = 2048;
/** Frames sent per pump step before yielding to other sockets. */
const PUMP_BATCH = 256;
/** Serialized bytes of held events past which they go out (merged) without waiting for the reader. */
const HOLD_MAX_BYTES = 16 * 1024;
/** Longest a held delta waits for the reader, should its read receipt never come. */
const HOLD_MAX_MS = 100;

/**
 * Backpressure for one socket, without copying events. A socket that keeps up gets each
 * event's pre-serialized frame as it is produced. A socket that falls behind (or replays on
 * resume) reads from the run's own resume buffer at its own pace, so a slow reader costs a
 * cursor, not a queue; while it catches up, consecutive deltas of one message (or of one tool
 * call's arguments) merge into one frame (`first`..`seq`). When it falls further behind than
 * `maxQueuedBytes`, it is cut loose (`onOverflow`); when the buffer dropped what it still
 * needed, `onUnavailable` reports the run.
 *
 * Coalescing: while the transport reports that the reader has not read what it was sent
 * (`behind`), a new delta is held instead of framed, and what follows it waits and merges,
 * until the transport catches up, HOLD_MAX_BYTES are held, or HOLD_MAX_MS passed. The held
 * bytes would have waited behind the unread ones anyway; the reader parses one frame instead
 * of many. A reader that keeps up never sees a hold, so it gets exactly one frame per event.
 *
 * Merge window: a reader that shows deltas at most once per `mergeMs` (a UI that paints once per
 * animation frame; it asked with an `options` frame) gets at most one frame of one run's deltas
 * per window: a delta within `mergeMs` of the run's last one is held and merges with what
 * follows until the window closes. Any other event of the run ends the hold at once, so a
 * message's end or a tool call never waits for the window.
 */
export class Outbox {
  private readonly cursors = new Map<string, Cursor>();
  private waiting = false;
  private overflowed = false;
  private readonly encoder: FrameEncoder;
  private readonly onFinished: ((runId: string) => void) | undefined;
  private readonly tallies: OpsTallies;
  private readonly onLeft: ((run: Run) => void) | undefined;
  private readonly replay: { scheduler: ReplayScheduler; key: () => string } | undefined;
  /** True while a hold waits for the transport to catch up. */
  private holding = false;
  /** When the pending hold's timer fires (ms, performance clock); Infinity when none is pending. */
  private holdDue = Number.POSITIVE_INFINITY;
  /** The merge window (`options.mergeMs`); 0 when the reader did not ask for one. */
  private mergeMs = 0;
  /** True while a callback is registered with the transport's onCaughtUp (one at a time). */
  private awaitingCatchUp = false;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly release = () => this.flushHeld();
  private readonly caughtUp = () => {
    this.awaitingCatchUp = false;
    this.flushHeld();
  };
  /** Characters handed to the transport by replays (to charge them against a budget). */
  private replayedChars = 0;
  private readonly work: ReplayWork = { replay: (budget) => this.replaySlice(budget) };

  constructor(
    private readonly transport: Transport,
    private readonly limits: OutboxLimits,
    private readonly onOverflow: () => void,
    private readonly onUnavailable: (runId: string, after: number) => void,
    options: OutboxOptions = {},
  ) {
    this.encoder = options.encoder ?? wsFrameEncoder;
    this.onFinished = options.onFinished;
    // Without shared tallies, count into a private object nobody reads (keeps the hot path branch-free).
    this.tallies = options.tallies ?? { eventsSent: 0 };
    this.onLeft = options.onLeft;
    this.replay = options.replay;
  }

  /** Runs this socket follows. */
  get following(): number {
    return this.cursors.size;
  }

  /**
   * Sets the merge window (the reader's `options.mergeMs` or `?mergeMs=`), capped at
   * PROTOCOL_DEFAULTS.maxMergeMs for every binding; 0 turns it off and sends whatever a window
   * holds now.
   */
  setMergeWindow(ms: number): void {
    this.mergeMs = Math.min(Math.max(0, ms), PROTOCOL_DEFAULTS.maxMergeMs);
    if (this.mergeMs === 0) this.flushHeld();
  }

  /** Sends a small control frame (ready, error, pong) now. */
  sendControl(frame: string): void {
    if (this.overflowed) return;
    if (this.transport.bufferedAmount > this.limits.maxQueuedBytes) return this.overflow();
    this.transport.send(frame);
  }

  /** Follows `run` from seq `after` (0 = from the start): backlog first, then live. */
  follow(run: Run, after: number): void {
    this.cursors.set(run.id, { run, sent: after, lagging: after < run.lastSeq, held: false, lastDeltaAt: 0 });
    run.subscribe(this.subscriberFor(run.id));
    if (after < run.lastSeq) this.pump();
  }

  unfollow(runId: string): void {
    const cursor = this.cursors.get(runId);
    if (!cursor) return;
    cursor.run.unsubscribe(this.subscriberFor(runId));
    this.cursors.delete(runId);
  }

  /** Drops all cursors (the socket is gone). */
  clear(): void {
    const left = [...this.cursors.values()].map((c) => c.run).filter((run) => !run.ended);
    for (const runId of [...this.cursors.keys()]) this.unfollow(runId);
    this.subscribers.clear();
    this.replay?.scheduler.cancel(this.work);
    clearTimeout(this.holdTimer);
    if (this.onLeft) for (const run of left) this.onLeft(run);
  }

  private readonly subscribers = new Map<string, { deliver(item: SequencedEvent): void }>();

  private subscriberFor(runId: string): { deliver(item: SequencedEvent): void } {
    let sub = this.subscribers.get(runId);
    if (!sub) {
      sub = { deliver: (item) => this.deliver(item) };
      this.subscribers.set(runId, sub);
    }
    return sub;
  }

  private deliver(item: SequencedEvent): void {
    const cursor = this.cursors.get(item.runId);
    if (!cursor || this.overflowed) return;
    if (
      !cursor.lagging &&
      cursor.sent === item.seq - 1 &&
      this.transport.bufferedAmount < this.limits.highWaterBytes
    ) {
      if (isDelta(item)) {
        // The reader has not read what it already has: a delta sent now would wait behind that
        // anyway, so hold it, and merge what follows into it until the reader catches up.
        if (this.transport.behind) {
          cursor.lagging = true;
          cursor.held = "behind";
          this.hold(HOLD_MAX_MS, true);
          return;
        }
        if (this.mergeMs > 0) {
          const now = performance.now();
          const since = now - cursor.lastDeltaAt;
          if (since < this.mergeMs) {
            cursor.lagging = true;
            cursor.held = "window";
            this.hold(this.mergeMs - since, false);
            return;
          }
          cursor.lastDeltaAt = now;
        }
      }
      cursor.sent = item.seq;
      this.transport.send(this.encoder.event(item));
      this.tallies.eventsSent++;
      if (isTerminal(item)) this.finished(item.runId);
      return;
    }
    cursor.lagging = true;
    if (item.cum - this.sentCum(cursor) > this.limits.maxQueuedBytes) return this.overflow();
    if (cursor.held) {
      // A window holds deltas only: the message's end (or anything else) goes out now, after them.
      if ((cursor.held === "window" && !isDelta(item)) || item.cum - this.sentCum(cursor) > HOLD_MAX_BYTES)
        this.flushHeld();
      return;
    }
    this.schedule(false);
  }

  /**
   * Sends what is held within `ms` at the latest, or (`untilCaughtUp`) once the transport has
   * caught up, whichever comes first.
   */
  private hold(ms: number, untilCaughtUp: boolean): void {
    const due = performance.now() + ms;
    if (!this.holding || due < this.holdDue - 1) {
      clearTimeout(this.holdTimer);
      this.holdDue = due;
      this.holdTimer = setTimeout(this.release, Math.max(1, Math.ceil(ms)));
    }
    this.holding = true;
    if (untilCaughtUp && !this.awaitingCatchUp && this.transport.onCaughtUp) {
      this.awaitingCatchUp = true;
      this.transport.onCaughtUp(this.caughtUp);
    }
  }

  /** Sends every held cursor's backlog, merged; a cursor the socket has no room for waits for its drain. */
  private flushHeld(): void {
    if (!this.holding) return;
    this.holding = false;
    this.holdDue = Number.POSITIVE_INFINITY;
    clearTimeout(this.holdTimer);
    const now = performance.now();
    if (!this.transport.isOpen || this.overflowed) return;
    let blocked = false;
    for (const cursor of [...this.cursors.values()]) {
      if (!cursor.held) continue;
      cursor.held = false;
      // The merged frame opens the cursor's next window.
      cursor.lastDeltaAt = now;
      if (!blocked)
        blocked = this.drainCursor(cursor, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0).blocked;
    }
    if (blocked) this.schedule(false);
  }

  private sentCum(cursor: Cursor): number {
    if (cursor.sent === 0) return 0;
    return cursor.run.buffer.cumAt(cursor.sent) ?? 0;
  }

  private schedule(now: boolean): void {
    if (this.waiting || this.overflowed) return;
    this.waiting = true;
    const go = () => {
      this.waiting = false;
      this.pump();
    };
    if (now && this.transport.bufferedAmount < this.limits.highWaterBytes) setImmediate(go);
    else this.transport.onDrain(go);
  }

  /** Sends backlog from lagging cursors while the socket has room (or asks the scheduler for a turn). */
  private pump(): void {
    if (!this.transport.isOpen || this.overflowed) return;
    if (this.replay) {
      // One slice at once (a short backlog, e.g. a fresh run's first events, goes out as before,
      // unmerged); the rest waits for the principal's turns.
      const { full, blocked } = this.drain(Number.POSITIVE_INFINITY, SYNC_REPLAY_CHARS);
      if (blocked) this.schedule(false);
      else if (full) this.replay.scheduler.request(this.replay.key(), this.work);
      return;
    }
    const { full, blocked } = this.drain(PUMP_BATCH, Number.POSITIVE_INFINITY);
    if (full || blocked) this.schedule(full && !blocked);
  }

  /** A scheduler turn's slice: up to about `budget` characters of backlog. */
  private replaySlice(budget: number): { sent: number; more: boolean } {
    if (!this.transport.isOpen || this.overflowed) return { sent: 0, more: false };
    const before = this.replayedChars;
    const { full, blocked } = this.drain(Number.POSITIVE_INFINITY, budget);
    // Blocked on the socket: resume once it drained (which asks the scheduler again).
    if (blocked) this.schedule(false);
    return { sent: this.replayedChars - before, more: full && !blocked };
  }

  /**
   * Sends backlog until `maxFrames` frames or `maxChars` characters went out (`full`), the
   * socket is above its high-water mark (`blocked`), or the backlog is gone (neither).
   */
  private drain(maxFrames: number, maxChars: number): { full: boolean; blocked: boolean } {
    let frames = 0;
    const start = this.replayedChars;
    for (const cursor of [...this.cursors.values()]) {
      // A held cursor goes out when the reader catches up (flushHeld), not with replays.
      if (!cursor.lagging || cursor.held) continue;
      const r = this.drainCursor(cursor, maxFrames - frames, maxChars, start);
      frames += r.frames;
      if (r.full || r.blocked) return r;
    }
    return { full: false, blocked: false };
  }

  /** `drain` for one cursor; `start` is where the caller's character count began. */
  private drainCursor(
    cursor: Cursor,
    maxFrames: number,
    maxChars: number,
    start: number,
  ): { full: boolean; blocked: boolean; frames: number } {
    let frames = 0;
    let full = false;
    let blocked = false;
    while (cursor.sent < cursor.run.lastSeq) {
      if (this.transport.bufferedAmount >= this.limits.highWaterBytes) {
        blocked = true;
        break;
      }
      if (frames >= maxFrames || this.replayedChars - start >= maxChars) {
        full = true;
        break;
      }
      if (!this.sendNext(cursor)) break;
      frames++;
    }
    if (this.cursors.get(cursor.run.id) === cursor && cursor.sent >= cursor.run.lastSeq) {
      cursor.lagging = false;
      if (cursor.run.ended) this.finished(cursor.run.id);
    }
    return { full, blocked, frames };
  }

  /** Hands one replayed frame to the transport, counting its characters. */
  private sendReplayed(text: string): void {
    this.replayedChars += text.length;
    this.transport.send(text);
  }

  /** Sends the next frame of `cursor` (merging text deltas); false when the backlog is gone. */
  private sendNext(cursor: Cursor): boolean {
    const buffer = cursor.run.buffer;
    const item = buffer.get(cursor.sent + 1);
    if (!item) {
      this.unfollow(cursor.run.id);
      this.onUnavailable(cursor.run.id, cursor.sent);
      return false;
    }
    const e = item.event as DeltaEvent;
    const key = deltaKey(e);
    if (key === undefined || item.seq === cursor.run.lastSeq) {
      this.sendReplayed(this.encoder.event(item));
      this.tallies.eventsSent++;
      cursor.sent = item.seq;
      return true;
    }
    const deltas = [e.delta ?? ""];
    let chars = deltas[0]!.length;
    let last = item.seq;
    for (;;) {
      const ne = buffer.eventAt(last + 1) as DeltaEvent | undefined;
      if (ne === undefined || ne.type !== e.type || deltaKey(ne) !== key || chars >= MAX_MERGED_CHARS) break;
      deltas.push(ne.delta ?? "");
      chars += ne.delta?.length ?? 0;
      last++;
    }
    if (last === item.seq) this.sendReplayed(this.encoder.event(item));
    else {
      const delta = deltas.join("");
      this.sendReplayed(
        this.encoder.merged(
          item.runId,
          item.seq,
          last,
          e.type === "TEXT_MESSAGE_CONTENT"
            ? { type: e.type, messageId: key, delta }
            : { type: "TOOL_CALL_ARGS", toolCallId: key, delta },
        ),
      );
    }
    this.tallies.eventsSent += last - item.seq + 1;
    cursor.sent = last;
    return true;
  }

  private finished(runId: string): void {
    this.unfollow(runId);
    this.subscribers.delete(runId);
    this.onFinished?.(runId);
  }

  private overflow(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    this.clear();
    this.onOverflow();
  }
}

/** The fields of a delta event the merge reads. */
interface DeltaEvent {
  type: string;
  messageId?: string;
  toolCallId?: string;
  delta?: string;
}

/** What a delta event appends to (its message or tool call), or undefined for any other event. */
function deltaKey(e: DeltaEvent): string | undefined {
  if (e.type === "TEXT_MESSAGE_CONTENT") return e.messageId ?? "";
  if (e.type === "TOOL_CALL_ARGS") return e.toolCallId ?? "";
  return undefined;
}

function isDelta(item: SequencedEvent): boolean {
  const type = item.event.type;
  return type === "TEXT_MESSAGE_CONTENT" || type === "TOOL_CALL_ARGS";
}

function isTerminal(item: SequencedEvent): boolean {
  return item.event.type === "RUN_FINISHED" || item.event.type === "RUN_ERROR";
}
