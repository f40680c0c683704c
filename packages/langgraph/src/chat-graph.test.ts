import type { Message } from "@ag-ui/core";
import { type BaseMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode, toolsCondition } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { collect, ofType, runInput, texts, types } from "../test/harness.js";
import { ScriptedChatModel } from "../test/scripted-model.js";
import { createChatGraph } from "./chat-graph.js";
import { LangGraphAgent } from "./langgraph-agent.js";

const navTool = tool(async ({ fund }) => JSON.stringify({ fund, nav: 101.5 }), {
  name: "get_nav",
  description: "Latest NAV of a fund",
  schema: z.object({ fund: z.string() }),
});

const highlight = {
  name: "highlight_row",
  description: "Highlights a row in the positions table",
  parameters: { type: "object", properties: { row: { type: "string" } }, required: ["row"] },
};

const user = (id: string, content: string): Message => ({ id, role: "user", content });

describe("tool calls", () => {
  it("runs a server tool in a hand-built StateGraph with ToolNode and streams call, args and result", async () => {
    const model = new ScriptedChatModel([
      { toolCalls: [{ id: "call_nav", name: "get_nav", args: ['{"fu', 'nd":"', 'Alpha"}'] }] },
      { text: ["NAV is ", "101.5"] },
    ]);
    const bound = model.bindTools([navTool]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", async (s, config) => ({ messages: [await bound.invoke(s.messages, config)] }))
      .addNode("tools", new ToolNode([navTool]))
      .addEdge(START, "agent")
      .addConditionalEdges("agent", toolsCondition, ["tools", END])
      .addEdge("tools", "agent")
      .compile();
    const agent = new LangGraphAgent({ name: "nav", description: "nav", graph });
    const events = await collect(agent, runInput({ messages: [user("u1", "NAV of Alpha?")] }));

    const start = ofType(events, "TOOL_CALL_START")[0];
    expect(start).toMatchObject({ toolCallId: "call_nav", toolCallName: "get_nav" });
    expect(ofType(events, "TOOL_CALL_ARGS").map((e) => e.delta)).toEqual(['{"fu', 'nd":"', 'Alpha"}']);
    const result = ofType(events, "TOOL_CALL_RESULT")[0];
    expect(result).toMatchObject({ toolCallId: "call_nav", role: "tool" });
    expect(JSON.parse(result?.content)).toEqual({ fund: "Alpha", nav: 101.5 });
    // The call closes before its result, and the answer streams after it.
    const order = types(events);
    expect(order.indexOf("TOOL_CALL_END")).toBeLessThan(order.indexOf("TOOL_CALL_RESULT"));
    expect(order.lastIndexOf("TEXT_MESSAGE_CONTENT")).toBeGreaterThan(order.indexOf("TOOL_CALL_RESULT"));
    expect(Object.values(texts(events))).toEqual(["NAV is 101.5"]);
    expect(ofType(events, "STEP_STARTED").map((e) => e.stepName)).toEqual(["agent", "tools", "agent"]);
    expect(ofType(events, "RUN_FINISHED")[0]?.outcome).toEqual({ type: "success" });
    const toolMessage = model.calls[1]?.messages.at(-1);
    expect(ToolMessage.isInstance(toolMessage)).toBe(true);
  });

  it.each([
    ["with a checkpointer", true],
    ["stateless", false],
  ])(
    "ends the run on a browser tool call and continues with the client's result (%s)",
    async (_label, saved) => {
      const model = new ScriptedChatModel([
        {
          text: ["Let me highlight it."],
          toolCalls: [{ id: "call_hl", name: "highlight_row", args: ['{"row":"AAPL"}'] }],
        },
        { text: ["Highlighted."] },
      ]);
      const graph = createChatGraph({
        model,
        tools: [navTool],
        ...(saved ? { checkpointer: new MemorySaver() } : {}),
      });
      const agent = new LangGraphAgent({ name: "ops", description: "ops", graph });
      const threadId = `browser-${saved}`;
      const first = await collect(
        agent,
        runInput({ threadId, tools: [highlight], messages: [user("u1", "show AAPL")] }),
      );

      // The model was offered the browser tool next to the server's.
      const offered = (model.calls[0]!.tools as Array<{ name?: string; function?: { name: string } }>).map(
        (t) => t.function?.name ?? t.name,
      );
      expect(offered).toEqual(["get_nav", "highlight_row"]);
      expect(ofType(first, "TOOL_CALL_START")[0]).toMatchObject({
        toolCallId: "call_hl",
        toolCallName: "highlight_row",
      });
      expect(types(first)).not.toContain("TOOL_CALL_RESULT");
      expect(ofType(first, "RUN_FINISHED")[0]?.outcome).toEqual({
        type: "success",
        pendingToolCallIds: ["call_hl"],
      });

      // The client ran the tool and sends the conversation back with its result.
      const assistantId = ofType(first, "TEXT_MESSAGE_START")[0]?.messageId as string;
      const second = await collect(
        agent,
        runInput({
          threadId,
          tools: [highlight],
          messages: [
            user("u1", "show AAPL"),
            {
              id: assistantId,
              role: "assistant",
              content: "Let me highlight it.",
              toolCalls: [
                {
                  id: "call_hl",
                  type: "function",
                  function: { name: "highlight_row", arguments: '{"row":"AAPL"}' },
                },
              ],
            },
            { id: "t1", role: "tool", toolCallId: "call_hl", content: "highlighted" },
          ],
        }),
      );
      expect(Object.values(texts(second))).toEqual(["Highlighted."]);
      const history = model.calls[1]?.messages.map((m: BaseMessage) => m.getType());
      expect(history).toEqual(["human", "ai", "tool"]);
      expect(model.calls[1]?.messages.at(-1)?.content).toBe("highlighted");
    },
  );

  it("gives the model the page's readable context and the system prompt", async () => {
    const model = new ScriptedChatModel([{ text: ["ok"] }]);
    const graph = createChatGraph({ model, systemPrompt: "You are OpsHub's assistant." });
    const agent = new LangGraphAgent({ name: "ops", description: "ops", graph });
    await collect(
      agent,
      runInput({
        context: [{ description: "Selected fund", value: "Alpha Growth" }],
        messages: [user("u1", "what am I looking at?")],
      }),
    );
    const [system] = model.calls[0]?.messages ?? [];
    expect(SystemMessage.isInstance(system)).toBe(true);
    expect(system?.content).toBe(
      "You are OpsHub's assistant.\n\nContext from the application the user is looking at:\n- Selected fund: Alpha Growth",
    );
  });

  it("answers an unknown tool name with an error result instead of stalling the conversation", async () => {
    const model = new ScriptedChatModel([
      { toolCalls: [{ id: "call_x", name: "delete_everything", args: ["{}"] }] },
      { text: ["Sorry, I can't do that."] },
    ]);
    const agent = new LangGraphAgent({
      name: "ops",
      description: "ops",
      graph: createChatGraph({ model, tools: [navTool] }),
    });
    const events = await collect(agent, runInput({ messages: [user("u1", "x")] }));
    const result = ofType(events, "TOOL_CALL_RESULT")[0];
    expect(result?.toolCallId).toBe("call_x");
    expect(result?.content).toContain("delete_everything");
    expect(ofType(events, "RUN_FINISHED")[0]?.outcome).toEqual({ type: "success" });
  });
});
