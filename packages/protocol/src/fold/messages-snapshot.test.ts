import type { BaseEvent, Message } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import { foldEvent } from "./fold-event.js";
import { createFoldState, foldSnapshot } from "./fold-state.js";

const base = [
  { id: "u", role: "user", content: "Go" },
  { id: "r", role: "reasoning", content: "thinking" },
  { id: "a", role: "assistant", content: "answer" },
  { id: "act", role: "activity", activityType: "plan", content: { step: 1 } },
] as Message[];

function snapshot(messages: Record<string, unknown>[], metadata?: Record<string, unknown>) {
  const f = createFoldState({ messages: base });
  const before = foldSnapshot(f).messages;
  foldEvent(f, {
    type: "MESSAGES_SNAPSHOT",
    messages,
    ...(metadata ? { metadata } : {}),
  } as unknown as BaseEvent);
  return { before, after: foldSnapshot(f).messages };
}

describe("MESSAGES_SNAPSHOT (as AG-UI's client applies it)", () => {
  it("replaces messages in place, drops unlisted ones, keeps reasoning and activity it says nothing about, appends new ones", () => {
    const { before, after } = snapshot([
      { id: "n", role: "user", content: "new" },
      { id: "a", role: "assistant", content: "edited" },
      { id: "u", role: "user", content: "Go" },
    ]);
    expect(after.map((m) => [m.id, m.content])).toEqual([
      ["u", "Go"],
      ["r", "thinking"],
      ["a", "edited"],
      ["act", { step: 1 }],
      ["n", "new"],
    ]);
    expect(after[0]).toBe(before[0]);
    expect(after[3]).toBe(before[3]);
  });

  it("speaks for reasoning and activity messages when it carries some", () => {
    const { after } = snapshot([
      { id: "u", role: "user", content: "Go" },
      { id: "r2", role: "reasoning", content: "other" },
      { id: "act2", role: "activity", activityType: "chart", content: {} },
    ]);
    expect(after.map((m) => m.id)).toEqual(["u", "r2", "act2"]);
  });

  it("honours authoritativeActivityTypes: null owns every activity, a list owns those types", () => {
    const all = snapshot([{ id: "u", role: "user", content: "Go" }], {
      "@ag-ui/client": { authoritativeActivityTypes: null },
    });
    expect(all.after.map((m) => m.id)).toEqual(["u", "r"]);
    const other = snapshot([{ id: "u", role: "user", content: "Go" }], {
      "@ag-ui/client": { authoritativeActivityTypes: ["chart"] },
    });
    expect(other.after.map((m) => m.id)).toEqual(["u", "r", "act"]);
    const plan = snapshot([{ id: "u", role: "user", content: "Go" }], {
      "@ag-ui/client": { authoritativeActivityTypes: ["plan"] },
    });
    expect(plan.after.map((m) => m.id)).toEqual(["u", "r"]);
  });
});
