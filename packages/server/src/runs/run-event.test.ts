import type { BaseEvent } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { Run } from "./run.js";
import { eventFrame, type IdJsonCache } from "./run-event.js";

const limits = { maxEvents: 1000, maxBytes: 1e6, maxAgeMs: 1e6 };

function newRun(): Run {
  const input = { threadId: "t", runId: 'r"1', messages: [], tools: [], context: [], state: {} };
  return new Run(input as never, "a", { id: "u", kind: "user" } as never, limits);
}

describe("RunEvent (frames rebuilt after the live fan-out)", () => {
  it("replays byte for byte the frames live readers got, and keeps the buffer's byte count", () => {
    const run = newRun();
    const live: string[] = [];
    run.subscribe({ deliver: (item) => live.push(item.frame) });
    const events = [
      { type: "RUN_STARTED", threadId: "t", runId: 'r"1' },
      { type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: 'quote " and \\ backslash, é, \u2028' },
      { type: "TEXT_MESSAGE_END", messageId: "m" },
    ];
    for (const e of events) run.emit(e as BaseEvent);
    run.finish();
    const replay = run.buffer.since(0, run.lastSeq)!.map((i) => i.frame);
    expect(replay).toEqual(live);
    expect(replay).toHaveLength(5);
    expect(JSON.parse(replay[2]!)).toEqual({ type: "event", runId: 'r"1', seq: 3, event: events[2] });
    const bytes = live.reduce((n, f) => n + f.length, 0);
    expect(run.buffer.byteSize).toBe(bytes);
    expect(run.totalBytes).toBe(bytes);
  });

  it("bounds the buffer by bytes without reading dropped frames", () => {
    const input = { threadId: "t", runId: "r", messages: [], tools: [], context: [], state: {} };
    const run = new Run(input as never, "a", { id: "u", kind: "user" } as never, {
      ...limits,
      maxBytes: 300,
    });
    const live: string[] = [];
    run.subscribe({ deliver: (item) => live.push(item.frame) });
    for (let i = 0; i < 20; i++)
      run.emit({ type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: `d${i}` } as never);
    const held = run.buffer.since(run.buffer.firstSeq! - 1, run.lastSeq)!;
    expect(run.buffer.byteSize).toBe(held.reduce((n, i) => n + i.frame.length, 0));
    expect(run.buffer.byteSize).toBeLessThanOrEqual(300);
    expect(held.map((i) => i.frame)).toEqual(live.slice(live.length - held.length));
  });

  it("writes deltas from a template that is JSON.stringify's output for the usual key order", () => {
    const cache: IdJsonCache = { id: "", json: '""' };
    const prefix = '{"type":"event","runId":"r","seq":';
    const events = [
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: 'a "quoted" \\ \n line' },
      { type: "TEXT_MESSAGE_CONTENT", messageId: 'm"2', delta: "é🙂\u2028" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "back to m1" },
      { type: "TOOL_CALL_ARGS", toolCallId: "tc", delta: '{"x":1}' },
    ];
    for (const [i, e] of events.entries()) {
      expect(eventFrame(prefix, i + 1, e as BaseEvent, cache)).toBe(
        `${prefix}${i + 1},"event":${JSON.stringify(e)}}`,
      );
    }
  });

  it("keeps every field of deltas with another key order or extra keys", () => {
    const prefix = '{"type":"event","runId":"r","seq":';
    const reordered = { delta: "d", messageId: "m", type: "TEXT_MESSAGE_CONTENT" };
    const extra = { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: "d", timestamp: 5 };
    const notString = { type: "TOOL_CALL_ARGS", toolCallId: "t", delta: 7 };
    for (const e of [reordered, extra, notString]) {
      expect(JSON.parse(eventFrame(prefix, 1, e as unknown as BaseEvent)).event).toEqual(e);
    }
    expect(eventFrame(prefix, 2, extra as BaseEvent)).toBe(`${prefix}2,"event":${JSON.stringify(extra)}}`);
  });
});
