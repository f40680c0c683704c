import { afterEach, describe, expect, it, vi } from "vitest";
import { createHeartbeat } from "./heartbeat.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("createHeartbeat", () => {
  it("pings every intervalMs and fires onIdle only after idleTimeoutMs of silence", () => {
    vi.useFakeTimers();
    const sendPing = vi.fn();
    const onIdle = vi.fn();
    const hb = createHeartbeat({ intervalMs: 100, idleTimeoutMs: 300, sendPing, onIdle });
    vi.advanceTimersByTime(250);
    expect(sendPing).toHaveBeenCalledTimes(2);
    hb.touch(); // something arrived at t=250
    vi.advanceTimersByTime(299);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    hb.stop();
    vi.advanceTimersByTime(10_000);
    expect(sendPing).toHaveBeenCalledTimes(5);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});

describe("createHeartbeat with zeros", () => {
  it("neither pings nor declares the peer dead when the server advertises 0", () => {
    vi.useFakeTimers();
    const sendPing = vi.fn();
    const onIdle = vi.fn();
    const hb = createHeartbeat({ intervalMs: 0, idleTimeoutMs: 0, sendPing, onIdle });
    vi.advanceTimersByTime(60_000);
    expect(sendPing).not.toHaveBeenCalled();
    expect(onIdle).not.toHaveBeenCalled();
    hb.stop();
  });
});
