/**
 * Fair sharing of replay work (resume, catch-up of lagging readers) between principals.
 * @module
 */

/** One outbox with backlog to replay, as the scheduler sees it. */
export interface ReplayWork {
  /**
   * Sends backlog until about `budget` characters went out (whole frames, so it may overshoot
   * by one frame). `sent`: characters sent; `more`: backlog remains that could go out now (not
   * waiting for the socket to drain, which the outbox handles itself).
   */
  replay(budget: number): { sent: number; more: boolean };
}

/** How much replay work one event-loop turn does. */
export interface ReplayBudget {
  /** Characters of replayed frames per turn, all principals together. */
  turnChars: number;
  /** Characters one principal gets per round; principals take rounds in turn until `turnChars` is spent. */
  sliceChars: number;
}

/** Defaults of `ReplayBudget`: 64 KiB per turn in 8 KiB slices. */
export const REPLAY_BUDGET_DEFAULTS: ReplayBudget = { turnChars: 64 * 1024, sliceChars: 8 * 1024 };

/**
 * Replays run from here, one bounded turn at a time, round-robin by principal: each
 * principal with backlog gets one slice per round (its sockets take turns within it), and a
 * turn stops once `turnChars` went out. So one principal replaying a long run on 32 sockets
 * gets the same share as another replaying on one, and however many replays are waiting, a
 * turn's replay work is bounded and other sockets' frames (pings, live tokens) are handled
 * between turns. Live delivery to sockets that keep up does not pass through here.
 */
export class ReplayScheduler {
  /** Principal key → its works waiting, in turn order; Map order is the round-robin order. */
  private readonly queues = new Map<string, ReplayWork[]>();
  private readonly queued = new Map<ReplayWork, string>();
  private scheduled = false;
  private readonly budget: ReplayBudget;

  /**
   * @param defer runs a turn later: `setImmediate` (after pending I/O) by default; tests pass
   * their own to run turns one at a time.
   */
  constructor(
    budget: Partial<ReplayBudget> = {},
    private readonly defer: (turn: () => void) => void = (turn) => void setImmediate(turn),
  ) {
    this.budget = { ...REPLAY_BUDGET_DEFAULTS, ...budget };
  }

  /** Characters one principal gets per round (also what an outbox may send at once before asking for a turn). */
  get sliceChars(): number {
    return this.budget.sliceChars;
  }

  /** Works waiting for a turn. */
  get waiting(): number {
    return this.queued.size;
  }

  /** Queues `work` of principal `key` for the next turn (no-op when already queued). */
  request(key: string, work: ReplayWork): void {
    if (this.queued.has(work)) return;
    this.queued.set(work, key);
    const queue = this.queues.get(key);
    if (queue) queue.push(work);
    else this.queues.set(key, [work]);
    if (!this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.turn());
    }
  }

  /** Forgets `work` (its socket is gone). */
  cancel(work: ReplayWork): void {
    const key = this.queued.get(work);
    if (key === undefined) return;
    this.queued.delete(work);
    const queue = this.queues.get(key)!;
    queue.splice(queue.indexOf(work), 1);
    if (queue.length === 0) this.queues.delete(key);
  }

  /** One turn: rounds over the principals, a slice each, until the turn's budget is spent. */
  turn(): void {
    this.scheduled = false;
    let left = this.budget.turnChars;
    while (left > 0 && this.queues.size > 0) {
      for (const [key, queue] of [...this.queues]) {
        if (left <= 0) break;
        const work = queue.shift()!;
        this.queued.delete(work);
        // Whatever happens below, this principal goes to the back of the line.
        this.queues.delete(key);
        const { sent, more } = work.replay(Math.min(this.budget.sliceChars, left));
        left -= Math.max(1, sent);
        if (more) {
          queue.push(work);
          this.queued.set(work, key);
        }
        const current = this.queues.get(key);
        // `replay` may have re-queued works of this principal (request): keep them after the rest.
        if (current) queue.push(...current.filter((w) => !queue.includes(w)));
        if (queue.length > 0) this.queues.set(key, queue);
      }
    }
    if (this.queues.size > 0 && !this.scheduled) {
      this.scheduled = true;
      this.defer(() => this.turn());
    }
  }
}
