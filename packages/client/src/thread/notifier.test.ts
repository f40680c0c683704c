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

  it("backs off while frames run long, comes back when they are fast, and flushNow never waits", () => {
    const frames: ((now: number) => void)[] = [];
    vi.stubGlobal("requestAnimationFrame", (cb: (now: number) => void) => frames.push(cb));
    vi.stubGlobal("cancelAnimationFrame", () => {});
    const flush = vi.fn();
    const n = createNotifier(undefined, flush);
    const frame = (now: number) => frames.shift()!(now);
    n.schedule();
    frame(1000);
    n.schedule();
    frame(1016.7);
    expect(flush).toHaveBeenCalledTimes(2);
    // That frame ran 80 ms: the next flush waits one frame.
    n.schedule();
    frame(1096.7);
    expect(flush).toHaveBeenCalledTimes(3);
    n.schedule();
    frame(1113.4);
    expect(flush).toHaveBeenCalledTimes(3);
    frame(1130.1);
    expect(flush).toHaveBeenCalledTimes(4);
    // Still slow (70 ms of work): two frames skipped now; flushNow publishes at once meanwhile.
    n.schedule();
    frame(1216.8);
    expect(flush).toHaveBeenCalledTimes(5);
    n.schedule();
    frame(1233.5);
    expect(flush).toHaveBeenCalledTimes(5);
    n.flushNow();
    expect(flush).toHaveBeenCalledTimes(6);
  });

  it("yields frames to a key press: the key's frame goes out first, the stream flushes after (at most 3 frames or 50 ms later)", () => {
    const frames: ((now: number) => void)[] = [];
    const listeners = new Map<string, () => void>();
    let clock = 0;
    vi.spyOn(performance, "now").mockImplementation(() => clock);
    vi.stubGlobal("requestAnimationFrame", (cb: (now: number) => void) => frames.push(cb));
    vi.stubGlobal("cancelAnimationFrame", () => {});
    vi.stubGlobal("addEventListener", (type: string, cb: () => void) => listeners.set(type, cb));
    const flush = vi.fn();
    const n = createNotifier(undefined, flush);
    expect([...listeners.keys()]).toEqual(["keydown", "beforeinput", "pointerdown"]);
    const frame = (now: number) => {
      clock = now;
      frames.shift()!(now);
    };
    n.schedule();
    frame(1000);
    expect(flush).toHaveBeenCalledTimes(1);
    // A key press, then a streamed update: the next frames paint the key, not the stream.
    clock = 1005;
    listeners.get("keydown")!();
    n.schedule();
    frame(1016.7);
    frame(1033.4);
    expect(flush).toHaveBeenCalledTimes(1);
    // 50 ms after the key, the stream is back.
    frame(1056);
    expect(flush).toHaveBeenCalledTimes(2);
    // Typing without pause never holds the stream more than 3 frames.
    n.schedule();
    clock = 1060;
    listeners.get("keydown")!();
    frame(1066.8);
    frame(1070);
    frame(1075);
    expect(flush).toHaveBeenCalledTimes(2);
    frame(1080);
    expect(flush).toHaveBeenCalledTimes(3);
    vi.restoreAllMocks();
  });
});
