import type { BaseEvent } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { DeltaBlock, packDeltas } from "./delta-block.js";
import { Run } from "./run.js";

const limits = { maxEvents: 1000, maxBytes: 1e6, maxAgeMs: 1e6 };

describe("delta blocks (a finished run's deltas packed per message)", () => {
  it("replays the same events and byte-identical frames after a finished run is compacted", async () => {
    const input = { threadId: "t", runId: "r", messages: [], tools: [], context: [], state: {} };
    const run = new Run(input as never, "a", { id: "u", kind: "user" } as never, limits);
    const events = [
      { type: "RUN_STARTED", threadId: "t", runId: "r" },
      { type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "Hel" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "lo, 🙂 " },
      { type: "TEXT_MESSAGE_CONTENT", delta: "reordered keys", messageId: "m1" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "with", timestamp: 1 },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "!" },
      { type: "TEXT_MESSAGE_END", messageId: "m1" },
      { type: "TOOL_CALL_START", toolCallId: "tc", toolCallName: "lookup" },
      { type: "TOOL_CALL_ARGS", toolCallId: "tc", delta: '{"q":' },
      { type: "TOOL_CALL_ARGS", toolCallId: "tc", delta: '"NAV"}' },
      { type: "TOOL_CALL_END", toolCallId: "tc" },
      { type: "TEXT_MESSAGE_START", messageId: "m2", role: "assistant" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m2", delta: "a" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m3", delta: "b" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m3", delta: "" },
    ];
    const live: string[] = [];
    run.subscribe({ deliver: (item) => live.push(item.frame) });
    for (const e of events) run.emit(e as BaseEvent);
    run.finish();
    const before = run.buffer.since(0, run.lastSeq)!.map((i) => ({ event: i.event, frame: i.frame }));
    expect(before.map((b) => b.frame)).toEqual(live);
    await new Promise((r) => setImmediate(r)); // the run compacts its buffer after it ended
    const after = run.buffer.since(0, run.lastSeq)!.map((i) => ({ event: i.event, frame: i.frame }));
    expect(after.map((a) => a.frame)).toEqual(live);
    expect(after.map((a) => a.event)).toEqual(before.map((b) => b.event));
    expect(run.buffer.eventAt(4)).toEqual(events[3]);
    // Packed deltas are rebuilt on each read (before compaction the buffer handed out the original).
    expect(run.buffer.eventAt(4)).not.toBe(run.buffer.eventAt(4));
    expect(run.buffer.eventAt(1)).toBe(run.buffer.eventAt(1));
  });

  it("packs only stretches of two or more deltas of one message with exactly three keys", () => {
    const d = (messageId: string, delta: string) => ({ type: "TEXT_MESSAGE_CONTENT", messageId, delta });
    const slots: (BaseEvent | DeltaBlock | undefined)[] = [
      { type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" },
      d("m", "a"),
      d("m", "bc"),
      d("m", "d"),
      { ...d("m", "x"), rawEvent: 1 },
      d("m", "lonely"),
      d("n", "e"),
      d("n", "f"),
    ] as BaseEvent[];
    packDeltas(slots, 0, (i) => i + 1);
    const block = slots[1] as DeltaBlock;
    expect(block).toBeInstanceOf(DeltaBlock);
    expect(slots[2]).toBe(block);
    expect(slots[3]).toBe(block);
    expect(block).toMatchObject({ text: "abcd", firstSeq: 2, id: "m" });
    expect([...block.ends]).toEqual([1, 3, 4]);
    expect(block.event(3)).toEqual(d("m", "bc"));
    expect(slots[4]).not.toBeInstanceOf(DeltaBlock);
    expect(slots[5]).not.toBeInstanceOf(DeltaBlock);
    expect(slots[6]).toBeInstanceOf(DeltaBlock);
    expect(slots[7]).toBe(slots[6]);
    expect((slots[6] as DeltaBlock).event(8)).toEqual(d("n", "f"));
  });
});
