import type { Message, RunAgentInput } from "@ag-ui/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { createScriptedServer, type ScriptedAgent } from "../../test/scripted-server.js";
import { createClient } from "../client.js";
import type { BackchannelError } from "../errors.js";
import { AgentThread } from "./agent-thread.js";
import type { AgentThreadOptions } from "./thread-types.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function say(id: string, text: string): Record<string, unknown>[] {
  return [
    { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" },
    { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: text },
    { type: "TEXT_MESSAGE_END", messageId: id },
  ];
}

const lastMessage = (input: RunAgentInput) => input.messages.at(-1) as Message & Record<string, any>;

/** Waits until `signal` aborts (or `ms` passes), like a model call that honours cancellation. */
function waitOrAbort(signal: AbortSignal, ms = 10_000) {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function setup(agent: ScriptedAgent, options: Partial<AgentThreadOptions> = {}) {
  const server = await createScriptedServer({ agent });
  cleanups.push(() => server.close());
  const client = createClient({ url: server.url, WebSocket });
  cleanups.push(() => client.close());
  const errors: BackchannelError[] = [];
  const thread = new AgentThread({
    client,
    agent: "echo",
    throttleMs: 0,
    onError: (e) => errors.push(e),
    ...options,
  });
  cleanups.push(() => thread.dispose());
  return { server, client, thread, errors };
}

const echo: ScriptedAgent = function* (input) {
  yield* say(`a-${input.runId}`, `echo: ${lastMessage(input).content}`);
};

describe("AgentThread: sending", () => {
  it("appends the user message, streams the answer and publishes stable snapshots", async () => {
    const { thread, server } = await setup(echo, { threadId: "t-1", initialState: { page: "nav" } });
    await expect(thread.sendMessage({ content: 42 } as never)).rejects.toThrow(TypeError);
    const first = thread.getSnapshot();
    expect(thread.getSnapshot()).toBe(first);
    expect(first).toMatchObject({
      threadId: "t-1",
      messages: [],
      isRunning: false,
      error: null,
      currentRunId: null,
    });
    const running: boolean[] = [];
    thread.subscribe(() => running.push(thread.getSnapshot().isRunning));
    const result = await thread.sendMessage({ content: "hello" });
    expect(result.status).toBe("finished");
    const snap = thread.getSnapshot();
    expect(snap.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "hello"],
      ["assistant", "echo: hello"],
    ]);
    expect(snap.isRunning).toBe(false);
    expect(snap.currentRunId).toBeNull();
    expect(running[0]).toBe(true);
    expect(running.at(-1)).toBe(false);
    const input = server.inputs[0]!;
    expect(input).toMatchObject({ threadId: "t-1", state: { page: "nav" }, tools: [], context: [] });
    expect(input.messages).toEqual([{ id: snap.messages[0]!.id, role: "user", content: "hello" }]);
  });

  it("sends the whole transcript with the next message", async () => {
    const { thread, server } = await setup(echo);
    await thread.sendMessage({ content: "one" });
    await thread.sendMessage({ content: "two" });
    expect(server.inputs[1]!.messages.map((m) => m.content)).toEqual(["one", "echo: one", "two"]);
  });

  it("queues a message sent while running and sends it after the run ends", async () => {
    const { thread, server } = await setup(async function* (input, signal) {
      if (lastMessage(input).content === "slow") await waitOrAbort(signal, 150);
      yield* say(`a-${input.runId}`, `re: ${lastMessage(input).content}`);
    });
    const first = thread.sendMessage({ content: "slow" });
    const second = thread.sendMessage({ content: "next" });
    expect(thread.getSnapshot().queuedMessages.map((m) => m.content)).toEqual(["next"]);
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual(["slow"]);
    expect((await first).status).toBe("finished");
    expect((await second).status).toBe("finished");
    expect(thread.getSnapshot().queuedMessages).toEqual([]);
    expect(server.inputs.map((i) => lastMessage(i).content)).toEqual(["slow", "next"]);
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual([
      "slow",
      "re: slow",
      "next",
      "re: next",
    ]);
  });

  it("rejects a message sent while running with whileRunning: 'reject'", async () => {
    const { thread } = await setup(
      async function* (input, signal) {
        await waitOrAbort(signal, 100);
        yield* say(`a-${input.runId}`, "late");
      },
      { whileRunning: "reject" },
    );
    const first = thread.sendMessage({ content: "a" });
    await expect(thread.sendMessage({ content: "b" })).rejects.toMatchObject({ code: "run_in_progress" });
    await first;
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual(["a", "late"]);
  });

  it("cancels the current run and then sends with whileRunning: 'interrupt', never overlapping runs", async () => {
    const order: string[] = [];
    const { thread } = await setup(
      async function* (input, signal) {
        order.push(`start ${lastMessage(input).content}`);
        if (lastMessage(input).content === "long") await waitOrAbort(signal);
        order.push(`end ${lastMessage(input).content}`);
        yield* say(`a-${input.runId}`, "done");
      },
      { whileRunning: "interrupt" },
    );
    const first = thread.sendMessage({ content: "long" });
    await vi.waitFor(() => expect(order).toEqual(["start long"]));
    const second = thread.sendMessage({ content: "now" });
    expect((await first).status).toBe("cancelled");
    expect((await second).status).toBe("finished");
    expect(order).toEqual(["start long", "end long", "start now", "end now"]);
  });

  it("stop() cancels the run and drops queued messages", async () => {
    const { thread, server } = await setup(async function* (_input, signal) {
      yield* say("partial", "so far");
      await waitOrAbort(signal);
    });
    const first = thread.sendMessage({ content: "a" });
    const queued = thread.sendMessage({ content: "b" });
    await vi.waitFor(() => expect(thread.getSnapshot().messages).toHaveLength(2));
    thread.stop();
    expect((await queued).status).toBe("cancelled");
    expect((await first).status).toBe("cancelled");
    expect(thread.getSnapshot()).toMatchObject({ isRunning: false, queuedMessages: [] });
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual(["a", "so far"]);
    expect(server.inputs).toHaveLength(1);
  });

  it("shows a failed run's error and clears it on the next run", async () => {
    const { thread, errors } = await setup(function* (input) {
      if (lastMessage(input).content === "fail") throw new Error("model exploded");
      yield* say(`a-${input.runId}`, "fine");
    });
    const result = await thread.sendMessage({ content: "fail" });
    expect(result.status).toBe("error");
    expect(thread.getSnapshot().error).toMatchObject({ code: "run_failed", message: "model exploded" });
    expect(errors.map((e) => e.code)).toEqual(["run_failed"]);
    await thread.sendMessage({ content: "again" });
    expect(thread.getSnapshot().error).toBeNull();
  });

  it("regenerate() drops everything after the last user message and runs again", async () => {
    let n = 0;
    const { thread, server } = await setup(function* (input) {
      yield* say(`a-${input.runId}`, `answer ${++n}`);
    });
    await expect(thread.regenerate()).rejects.toThrow(/no user message/);
    await thread.sendMessage({ content: "q" });
    await thread.regenerate();
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual(["q", "answer 2"]);
    expect(server.inputs[1]!.messages.map((m) => m.content)).toEqual(["q"]);
  });

  it("reset() returns to the initial messages with a new thread id", async () => {
    const initialMessages: Message[] = [{ id: "sys", role: "system", content: "be brief" }];
    const { thread } = await setup(echo, { initialMessages, initialState: { n: 0 } });
    const before = thread.getSnapshot().threadId;
    await thread.sendMessage({ content: "x" });
    thread.setState({ n: 5 });
    thread.reset();
    const snap = thread.getSnapshot();
    expect(snap.messages).toEqual(initialMessages);
    expect(snap.state).toEqual({ n: 0 });
    expect(snap.threadId).not.toBe(before);
  });
});

describe("AgentThread: endedEarly", () => {
  it("marks the last answer of a failed run 'failed' and of a cancelled one 'stopped'; reset() clears", async () => {
    const { thread } = await setup(
      async function* (input, signal) {
        const content = lastMessage(input).content;
        yield { type: "TEXT_MESSAGE_START", messageId: `tool-${input.runId}`, role: "assistant" };
        yield { type: "TEXT_MESSAGE_END", messageId: `tool-${input.runId}` };
        yield* say(`a-${input.runId}`, `partial ${content}`);
        if (content === "fail") throw new Error("model exploded");
        if (content === "slow") await waitOrAbort(signal);
      },
      { endedEarly: { old: "failed" } },
    );
    expect(thread.getSnapshot().endedEarly).toEqual({ old: "failed" });
    await thread.sendMessage({ content: "fine" });
    const unchanged = thread.getSnapshot().endedEarly;
    expect(unchanged).toEqual({ old: "failed" });

    const failed = await thread.sendMessage({ content: "fail" });
    expect(thread.getSnapshot().endedEarly).toEqual({ old: "failed", [`a-${failed.runId}`]: "failed" });

    const slow = thread.sendMessage({ content: "slow" });
    await vi.waitFor(() => expect(thread.getSnapshot().messages.at(-1)?.content).toBe("partial slow"));
    const runId = thread.getSnapshot().currentRunId;
    thread.stop();
    expect((await slow).status).toBe("cancelled");
    expect(thread.getSnapshot().endedEarly[`a-${runId}`]).toBe("stopped");
    expect(Object.isFrozen(thread.getSnapshot().endedEarly)).toBe(true);

    thread.reset();
    expect(thread.getSnapshot().endedEarly).toEqual({ old: "failed" });
  });
});

describe("AgentThread: runAgent()", () => {
  it("runs on the thread as it is (no new message), queued behind a run in progress, as the README says", async () => {
    const { thread, server } = await setup(async function* (input, signal) {
      const last = lastMessage(input);
      if (last?.content === "call") {
        yield { type: "TOOL_CALL_START", toolCallId: `c-${input.runId}`, toolCallName: "notHere" };
        yield { type: "TOOL_CALL_END", toolCallId: `c-${input.runId}` };
        return;
      }
      if (last?.content === "slow") await waitOrAbort(signal, 100);
      yield* say(`a-${input.runId}`, `state ${JSON.stringify(input.state)} after ${last?.role ?? "nothing"}`);
    });
    // In an empty thread the agent speaks first.
    expect((await thread.runAgent()).status).toBe("finished");
    expect(server.inputs[0]!.messages).toEqual([]);
    // After setState, without a message; queued behind the run in progress.
    const slow = thread.sendMessage({ content: "slow" });
    thread.setState({ filter: "failed" });
    const queued = thread.runAgent();
    expect(thread.getSnapshot().queuedMessages).toEqual([]);
    await slow;
    expect((await queued).status).toBe("finished");
    expect(server.inputs[2]!.state).toEqual({ filter: "failed" });
    expect(server.inputs[2]!.messages.map((m) => m.role)).toEqual(["assistant", "user", "assistant"]);
    expect(thread.getSnapshot().messages.at(-1)?.content).toBe('state {"filter":"failed"} after assistant');
    // A tool call nobody answers is answered as cancelled before the next run, as for sendMessage.
    await thread.sendMessage({ content: "call" });
    await thread.runAgent();
    const sent = server.inputs.at(-1)!.messages.at(-1) as Message & Record<string, any>;
    expect(sent).toMatchObject({ role: "tool", error: "cancelled" });
  });
});

describe("AgentThread: letting go and taking over", () => {
  it("dispose({ keepRun: true }) sends no cancel: the run ends on the server, and another thread follows it", async () => {
    const { thread, server, client } = await setup(async function* (input, signal) {
      yield* say(`a-${input.runId}`, "first half ");
      await sleep(150);
      if (signal.aborted) return;
      yield { type: "TEXT_MESSAGE_CONTENT", messageId: `a-${input.runId}`, delta: "second half" };
    });
    const sent = thread.sendMessage({ content: "go" });
    await vi.waitFor(() => expect(thread.getSnapshot().messages).toHaveLength(2));
    const runId = thread.getSnapshot().currentRunId!;
    thread.dispose({ keepRun: true });
    expect((await sent).status).toBe("cancelled");
    const conn = await server.connection(0);
    expect(conn.received.some((f) => f.type === "cancel")).toBe(false);

    const follower = new AgentThread({ client, agent: "echo", throttleMs: 0 });
    cleanups.push(() => follower.dispose());
    const followed = await follower.attachRun(runId, 0);
    expect(followed.status).toBe("finished");
    expect(follower.getSnapshot().messages.map((m) => m.content)).toEqual(["first half second half"]);
    expect(conn.received.some((f) => f.type === "cancel")).toBe(false);
  });

  it("setMessages() replaces the transcript between runs, keeping equal messages' identity", async () => {
    const { thread, server } = await setup(async function* (input, signal) {
      yield* say(`a-${input.runId}`, `echo: ${lastMessage(input).content}`);
      if (lastMessage(input).content === "slow") await waitOrAbort(signal, 200);
    });
    await thread.sendMessage({ content: "one" });
    const [question, answer] = thread.getSnapshot().messages;
    const earlier: Message = { id: "u0", role: "user", content: "from storage" };
    thread.setMessages([earlier, question!, answer!]);
    const snap = thread.getSnapshot();
    expect(snap.messages.map((m) => m.content)).toEqual(["from storage", "one", "echo: one"]);
    expect(snap.messages[1]).toBe(question);
    expect(snap.messages[2]).toBe(answer);
    const slow = thread.sendMessage({ content: "slow" });
    expect(() => thread.setMessages([])).toThrow(/run is in progress/);
    await slow;
    expect(server.inputs[1]!.messages.map((m) => m.content)).toEqual([
      "from storage",
      "one",
      "echo: one",
      "slow",
    ]);
  });
});

describe("AgentThread: state and context", () => {
  it("sends setState as input.state and applies the agent's deltas; a bad delta is reported and ignored", async () => {
    const { thread, server, errors } = await setup(function* () {
      yield { type: "STATE_DELTA", delta: [{ op: "replace", path: "/count", value: 2 }] };
      yield { type: "STATE_DELTA", delta: [{ op: "remove", path: "/nope" }] };
    });
    thread.setState({ count: 1, other: { keep: true } });
    expect(thread.getSnapshot().state).toEqual({ count: 1, other: { keep: true } });
    const other = thread.getSnapshot().state.other;
    await thread.sendMessage({ content: "go" });
    expect(server.inputs[0]!.state).toEqual({ count: 1, other: { keep: true } });
    expect(thread.getSnapshot().state).toEqual({ count: 2, other: { keep: true } });
    expect(thread.getSnapshot().state.other).toBe(other);
    expect(errors.map((e) => e.code)).toEqual(["state_patch_failed"]);
  });

  it("sends context providers as input.context until removed", async () => {
    const { thread, server } = await setup(echo);
    const remove = thread.addContext({ description: "selected fund", value: { id: "F1" } });
    thread.addContext({ description: "page", value: "portfolio" });
    await thread.sendMessage({ content: "a" });
    expect(server.inputs[0]!.context).toEqual([
      { description: "selected fund", value: '{"id":"F1"}' },
      { description: "page", value: "portfolio" },
    ]);
    remove();
    await thread.sendMessage({ content: "b" });
    expect(server.inputs[1]!.context).toEqual([{ description: "page", value: "portfolio" }]);
  });
});

/** Calls `tool` once (on the first run), then answers with the tool result it got. */
function callsTool(tool: string, args: string): ScriptedAgent {
  return function* (input) {
    const last = lastMessage(input);
    if (last.role === "tool") {
      yield* say(`a-${input.runId}`, `got ${last.content}${last.error ? ` (${last.error})` : ""}`);
      return;
    }
    yield {
      type: "TOOL_CALL_START",
      toolCallId: `tc-${input.runId}`,
      toolCallName: tool,
      parentMessageId: `m-${input.runId}`,
    };
    yield { type: "TOOL_CALL_ARGS", toolCallId: `tc-${input.runId}`, delta: args };
    yield { type: "TOOL_CALL_END", toolCallId: `tc-${input.runId}` };
  };
}

describe("AgentThread: client tools", () => {
  it("runs the handler, appends the tool result and starts a follow-up run", async () => {
    const { thread, server } = await setup(callsTool("getNav", '{"fund":"F1"}'));
    const handler = vi.fn(async (args: { fund: string }) => ({ fund: args.fund, nav: 101.5 }));
    thread.registerTool({
      name: "getNav",
      description: "NAV of a fund",
      parameters: { type: "object" },
      handler,
    });
    const result = await thread.sendMessage({ content: "nav?" });
    expect(result.status).toBe("finished");
    expect(handler).toHaveBeenCalledWith({ fund: "F1" }, expect.objectContaining({ name: "getNav" }));
    expect(server.inputs[0]!.tools).toEqual([
      { name: "getNav", description: "NAV of a fund", parameters: { type: "object" } },
    ]);
    const messages = thread.getSnapshot().messages as (Message & Record<string, any>)[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(messages[1]!.toolCalls[0].function).toEqual({ name: "getNav", arguments: '{"fund":"F1"}' });
    expect(messages[2]).toMatchObject({
      toolCallId: messages[1]!.toolCalls[0].id,
      content: '{"fund":"F1","nav":101.5}',
    });
    expect(messages[3]!.content).toBe('got {"fund":"F1","nav":101.5}');
    expect(server.inputs).toHaveLength(2);
  });

  it("waits for the UI to answer a tool without handler (human in the loop)", async () => {
    const { thread, server } = await setup(callsTool("approveTrade", '{"qty":10}'));
    thread.registerTool({ name: "approveTrade", description: "Ask the user" });
    const done = thread.sendMessage({ content: "buy" });
    await vi.waitFor(() => expect(thread.getSnapshot().pendingToolCalls).toHaveLength(1));
    const call = thread.getSnapshot().pendingToolCalls[0]!;
    expect(call).toMatchObject({ name: "approveTrade", args: { qty: 10 } });
    expect(thread.getSnapshot().isRunning).toBe(true);
    call.respond({ approved: true, qty: 5 });
    await done;
    expect(thread.getSnapshot().pendingToolCalls).toEqual([]);
    expect(lastMessage(server.inputs[1]!)).toMatchObject({
      role: "tool",
      content: '{"approved":true,"qty":5}',
    });
  });

  it("lets the UI reject a call with fail(), which the agent reads as an error result", async () => {
    const { thread } = await setup(callsTool("approveTrade", "{}"));
    thread.registerTool({ name: "approveTrade", description: "Ask the user" });
    const done = thread.sendMessage({ content: "buy" });
    await vi.waitFor(() => expect(thread.getSnapshot().pendingToolCalls).toHaveLength(1));
    thread.getSnapshot().pendingToolCalls[0]!.fail("User rejected the trade");
    await done;
    expect(thread.getSnapshot().messages.at(-1)!.content).toBe(
      "got Error: User rejected the trade (User rejected the trade)",
    );
  });

  it("answers with an error when a handler throws, reports tool_failed and still follows up", async () => {
    const { thread, errors } = await setup(callsTool("boom", "{}"));
    thread.registerTool({
      name: "boom",
      description: "fails",
      handler: () => {
        throw new Error("disk full");
      },
    });
    await thread.sendMessage({ content: "x" });
    expect(errors.map((e) => e.code)).toEqual(["tool_failed"]);
    expect(thread.getSnapshot().messages.at(-1)!.content).toBe("got Error: disk full (disk full)");
  });

  it("answers open calls as cancelled on stop() and starts no follow-up", async () => {
    const { thread, server } = await setup(callsTool("approveTrade", "{}"));
    thread.registerTool({ name: "approveTrade", description: "Ask the user" });
    const done = thread.sendMessage({ content: "buy" });
    await vi.waitFor(() => expect(thread.getSnapshot().pendingToolCalls).toHaveLength(1));
    thread.stop();
    expect((await done).status).toBe("cancelled");
    expect(thread.getSnapshot().messages.at(-1)).toMatchObject({ role: "tool", error: "cancelled" });
    expect(server.inputs).toHaveLength(1);
  });

  it("stops after maxToolRoundtrips automatic follow-ups", async () => {
    const { thread, server, errors } = await setup(
      function* (input) {
        yield { type: "TOOL_CALL_START", toolCallId: `tc-${input.runId}`, toolCallName: "again" };
        yield { type: "TOOL_CALL_END", toolCallId: `tc-${input.runId}` };
      },
      { maxToolRoundtrips: 2 },
    );
    thread.registerTool({ name: "again", description: "loops", handler: () => "ok" });
    await thread.sendMessage({ content: "loop" });
    expect(server.inputs).toHaveLength(3);
    expect(errors.at(-1)?.code).toBe("tool_failed");
    expect(thread.getSnapshot().error?.message).toMatch(/maxToolRoundtrips/);
  });

  it("stops offering an unregistered tool, and answers calls to unknown tools as cancelled next time", async () => {
    const { thread, server } = await setup(callsTool("notMine", "{}"));
    const unregister = thread.registerTool({ name: "other", description: "x", handler: () => "" });
    unregister();
    await thread.sendMessage({ content: "a" });
    expect(server.inputs[0]!.tools).toEqual([]);
    expect(server.inputs).toHaveLength(1);
    await thread.sendMessage({ content: "b" });
    const sent = server.inputs[1]!.messages as (Message & Record<string, any>)[];
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect(sent[2]).toMatchObject({ error: "cancelled", toolCallId: sent[1]!.toolCalls[0].id });
  });
});

describe("AgentThread: interrupts", () => {
  const interrupting: ScriptedAgent = function* (input) {
    if (input.resume?.length) {
      yield* say(`a-${input.runId}`, `resumed with ${JSON.stringify(input.resume)}`);
      return;
    }
    yield {
      type: "RUN_FINISHED",
      threadId: input.threadId,
      runId: input.runId,
      outcome: { type: "interrupt", interrupts: [{ id: "i1", reason: "approval", message: "Approve?" }] },
    };
  };

  it("exposes interrupts and resumes with the answer in input.resume", async () => {
    const { thread, server } = await setup(interrupting);
    const result = await thread.sendMessage({ content: "trade" });
    expect(result.status).toBe("interrupted");
    expect(thread.getSnapshot().interrupts).toEqual([{ id: "i1", reason: "approval", message: "Approve?" }]);
    await thread.resumeInterrupt({ approved: true });
    expect(server.inputs[1]!.resume).toEqual([
      { interruptId: "i1", status: "resolved", payload: { approved: true } },
    ]);
    expect(thread.getSnapshot().interrupts).toEqual([]);
    await expect(thread.resumeInterrupt("again")).rejects.toThrow(/no open interrupt/);
  });

  it("tells the agent an unanswered interrupt was abandoned when a new message is sent", async () => {
    const { thread, server } = await setup(interrupting);
    await thread.sendMessage({ content: "trade" });
    await thread.sendMessage({ content: "never mind" });
    expect(server.inputs[1]!.resume).toEqual([{ interruptId: "i1", status: "cancelled" }]);
  });
});

describe("AgentThread: notifications", () => {
  it("batches a burst of deltas into fewer notifications than events", async () => {
    const deltas = 200;
    const { thread } = await setup(
      function* (input) {
        yield { type: "TEXT_MESSAGE_START", messageId: `a-${input.runId}` };
        for (let i = 0; i < deltas; i++)
          yield { type: "TEXT_MESSAGE_CONTENT", messageId: `a-${input.runId}`, delta: "x" };
      },
      { throttleMs: undefined },
    );
    let notifications = 0;
    thread.subscribe(() => notifications++);
    const sent = thread.sendMessage({ content: "go" });
    // Caller actions publish at once; only the stream is batched.
    expect(thread.getSnapshot().messages.map((m) => m.content)).toEqual(["go"]);
    await sent;
    // Awaiting sendMessage() yields a snapshot that already holds the whole run.
    expect(thread.getSnapshot().messages[1]!.content).toBe("x".repeat(deltas));
    expect(thread.getSnapshot().isRunning).toBe(false);
    await sleep(40);
    expect(notifications).toBeGreaterThan(0);
    expect(notifications).toBeLessThan(deltas);
  });
});
