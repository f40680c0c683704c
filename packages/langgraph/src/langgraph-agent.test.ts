import type { BaseMessage } from "@langchain/core/messages";
import { Annotation, END, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { collect, ofType, runInput, testContext, texts, types } from "../test/harness.js";
import { ScriptedChatModel, type ScriptedTurn } from "../test/scripted-model.js";
import { LangGraphAgent } from "./langgraph-agent.js";

function chatGraph(turns: ScriptedTurn[], checkpointer?: MemorySaver) {
  const model = new ScriptedChatModel(turns);
  const graph = new StateGraph(MessagesAnnotation)
    .addNode("chat", async (state, config) => ({ messages: [await model.invoke(state.messages, config)] }))
    .addEdge(START, "chat")
    .addEdge("chat", END)
    .compile(checkpointer ? { checkpointer } : {});
  return { model, agent: new LangGraphAgent({ name: "chat", description: "test", graph }) };
}

const user = (id: string, content: string) => ({ id, role: "user" as const, content });

describe("LangGraphAgent", () => {
  it("streams assistant text token by token inside a step", async () => {
    const { agent, model } = chatGraph([{ text: ["Hel", "lo", " there"] }]);
    const events = await collect(agent, runInput({ messages: [user("u1", "hi")] }));
    expect(types(events)).toEqual([
      "RUN_STARTED",
      "STEP_STARTED",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "STEP_FINISHED",
      "RUN_FINISHED",
    ]);
    expect(Object.values(texts(events))).toEqual(["Hello there"]);
    expect(ofType(events, "TEXT_MESSAGE_CONTENT").map((e) => e.delta)).toEqual(["Hel", "lo", " there"]);
    expect(ofType(events, "STEP_STARTED")[0]?.stepName).toBe("chat");
    expect(ofType(events, "RUN_FINISHED")[0]?.outcome).toEqual({ type: "success" });
    expect(model.calls[0]?.messages.map((m) => m.content)).toEqual(["hi"]);
  });

  it("continues a checkpointed thread, sending the model only what it lacks once", async () => {
    const saver = new MemorySaver();
    const { agent, model } = chatGraph([{ text: ["first"] }, { text: ["second"] }], saver);
    const first = await collect(agent, runInput({ threadId: "t-cont", messages: [user("u1", "one")] }));
    const assistantId = ofType(first, "TEXT_MESSAGE_START")[0]?.messageId as string;
    // The client sends the whole conversation back, as AG-UI clients do.
    await collect(
      agent,
      runInput({
        threadId: "t-cont",
        messages: [
          user("u1", "one"),
          { id: assistantId, role: "assistant", content: "first" },
          user("u2", "two"),
        ],
      }),
    );
    const seen = model.calls[1]?.messages.map((m: BaseMessage) => [m.getType(), m.content]);
    expect(seen).toEqual([
      ["human", "one"],
      ["ai", "first"],
      ["human", "two"],
    ]);
  });

  it("sends graph state as a snapshot, then JSON Patch deltas between steps", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      progress: Annotation<number>(),
      items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
    });
    const graph = new StateGraph(State)
      .addNode("plan", async () => ({ progress: 1, items: ["plan"] }))
      .addNode("act", async () => ({ progress: 2, items: ["act"] }))
      .addNode("noop", async () => ({}))
      .addEdge(START, "plan")
      .addEdge("plan", "act")
      .addEdge("act", "noop")
      .addEdge("noop", END)
      .compile();
    const agent = new LangGraphAgent({ name: "s", description: "s", graph });
    const events = await collect(agent, runInput({ state: { progress: 0 }, messages: [user("u1", "go")] }));
    const stateEvents = events.filter((e) => e.type === "STATE_SNAPSHOT" || e.type === "STATE_DELTA");
    // One snapshot, one delta per step that changed state, none for the step that did not.
    expect(types(stateEvents)).toEqual(["STATE_SNAPSHOT", "STATE_DELTA", "STATE_DELTA"]);
    expect(stateEvents[0]).toEqual({ type: "STATE_SNAPSHOT", snapshot: { progress: 0, items: [] } });
    const [plan, act] = ofType(stateEvents, "STATE_DELTA").map((e) => e.delta);
    expect(plan).toHaveLength(2);
    expect(plan).toEqual(
      expect.arrayContaining([
        { op: "replace", path: "/progress", value: 1 },
        { op: "add", path: "/items/0", value: "plan" },
      ]),
    );
    expect(act).toHaveLength(2);
    expect(act).toEqual(
      expect.arrayContaining([
        { op: "replace", path: "/progress", value: 2 },
        { op: "add", path: "/items/1", value: "act" },
      ]),
    );
    expect(ofType(events, "STEP_STARTED").map((e) => e.stepName)).toEqual(["plan", "act", "noop"]);
  });

  it("accepts only the client state keys it is told to", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      a: Annotation<number>(),
      b: Annotation<number>(),
    });
    const graph = new StateGraph(State)
      .addNode("n", async () => ({}))
      .addEdge(START, "n")
      .addEdge("n", END)
      .compile();
    const agent = new LangGraphAgent({ name: "s", description: "s", graph, acceptClientState: ["a"] });
    const events = await collect(agent, runInput({ state: { a: 1, b: 2, unknown: 3 } }));
    expect(ofType(events, "STATE_SNAPSHOT")[0]?.snapshot).toEqual({ a: 1 });
  });

  it("never writes client state into keys hidden from the client", async () => {
    const State = Annotation.Root({
      ...MessagesAnnotation.spec,
      view: Annotation<string>(),
      role: Annotation<string>(),
    });
    let seenRole: string | undefined;
    const graph = new StateGraph(State)
      .addNode("n", async (s) => {
        seenRole = s.role;
        return {};
      })
      .addEdge(START, "n")
      .addEdge("n", END)
      .compile();
    const agent = new LangGraphAgent({ name: "s", description: "s", graph, state: { exclude: ["role"] } });
    const events = await collect(agent, runInput({ state: { view: "chart", role: "admin" } }));
    expect(seenRole).toBeUndefined();
    expect(ofType(events, "STATE_SNAPSHOT")[0]?.snapshot).toEqual({ view: "chart" });
  });

  it("ends with RUN_ERROR naming the node when a node throws", async () => {
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("lookup", async () => {
        throw new Error("portfolio service returned 503");
      })
      .addEdge(START, "lookup")
      .addEdge("lookup", END)
      .compile();
    const agent = new LangGraphAgent({ name: "e", description: "e", graph });
    const { ctx, lines } = testContext();
    const events = await collect(agent, runInput({ messages: [user("u1", "hi")] }), ctx);
    expect(events.at(-1)).toEqual({
      type: "RUN_ERROR",
      message: 'Node "lookup" failed: portfolio service returned 503',
      code: "graph_error",
    });
    expect(lines.some((l) => l.level === 50 && l.msg === "LangGraph run failed")).toBe(true);
  });

  it("closes a half-streamed message before RUN_ERROR when the model fails mid-stream", async () => {
    const { agent } = chatGraph([{ text: ["partial "], error: "upstream reset" }]);
    const events = await collect(agent, runInput({ messages: [user("u1", "hi")] }));
    expect(types(events).slice(-3)).toEqual(["TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "RUN_ERROR"]);
    expect(events.at(-1)?.message).toContain("upstream reset");
  });

  it("aborts the graph and the model call on cancel", async () => {
    const { agent, model } = chatGraph([{ text: ["a", "b", "c", "d", "e", "f"], delayMs: 50 }]);
    const controller = new AbortController();
    const { ctx } = testContext(controller.signal);
    const events = await collect(agent, runInput({ messages: [user("u1", "hi")] }), ctx, (e) => {
      if (e.type === "TEXT_MESSAGE_CONTENT") controller.abort(new Error("cancelled by client"));
    });
    expect(ofType(events, "TEXT_MESSAGE_CONTENT").length).toBe(1);
    // The agent leaves RUN_FINISHED (outcome cancelled) to the runtime and reports no error.
    expect(types(events)).not.toContain("RUN_ERROR");
    expect(types(events)).not.toContain("RUN_FINISHED");
    expect(types(events).at(-1)).toBe("TEXT_MESSAGE_END");
    expect(model.calls.length).toBe(1);
    expect(model.aborted).toBe(true);
  });

  it("streams parallel nodes into separate messages, each closed when its node finishes", async () => {
    const fast = new ScriptedChatModel([{ text: ["a1", "a2"], delayMs: 5 }]);
    const slow = new ScriptedChatModel([{ text: ["b1", "b2", "b3"], delayMs: 15 }]);
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("fast", async (s, config) => ({ messages: [await fast.invoke(s.messages, config)] }))
      .addNode("slow", async (s, config) => ({ messages: [await slow.invoke(s.messages, config)] }))
      .addEdge(START, "fast")
      .addEdge(START, "slow")
      .addEdge("fast", END)
      .addEdge("slow", END)
      .compile();
    const agent = new LangGraphAgent({ name: "p", description: "p", graph });
    const events = await collect(agent, runInput({ messages: [user("u1", "go")] }));
    expect(Object.values(texts(events)).sort()).toEqual(["a1a2", "b1b2b3"]);
    expect(ofType(events, "TEXT_MESSAGE_START")).toHaveLength(2);
    // Each message ends before its own node's STEP_FINISHED.
    for (const step of ["fast", "slow"]) {
      const id = ofType(events, "TEXT_MESSAGE_START").find((e) =>
        texts(events)[e.messageId]?.startsWith(step === "fast" ? "a" : "b"),
      )?.messageId;
      const end = events.findIndex((e) => e.type === "TEXT_MESSAGE_END" && e.messageId === id);
      const finished = events.findIndex((e) => e.type === "STEP_FINISHED" && e.stepName === step);
      expect(end).toBeGreaterThan(-1);
      expect(end).toBeLessThan(finished);
    }
  });

  it("streams text produced inside a subgraph as part of the parent step", async () => {
    const model = new ScriptedChatModel([{ text: ["from ", "inside"] }]);
    const inner = new StateGraph(MessagesAnnotation)
      .addNode("inner_chat", async (s, config) => ({ messages: [await model.invoke(s.messages, config)] }))
      .addEdge(START, "inner_chat")
      .addEdge("inner_chat", END)
      .compile();
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("research", inner)
      .addEdge(START, "research")
      .addEdge("research", END)
      .compile();
    const agent = new LangGraphAgent({ name: "sub", description: "sub", graph });
    const events = await collect(agent, runInput({ messages: [user("u1", "go")] }));
    expect(Object.values(texts(events))).toEqual(["from inside"]);
    // Steps are the root graph's nodes only.
    expect(ofType(events, "STEP_STARTED").map((e) => e.stepName)).toEqual(["research"]);
    expect(types(events).slice(-3)).toEqual(["TEXT_MESSAGE_END", "STEP_FINISHED", "RUN_FINISHED"]);
  });
});
