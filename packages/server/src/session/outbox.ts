import type { SequencedEvent } from "../runs/resume-buffer.js";
import type { Transport } from "./transport.js";

/** A frame waiting for the socket to drain. Text deltas keep their parts for merging. */
interface Pending {
  frame: string | undefined;
  bytes: number;
  runId?: string;
  seq?: number;
  first?: number;
  messageId?: string;
  deltas?: string[];
}

/** Limits of one outbox. */
export interface OutboxLimits {
  /** Socket-buffered bytes above which frames are queued here instead of sent. */
  highWaterBytes: number;
  /** Queued bytes above which `onOverflow` is called (the session then closes with 4001). */
  maxQueuedBytes: number;
}

/**
 * Backpressure for one socket. While the socket keeps up, frames go straight out. When it
 * backs up, frames queue here, and consecutive TEXT_MESSAGE_CONTENT deltas of one message
 * merge into one frame (carrying `first`..`seq`), so a slow reader gets fewer, larger frames
 * instead of an ever-growing backlog. Past the byte bound, the consumer is cut loose: it can
 * reconnect and resume from the run's buffer, so nothing is lost.
 */
export class Outbox {
  private queue: Pending[] = [];
  private head = 0;
  private queuedBytes = 0;
  private waiting = false;
  private overflowed = false;

  constructor(
    private readonly transport: Transport,
    private readonly limits: OutboxLimits,
    private readonly onOverflow: () => void,
  ) {}

  /** Bytes queued here (not counting the socket's own buffer). */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** Sends a control frame (ready, error, pong): never merged, queued behind events. */
  sendControl(frame: string): void {
    if (this.canSendNow()) this.transport.send(frame);
    else this.enqueue({ frame, bytes: frame.length });
  }

  /** Sends one run event. */
  sendEvent(item: SequencedEvent): void {
    if (this.canSendNow()) {
      this.transport.send(item.frame);
      return;
    }
    const e = item.event as { type: string; messageId?: string; delta?: string };
    if (e.type === "TEXT_MESSAGE_CONTENT" && typeof e.delta === "string") {
      const last = this.queue.length > this.head ? this.queue[this.queue.length - 1] : undefined;
      if (
        last?.deltas &&
        last.runId === item.runId &&
        last.messageId === e.messageId &&
        last.seq === item.seq - 1
      ) {
        last.deltas.push(e.delta);
        last.seq = item.seq;
        last.frame = undefined;
        last.bytes += e.delta.length;
        this.queuedBytes += e.delta.length;
        this.checkOverflow();
        return;
      }
      this.enqueue({
        frame: item.frame,
        bytes: item.frame.length,
        runId: item.runId,
        seq: item.seq,
        first: item.seq,
        messageId: e.messageId,
        deltas: [e.delta],
      });
      return;
    }
    this.enqueue({ frame: item.frame, bytes: item.frame.length });
  }

  /** Drops everything queued (the socket is gone). */
  clear(): void {
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private canSendNow(): boolean {
    return this.queue.length === this.head && this.transport.bufferedAmount < this.limits.highWaterBytes;
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    this.queuedBytes += p.bytes;
    this.checkOverflow();
    this.waitForDrain();
  }

  private checkOverflow(): void {
    if (this.queuedBytes > this.limits.maxQueuedBytes && !this.overflowed) {
      this.overflowed = true;
      this.clear();
      this.onOverflow();
    }
  }

  private waitForDrain(): void {
    if (this.waiting || this.overflowed) return;
    this.waiting = true;
    this.transport.onDrain(() => {
      this.waiting = false;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.transport.isOpen) return this.clear();
    while (this.head < this.queue.length && this.transport.bufferedAmount < this.limits.highWaterBytes) {
      const p = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Pending;
      this.queuedBytes -= p.bytes;
      this.transport.send(p.frame ?? mergedFrame(p));
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else this.waitForDrain();
  }
}

function mergedFrame(p: Pending): string {
  return JSON.stringify({
    type: "event",
    runId: p.runId,
    seq: p.seq,
    first: p.first,
    event: { type: "TEXT_MESSAGE_CONTENT", messageId: p.messageId, delta: p.deltas!.join("") },
  });
}
