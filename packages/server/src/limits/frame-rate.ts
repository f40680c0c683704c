/**
 * Per-connection inbound frame budget (a fixed one-second window). Synchronous and
 * allocation-free because it runs on every frame; it keeps one flooding socket from
 * starving the event loop for everyone else.
 */
export class FrameRate {
  private windowStart = 0;
  private count = 0;
  private warned = false;

  constructor(private readonly perSecond: number) {}

  /** `ok` to process; `drop` silently; `warn` to drop and tell the client once per window. */
  hit(now: number): "ok" | "warn" | "drop" {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
      this.warned = false;
    }
    if (++this.count <= this.perSecond) return "ok";
    if (this.warned) return "drop";
    this.warned = true;
    return "warn";
  }

  /** ms until the current window ends. */
  retryAfter(now: number): number {
    return Math.max(1, 1000 - (now - this.windowStart));
  }
}
