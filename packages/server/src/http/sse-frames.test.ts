import { describe, expect, it } from "vitest";
import { Run } from "../runs/run.js";
import { eventJson, sseErrorBlock, sseFrameEncoder } from "./sse-frames.js";

const limits = { maxEvents: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 };

function runWithId(runId: string): Run {
  const input = { threadId: "t", runId, messages: [], tools: [], context: [], state: {}, forwardedProps: {} };
  return new Run(input as never, "a", { id: "u", kind: "user" }, limits);
}

describe("SSE frames", () => {
  it("cut the exact event JSON out of the run's WebSocket frame, whatever the runId holds", () => {
    for (const runId of ["r1", 'evil","event":{"type":"X"}', "ünï\ncode\\"]) {
      const run = runWithId(runId);
      const event = { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: 'a "quoted"\nline' };
      const item = run.emit(event as never)!;
      expect(eventJson(item)).toBe(JSON.stringify(event));
      expect(JSON.parse(item.frame).event).toEqual(event);
    }
  });

  it("write one `id: <seq>` + single-line `data:` block per event, and merged deltas under the last seq", () => {
    const run = runWithId("r2");
    const item = run.emit({ type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" } as never)!;
    expect(sseFrameEncoder.event(item)).toBe(
      'id: 1\ndata: {"type":"TEXT_MESSAGE_START","messageId":"m","role":"assistant"}\n\n',
    );
    expect(
      sseFrameEncoder.merged("r2", 2, 5, { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: "a\nb" }),
    ).toBe('id: 5\ndata: {"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"a\\nb"}\n\n');
    expect(
      sseFrameEncoder.merged("r2", 6, 9, { type: "TOOL_CALL_ARGS", toolCallId: "c", delta: '{"a":1}' }),
    ).toBe('id: 9\ndata: {"type":"TOOL_CALL_ARGS","toolCallId":"c","delta":"{\\"a\\":1}"}\n\n');
    expect(sseErrorBlock("slow_consumer", "too slow")).toBe(
      'event: error\ndata: {"type":"RUN_ERROR","code":"slow_consumer","message":"too slow"}\n\n',
    );
  });
});
