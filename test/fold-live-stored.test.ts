/**
 * What a user sees live is what they see after a reload. A real runtime (SQLite store) runs an
 * agent that replays an AG-UI event stream; a real client's `AgentThread` folds it live over
 * the WebSocket, the server folds it into the stored thread, and the test loads the thread
 * back over HTTP (as a reload does) and requires the same messages (ids, roles, contents, tool
 * calls) and state. The streams are random (fast-check, test/helpers/agui-streams.ts) and end
 * every way a run can end: finished, RUN_ERROR mid-run, the agent throwing, cancelled.
 */
import type { BaseEvent, Message } from "@ag-ui/core";
import {
  AgentThread,
  type BackchannelClient,
  createClient,
  createThreadsApi,
  type RunHandle,
  type ThreadHistory,
} from "@backchannel/client";
import { validateEvent } from "@backchannel/protocol/validate";
import { CopilotKitSDK } from "@backchannel/server";
import fc from "fast-check";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { buildEvents, type Script, scriptArbitrary } from "./helpers/agui-streams.js";

const KEY = "alice-key-0000000000";
const scripts = new Map<string, Script>();

/** Replays the script registered for the run's thread, then ends as the script says. */
const scripted = {
  name: "scripted",
  description: "Replays a generated AG-UI stream",
  async *run(input: { threadId: string }, ctx: { signal: AbortSignal }) {
    const script = scripts.get(input.threadId);
    if (!script) throw new Error(`no script for thread ${input.threadId}`);
    for (const event of script.events) yield event;
    if (script.ending === "errorEvent") {
      yield { type: "RUN_ERROR", message: "generated failure", code: "generated" };
    } else if (script.ending === "throw") {
      throw new Error("generated throw");
    } else if (script.ending === "cancel") {
      yield { type: "CUSTOM", name: "ready-to-cancel", value: null };
      await new Promise((_, reject) => {
        if (ctx.signal.aborted) reject(ctx.signal.reason);
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      });
    }
  },
};

let srv: Awaited<ReturnType<CopilotKitSDK["listen"]>>;
let client: BackchannelClient;
let threads: ReturnType<typeof createThreadsApi>;
/** The handles of runs AgentThread starts, so a test can cancel at a known point. */
const handles = new Map<string, RunHandle>();
let watched: BackchannelClient;

beforeAll(async () => {
  const sdk = new CopilotKitSDK({
    agents: [scripted] as never,
    auth: { apiKeys: { alice: KEY } },
    logger: pino({ level: "silent" }),
    dataDir: ":memory:",
  });
  srv = await sdk.listen({ port: 0 });
  client = createClient({ url: srv.wsUrl, token: KEY, WebSocket: WebSocket as never });
  threads = createThreadsApi({ baseUrl: srv.wsUrl, token: KEY });
  watched = Object.create(client, {
    startRun: {
      value: (options: Parameters<BackchannelClient["startRun"]>[0]) => {
        const handle = client.startRun(options);
        handles.set(options.input?.threadId ?? "", handle);
        return handle;
      },
    },
  });
});

afterAll(async () => {
  client?.close();
  await srv?.close();
});

const earlier: Message[] = [{ id: "a0", role: "assistant", content: "An answer from an earlier run." }];
const initialState = { a: 1, list: [1, 2], obj: { x: 0 } };
let threadCount = 0;

/** Runs `script` on a fresh thread; returns the live snapshot and the stored thread. */
async function runLiveAndStored(script: Script) {
  const threadId = `fold-${process.pid}-${++threadCount}`;
  scripts.set(threadId, script);
  const thread = new AgentThread({
    client: watched,
    agent: "scripted",
    threadId,
    initialMessages: earlier,
    initialState,
  });
  try {
    const sent = thread.sendMessage({ id: "u1", content: "Go" });
    if (script.ending === "cancel") {
      const handle = handles.get(threadId)!;
      await new Promise<void>((resolve) => {
        // A run that ended before it got there (it cannot, with valid events) must not hang the test.
        void handle.done.then(() => resolve());
        const off = handle.on(
          (event) => {
            if ((event as { name?: string }).name === "ready-to-cancel") {
              off();
              resolve();
            }
          },
          { replay: true },
        );
      });
      thread.stop();
    }
    const result = await sent;
    const live = thread.getSnapshot();
    const stored = await storedRun(threadId, result.runId);
    return { result, live, stored };
  } finally {
    thread.dispose();
    scripts.delete(threadId);
    handles.delete(threadId);
  }
}

/** The thread as a reload loads it, once the server has saved run `runId`. */
async function storedRun(threadId: string, runId: string): Promise<ThreadHistory> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const history = await threads.get(threadId);
    if (history?.runs.some((r) => r.runId === runId)) return history;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`run ${runId} of ${threadId} was never stored`);
}

/** Plain JSON, as it travels and is stored (frozen objects and undefined fields compare equal). */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value));

const expectedStatus = { finish: "finished", errorEvent: "error", throw: "error", cancel: "cancelled" };

describe("one fold: live equals stored", () => {
  it("every generated event is valid AG-UI", () => {
    fc.assert(
      fc.property(scriptArbitrary(), (script) => {
        for (const event of script.events) {
          const checked = validateEvent(event);
          if (!checked.ok) throw new Error(`${checked.message}: ${JSON.stringify(event)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("random streams: the live AgentThread and the stored thread hold the same messages and state", async () => {
    await fc.assert(
      fc.asyncProperty(scriptArbitrary(), async (script) => {
        const { result, live, stored } = await runLiveAndStored(script);
        expect(result.status).toBe(expectedStatus[script.ending]);
        expect(stored.runs[0]).toMatchObject({ runId: result.runId, status: result.status });
        expect(plain(stored.messages)).toStrictEqual(plain(live.messages));
        expect(plain(stored.state)).toStrictEqual(plain(live.state));
      }),
      { numRuns: Number(process.env.FOLD_PROPERTY_RUNS ?? 60) },
    );
  }, 180_000);

  it("an agent streaming id-less chunks shows the same transcript live and after a reload", async () => {
    const events = [
      { type: "TEXT_MESSAGE_CHUNK", delta: "Let me " },
      { type: "TEXT_MESSAGE_CHUNK", delta: "check." },
      { type: "TOOL_CALL_CHUNK", toolCallId: "c1", toolCallName: "lookup", delta: '{"q":' },
      { type: "TOOL_CALL_CHUNK", delta: '"NAV"}' },
      { type: "TEXT_MESSAGE_CHUNK", delta: "NAV is " },
      { type: "TEXT_MESSAGE_CHUNK", delta: "42." },
    ] as BaseEvent[];
    const { result, live, stored } = await runLiveAndStored({ steps: [], events, ending: "finish" });
    const run = result.runId;
    const expected = [
      ...earlier,
      { id: "u1", role: "user", content: "Go" },
      {
        id: `${run}:msg:1`,
        role: "assistant",
        content: "Let me check.",
        toolCalls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"NAV"}' } }],
      },
      { id: `${run}:msg:2`, role: "assistant", content: "NAV is 42." },
    ];
    expect(plain(live.messages)).toStrictEqual(expected);
    expect(plain(stored.messages)).toStrictEqual(expected);

    // The reload: a new thread starts from the stored history and shows the same transcript.
    const reloaded = new AgentThread({
      client,
      agent: "scripted",
      threadId: live.threadId,
      initialMessages: stored.messages,
      initialState: stored.state,
    });
    expect(plain(reloaded.getSnapshot().messages)).toStrictEqual(expected);
    reloaded.dispose();
  });

  it("a RUN_ERROR mid-run keeps the partial answer the same way live and stored", async () => {
    const events = buildEvents(
      [
        { k: "textChunk", id: "none", pick: 0, delta: "partial", sub: false },
        { k: "toolChunk", id: "new", pick: 0, name: "lookup", parent: "none", delta: "{", sub: false },
      ],
      "u1",
    );
    const { result, live, stored } = await runLiveAndStored({ steps: [], events, ending: "errorEvent" });
    expect(result.status).toBe("error");
    expect(stored.runs[0]).toMatchObject({ status: "error", errorCode: "generated" });
    expect(plain(stored.messages)).toStrictEqual(plain(live.messages));
    expect(plain(live.messages).at(-1)).toMatchObject({
      id: `${result.runId}:msg:1`,
      content: "partial",
      toolCalls: [{ function: { arguments: "{" } }],
    });
  });
});
