import type { BaseEvent, Message } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { foldEvent } from "./fold-event.js";
import { beginRun, createFoldState, type FoldState, foldSnapshot } from "./fold-state.js";

function fold(events: Record<string, unknown>[]): FoldState {
  const f = createFoldState({ messages: [{ id: "u", role: "user", content: "Go" }] });
  for (const e of events) foldEvent(f, e as unknown as BaseEvent);
  return f;
}
const started = (runId = "r1") => ({ type: "RUN_STARTED", threadId: "t", runId });
const messages = (f: FoldState) =>
  JSON.parse(JSON.stringify(foldSnapshot(f).messages)) as (Message & Record<string, any>)[];
const text = (f: FoldState) => messages(f).map((m) => [m.id, m.role, m.content]);

describe("chunk events (AG-UI transformChunks rules)", () => {
  it("opens a stream without an id under a generated id and continues it without ids", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_CHUNK", delta: "Hel" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "lo" },
      { type: "RUN_FINISHED", threadId: "t", runId: "r1" },
    ]);
    expect(text(f)).toEqual([
      ["u", "user", "Go"],
      ["r1:msg:1", "assistant", "Hello"],
    ]);
  });

  it("a tool call chunk ends the open text stream: the next id-less text is a new message", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_CHUNK", delta: "Let me check." },
      { type: "TOOL_CALL_CHUNK", toolCallId: "c1", toolCallName: "lookup", delta: "{}" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "Done." },
    ]);
    expect(messages(f).slice(1)).toEqual([
      {
        id: "r1:msg:1",
        role: "assistant",
        content: "Let me check.",
        toolCalls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{}" } }],
      },
      { id: "r1:msg:2", role: "assistant", content: "Done." },
    ]);
  });

  it("RAW, ACTIVITY_* and REASONING_ENCRYPTED_VALUE do not end a stream; STEP_*, CUSTOM and STATE_* do", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_CHUNK", messageId: "m", delta: "a" },
      { type: "RAW", event: {} },
      { type: "ACTIVITY_SNAPSHOT", messageId: "act", activityType: "plan", content: {} },
      { type: "REASONING_ENCRYPTED_VALUE", subtype: "message", entityId: "m", encryptedValue: "x" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "b" },
      { type: "CUSTOM", name: "n", value: 1 },
      { type: "TEXT_MESSAGE_CHUNK", delta: "c" },
    ]);
    expect(text(f).slice(1)).toEqual([
      ["m", "assistant", "ab"],
      ["act", "activity", {}],
      ["r1:msg:1", "assistant", "c"],
    ]);
  });

  it("keeps one stream per subagent lane, so interleaved subagents do not cut each other", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_CHUNK", messageId: "a", delta: "A1 " },
      { type: "TEXT_MESSAGE_CHUNK", messageId: "s", subagentRunId: "sub", delta: "S1 " },
      { type: "TEXT_MESSAGE_CHUNK", delta: "A2" },
      { type: "TEXT_MESSAGE_CHUNK", subagentRunId: "sub", delta: "S2" },
      { type: "SUBAGENT_FINISHED", subagentRunId: "sub" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "A3" },
      { type: "TEXT_MESSAGE_CHUNK", subagentRunId: "sub", delta: "S3" },
    ]);
    expect(text(f).slice(1)).toEqual([
      ["a", "assistant", "A1 A2A3"],
      ["s", "assistant", "S1 S2"],
      ["r1:msg:1", "assistant", "S3"],
    ]);
    expect(messages(f)[2]!.subagentRunId).toBe("sub");
  });

  it("an untagged id-less chunk continues the only lane that has a stream of its kind", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_CHUNK", messageId: "s", subagentRunId: "sub", delta: "S1 " },
      { type: "TEXT_MESSAGE_CHUNK", delta: "S2" },
    ]);
    expect(text(f).slice(1)).toEqual([["s", "assistant", "S1 S2"]]);
  });

  it("a chunk with another id opens a new stream; the opener's role and name stay on continuation", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_CHUNK", messageId: "a", role: "system", name: "ops", delta: "x" },
      { type: "TEXT_MESSAGE_CHUNK", role: "user", name: "other", delta: "y" },
      { type: "TEXT_MESSAGE_CHUNK", messageId: "b", delta: "z" },
    ]);
    expect(messages(f).slice(1)).toEqual([
      { id: "a", role: "system", name: "ops", content: "xy" },
      { id: "b", role: "assistant", content: "z" },
    ]);
  });

  it("tool call chunks: name and parent from the opener, a call without an id gets <runId>:call:<n>", () => {
    const f = fold([
      started(),
      { type: "TEXT_MESSAGE_START", messageId: "p" },
      { type: "TEXT_MESSAGE_END", messageId: "p" },
      { type: "TOOL_CALL_CHUNK", toolCallId: "c1", toolCallName: "a", parentMessageId: "p", delta: "[1" },
      { type: "TOOL_CALL_CHUNK", toolCallName: "renamed?", delta: ",2]" },
      { type: "STEP_FINISHED", stepName: "s" },
      { type: "TOOL_CALL_CHUNK", delta: "{}" },
    ]);
    expect(messages(f).slice(1)).toEqual([
      {
        id: "p",
        role: "assistant",
        content: "",
        toolCalls: [
          { id: "c1", type: "function", function: { name: "a", arguments: "[1,2]" } },
          { id: "r1:call:1", type: "function", function: { name: "", arguments: "{}" } },
        ],
      },
    ]);
    expect(f.toolCalls.get("c1")!.ended).toBe(true);
  });

  it("reasoning chunks build reasoning messages by the same rules", () => {
    const f = fold([
      started(),
      { type: "REASONING_MESSAGE_CHUNK", delta: "think" },
      { type: "REASONING_MESSAGE_CHUNK", delta: "ing" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "answer" },
      { type: "REASONING_MESSAGE_CHUNK", delta: "more" },
    ]);
    expect(text(f).slice(1)).toEqual([
      ["r1:reasoning:1", "reasoning", "thinking"],
      ["r1:msg:2", "assistant", "answer"],
      ["r1:reasoning:3", "reasoning", "more"],
    ]);
  });

  it("generated ids restart with each run and skip ids already taken", () => {
    const f = fold([
      started("r1"),
      { type: "TEXT_MESSAGE_START", messageId: "r2:msg:1" },
      { type: "TEXT_MESSAGE_END", messageId: "r2:msg:1" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "first run" },
      { type: "RUN_FINISHED", threadId: "t", runId: "r1" },
      started("r2"),
      { type: "TEXT_MESSAGE_CHUNK", delta: "second run" },
    ]);
    expect(
      text(f)
        .slice(1)
        .map(([id]) => id),
    ).toEqual(["r2:msg:1", "r1:msg:1", "r2:msg:2"]);
  });

  it("run events end every lane's stream", () => {
    const f = fold([
      started(),
      { type: "TOOL_CALL_CHUNK", toolCallId: "c", toolCallName: "x", subagentRunId: "sub" },
      { type: "RUN_ERROR", message: "boom" },
    ]);
    expect(f.lanes.size).toBe(0);
    expect(f.toolCalls.get("c")!.ended).toBe(true);
  });

  it("beginRun names the run for a fold that follows it from its middle (no RUN_STARTED seen)", () => {
    const f = fold([started("r1"), { type: "TEXT_MESSAGE_CHUNK", delta: "one" }]);
    beginRun(f, "r2");
    foldEvent(f, { type: "TEXT_MESSAGE_CHUNK", delta: "two" } as unknown as BaseEvent);
    beginRun(f, "r2");
    foldEvent(f, { type: "RUN_STARTED", threadId: "t", runId: "r2" } as unknown as BaseEvent);
    foldEvent(f, { type: "TEXT_MESSAGE_CHUNK", delta: "three" } as unknown as BaseEvent);
    expect(
      text(f)
        .slice(1)
        .map(([id]) => id),
    ).toEqual(["r1:msg:1", "r2:msg:1", "r2:msg:2"]);
  });
});
