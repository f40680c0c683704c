/**
 * Read receipts for a WebSocket, from the protocol's own ping/pong (RFC 6455 §5.5.2: a peer
 * answers a ping as soon as it reads it, and reads in order). On loopback and on most links
 * the kernel's buffers hold hundreds of kilobytes, so a reader that lags never makes our own
 * write buffer grow: the bytes "left" the process but wait unread in the kernels. A ping
 * written behind the frames comes back only once the reader got through them; while its answer
 * is overdue, the reader is behind, and a delta framed now would only queue behind the others.
 *
 * "Overdue" is measured against the smallest round trip this socket has shown (its link), so a
 * reader that keeps up on a slow link is never taken for a slow reader; a peer that never
 * answers pings is never behind (no round trip was ever measured).
 * @module
 */

/**
 * Frames after which a probe goes out: a fast stream learns within a few dozen frames that its
 * reader fell behind, at one pong per PROBE_EVERY_FRAMES frames.
 */
export const PROBE_EVERY_FRAMES = 32;
/**
 * A slower stream probes once PROBE_INTERVAL_MS passed and PROBE_MIN_FRAMES frames went out: a
 * stream of a few tokens a second has nothing to merge, and 1,000 of them should not cost the
 * server a pong per token.
 */
export const PROBE_INTERVAL_MS = 20;
export const PROBE_MIN_FRAMES = 8;
/** Slack over twice the link's round trip before an unanswered probe means the reader is behind. */
const OVERDUE_SLACK_MS = 0.25;
/** The link's round trip is the minimum over the last one or two windows of this length. */
const RTT_WINDOW_MS = 10_000;

export class ReadReceipts {
  private counter = 0;
  /** The unanswered probe's id and when it was written, or -1 when none is out. */
  private outstanding = -1;
  private sentAt = 0;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  /** Frames written since the last probe. */
  private frames = 0;
  /** Minimum round trip of the current window and of the one before it. */
  private minNow = Number.POSITIVE_INFINITY;
  private minBefore = Number.POSITIVE_INFINITY;
  private windowStart = 0;
  private waiters: Array<() => void> = [];
  /** A hold was just released: probe with the next write, to see at once whether the reader keeps up now. */
  private eager = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * The payload of a probe to write behind this turn's frames, or undefined. One probe is out
   * at a time, after PROBE_EVERY_FRAMES frames (or PROBE_MIN_FRAMES and PROBE_INTERVAL_MS), or
   * at once after a hold was released. `frames`: how many frames this write carries.
   */
  probe(frames = 1): Buffer | undefined {
    this.frames += frames;
    if (this.outstanding >= 0) return undefined;
    const at = this.now();
    // The socket's first write probes too: its round trip is known before any stream starts.
    const due =
      this.lastProbeAt === Number.NEGATIVE_INFINITY ||
      this.frames >= PROBE_EVERY_FRAMES ||
      (this.frames >= PROBE_MIN_FRAMES && at - this.lastProbeAt >= PROBE_INTERVAL_MS);
    if (!this.eager && !due) return undefined;
    this.eager = false;
    this.frames = 0;
    this.counter = (this.counter + 1) >>> 0;
    this.outstanding = this.counter;
    this.sentAt = at;
    this.lastProbeAt = at;
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(this.counter, 0);
    return payload;
  }

  /** A pong arrived; a pong that answers none of our probes (the app's own pings) is ignored. */
  onPong(data: Buffer): void {
    if (this.outstanding < 0 || data.length !== 4 || data.readUInt32BE(0) !== this.outstanding) return;
    const at = this.now();
    this.outstanding = -1;
    const rtt = at - this.sentAt;
    if (at - this.windowStart > RTT_WINDOW_MS) {
      this.minBefore = this.minNow;
      this.minNow = Number.POSITIVE_INFINITY;
      this.windowStart = at;
    }
    if (rtt < this.minNow) this.minNow = rtt;
    this.release();
  }

  /** True while a probe is overdue: the reader has not yet read what was written before it. */
  get behind(): boolean {
    if (this.outstanding < 0) return false;
    const rtt = Math.min(this.minNow, this.minBefore);
    return this.now() - this.sentAt > 2 * rtt + OVERDUE_SLACK_MS;
  }

  /** Calls `cb` once the outstanding probe is answered (at once, in a microtask, if none is out). */
  onCaughtUp(cb: () => void): void {
    if (this.outstanding < 0) queueMicrotask(cb);
    else this.waiters.push(cb);
  }

  /** The socket closed: nobody will answer; let the waiters go. */
  close(): void {
    this.outstanding = -1;
    this.release();
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    this.eager = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const cb of waiters) cb();
  }
}
