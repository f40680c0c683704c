import type { BaseEvent, Message } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { foldEvent } from "./fold-event.js";
import { createFoldState, type FoldState, foldSnapshot } from "./fold-state.js";

function fold(events: Record<string, unknown>[], init?: Parameters<typeof createFoldState>[0]): FoldState {
  const f = createFoldState(init);
  for (const e of events) foldEvent(f, e as BaseEvent);
  return f;
}

const started = { type: "RUN_STARTED", threadId: "t", runId: "r1" };
const messages = (f: FoldState) => foldSnapshot(f).messages as (Message & Record<string, any>)[];

describe("text messages", () => {
  it("builds a message from START/CONTENT/END, assistant by default", () => {
    const f = fold([
      started,
      { type: "TEXT_MESSAGE_START", messageId: "m1" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "Hel" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "lo" },
      { type: "TEXT_MESSAGE_END", messageId: "m1" },
    ]);
    expect(messages(f)).toEqual([{ id: "m1", role: "assistant", content: "Hello" }]);
  });

  it("keeps the role and name from START", () => {
    const f = fold([{ type: "TEXT_MESSAGE_START", messageId: "s", role: "system", name: "ops" }]);
    expect(messages(f)).toEqual([{ id: "s", role: "system", name: "ops", content: "" }]);
  });

  it("creates the message when CONTENT arrives without a START", () => {
    const f = fold([{ type: "TEXT_MESSAGE_CONTENT", messageId: "x", delta: "hi" }]);
    expect(messages(f)).toEqual([{ id: "x", role: "assistant", content: "hi" }]);
  });

  it("treats TEXT_MESSAGE_CHUNK as start+content and continues the open message without an id", () => {
    const f = fold([
      started,
      { type: "TEXT_MESSAGE_CHUNK", messageId: "c1", role: "assistant", delta: "a" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "b" },
      { type: "TEXT_MESSAGE_CHUNK", messageId: "c2", delta: "x" },
      { type: "STEP_STARTED", stepName: "s" },
      { type: "TEXT_MESSAGE_CHUNK", delta: "y" },
    ]);
    expect(messages(f).map((m) => [m.id, m.content])).toEqual([
      ["c1", "ab"],
      ["c2", "x"],
      ["r1:msg:1", "y"],
    ]);
  });

  it("carries subagentRunId onto the message", () => {
    const f = fold([{ type: "TEXT_MESSAGE_START", messageId: "m", subagentRunId: "sub1" }]);
    expect(messages(f)[0]!.subagentRunId).toBe("sub1");
  });
});

describe("tool calls", () => {
  it("attaches calls to the parent assistant message and streams their arguments", () => {
    const f = fold([
      started,
      { type: "TEXT_MESSAGE_START", messageId: "m1" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "Checking" },
      { type: "TEXT_MESSAGE_END", messageId: "m1" },
      { type: "TOOL_CALL_START", toolCallId: "tc1", toolCallName: "lookup", parentMessageId: "m1" },
      { type: "TOOL_CALL_ARGS", toolCallId: "tc1", delta: '{"q":' },
      { type: "TOOL_CALL_ARGS", toolCallId: "tc1", delta: '"NAV"}' },
      { type: "TOOL_CALL_END", toolCallId: "tc1" },
      { type: "TOOL_CALL_START", toolCallId: "tc2", toolCallName: "other" },
      { type: "TOOL_CALL_END", toolCallId: "tc2" },
    ]);
    expect(messages(f)).toEqual([
      {
        id: "m1",
        role: "assistant",
        content: "Checking",
        toolCalls: [
          { id: "tc1", type: "function", function: { name: "lookup", arguments: '{"q":"NAV"}' } },
          { id: "tc2", type: "function", function: { name: "other", arguments: "" } },
        ],
      },
    ]);
    expect(f.pendingToolCallIds).toEqual(["tc1", "tc2"]);
  });

  it("creates an assistant message for a call without a usable parent", () => {
    const f = fold(
      [
        started,
        { type: "TOOL_CALL_START", toolCallId: "tc1", toolCallName: "a" },
        { type: "TOOL_CALL_START", toolCallId: "tc2", toolCallName: "b", parentMessageId: "p9" },
      ],
      { messages: [{ id: "u1", role: "user", content: "hi" }] },
    );
    expect(messages(f).map((m) => [m.id, m.role, m.toolCalls?.map((t: any) => t.id)])).toEqual([
      ["u1", "user", undefined],
      ["tc1", "assistant", ["tc1"]],
      ["p9", "assistant", ["tc2"]],
    ]);
  });

  it("does not attach a new run's call to an assistant message of an earlier run", () => {
    const f = fold(
      [
        { ...started, runId: "r2" },
        { type: "TOOL_CALL_START", toolCallId: "tc", toolCallName: "a" },
      ],
      { messages: [{ id: "old", role: "assistant", content: "before" }] },
    );
    expect(messages(f).map((m) => m.id)).toEqual(["old", "tc"]);
  });

  it("treats TOOL_CALL_CHUNK as start+args, continuing the open call", () => {
    const f = fold([
      started,
      {
        type: "TOOL_CALL_CHUNK",
        toolCallId: "tc",
        toolCallName: "search",
        parentMessageId: "m",
        delta: '{"a"',
      },
      { type: "TOOL_CALL_CHUNK", delta: ":1" },
      { type: "TOOL_CALL_CHUNK", delta: "}" },
    ]);
    expect(messages(f)[0]!.toolCalls[0].function).toEqual({ name: "search", arguments: '{"a":1}' });
    expect(f.toolCalls.get("tc")!.ended).toBe(false);
    foldEvent(f, { type: "RUN_FINISHED", threadId: "t", runId: "r1" } as BaseEvent);
    expect(f.toolCalls.get("tc")!.ended).toBe(true);
  });

  it("appends a tool message for TOOL_CALL_RESULT and clears the call from pending", () => {
    const f = fold([
      started,
      { type: "TOOL_CALL_START", toolCallId: "tc", toolCallName: "a", parentMessageId: "m" },
      { type: "TOOL_CALL_END", toolCallId: "tc" },
      { type: "TOOL_CALL_RESULT", messageId: "res", toolCallId: "tc", content: "42" },
    ]);
    expect(messages(f)[1]).toEqual({ id: "res", role: "tool", toolCallId: "tc", content: "42" });
    expect(f.pendingToolCallIds).toEqual([]);
    expect(f.toolCalls.get("tc")!.hasResult).toBe(true);
  });
});

describe("reasoning and activities", () => {
  it("builds reasoning messages and ignores span markers", () => {
    const f = fold([
      started,
      { type: "REASONING_START", messageId: "span" },
      { type: "REASONING_MESSAGE_START", messageId: "r", role: "reasoning" },
      { type: "REASONING_MESSAGE_CONTENT", messageId: "r", delta: "think" },
      { type: "REASONING_MESSAGE_END", messageId: "r" },
      { type: "REASONING_MESSAGE_CHUNK", messageId: "r2", delta: "more" },
      { type: "REASONING_MESSAGE_CHUNK", delta: "!" },
      { type: "REASONING_END", messageId: "span" },
      { type: "REASONING_ENCRYPTED_VALUE", subtype: "message", entityId: "r", encryptedValue: "enc" },
    ]);
    expect(messages(f)).toEqual([
      { id: "r", role: "reasoning", content: "think", encryptedValue: "enc" },
      { id: "r2", role: "reasoning", content: "more!" },
    ]);
  });

  it("stores an encrypted value on a tool call", () => {
    const f = fold([
      started,
      { type: "TOOL_CALL_START", toolCallId: "tc", toolCallName: "a", parentMessageId: "m" },
      { type: "REASONING_ENCRYPTED_VALUE", subtype: "tool-call", entityId: "tc", encryptedValue: "sig" },
    ]);
    expect(messages(f)[0]!.toolCalls[0].encryptedValue).toBe("sig");
  });

  it("creates, patches and (unless replace is false) overwrites activity messages", () => {
    const f = fold([
      { type: "ACTIVITY_SNAPSHOT", messageId: "a", activityType: "plan", content: { steps: ["one"] } },
      {
        type: "ACTIVITY_DELTA",
        messageId: "a",
        activityType: "plan",
        patch: [{ op: "add", path: "/steps/-", value: "two" }],
      },
      {
        type: "ACTIVITY_SNAPSHOT",
        messageId: "a",
        activityType: "plan",
        content: { steps: [] },
        replace: false,
      },
    ]);
    expect(messages(f)).toEqual([
      { id: "a", role: "activity", activityType: "plan", content: { steps: ["one", "two"] } },
    ]);
    foldEvent(f, {
      type: "ACTIVITY_SNAPSHOT",
      messageId: "a",
      activityType: "plan",
      content: { steps: [] },
    } as never);
    expect(messages(f)[0]!.content).toEqual({ steps: [] });
    const bad = foldEvent(f, {
      type: "ACTIVITY_DELTA",
      messageId: "nope",
      activityType: "plan",
      patch: [],
    } as never);
    expect(bad.error?.code).toBe("state_patch_failed");
  });
});

describe("state", () => {
  it("replaces state on STATE_SNAPSHOT and patches it on STATE_DELTA", () => {
    const f = fold([
      { type: "STATE_SNAPSHOT", snapshot: { portfolio: { nav: 1 }, other: { x: 1 } } },
      { type: "STATE_DELTA", delta: [{ op: "replace", path: "/portfolio/nav", value: 2 }] },
    ]);
    expect(foldSnapshot(f).state).toEqual({ portfolio: { nav: 2 }, other: { x: 1 } });
  });

  it("leaves state unchanged and reports a delta that does not apply", () => {
    const f = fold([{ type: "STATE_SNAPSHOT", snapshot: { a: 1 } }]);
    const before = foldSnapshot(f);
    const result = foldEvent(f, {
      type: "STATE_DELTA",
      delta: [
        { op: "replace", path: "/a", value: 2 },
        { op: "remove", path: "/missing" },
      ],
    } as never);
    expect(result.changed).toBe(false);
    expect(result.error?.code).toBe("state_patch_failed");
    expect(result.error?.message).toMatch(/left unchanged/);
    expect(foldSnapshot(f)).toBe(before);
    expect(foldSnapshot(f).state).toEqual({ a: 1 });
  });

  it("never mutates the event that carried a snapshot", () => {
    const snapshotEvent = { type: "STATE_SNAPSHOT", snapshot: { list: [1] } };
    const f = fold([
      snapshotEvent,
      { type: "STATE_DELTA", delta: [{ op: "add", path: "/list/-", value: 2 }] },
    ]);
    expect(snapshotEvent.snapshot).toEqual({ list: [1] });
    expect(foldSnapshot(f).state).toEqual({ list: [1, 2] });
  });
});

describe("MESSAGES_SNAPSHOT", () => {
  it("replaces the transcript and keeps identical messages' objects", () => {
    const f = fold([], {
      messages: [
        { id: "u1", role: "user", content: "hi" },
        { id: "a1", role: "assistant", content: "draft" },
      ],
    });
    const before = messages(f);
    foldEvent(f, {
      type: "MESSAGES_SNAPSHOT",
      messages: [
        { id: "u1", role: "user", content: "hi" },
        { id: "a1", role: "assistant", content: "final" },
        { id: "a2", role: "assistant", content: "more" },
      ],
    } as never);
    const after = messages(f);
    expect(after.map((m) => m.content)).toEqual(["hi", "final", "more"]);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });

  it("does not mutate the snapshot's messages when streaming continues on them", () => {
    const event = { type: "MESSAGES_SNAPSHOT", messages: [{ id: "a", role: "assistant", content: "x" }] };
    const f = fold([event, { type: "TEXT_MESSAGE_CONTENT", messageId: "a", delta: "y" }]);
    expect(event.messages[0]!.content).toBe("x");
    expect(messages(f)[0]!.content).toBe("xy");
  });
});

describe("run lifecycle", () => {
  it("tracks running, outcome, interrupts and errors", () => {
    const f = fold([started]);
    expect(f.running).toBe(true);
    foldEvent(f, {
      type: "RUN_FINISHED",
      threadId: "t",
      runId: "r1",
      outcome: { type: "interrupt", interrupts: [{ id: "i1", reason: "approve" }] },
    } as never);
    expect(f.running).toBe(false);
    expect(f.interrupts).toEqual([{ id: "i1", reason: "approve" }]);
    foldEvent(f, { ...started, runId: "r2" } as never);
    expect(f.interrupts).toEqual([]);
    foldEvent(f, { type: "RUN_ERROR", message: "boom", code: "x" } as never);
    expect(f.runError).toEqual({ message: "boom", code: "x" });
    expect(f.running).toBe(false);
  });

  it("takes pendingToolCallIds from a success outcome when the producer names them", () => {
    const f = fold([
      started,
      { type: "TOOL_CALL_START", toolCallId: "a", toolCallName: "x", parentMessageId: "m" },
      { type: "TOOL_CALL_START", toolCallId: "b", toolCallName: "y", parentMessageId: "m" },
      {
        type: "RUN_FINISHED",
        threadId: "t",
        runId: "r1",
        outcome: { type: "success", pendingToolCallIds: ["b"] },
      },
    ]);
    expect(f.pendingToolCallIds).toEqual(["b"]);
  });

  it("ignores events that do not touch messages or state", () => {
    const f = fold([started]);
    const snap = foldSnapshot(f);
    for (const type of [
      "STEP_STARTED",
      "STEP_FINISHED",
      "RAW",
      "CUSTOM",
      "SUBAGENT_STARTED",
      "SUBAGENT_FINISHED",
      "SUBAGENT_ERROR",
    ]) {
      expect(foldEvent(f, { type } as never).changed).toBe(false);
    }
    expect(foldSnapshot(f)).toBe(snap);
  });
});

describe("snapshots", () => {
  it("copies only the messages that changed and returns the same snapshot when nothing did", () => {
    const f = fold([
      started,
      { type: "TEXT_MESSAGE_START", messageId: "a" },
      { type: "TEXT_MESSAGE_START", messageId: "b" },
    ]);
    const s1 = foldSnapshot(f);
    expect(foldSnapshot(f)).toBe(s1);
    foldEvent(f, { type: "TEXT_MESSAGE_CONTENT", messageId: "b", delta: "x" } as never);
    const s2 = foldSnapshot(f);
    expect(s2).not.toBe(s1);
    expect(s2.messages[0]).toBe(s1.messages[0]);
    expect(s2.messages[1]).not.toBe(s1.messages[1]);
    expect(s2.state).toBe(s1.state);
    expect(Object.isFrozen(s2.messages)).toBe(true);
    expect(Object.isFrozen(s2.messages[1])).toBe(true);
  });

  it("does not let a snapshot change when the fold keeps streaming", () => {
    const f = fold([started, { type: "TEXT_MESSAGE_CONTENT", messageId: "a", delta: "1" }]);
    const s1 = foldSnapshot(f);
    foldEvent(f, { type: "TEXT_MESSAGE_CONTENT", messageId: "a", delta: "2" } as never);
    expect((s1.messages[0] as any).content).toBe("1");
    expect((foldSnapshot(f).messages[0] as any).content).toBe("12");
  });

  it("does not share tool-call objects between a snapshot and the working copy", () => {
    const f = fold([
      started,
      { type: "TOOL_CALL_START", toolCallId: "t", toolCallName: "x", parentMessageId: "m" },
    ]);
    const s1 = foldSnapshot(f);
    foldEvent(f, { type: "TOOL_CALL_ARGS", toolCallId: "t", delta: "{}" } as never);
    expect((s1.messages[0] as any).toolCalls[0].function.arguments).toBe("");
  });
});

describe("AG-UI placement rules", () => {
  it("places a tool result after its call's message and the results already there", () => {
    const f = fold([
      started,
      { type: "TEXT_MESSAGE_START", messageId: "m1" },
      { type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "a", parentMessageId: "m1" },
      { type: "TOOL_CALL_START", toolCallId: "c2", toolCallName: "b", parentMessageId: "m1" },
      { type: "TEXT_MESSAGE_START", messageId: "m2" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m2", delta: "meanwhile" },
      { type: "TOOL_CALL_RESULT", messageId: "t2", toolCallId: "c2", content: "2" },
      { type: "TOOL_CALL_RESULT", messageId: "t1", toolCallId: "c1", content: "1" },
      { type: "TOOL_CALL_RESULT", messageId: "t9", toolCallId: "unknown", content: "?" },
    ]);
    expect(messages(f).map((m) => m.id)).toEqual(["m1", "t2", "t1", "m2", "t9"]);
  });

  it("gives a call whose parent is not an assistant message an assistant message named after the call", () => {
    const f = fold(
      [started, { type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "a", parentMessageId: "u" }],
      { messages: [{ id: "u", role: "user", content: "hi" }] },
    );
    expect(messages(f)[1]).toMatchObject({ id: "c1", role: "assistant", toolCalls: [{ id: "c1" }] });
  });

  it("renames a call on a repeated TOOL_CALL_START and never writes text into an activity message", () => {
    const f = fold([
      started,
      { type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "old" },
      { type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "new" },
      { type: "ACTIVITY_SNAPSHOT", messageId: "act", activityType: "plan", content: { a: 1 } },
      { type: "TEXT_MESSAGE_START", messageId: "act" },
      { type: "TEXT_MESSAGE_CONTENT", messageId: "act", delta: "text" },
    ]);
    expect(messages(f)[0]!.toolCalls[0].function.name).toBe("new");
    expect(messages(f)[1]).toEqual({ id: "act", role: "activity", activityType: "plan", content: { a: 1 } });
  });

  it("adds RUN_STARTED's input messages that the transcript lacks", () => {
    const f = fold([
      {
        ...started,
        input: { messages: [{ id: "x", role: "user", content: "from input" }] },
      },
    ]);
    expect(messages(f).map((m) => m.id)).toEqual(["x"]);
  });
});
