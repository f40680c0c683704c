import type { Message } from "@ag-ui/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type ChatMessage, toChatMessage, toChatMessages } from "./chat-message.js";

describe("toChatMessage", () => {
  it("gives a multimodal user message its text as content and keeps the parts", () => {
    const parts = [
      { type: "text", text: "What is in " },
      { type: "image", source: { type: "url", value: "https://example.test/a.png" } },
      { type: "text", text: "this chart?" },
    ] as const;
    const view = toChatMessage({ id: "u1", role: "user", content: [...parts] } as Message);
    expect(view).toEqual({ id: "u1", role: "user", content: "What is in this chart?", parts: [...parts] });
  });

  it("moves an activity's payload to `activity` and leaves empty text", () => {
    const message: Message = {
      id: "a1",
      role: "activity",
      activityType: "plan",
      content: { steps: ["one"] },
    };
    expect(toChatMessage(message)).toEqual({
      id: "a1",
      role: "activity",
      activityType: "plan",
      content: "",
      activity: { steps: ["one"] },
    });
  });

  it("returns text messages themselves, and the same view for the same message", () => {
    const text: Message = { id: "m1", role: "assistant", content: "hi" };
    const rich: Message = { id: "u1", role: "user", content: [{ type: "text", text: "hi" }] };
    expect(toChatMessage(text)).toBe(text);
    expect(toChatMessage(rich)).toBe(toChatMessage(rich));
    const list = [text];
    expect(toChatMessages(list)).toBe(list);
    expect(toChatMessages([text, rich])).toEqual([text, { ...rich, content: "hi", parts: rich.content }]);
  });

  it("types every message's content as text (the seed renders {msg.content})", () => {
    expectTypeOf<ChatMessage["content"]>().toEqualTypeOf<string | undefined>();
  });
});
