/**
 * Runs in flight on one connection, for `limits.maxRunsPerConnection`. A binding that has
 * connections (the WebSocket) gives the run core one per connection; HTTP requests have none.
 * @module
 */

/** A counter of runs started on one connection and not yet ended. */
export class InFlight {
  private count = 0;

  constructor(readonly max: number) {}

  /** Runs in flight now. */
  get size(): number {
    return this.count;
  }

  /** Reserves a slot (before any await, so a burst cannot overshoot); false when full. */
  tryTake(): boolean {
    if (this.count >= this.max) return false;
    this.count++;
    return true;
  }

  /** Gives a slot back (the run ended, or was never started). */
  release(): void {
    if (this.count > 0) this.count--;
  }
}
