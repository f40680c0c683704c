import { describe, expect, it } from "vitest";
import { exponentialBackoff } from "./backoff.js";

const opts = { initialDelayMs: 250, maxDelayMs: 30_000, factor: 2, jitter: 0 };

describe("exponentialBackoff", () => {
  it("grows by factor per attempt from initialDelayMs", () => {
    expect([1, 2, 3, 4, 5].map((n) => exponentialBackoff(n, opts))).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it("never exceeds maxDelayMs", () => {
    expect(exponentialBackoff(50, opts)).toBe(30_000);
    expect(exponentialBackoff(10_000, opts)).toBe(30_000);
  });

  it("randomises only the jitter fraction of the delay", () => {
    const half = { ...opts, jitter: 0.5 };
    expect(exponentialBackoff(3, half, () => 0)).toBe(500);
    expect(exponentialBackoff(3, half, () => 0.999999)).toBe(1000);
    expect(exponentialBackoff(3, { ...opts, jitter: 1 }, () => 0)).toBe(0);
  });

  it("treats attempt numbers below 1 as the first attempt and clamps jitter to [0, 1]", () => {
    expect(exponentialBackoff(0, opts)).toBe(250);
    expect(exponentialBackoff(1, { ...opts, jitter: 7 }, () => 0)).toBe(0);
    expect(exponentialBackoff(1, { ...opts, jitter: -1 }, () => 0)).toBe(250);
  });
});
