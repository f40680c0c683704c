import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { contentText, toLangChainMessage, toLangChainMessages, toolResultText } from "./message-convert.js";

describe("toLangChainMessage", () => {
  it("keeps ids and maps assistant tool calls, parsing their JSON arguments", () => {
    const ai = toLangChainMessage({
      id: "a1",
      role: "assistant",
      content: "Looking",
      toolCalls: [
        { id: "c1", type: "function", function: { name: "get_nav", arguments: '{"fund":"Alpha"}' } },
        { id: "c2", type: "function", function: { name: "broken", arguments: '{"fund":' } },
      ],
    });
    expect(AIMessage.isInstance(ai)).toBe(true);
    expect(ai?.id).toBe("a1");
    expect((ai as AIMessage).tool_calls).toEqual([
      { id: "c1", name: "get_nav", args: { fund: "Alpha" }, type: "tool_call" },
      // Unparseable arguments stay visible to the model instead of becoming {}.
      { id: "c2", name: "broken", args: { __raw: '{"fund":' }, type: "tool_call" },
    ]);
  });

  it("keeps tool-call arguments nested past the protocol's depth limit as raw text, unparsed", () => {
    const deep = `{"a":${"[".repeat(5_000)}${"]".repeat(5_000)}}`;
    const ai = toLangChainMessage({
      id: "a2",
      role: "assistant",
      toolCalls: [{ id: "c3", type: "function", function: { name: "deep", arguments: deep } }],
    });
    expect((ai as AIMessage).tool_calls?.[0]?.args).toEqual({ __raw: deep });
  });

  it("maps tool results with their call id and error status", () => {
    const tool = toLangChainMessage({
      id: "t1",
      role: "tool",
      toolCallId: "c1",
      content: "boom",
      error: "failed",
    });
    expect(ToolMessage.isInstance(tool)).toBe(true);
    expect(tool).toMatchObject({ id: "t1", tool_call_id: "c1", content: "boom", status: "error" });
  });

  it("turns user content parts into LangChain standard blocks", () => {
    const human = toLangChainMessage({
      id: "u1",
      role: "user",
      content: [
        { type: "text", text: "What is in this chart?" },
        { type: "image", source: { type: "data", value: "iVBORw0KGgo=", mimeType: "image/png" } },
        { type: "document", source: { type: "url", value: "https://example.com/report.pdf" } },
      ],
    });
    expect(HumanMessage.isInstance(human)).toBe(true);
    expect(human?.content).toEqual([
      { type: "text", text: "What is in this chart?" },
      { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" },
      { type: "file", url: "https://example.com/report.pdf", mimeType: undefined },
    ]);
  });

  it("maps developer to system and drops roles a chat model has no slot for", () => {
    const out = toLangChainMessages([
      { id: "d1", role: "developer", content: "Be terse." },
      { id: "r1", role: "reasoning", content: "thinking..." },
      { id: "x1", role: "activity", activityType: "progress", content: { pct: 50 } },
    ]);
    expect(out).toHaveLength(1);
    expect(SystemMessage.isInstance(out[0])).toBe(true);
  });
});

describe("content text", () => {
  it("reads text out of block lists and leaves other blocks out", () => {
    expect(
      contentText([
        { type: "text", text: "a" },
        { type: "thinking", thinking: "x" },
        { type: "text_delta", text: "b" },
      ]),
    ).toBe("ab");
    expect(toolResultText({ nav: 1 })).toBe('{"nav":1}');
    expect(toolResultText("plain")).toBe("plain");
  });
});
