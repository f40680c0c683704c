/**
 * The merge window (docs/protocol.md, "Merged deltas", the `options` frame): a reader that shows
 * deltas at most once per `mergeMs` gets at most about one frame of a run's deltas per window,
 * with the same transcript; a message's end and a tool call's start are never held back; a reader
 * that did not ask gets one frame per event. Real sockets and real HTTP: raw `ws` peers, an SSE
 * reader, and the real client over both transports. (That the client never sends `options` to
 * an older server is in packages/client/src/client.test.ts, against its scripted server.)
 */
import type { BaseEvent } from "@ag-ui/core";
import { createClient, createFoldState, foldEvent, foldSnapshot } from "@backchannel/client";
import { type Agent, CopilotKitSDK, createLogger } from "@backchannel/server";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { openSse } from "./helpers/sse-client.js";
import { connectPeer, type Peer, runInput } from "./helpers/ws-peer.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const TEXT = 120;
const ARGS = 60;
const textDelta = (i: number) => `w${i} `;
const argDelta = (i: number) => (i === 0 ? '{"notes":"' : i === ARGS - 1 ? '"}' : `n${i},`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A text answer then a tool call, a delta every millisecond or so (about 1,000 per second). */
const fastWriter: Agent = {
  name: "writer",
  description: "Streams quickly",
  async *run(input) {
    const messageId = `m-${input.runId}`;
    const toolCallId = `c-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" } as BaseEvent;
    for (let i = 0; i < TEXT; i++) {
      if (i % 2 === 0) await sleep(1);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: textDelta(i) } as BaseEvent;
    }
    yield { type: "TEXT_MESSAGE_END", messageId } as BaseEvent;
    yield {
      type: "TOOL_CALL_START",
      toolCallId,
      toolCallName: "note",
      parentMessageId: messageId,
    } as BaseEvent;
    for (let i = 0; i < ARGS; i++) {
      if (i % 2 === 0) await sleep(1);
      yield { type: "TOOL_CALL_ARGS", toolCallId, delta: argDelta(i) } as BaseEvent;
    }
    yield { type: "TOOL_CALL_END", toolCallId } as BaseEvent;
  },
};

async function startServer() {
  const sdk = new CopilotKitSDK({
    agents: [fastWriter],
    auth: { apiKeys: { test: "secret" } },
    logger: createLogger({ level: "silent" }),
    store: false,
  });
  const srv = await sdk.listen({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => srv.close());
  return srv;
}

async function peer(url: string): Promise<Peer> {
  const p = await connectPeer(url, { headers: { authorization: "Bearer secret" } });
  cleanups.push(() => p.close());
  return p;
}

function transcript(events: BaseEvent[]): string {
  const fold = createFoldState();
  for (const e of events) foldEvent(fold, e);
  return JSON.stringify(foldSnapshot(fold).messages);
}

function expected(runId: string): string {
  const messageId = `m-${runId}`;
  const toolCallId = `c-${runId}`;
  return transcript([
    { type: "TEXT_MESSAGE_START", messageId, role: "assistant" },
    ...Array.from({ length: TEXT }, (_, i) => ({
      type: "TEXT_MESSAGE_CONTENT",
      messageId,
      delta: textDelta(i),
    })),
    { type: "TEXT_MESSAGE_END", messageId },
    { type: "TOOL_CALL_START", toolCallId, toolCallName: "note", parentMessageId: messageId },
    ...Array.from({ length: ARGS }, (_, i) => ({ type: "TOOL_CALL_ARGS", toolCallId, delta: argDelta(i) })),
    { type: "TOOL_CALL_END", toolCallId },
  ] as BaseEvent[]);
}

type Frame = { seq: number; first?: number; event: BaseEvent };

/** Every seq once, in order; merged frames only ever stand for deltas of one kind. */
function expectContiguous(frames: Frame[]) {
  let last = 0;
  for (const f of frames) {
    expect(f.first ?? f.seq).toBe(last + 1);
    if (f.first !== undefined) expect(["TEXT_MESSAGE_CONTENT", "TOOL_CALL_ARGS"]).toContain(f.event.type);
    last = f.seq;
  }
}

const deltaFrames = (frames: Frame[]) =>
  frames.filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT" || f.event.type === "TOOL_CALL_ARGS");

describe("merge window (options.mergeMs)", () => {
  it("ready advertises maxMergeMs; with a window, deltas arrive merged, a few frames per window, same transcript", async () => {
    const srv = await startServer();
    const p = await peer(srv.wsUrl);
    const ready = p.frames.find((f) => f.type === "ready");
    expect(ready.maxMergeMs).toBe(100);
    p.send({ type: "options", mergeMs: 40 });
    p.send({
      type: "run",
      id: "q1",
      agent: "writer",
      input: runInput({ runId: "mw-1", threadId: "t-mw-1" }),
    });
    const frames: Frame[] = await p.runEvents("mw-1");
    expectContiguous(frames);
    expect(frames.at(-1)!.seq).toBe(TEXT + ARGS + 6);
    // 180 deltas over at least 90 ms: with a 40 ms window a handful of frames carry them
    // (a leading frame and a merged one per window, per message), not one each.
    const deltas = deltaFrames(frames);
    expect(deltas.filter((f) => f.first !== undefined).length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan((TEXT + ARGS) / 4);
    expect(transcript(frames.map((f) => f.event))).toBe(expected("mw-1"));
  });

  it("a message's end and the next tool call are not held back by the window", async () => {
    const srv = await startServer();
    const p = await peer(srv.wsUrl);
    // The longest window the server allows: the end must still follow the last text delta at
    // once, not when the window closes.
    p.send({ type: "options", mergeMs: 100 });
    p.send({
      type: "run",
      id: "q2",
      agent: "writer",
      input: runInput({ runId: "mw-2", threadId: "t-mw-2" }),
    });
    const arrivals: { type: string; at: number }[] = [];
    p.ws.on("message", (data) => {
      const f = JSON.parse(String(data));
      if (f.type === "event") arrivals.push({ type: f.event.type, at: performance.now() });
    });
    const frames: Frame[] = await p.runEvents("mw-2");
    expectContiguous(frames);
    const ends = frames.findIndex((f) => f.event.type === "TEXT_MESSAGE_END");
    // The last text frame and the end travel together: the end was sent as soon as it existed,
    // flushing what the window held in front of it (order kept), in the same write.
    expect(frames[ends - 1]!.event.type).toBe("TEXT_MESSAGE_CONTENT");
    const at = (i: number) => arrivals[i]?.at ?? Number.NaN;
    expect(at(ends) - at(ends - 1)).toBeLessThan(50);
    expect(transcript(frames.map((f) => f.event))).toBe(expected("mw-2"));
  });

  it("without options (or with mergeMs 0) no frame is merged by a window; a larger window is capped", async () => {
    const srv = await startServer();
    const plain = await peer(srv.wsUrl);
    plain.send({
      type: "run",
      id: "q3",
      agent: "writer",
      input: runInput({ runId: "mw-3", threadId: "t-mw-3" }),
    });
    const frames: Frame[] = await plain.runEvents("mw-3");
    expectContiguous(frames);
    // One delta per millisecond to a reader on loopback that keeps up: at most a rare frame
    // merged by read receipts (this process stalling), never the window's many.
    expect(deltaFrames(frames).length).toBeGreaterThan((TEXT + ARGS) * 0.8);

    const off = await peer(srv.wsUrl);
    off.send({ type: "options", mergeMs: 40 });
    off.send({ type: "options", mergeMs: 0 });
    off.send({
      type: "run",
      id: "q4",
      agent: "writer",
      input: runInput({ runId: "mw-4", threadId: "t-mw-4" }),
    });
    expect(deltaFrames(await off.runEvents("mw-4")).length).toBeGreaterThan((TEXT + ARGS) * 0.8);

    const bad = await peer(srv.wsUrl);
    bad.send({ type: "options", mergeMs: -5 });
    const err = await bad.next((f) => f.type === "error");
    expect(err.code).toBe("bad_request");
    expect(err.message).toMatch(/mergeMs/);
  });

  it("over SSE, ?mergeMs= merges the same way; /connect advertises maxMergeMs", async () => {
    const srv = await startServer();
    const connect = await fetch(`${srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: { authorization: "Bearer secret", "content-type": "application/json" },
      body: '{"ticket":false}',
    });
    expect((await connect.json()).maxMergeMs).toBe(100);
    const sse = await openSse(`${srv.httpUrl}/copilotkit/agents/writer/run?mergeMs=40`, {
      method: "POST",
      headers: { authorization: "Bearer secret", "content-type": "application/json" },
      body: JSON.stringify(runInput({ runId: "mw-5", threadId: "t-mw-5" })),
    });
    cleanups.push(() => sse.abort());
    await sse.ended;
    const events = sse.blocks.filter((b) => b.json?.type).map((b) => b.json as BaseEvent);
    const deltas = events.filter((e) => e.type === "TEXT_MESSAGE_CONTENT" || e.type === "TOOL_CALL_ARGS");
    expect(deltas.length).toBeLessThan((TEXT + ARGS) / 4);
    expect(transcript(events)).toBe(expected("mw-5"));
  });

  it.each(["websocket", "sse"] as const)(
    "the real client asks for mergeDeltasMs over %s and folds the same answer from fewer frames",
    async (transport) => {
      const srv = await startServer();
      let frames = 0;
      // The real `ws` WebSocket, counting what it receives.
      class CountingWebSocket extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          this.on("message", () => frames++);
        }
      }
      const countingFetch: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (!res.body || !res.headers.get("content-type")?.startsWith("text/event-stream")) return res;
        const counted = res.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, ctl) {
              frames += (new TextDecoder().decode(chunk).match(/^id:/gm) ?? []).length;
              ctl.enqueue(chunk);
            },
          }),
        );
        return new Response(counted, { status: res.status, headers: res.headers });
      };
      const client = createClient({
        ...(transport === "websocket"
          ? { url: srv.wsUrl, WebSocket: CountingWebSocket as unknown as typeof WebSocket }
          : { runtimeUrl: `${srv.httpUrl}/copilotkit`, transport: "sse" as const, fetch: countingFetch }),
        token: "secret",
        mergeDeltasMs: 40,
      });
      cleanups.push(() => client.close());
      const run = client.startRun({ agent: "writer" });
      const events: BaseEvent[] = [];
      run.on((e) => events.push(e));
      expect((await run.done).status).toBe("finished");
      expect(transcript(events)).toBe(expected(run.runId));
      expect(frames).toBeLessThan((TEXT + ARGS) / 3);
    },
  );
});
