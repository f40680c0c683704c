import type { BaseEvent } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { RunFold } from "./fold-run.js";

const input = (over: Record<string, unknown> = {}) => ({
  runId: "r1",
  messages: [{ id: "u1", role: "user" as const, content: "hi" }],
  state: { count: 1 },
  ...over,
});

function fold(events: Record<string, unknown>[], over: Record<string, unknown> = {}) {
  const f = new RunFold(input(over) as never);
  for (const e of events) f.apply(e as unknown as BaseEvent);
  return f;
}

describe("RunFold", () => {
  it("appends the run's text, tool calls and tool results after the input messages", () => {
    const f = fold([
      { type: "RUN_STARTED", threadId: "t", runId: "r1" },
      { type: "TEXT_MESSAGE_START", messageId: "a1", role: "assistant" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "a1", delta: "Let me " },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "a1", delta: "check." },
      { type: "TEXT_MESSAGE_END", messageId: "a1" },
      { type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "getNav" },
      { type: "TOOL_CALL_ARGS", toolCallId: "c1", delta: '{"fund":' },
      { type: "TOOL_CALL_ARGS", toolCallId: "c1", delta: '"A"}' },
      { type: "TOOL_CALL_END", toolCallId: "c1" },
      { type: "TOOL_CALL_RESULT", messageId: "tr1", toolCallId: "c1", content: "42" },
      { type: "TEXT_MESSAGE_CHUNK", messageId: "a2", delta: "NAV is " },
      { type: "TEXT_MESSAGE_CHUNK", delta: "42" },
      { type: "RUN_FINISHED", threadId: "t", runId: "r1" },
    ]);
    expect(f.result().messages).toEqual([
      { id: "u1", role: "user", content: "hi" },
      {
        id: "a1",
        role: "assistant",
        content: "Let me check.",
        toolCalls: [{ id: "c1", type: "function", function: { name: "getNav", arguments: '{"fund":"A"}' } }],
      },
      { id: "tr1", role: "tool", toolCallId: "c1", content: "42" },
      { id: "a2", role: "assistant", content: "NAV is 42" },
    ]);
    expect(f.applied).toBe(13);
  });

  it("gives a tool call without a parent in this run its own assistant message", () => {
    const f = fold([{ type: "TOOL_CALL_START", toolCallId: "c9", toolCallName: "x" }], {
      messages: [{ id: "old", role: "assistant", content: "from an earlier run" }],
    });
    const msgs = f.result().messages as any[];
    expect(msgs[0]).toEqual({ id: "old", role: "assistant", content: "from an earlier run" });
    expect(msgs[1]).toMatchObject({ id: "c9", role: "assistant", toolCalls: [{ id: "c9" }] });
  });

  it("applies state snapshots and deltas without touching the input or the events", () => {
    const inp = input();
    const snapshot = { rows: [{ id: 1 }] };
    const f = new RunFold(inp as never);
    f.apply({ type: "STATE_DELTA", delta: [{ op: "replace", path: "/count", value: 2 }] } as never);
    expect(f.result().state).toEqual({ count: 2 });
    expect(inp.state).toEqual({ count: 1 });
    f.apply({ type: "STATE_SNAPSHOT", snapshot } as never);
    f.apply({ type: "STATE_DELTA", delta: [{ op: "add", path: "/rows/-", value: { id: 2 } }] } as never);
    expect(f.result().state).toEqual({ rows: [{ id: 1 }, { id: 2 }] });
    expect(snapshot.rows).toHaveLength(1);
  });

  it("records a failing patch, keeps the last good state, and refuses prototype pollution", () => {
    const f = fold([
      { type: "STATE_DELTA", delta: [{ op: "replace", path: "/missing/deep", value: 1 }] },
      { type: "STATE_DELTA", delta: [{ op: "add", path: "/__proto__/polluted", value: true }] },
      { type: "STATE_DELTA", delta: [{ op: "add", path: "/ok", value: true }] },
    ]);
    expect(f.stateError).toBeTruthy();
    expect(f.result().state).toEqual({ count: 1, ok: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("replaces the conversation on MESSAGES_SNAPSHOT and keeps partial text of an unfinished message", () => {
    const f = fold([
      { type: "MESSAGES_SNAPSHOT", messages: [{ id: "s1", role: "user", content: "summarised" }] },
      { type: "TEXT_MESSAGE_START", messageId: "a1", role: "assistant" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "a1", delta: "partial ans" },
    ]);
    expect(f.result().messages).toEqual([
      { id: "s1", role: "user", content: "summarised" },
      { id: "a1", role: "assistant", content: "partial ans" },
    ]);
  });

  it("folds reasoning and activity messages", () => {
    const f = fold([
      { type: "REASONING_MESSAGE_START", messageId: "r", role: "reasoning" },
      { type: "REASONING_MESSAGE_CONTENT", messageId: "r", delta: "thinking" },
      { type: "ACTIVITY_SNAPSHOT", messageId: "act", activityType: "plan", content: { steps: ["a"] } },
      {
        type: "ACTIVITY_DELTA",
        messageId: "act",
        activityType: "plan",
        patch: [{ op: "add", path: "/steps/-", value: "b" }],
      },
    ]);
    const msgs = f.result().messages as any[];
    expect(msgs[1]).toEqual({ id: "r", role: "reasoning", content: "thinking" });
    expect(msgs[2]).toEqual({
      id: "act",
      role: "activity",
      activityType: "plan",
      content: { steps: ["a", "b"] },
    });
  });
});
