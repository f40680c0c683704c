/**
 * LangGraphAgent inside the real runtime (CopilotKitSDK over a real WebSocket): the
 * runtime's validation accepts its interrupt outcome and pending browser tool calls,
 * and a `resume` sent by the client reaches the graph.
 */

import { createChatGraph, LangGraphAgent } from "@backchannel/langgraph";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { AIMessage } from "@langchain/core/messages";
import { END, interrupt, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../packages/langgraph/test/scripted-model.js";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const KEY = "langgraph-runtime-key-1";
let server: ListeningServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
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
});
