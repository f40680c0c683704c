import type { EventFrame } from "@backchannel/protocol";
import { describe, expect, it } from "vitest";
import { readRunStream } from "./run-stream.js";

/** A body that yields `chunks` (text, or raw bytes), then stays open (`hang`) or ends. */
function body(chunks: (string | Uint8Array)[], hang = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === "string" ? enc.encode(c) : c);
      if (!hang) controller.close();
    },
  });
}

const seqs = (frames: EventFrame[]) => frames.map((f) => f.seq);

const opts = (frames: EventFrame[], extra: Partial<Parameters<typeof readRunStream>[1]> = {}) => ({
  runId: "r1",
  after: 0,
  idleTimeoutMs: 5_000,
  signal: new AbortController().signal,
  onFrame: (f: EventFrame) => frames.push(f),
  ...extra,
});

describe("readRunStream", () => {
  it("turns blocks into event frames, marks merged deltas with `first`, and stops at the terminal event", async () => {
    const frames: EventFrame[] = [];
    const end = await readRunStream(
      body([
        'id: 3\ndata: {"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"a"}\n\n: ping\n\n',
        'id: 7\ndata: {"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"bcde"}\n\n',
        'id: 8\ndata: {"type":"RUN_FINISHED","threadId":"t","runId":"r1"}\n\nid: 9\ndata: {"type":"CUSTOM"}\n\n',
      ]),
      opts(frames, { after: 2 }),
    );
    expect(end).toEqual({ kind: "finished" });
    expect(frames).toEqual([
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

  it("reads blocks split anywhere, even inside a CRLF or a UTF-8 character, with LF, CR or CRLF line ends (a CR ending a chunk waits for the next one)", async () => {
    const bytes = new TextEncoder().encode(
      'id: 1\r\ndata: {"type":"CUSTOM","value":"h\u00e9llo"}\r\n\r\n: ping\n\nid: 2\rdata: {"type":"CUSTOM"}\r\r: ping\n\n',
    );
    for (let cut = 1; cut < bytes.length; cut++) {
      const frames: EventFrame[] = [];
      await readRunStream(body([bytes.slice(0, cut), bytes.slice(cut)]), opts(frames));
      expect(seqs(frames)).toEqual([1, 2]);
      expect((frames[0]!.event as { value?: string }).value).toBe("h\u00e9llo");
    }
  });

  it("drops a byte order mark at the start of the stream, also when it arrives split", async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const block = new TextEncoder().encode('id: 1\ndata: {"type":"CUSTOM"}\n\n');
    for (const chunks of [
      [bom, block],
      [bom.slice(0, 1), bom.slice(1), block],
      [new Uint8Array([...bom, ...block])],
    ]) {
      const frames: EventFrame[] = [];
      await readRunStream(body(chunks), opts(frames));
      // With the BOM left in, the first line's field would be "\uFEFFid" and the block would carry no id.
      expect(seqs(frames)).toEqual([1]);
    }
  });

  it("ends the read with protocol_error when one event grows past maxEventChars, whole or in pieces", async () => {
    const big = `id: 2\ndata: {"type":"CUSTOM","value":"${"x".repeat(2_000)}"}\n\n`;
    for (const chunks of [[big], [big.slice(0, 700), big.slice(700, 1400), big.slice(1400)]]) {
      const frames: EventFrame[] = [];
      const end = await readRunStream(
        body(['id: 1\ndata: {"type":"CUSTOM"}\n\n', ...chunks, 'id: 3\ndata: {"type":"CUSTOM"}\n\n'], true),
        opts(frames, { maxEventChars: 1_000 }),
      );
      expect(end).toMatchObject({ kind: "failed", failure: { kind: "frame", code: "protocol_error" } });
      expect(seqs(frames)).toEqual([1]);
    }
    // Just under the cap is delivered.
    const frames: EventFrame[] = [];
    await readRunStream(body([big]), opts(frames, { maxEventChars: 2_100 }));
    expect(seqs(frames)).toEqual([2]);
  });
});
