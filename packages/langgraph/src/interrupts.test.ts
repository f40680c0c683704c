import { AIMessage } from "@langchain/core/messages";
import { END, interrupt, MemorySaver, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { collect, ofType, runInput, texts } from "../test/harness.js";
import { isCancelledResume, toAguiInterrupt } from "./interrupts.js";
import { LangGraphAgent } from "./langgraph-agent.js";

/** A graph that asks for approval before "executing a trade". */
function approvalGraph(checkpointer?: MemorySaver) {
  return new StateGraph(MessagesAnnotation)
    .addNode("propose", async () => ({ messages: [new AIMessage("I propose selling 100 AAPL.")] }))
    .addNode("approve", async () => {
      const answer = interrupt({
        reason: "approval",
        message: "Sell 100 AAPL?",
        responseSchema: { type: "object", properties: { approved: { type: "boolean" } } },
      });
      if (isCancelledResume(answer)) return { messages: [new AIMessage("Cancelled, nothing was sold.")] };
      const approved = (answer as { approved?: boolean }).approved === true;
      return { messages: [new AIMessage(approved ? "Sold 100 AAPL." : "Not sold.")] };
    })
    .addEdge(START, "propose")
    .addEdge("propose", "approve")
    .addEdge("approve", END)
    .compile(checkpointer ? { checkpointer } : {});
}

const ask = { id: "u1", role: "user" as const, content: "sell my apple" };

describe("interrupts", () => {
  it("ends the run with an interrupt outcome and resumes the graph with the answer", async () => {
    const agent = new LangGraphAgent({
      name: "hitl",
      description: "hitl",
      graph: approvalGraph(new MemorySaver()),
    });
    const first = await collect(agent, runInput({ threadId: "t-approve", messages: [ask] }));
    const finished = ofType(first, "RUN_FINISHED")[0];
    expect(finished?.outcome.type).toBe("interrupt");
    const [pending] = finished?.outcome.interrupts ?? [];
    expect(pending).toMatchObject({
      reason: "approval",
      message: "Sell 100 AAPL?",
      responseSchema: { type: "object", properties: { approved: { type: "boolean" } } },
    });
    expect(typeof pending.id).toBe("string");
    expect(Object.values(texts(first))).toEqual(["I propose selling 100 AAPL."]);

    const second = await collect(
      agent,
      runInput({
        threadId: "t-approve",
        messages: [ask],
        resume: [{ interruptId: pending.id, status: "resolved", payload: { approved: true } }],
      }),
    );
    expect(Object.values(texts(second))).toEqual(["Sold 100 AAPL."]);
    expect(ofType(second, "RUN_FINISHED")[0]?.outcome).toEqual({ type: "success" });
    // The node that resumed is the only step of the second run.
    expect(ofType(second, "STEP_STARTED").map((e) => e.stepName)).toEqual(["approve"]);
  });

  it("passes a cancelled resume entry to the node as { status: 'cancelled' }", async () => {
    const agent = new LangGraphAgent({
      name: "hitl",
      description: "hitl",
      graph: approvalGraph(new MemorySaver()),
    });
    const first = await collect(agent, runInput({ threadId: "t-cancel", messages: [ask] }));
    const id = ofType(first, "RUN_FINISHED")[0]?.outcome.interrupts[0].id;
    const second = await collect(
      agent,
      runInput({ threadId: "t-cancel", messages: [ask], resume: [{ interruptId: id, status: "cancelled" }] }),
    );
    expect(Object.values(texts(second))).toEqual(["Cancelled, nothing was sold."]);
  });

  it("refuses a resume that names an interrupt the thread is not waiting on", async () => {
    const agent = new LangGraphAgent({
      name: "hitl",
      description: "hitl",
      graph: approvalGraph(new MemorySaver()),
    });
    await collect(agent, runInput({ threadId: "t-unknown", messages: [ask] }));
    const events = await collect(
      agent,
      runInput({ threadId: "t-unknown", resume: [{ interruptId: "nope", status: "resolved", payload: 1 }] }),
    );
    expect(events.at(-1)).toMatchObject({ type: "RUN_ERROR", code: "unknown_interrupt" });
    expect(events.at(-1)?.message).toContain('"nope"');
  });

  it("explains that resume needs a checkpointer", async () => {
    const agent = new LangGraphAgent({ name: "hitl", description: "hitl", graph: approvalGraph() });
    const events = await collect(
      agent,
      runInput({ resume: [{ interruptId: "x", status: "resolved", payload: {} }] }),
    );
    expect(events.at(-1)).toMatchObject({ type: "RUN_ERROR", code: "resume_without_checkpointer" });
  });

  it("maps a plain string interrupt value to the message", () => {
    expect(toAguiInterrupt({ id: "i1", value: "Which account?" })).toEqual({
      id: "i1",
      reason: "input_required",
      message: "Which account?",
      metadata: { langgraph: { value: "Which account?" } },
    });
  });
});
