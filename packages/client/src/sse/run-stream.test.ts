import { describe, expect, it } from "vitest";
import { readRunStream } from "./run-stream.js";

/** A body that yields `chunks`, then stays open (`hang`) or ends. */
function body(chunks: string[], hang = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      if (!hang) controller.close();
    },
  });
}

const opts = (frames: string[], extra: Partial<Parameters<typeof readRunStream>[1]> = {}) => ({
  runId: "r1",
  after: 0,
  idleTimeoutMs: 5_000,
  signal: new AbortController().signal,
  onFrame: (t: string) => frames.push(t),
  ...extra,
});

describe("readRunStream", () => {
  it("turns blocks into event frames, marks merged deltas with `first`, and stops at the terminal event", async () => {
    const frames: string[] = [];
    const end = await readRunStream(
      body([
        'id: 3\ndata: {"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"a"}\n\n: ping\n\n',
        'id: 7\ndata: {"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"bcde"}\n\n',
        'id: 8\ndata: {"type":"RUN_FINISHED","threadId":"t","runId":"r1"}\n\nid: 9\ndata: {"type":"CUSTOM"}\n\n',
      ]),
      opts(frames, { after: 2 }),
    );
    expect(end).toEqual({ kind: "finished" });
    expect(frames.map((f) => JSON.parse(f))).toEqual([
      {
        type: "event",
        runId: "r1",
        seq: 3,
        event: { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: "a" },
      },
      {
        type: "event",
        runId: "r1",
        seq: 7,
        first: 4,
        event: { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: "bcde" },
      },
      { type: "event", runId: "r1", seq: 8, event: { type: "RUN_FINISHED", threadId: "t", runId: "r1" } },
    ]);
  });

  it("reports `event: error`, a body cut before the end, silence, and an abort", async () => {
    const error = await readRunStream(
      body(['event: error\ndata: {"type":"RUN_ERROR","code":"slow_consumer","message":"slow"}\n\n'], true),
      opts([]),
    );
    expect(error).toEqual({ kind: "failed", failure: { kind: "close", code: 4001, reason: "slow" } });
    expect(await readRunStream(body(['id: 1\ndata: {"type":"RUN_STARTED"}\n\n']), opts([]))).toEqual({
      kind: "cut",
    });
    expect(await readRunStream(body([": ping\n\n"], true), opts([], { idleTimeoutMs: 30 }))).toEqual({
      kind: "idle",
    });
    const controller = new AbortController();
    const reading = readRunStream(body([], true), opts([], { signal: controller.signal }));
    controller.abort();
    expect(await reading).toEqual({ kind: "aborted" });
  });
});
