/**
 * LangGraphAgent inside the real runtime (CopilotKitSDK over a real WebSocket): the
 * runtime's validation accepts its interrupt outcome and pending browser tool calls,
 * and a `resume` sent by the client reaches the graph.
 */

import { createChatGraph, LangGraphAgent, RemoteAgent } from "@backchannel/langgraph";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { AIMessage } from "@langchain/core/messages";
import { END, interrupt, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startPythonEndpoint } from "../packages/langgraph/test/python-agui.js";
import { ScriptedChatModel } from "../packages/langgraph/test/scripted-model.js";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const KEY = "langgraph-runtime-key-1";
let server: ListeningServer | undefined;
let closeRemote: (() => Promise<void>) | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await closeRemote?.();
  closeRemote = undefined;
});

async function serve(agents: unknown[]) {
  const sdk = new CopilotKitSDK({
    agents: agents as never,
    auth: { apiKeys: KEY },
    logger: pino({ level: "silent" }),
  });
  server = await sdk.listen({ port: 0 });
  return connectPeer(server.wsUrl, { headers: { authorization: `Bearer ${KEY}` } });
}

describe("LangGraphAgent in the runtime", () => {
  it("ends a run on interrupt() and continues it with the client's resume", async () => {
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("confirm", async () => {
        const answer = interrupt({ reason: "approval", message: "Rebalance the portfolio?" }) as {
          ok: boolean;
        };
        return { messages: [new AIMessage(answer.ok ? "Rebalanced." : "Left as is.")] };
      })
      .addEdge(START, "confirm")
      .addEdge("confirm", END)
      .compile({ checkpointer: new MemorySaver() });
    const peer = await serve([new LangGraphAgent({ name: "hitl", description: "approvals", graph })]);

    const first = startRun(peer, "hitl", { threadId: "thread-hitl" });
    const firstEvents = (await peer.runEvents(first)).map((f) => f.event);
    const finished = firstEvents.at(-1);
    expect(finished).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "interrupt" } });
    const [pending] = finished.outcome.interrupts;
    expect(pending).toMatchObject({ reason: "approval", message: "Rebalance the portfolio?" });

    const second = startRun(peer, "hitl", {
      threadId: "thread-hitl",
      resume: [{ interruptId: pending.id, status: "resolved", payload: { ok: true } }],
    });
    const secondEvents = (await peer.runEvents(second)).map((f) => f.event);
    const text = secondEvents.filter((e) => e.type === "TEXT_MESSAGE_CONTENT").map((e) => e.delta);
    expect(text).toEqual(["Rebalanced."]);
    expect(secondEvents.at(-1)).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "success" } });
    peer.close();
  });

  it("reports a browser tool call as pending and takes its result on the next run", async () => {
    const model = new ScriptedChatModel([
      { toolCalls: [{ id: "call_confirm", name: "show_confirm", args: ['{"text":"Sell?"}'] }] },
      { text: ["You ", "confirmed."] },
    ]);
    const agent = new LangGraphAgent({ name: "ops", description: "ops", graph: createChatGraph({ model }) });
    const peer = await serve([agent]);
    const tools = [{ name: "show_confirm", description: "Asks the user", parameters: { type: "object" } }];

    const first = startRun(peer, "ops", { tools });
    const events = (await peer.runEvents(first)).map((f) => f.event);
    expect(events.at(-1)).toMatchObject({
      outcome: { type: "success", pendingToolCallIds: ["call_confirm"] },
    });
    const start = events.find((e) => e.type === "TOOL_CALL_START");

    const second = startRun(peer, "ops", {
      tools,
      messages: [
        { id: "u1", role: "user", content: "sell" },
        {
          id: start.parentMessageId,
          role: "assistant",
          toolCalls: [
            {
              id: "call_confirm",
              type: "function",
              function: { name: "show_confirm", arguments: '{"text":"Sell?"}' },
            },
          ],
        },
        { id: "t1", role: "tool", toolCallId: "call_confirm", content: "confirmed" },
      ],
    });
    const answer = (await peer.runEvents(second)).map((f) => f.event);
    expect(
      answer
        .filter((e) => e.type === "TEXT_MESSAGE_CONTENT")
        .map((e) => e.delta)
        .join(""),
    ).toBe("You confirmed.");
    expect(model.calls[1]?.messages.at(-1)?.content).toBe("confirmed");
    peer.close();
  });

  it("relays a strict (Python SDK) AG-UI endpoint through the runtime, and cancel closes the remote request", async () => {
    const py = await startPythonEndpoint((input, stream, req) => {
      stream.send({ type: "RUN_STARTED", threadId: input.threadId, runId: input.runId });
      stream.send({ type: "STATE_SNAPSHOT", snapshot: { user: req.headers["x-user"] } });
      stream.send({ type: "TEXT_MESSAGE_START", messageId: "py-1" });
      stream.send({ type: "TEXT_MESSAGE_CONTENT", messageId: "py-1", delta: "Hello from Python" });
      // The Python agent keeps thinking until the client cancels.
    });
    closeRemote = py.close;
    const agent = new RemoteAgent({
      name: "py",
      description: "Python agent",
      url: py.url,
      headers: (_input, ctx) => ({ "x-user": ctx.principal.id }),
    });
    const peer = await serve([agent]);
    // As our clients send it: no state, forwardedProps, tools or context.
    const runId = startRun(peer, "py", {
      state: undefined,
      forwardedProps: undefined,
      tools: undefined,
      context: undefined,
    });
    await peer.next(
      (f) => f.type === "event" && f.runId === runId && f.event.type === "TEXT_MESSAGE_CONTENT",
    );
    peer.send({ type: "cancel", runId });
    const events = (await peer.runEvents(runId)).map((f) => f.event);
    expect(events.map((e) => e.type)).toEqual([
      "RUN_STARTED",
      "STATE_SNAPSHOT",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "RUN_FINISHED",
    ]);
    expect(events[1].snapshot).toEqual({ user: "apikey:default" });
    expect(events.at(-1).outcome).toEqual({ type: "cancelled" });
    await py.requests[0]?.closed;
    peer.close();
  });
});
