import { afterEach, describe, expect, it, vi } from "vitest";
import { refreshDelay, scheduleTokenRefresh } from "./token-refresh.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("refreshDelay", () => {
  it("refreshes leadMs before expiry when there is time, halfway when there is not", () => {
    expect(refreshDelay(600_000, 30_000)).toBe(570_000);
    expect(refreshDelay(40_000, 30_000)).toBe(20_000);
    expect(refreshDelay(0, 30_000)).toBe(0);
    expect(refreshDelay(-5, 30_000)).toBe(0);
  });
});

describe("scheduleTokenRefresh", () => {
  it("calls refresh once at the computed time and can be cancelled", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const refresh = vi.fn();
    scheduleTokenRefresh({
      expiresAt: 1_000_000 + 100_000,
      leadMs: 30_000,
      maxDelayMs: 2 ** 31 - 1,
      refresh,
    });
    vi.advanceTimersByTime(69_999);
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    const other = vi.fn();
    const cancel = scheduleTokenRefresh({
      expiresAt: Date.now() + 100_000,
      leadMs: 30_000,
      maxDelayMs: 1e9,
      refresh: other,
    });
    cancel();
    vi.advanceTimersByTime(200_000);
    expect(other).not.toHaveBeenCalled();
  });

  it("re-arms instead of overflowing the timer for far-future expiries", () => {
    vi.useFakeTimers({ now: 0 });
    const refresh = vi.fn();
    scheduleTokenRefresh({ expiresAt: 10_000, leadMs: 1_000, maxDelayMs: 3_000, refresh });
    vi.advanceTimersByTime(8_999);
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});
