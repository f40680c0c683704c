import { afterEach, describe, expect, it, vi } from "vitest";
import { createNotifier } from "./notifier.js";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("createNotifier", () => {
  it("flushes synchronously with throttleMs 0", () => {
    const flush = vi.fn();
    const n = createNotifier(0, flush);
    n.schedule();
    n.schedule();
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it("coalesces schedules into one flush per window", () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const n = createNotifier(50, flush);
    for (let i = 0; i < 100; i++) n.schedule();
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(flush).toHaveBeenCalledTimes(1);
    n.schedule();
    n.cancel();
    vi.advanceTimersByTime(100);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it("uses requestAnimationFrame when present and no throttle is given", () => {
    const frames: (() => void)[] = [];
    vi.stubGlobal("requestAnimationFrame", (cb: () => void) => frames.push(cb));
    vi.stubGlobal("cancelAnimationFrame", () => {});
    const flush = vi.fn();
    const n = createNotifier(undefined, flush);
    n.schedule();
    n.schedule();
    expect(frames).toHaveLength(1);
    frames[0]!();
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it("falls back to 16 ms timers without requestAnimationFrame, and flushNow runs a pending flush", () => {
    vi.useFakeTimers();
    const flush = vi.fn();
    const n = createNotifier(undefined, flush);
    n.schedule();
    vi.advanceTimersByTime(15);
    expect(flush).not.toHaveBeenCalled();
    n.flushNow();
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    expect(flush).toHaveBeenCalledTimes(1);
  });
});
