import { tool } from "@langchain/core/tools";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { collect, ofType, runInput, texts, types } from "../test/harness.js";
import { type ProviderServer, startAnthropicServer, startOpenAIServer } from "../test/provider-servers.js";
import { createChatGraph } from "./chat-graph.js";
import { createChatModelFromEnv, ModelConfigError } from "./chat-models.js";
import { LangGraphAgent } from "./langgraph-agent.js";

const navTool = tool(async ({ fund }) => `NAV of ${fund}: 101.5`, {
  name: "get_nav",
  description: "Latest NAV of a fund",
  schema: z.object({ fund: z.string() }),
});
const highlight = {
  name: "highlight_row",
  description: "Highlights a row",
  parameters: { type: "object", properties: { row: { type: "string" } }, required: ["row"] },
};
const context = [{ description: "Selected fund", value: "Alpha" }];
const user = { id: "u1", role: "user" as const, content: "NAV of Alpha?" };

let server: ProviderServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function agentFor(env: Record<string, string>) {
  const model = createChatModelFromEnv(env, { maxRetries: 0 });
  if (!model) throw new Error("no model");
  const graph = createChatGraph({ model, tools: [navTool], systemPrompt: "Be brief." });
  return new LangGraphAgent({ name: "ops", description: "ops", graph });
}

describe("createChatModelFromEnv", () => {
  it("returns undefined when no provider is configured", () => {
    expect(createChatModelFromEnv({})).toBeUndefined();
  });

  it("asks for OPENAI_MODEL when a custom endpoint is set without one", () => {
    expect(() => createChatModelFromEnv({ OPENAI_BASE_URL: "http://localhost:11434/v1" })).toThrow(
      /Set OPENAI_MODEL/,
    );
    expect(() => createChatModelFromEnv({ OPENAI_BASE_URL: "http://x/v1" })).toThrow(ModelConfigError);
  });

  it("honours BACKCHANNEL_MODEL_PROVIDER and explains a missing key", () => {
    expect(() =>
      createChatModelFromEnv({ BACKCHANNEL_MODEL_PROVIDER: "anthropic", OPENAI_API_KEY: "sk-x" }),
    ).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => createChatModelFromEnv({ BACKCHANNEL_MODEL_PROVIDER: "gemini" })).toThrow(
      /"openai" or "anthropic"/,
    );
  });
});

describe("OpenAI-compatible endpoint", () => {
  it("streams text and a server tool round trip from chat.completions SSE", async () => {
    server = await startOpenAIServer([
      { toolCalls: [{ id: "call_abc", name: "get_nav", args: ['{"fund"', ':"Alpha"}'] }] },
      { text: ["The NAV", " of Alpha", " is 101.5."] },
    ]);
    const agent = agentFor({
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: `${server.url}/v1`,
      OPENAI_MODEL: "gpt-test",
    });
    const events = await collect(agent, runInput({ messages: [user], tools: [highlight], context }));

    expect(ofType(events, "TOOL_CALL_START")[0]).toMatchObject({
      toolCallId: "call_abc",
      toolCallName: "get_nav",
    });
    expect(ofType(events, "TOOL_CALL_ARGS").map((e) => e.delta)).toEqual(['{"fund"', ':"Alpha"}']);
    expect(ofType(events, "TOOL_CALL_RESULT")[0]).toMatchObject({
      toolCallId: "call_abc",
      content: "NAV of Alpha: 101.5",
    });
    expect(ofType(events, "TEXT_MESSAGE_CONTENT").map((e) => e.delta)).toEqual([
      "The NAV",
      " of Alpha",
      " is 101.5.",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "success" } });
    // Both model calls' usage chunks, summed.
    expect(events.at(-1)?.usage).toEqual([
      { provider: "openai", model: "gpt-test", inputTokens: 24, outputTokens: 14, totalTokens: 38 },
    ]);

    const [first, second] = server.requests;
    expect(first?.headers.authorization).toBe("Bearer sk-test");
    expect(first?.body).toMatchObject({ model: "gpt-test", stream: true });
    expect(first?.body.tools.map((t: any) => t.function.name)).toEqual(["get_nav", "highlight_row"]);
    expect(first?.body.messages[0]).toEqual({
      role: "system",
      content: "Be brief.\n\nContext from the application the user is looking at:\n- Selected fund: Alpha",
    });
    expect(second?.body.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_abc" });
  });

  it("ends the run on a browser tool call streamed by the model", async () => {
    server = await startOpenAIServer([
      {
        text: ["Highlighting."],
        toolCalls: [{ id: "call_hl", name: "highlight_row", args: ['{"row":', '"AAPL"}'] }],
      },
    ]);
    const agent = agentFor({ OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_MODEL: "llama3.1" });
    const events = await collect(agent, runInput({ messages: [user], tools: [highlight] }));
    expect(Object.values(texts(events))).toEqual(["Highlighting."]);
    expect(events.at(-1)).toMatchObject({ outcome: { type: "success", pendingToolCallIds: ["call_hl"] } });
    // No key configured: a placeholder goes out, never an empty bearer.
    expect(server.requests[0]?.headers.authorization).toBe("Bearer not-needed");
  });

  it("reports an HTTP error from the endpoint as RUN_ERROR without echoing the key", async () => {
    server = await startOpenAIServer([{ status: 401 }]);
    const agent = agentFor({
      OPENAI_API_KEY: "sk-secret-123",
      OPENAI_BASE_URL: `${server.url}/v1`,
      OPENAI_MODEL: "m",
    });
    const events = await collect(agent, runInput({ messages: [user] }));
    const error = events.at(-1);
    expect(error?.type).toBe("RUN_ERROR");
    expect(error?.message).toMatch(/401|API key/i);
    expect(JSON.stringify(events)).not.toContain("sk-secret-123");
  });
});

describe("Anthropic", () => {
  it("streams text then a tool_use block from Messages SSE and runs the tool", async () => {
    server = await startAnthropicServer([
      {
        text: ["Checking", " now."],
        toolCalls: [{ id: "toolu_01", name: "get_nav", args: ['{"fund": ', '"Alpha"}'] }],
      },
      { text: ["It is ", "101.5."] },
    ]);
    const agent = agentFor({
      ANTHROPIC_API_KEY: "sk-ant-test",
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_MODEL: "claude-test",
    });
    const events = await collect(agent, runInput({ messages: [user], tools: [highlight], context }));

    expect(ofType(events, "TEXT_MESSAGE_CONTENT").map((e) => e.delta)).toEqual([
      "Checking",
      " now.",
      "It is ",
      "101.5.",
    ]);
    expect(ofType(events, "TOOL_CALL_START")[0]).toMatchObject({
      toolCallId: "toolu_01",
      toolCallName: "get_nav",
    });
    expect(
      ofType(events, "TOOL_CALL_ARGS")
        .map((e) => e.delta)
        .join(""),
    ).toBe('{"fund": "Alpha"}');
    expect(ofType(events, "TOOL_CALL_RESULT")[0]).toMatchObject({
      toolCallId: "toolu_01",
      content: "NAV of Alpha: 101.5",
    });
    expect(types(events).at(-1)).toBe("RUN_FINISHED");
    // Two calls of 25 input tokens; LangChain adds message_start's output count (1) to message_delta's (15).
    expect(events.at(-1)?.usage).toEqual([
      { provider: "anthropic", model: "claude-test", inputTokens: 50, outputTokens: 32, totalTokens: 82 },
    ]);

    const [first, second] = server.requests;
    expect(first?.path).toBe("/v1/messages");
    expect(first?.headers["x-api-key"]).toBe("sk-ant-test");
    expect(first?.headers["anthropic-version"]).toBeTruthy();
    expect(first?.body).toMatchObject({ model: "claude-test", stream: true });
    expect(first?.body.tools.map((t: any) => t.name)).toEqual(["get_nav", "highlight_row"]);
    expect(JSON.stringify(first?.body.system)).toContain("Selected fund: Alpha");
    const toolResult = second?.body.messages.at(-1).content.find((b: any) => b.type === "tool_result");
    expect(toolResult).toMatchObject({ tool_use_id: "toolu_01" });
  });

  it("ends the run on a browser tool_use", async () => {
    server = await startAnthropicServer([
      { toolCalls: [{ id: "toolu_hl", name: "highlight_row", args: ['{"row": "AAPL"}'] }] },
    ]);
    const agent = agentFor({ ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: server.url });
    const events = await collect(agent, runInput({ messages: [user], tools: [highlight] }));
    expect(events.at(-1)).toMatchObject({ outcome: { type: "success", pendingToolCallIds: ["toolu_hl"] } });
    expect(server.requests[0]?.body.model).toBe("claude-sonnet-4-5");
  });
});
