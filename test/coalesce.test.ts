/**
 * Coalescing while the reader is behind (docs/protocol.md, "Merged deltas"): the server holds
 * text and tool-argument deltas while a reader has not read what it was sent, and merges them
 * into `first..seq` frames; a reader that keeps up gets one frame per event. Real sockets: the
 * real client behind a TCP proxy that stops reading (a reader that lags), and raw `ws` readers.
 */
import type { BaseEvent } from "@ag-ui/core";
import {
  type BackchannelClient,
  createClient,
  createFoldState,
  foldEvent,
  foldSnapshot,
} from "@backchannel/client";
import { type Agent, CopilotKitSDK, createLogger } from "@backchannel/server";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createTcpProxy } from "./helpers/tcp-proxy.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Deltas per run: [text, tool-call arguments]. */
const SIZES = { fast: [400, 300], paced: [60, 40] } as const;
const textDelta = (i: number) => `w${i} `;
const argDelta = (i: number, n: number) => (i === 0 ? '{"notes":"' : i === n - 1 ? '"}' : `n${i},`);

/**
 * Lets the "paced" agent emit a delta only once the reader has the one before: a reader that
 * keeps up by construction, however loaded the machine (a timer-paced agent would let two deltas
 * meet whenever this process stalls, and the reader would rightly count as behind).
 */
const lockstep = {
  received: 0,
  waiter: undefined as (() => void) | undefined,
  got(n: number) {
    this.received = n;
    this.waiter?.();
  },
  after(n: number): Promise<void> {
    if (this.received >= n) return Promise.resolve();
    return new Promise<void>((r) => {
      this.waiter = () => {
        if (this.received >= n) r();
      };
    });
  },
};

/** A text answer then a tool call: one delta per turn of the event loop ("fast"), or in lockstep with the reader ("paced"). */
function streamingAgent(name: keyof typeof SIZES): Agent {
  const [TEXT_TOKENS, ARG_TOKENS] = SIZES[name];
  let emitted = 0;
  const pause = () =>
    name === "paced" ? lockstep.after(emitted) : new Promise<void>((r) => setImmediate(r));
  return {
    name,
    description: "Streams a long answer and a long tool call",
    async *run(input) {
      const messageId = `m-${input.runId}`;
      const toolCallId = `c-${input.runId}`;
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" } as BaseEvent;
      for (let i = 0; i < TEXT_TOKENS; i++) {
        await pause();
        emitted++;
        yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: textDelta(i) } as BaseEvent;
      }
      yield { type: "TEXT_MESSAGE_END", messageId } as BaseEvent;
      yield {
        type: "TOOL_CALL_START",
        toolCallId,
        toolCallName: "note",
        parentMessageId: messageId,
      } as BaseEvent;
      for (let i = 0; i < ARG_TOKENS; i++) {
        await pause();
        emitted++;
        yield { type: "TOOL_CALL_ARGS", toolCallId, delta: argDelta(i, ARG_TOKENS) } as BaseEvent;
      }
      yield { type: "TOOL_CALL_END", toolCallId } as BaseEvent;
    },
  };
}

async function startServer() {
  const sdk = new CopilotKitSDK({
    agents: [streamingAgent("fast"), streamingAgent("paced")],
    auth: { apiKeys: { test: "secret" } },
    logger: createLogger({ level: "silent" }),
  });
  const srv = await sdk.listen({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => srv.close());
  return srv;
}

function connect(url: string): BackchannelClient {
  const client = createClient({ url, WebSocket, token: "secret" });
  cleanups.push(() => client.close());
  return client;
}

/** What a user sees: the folded messages, as JSON. */
function transcript(events: BaseEvent[]): string {
  const fold = createFoldState();
  for (const e of events) foldEvent(fold, e);
  return JSON.stringify(foldSnapshot(fold).messages);
}

function expectedTranscript(runId: string, agent: keyof typeof SIZES): string {
  const [TEXT_TOKENS, ARG_TOKENS] = SIZES[agent];
  const messageId = `m-${runId}`;
  const toolCallId = `c-${runId}`;
  const d = (i: number) => textDelta(i);
  const events: BaseEvent[] = [
    { type: "TEXT_MESSAGE_START", messageId, role: "assistant" } as BaseEvent,
    ...Array.from(
      { length: TEXT_TOKENS },
      (_, i) => ({ type: "TEXT_MESSAGE_CONTENT", messageId, delta: d(i) }) as BaseEvent,
    ),
    { type: "TEXT_MESSAGE_END", messageId } as BaseEvent,
    { type: "TOOL_CALL_START", toolCallId, toolCallName: "note", parentMessageId: messageId } as BaseEvent,
    ...Array.from(
      { length: ARG_TOKENS },
      (_, i) => ({ type: "TOOL_CALL_ARGS", toolCallId, delta: argDelta(i, ARG_TOKENS) }) as BaseEvent,
    ),
    { type: "TOOL_CALL_END", toolCallId } as BaseEvent,
  ];
  return transcript(events);
}

describe("coalescing while the reader is behind", () => {
  it("merges the text and tool-argument deltas a lagging reader would have queued; the transcript is identical", async () => {
    const srv = await startServer();
    const proxy = await createTcpProxy({ port: srv.port });
    cleanups.push(() => proxy.close());
    const client = connect(proxy.url("/copilotkit/ws"));
    const run = client.startRun({ agent: "fast" });
    const seen: { seq: number; event: BaseEvent }[] = [];
    let textSeen = 0;
    let argsSeen = 0;
    const stallFor = (ms: number) => {
      proxy.stall(true);
      setTimeout(() => proxy.stall(false), ms);
    };
    run.on((event, seq) => {
      seen.push({ seq, event });
      // The reader stops reading twice: once in the text, once in the tool call's arguments.
      if (event.type === "TEXT_MESSAGE_CONTENT" && ++textSeen === 20) stallFor(300);
      if (event.type === "TOOL_CALL_ARGS" && ++argsSeen === 20) stallFor(300);
    });
    const result = await run.done;
    expect(result.status).toBe("finished");

    // Every seq is covered exactly once, in order.
    const total = seen.at(-1)!.seq;
    expect(total).toBe(SIZES.fast[0] + SIZES.fast[1] + 6);
    // Merged frames stand for several events: fewer deliveries than events, for both kinds.
    const merged = (type: string) =>
      seen.filter((s, i) => s.event.type === type && s.seq - (seen[i - 1]?.seq ?? 0) > 1);
    expect(merged("TEXT_MESSAGE_CONTENT").length).toBeGreaterThan(0);
    expect(merged("TOOL_CALL_ARGS").length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(total);
    // What the user sees is exactly what was streamed.
    expect(transcript(seen.map((s) => s.event))).toBe(expectedTranscript(run.runId, "fast"));
  });

  it("a reader that keeps up gets exactly one frame per event, no merged frame", async () => {
    const srv = await startServer();
    const ws = new WebSocket(srv.wsUrl, ["backchannel.v1"]);
    cleanups.push(() => ws.terminate());
    const frames: { seq: number; first?: number; event: BaseEvent }[] = [];
    let deltas = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    ws.on("message", (data) => {
      const f = JSON.parse(String(data));
      if (f.type === "ready") {
        ws.send(
          JSON.stringify({ type: "run", id: "r-keep-up", agent: "paced", input: runInput("r-keep-up") }),
        );
      }
      if (f.type !== "event") return;
      frames.push(f);
      if (f.event.type === "TEXT_MESSAGE_CONTENT" || f.event.type === "TOOL_CALL_ARGS")
        lockstep.got(++deltas);
      if (f.event.type === "RUN_FINISHED" || f.event.type === "RUN_ERROR") done();
    });
    await new Promise<void>((r) => ws.once("open", () => r()));
    ws.send(JSON.stringify({ type: "auth", token: "secret" }));
    await finished;
    expect(frames.filter((f) => f.first !== undefined)).toEqual([]);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(transcript(frames.map((f) => f.event))).toBe(expectedTranscript("r-keep-up", "paced"));
  });
});

function runInput(runId: string) {
  return {
    threadId: `t-${runId}`,
    runId,
    messages: [],
    tools: [],
    context: [],
    state: {},
    forwardedProps: {},
  };
}
