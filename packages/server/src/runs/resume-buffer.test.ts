import type { BaseEvent } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { ResumeBuffer, type SequencedEvent } from "./resume-buffer.js";

let cum = 0;
function item(seq: number, at = Date.now(), size = 10): SequencedEvent {
  const frame = "x".repeat(size);
  cum += size;
  return { runId: "r", seq, event: { type: "CUSTOM" } as BaseEvent, frame, at, cum };
}

describe("ResumeBuffer", () => {
  it("returns the events after a seq, and [] when caught up", () => {
    const b = new ResumeBuffer({ maxEvents: 100, maxBytes: 1e6, maxAgeMs: 1e6 });
    for (let s = 1; s <= 5; s++) b.push(item(s));
    expect(b.since(2, 5)!.map((i) => i.seq)).toEqual([3, 4, 5]);
    expect(b.since(0, 5)!.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(b.since(5, 5)).toEqual([]);
    expect(b.get(4)!.seq).toBe(4);
    expect(b.get(9)).toBeUndefined();
  });

  it("drops the oldest events past maxEvents and reports what fell off as unavailable", () => {
    const b = new ResumeBuffer({ maxEvents: 3, maxBytes: 1e6, maxAgeMs: 1e6 });
    for (let s = 1; s <= 6; s++) b.push(item(s));
    expect(b.size).toBe(3);
    expect(b.firstSeq).toBe(4);
    expect(b.since(3, 6)!.map((i) => i.seq)).toEqual([4, 5, 6]);
    expect(b.since(2, 6)).toBeUndefined();
    expect(b.get(2)).toBeUndefined();
  });

  it("bounds the bytes held", () => {
    const b = new ResumeBuffer({ maxEvents: 1000, maxBytes: 250, maxAgeMs: 1e6 });
    for (let s = 1; s <= 10; s++) b.push(item(s, Date.now(), 100));
    expect(b.byteSize).toBeLessThanOrEqual(250);
    expect(b.firstSeq).toBe(9);
  });

  it("drops events older than maxAgeMs but always keeps the newest", () => {
    const b = new ResumeBuffer({ maxEvents: 1000, maxBytes: 1e6, maxAgeMs: 1000 });
    b.push(item(1, 0));
    b.push(item(2, 700));
    b.push(item(3, 1600));
    expect(b.firstSeq).toBe(2);
    b.push(item(4, 10_000));
    expect(b.firstSeq).toBe(4);
    expect(b.size).toBe(1);
  });

  it("reports how full it is against its tightest bound", () => {
    const b = new ResumeBuffer({ maxEvents: 10, maxBytes: 1000, maxAgeMs: 1000 });
    expect(b.fill(0)).toBe(0);
    b.push(item(1, 0, 100));
    b.push(item(2, 0, 100));
    expect(b.fill(0)).toBeCloseTo(0.2); // 200 of 1000 bytes
    expect(b.fill(500)).toBeCloseTo(0.5); // the oldest is half of maxAgeMs old
    for (let s = 3; s <= 6; s++) b.push(item(s, 0, 1));
    expect(b.fill(0)).toBeCloseTo(0.6); // 6 of 10 events
  });

  it("compacts its storage while keeping seq lookups right", () => {
    const b = new ResumeBuffer({ maxEvents: 10, maxBytes: 1e9, maxAgeMs: 1e9 });
    for (let s = 1; s <= 5000; s++) b.push(item(s));
    expect(b.size).toBe(10);
    expect(b.get(4995)!.seq).toBe(4995);
    expect(b.since(4990, 5000)!.map((i) => i.seq)).toEqual([
      4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000,
    ]);
  });
});
