/**
 * AG-UI compatibility of the HTTP binding: AG-UI's own client (`HttpAgent` from
 * `@ag-ui/client`) runs our agents over real HTTP, with no Backchannel code on its side.
 */
import { HttpAgent } from "@ag-ui/client";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testAgents } from "./helpers/agents.js";

const KEY = "agui-compat-key-0123456789";
let srv: ListeningServer;
let release: () => void = () => {};

/** Text, a tool call, state snapshot + delta and a step: the event kinds a copilot uses. */
const portfolio = {
  name: "portfolio",
  description: "Answers with text, a tool call and shared state",
  async *run(input: any) {
    yield { type: "STEP_STARTED", stepName: "analyse" };
    yield { type: "STATE_SNAPSHOT", snapshot: { holdings: 2, status: "analysing" } };
    const messageId = `a-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (const delta of ["You hold ", "2 positions", "."])
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta };
    yield { type: "TEXT_MESSAGE_END", messageId };
    yield {
      type: "TOOL_CALL_START",
      toolCallId: "tc1",
      toolCallName: "highlightRow",
      parentMessageId: messageId,
    };
    yield { type: "TOOL_CALL_ARGS", toolCallId: "tc1", delta: '{"row":' };
    yield { type: "TOOL_CALL_ARGS", toolCallId: "tc1", delta: "3}" };
    yield { type: "TOOL_CALL_END", toolCallId: "tc1" };
    yield { type: "STATE_DELTA", delta: [{ op: "replace", path: "/status", value: "done" }] };
    yield { type: "STEP_FINISHED", stepName: "analyse" };
  },
};

/** Emits one token, then waits for the test to let it finish. */
const gated = {
  name: "gated",
  description: "Waits for the test",
  async *run(input: any) {
    const messageId = `g-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: "first" };
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: " last" };
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

beforeAll(async () => {
  const sdk = new CopilotKitSDK({
    agents: [...(testAgents as never[]), portfolio, gated],
    auth: { apiKeys: KEY },
    logger: pino({ level: "silent" }),
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

const agent = (name: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
  new HttpAgent({
    url: `${srv.httpUrl}/copilotkit/agents/${name}/run`,
    headers,
    initialMessages: [{ id: "u1", role: "user", content: "What do I hold?" }],
  });

describe("AG-UI HttpAgent against the HTTP binding", () => {
  it("round-trips a run: messages, tool call and state fold exactly as AG-UI defines", async () => {
    const a = agent("portfolio");
    const types: string[] = [];
    const { newMessages } = await a.runAgent(
      {},
      {
        onEvent: ({ event }) => {
          types.push(event.type);
        },
      },
    );
    expect(types[0]).toBe("RUN_STARTED");
    expect(types.at(-1)).toBe("RUN_FINISHED");
    expect(types).toContain("TOOL_CALL_ARGS");
    const assistant = newMessages.find((m) => m.role === "assistant") as any;
    expect(assistant.content).toBe("You hold 2 positions.");
    expect(assistant.toolCalls).toEqual([
      { id: "tc1", type: "function", function: { name: "highlightRow", arguments: '{"row":3}' } },
    ]);
    expect(a.state).toEqual({ holdings: 2, status: "done" });
    expect(a.messages.map((m) => m.id)).toEqual(["u1", assistant.id]);
  });

  it("streams: the first events arrive while the agent is still running", async () => {
    const a = agent("gated");
    let sawFirst!: () => void;
    const first = new Promise<void>((resolve) => {
      sawFirst = resolve;
    });
    const done = a.runAgent(
      {},
      {
        onTextMessageContentEvent: ({ event }) => {
          if (event.delta === "first") sawFirst();
        },
      },
    );
    // The agent cannot finish before release(), so this proves the stream is not buffered.
    await first;
    await vi.waitFor(() => expect(a.messages.at(-1)).toMatchObject({ role: "assistant", content: "first" }));
    release();
    await done;
    expect(a.messages.at(-1)).toMatchObject({ content: "first last" });
  });

  it("reports an agent failure through RUN_ERROR", async () => {
    const a = agent("thrower");
    let error: any;
    const onRunErrorEvent = ({ event }: { event: unknown }) => {
      error = event;
    };
    await a.runAgent({}, { onRunErrorEvent }).catch(() => {});
    expect(error).toMatchObject({
      type: "RUN_ERROR",
      message: expect.stringMatching(/^The agent failed \(error id [0-9a-f-]{36}\)/),
    });
  });

  it("fails with HTTP 401 and our JSON error body without credentials", async () => {
    const a = agent("portfolio", {});
    const err: any = await a.runAgent().catch((e) => e);
    expect(err.status).toBe(401);
    expect(err.payload).toEqual({
      error: { code: "auth_failed", message: expect.stringMatching(/Authorization: Bearer/) },
    });
  });
});
