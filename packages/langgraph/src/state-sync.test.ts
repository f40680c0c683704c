import { describe, expect, it } from "vitest";
import { projectState, StateSync } from "./state-sync.js";

describe("StateSync", () => {
  it("leaves out messages, internal keys and excluded keys, and sends JSON only", () => {
    class Money {
      constructor(readonly amount: number) {}
      toJSON() {
        return `${this.amount} USD`;
      }
    }
    const state = projectState(
      { messages: [1], __pregel: 1, secret: "x", cash: new Money(5), when: new Date(0), fn: () => 1 },
      { exclude: ["secret"] },
    );
    expect(state).toEqual({ cash: "5 USD", when: "1970-01-01T00:00:00.000Z" });
  });

  it("drops a value that cannot be serialised instead of failing the run", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(projectState({ cyclic, ok: 1 })).toEqual({ ok: 1 });
  });

  it("sends nothing until there is state, then a snapshot, then only changes", () => {
    const sync = new StateSync({ include: ["plan"] });
    expect(sync.next({ messages: [], other: 1 })).toEqual([]);
    expect(sync.next({ plan: ["a"] })).toEqual([{ type: "STATE_SNAPSHOT", snapshot: { plan: ["a"] } }]);
    expect(sync.next({ plan: ["a"] })).toEqual([]);
    expect(sync.next({ plan: ["a", "b"] })).toEqual([
      { type: "STATE_DELTA", delta: [{ op: "add", path: "/plan/1", value: "b" }] },
    ]);
  });
});
