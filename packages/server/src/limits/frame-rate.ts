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

  /**
   * `ok` to process; `warn` for the first frame over budget in a window (tell the client);
   * `answer` for further frames up to twice the budget (tell the client only if the frame
   * has an id, so a dropped run/resume/cancel is never silent); `drop` beyond that.
   */
  hit(now: number): "ok" | "warn" | "answer" | "drop" {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
      this.warned = false;
    }
    if (++this.count <= this.perSecond) return "ok";
    if (!this.warned) {
      this.warned = true;
      return "warn";
    }
    return this.count <= this.perSecond * 2 ? "answer" : "drop";
  }

  /** ms until the current window ends. */
  retryAfter(now: number): number {
    return Math.max(1, 1000 - (now - this.windowStart));
  }
}
