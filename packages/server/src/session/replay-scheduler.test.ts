import { describe, expect, it } from "vitest";
import { type ReplayBudget, ReplayScheduler, type ReplayWork } from "./replay-scheduler.js";

// Issue 11 finding 10: one user replaying a long run from 32 sockets stalled other users for
// seconds. The scheduler bounds replay work per turn and shares it round-robin by principal.
// Turns are run by hand here, so every assertion is about order and amounts, never time.

/** A replay of `total` characters sent in frames of `frame` characters. */
function backlog(total: number, frame = 100) {
  let left = total;
  const work: ReplayWork & { left: () => number } = {
    replay(budget) {
      let sent = 0;
      while (left > 0 && sent < budget) {
        const n = Math.min(frame, left);
        left -= n;
        sent += n;
      }
      return { sent, more: left > 0 };
    },
    left: () => left,
  };
  return work;
}

function manual(budget: Partial<ReplayBudget>) {
  const turns: (() => void)[] = [];
  const scheduler = new ReplayScheduler(budget, (turn) => turns.push(turn));
  return {
    scheduler,
    /** Runs the pending turn; false when none is pending. */
    step(): boolean {
      const turn = turns.shift();
      turn?.();
      return turn !== undefined;
    },
  };
}

describe("ReplayScheduler", () => {
  it("bounds the replay work of one turn, however many replays wait", () => {
    const { scheduler, step } = manual({ turnChars: 1000, sliceChars: 200 });
    const storm = Array.from({ length: 32 }, () => backlog(50_000));
    for (const w of storm) scheduler.request("user:a", w);
    const remaining = () => storm.reduce((n, w) => n + w.left(), 0);
    for (let turn = 0; turn < 20; turn++) {
      const before = remaining();
      expect(step()).toBe(true);
      // Whole frames: at most one frame (100) past the turn's budget.
      expect(before - remaining()).toBeLessThanOrEqual(1000 + 100);
      expect(before - remaining()).toBeGreaterThanOrEqual(1000);
    }
  });

  it("gives a principal with one replay the same share per round as one with 32", () => {
    const { scheduler, step } = manual({ turnChars: 1000, sliceChars: 100 });
    const storm = Array.from({ length: 32 }, () => backlog(1_000_000));
    for (const w of storm) scheduler.request("user:a", w);
    const victim = backlog(2_000);
    scheduler.request("user:b", victim);
    let turns = 0;
    while (victim.left() > 0) {
      expect(step()).toBe(true);
      turns++;
    }
    // Half of every turn went to the victim: 2,000 characters in 4 turns of 1,000.
    expect(turns).toBe(4);
    expect(storm.reduce((n, w) => n + (1_000_000 - w.left()), 0)).toBe(2_000);
  });

  it("lets every socket of a principal progress in turn, and stops when all backlogs are done", () => {
    const { scheduler, step } = manual({ turnChars: 800, sliceChars: 100 });
    const works = Array.from({ length: 4 }, () => backlog(1_000));
    for (const w of works) scheduler.request("user:a", w);
    step();
    expect(works.map((w) => w.left())).toEqual([800, 800, 800, 800]);
    while (step()) {}
    expect(works.map((w) => w.left())).toEqual([0, 0, 0, 0]);
    expect(scheduler.waiting).toBe(0);
  });

  it("forgets a cancelled replay (its socket closed)", () => {
    const { scheduler, step } = manual({ turnChars: 100, sliceChars: 100 });
    const gone = backlog(1_000);
    const kept = backlog(300);
    scheduler.request("user:a", gone);
    scheduler.request("user:b", kept);
    scheduler.cancel(gone);
    while (step()) {}
    expect(gone.left()).toBe(1_000);
    expect(kept.left()).toBe(0);
  });
});
