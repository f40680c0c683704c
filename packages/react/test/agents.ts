/**
 * Agents for the React tests: plain objects as users write them, run by the real server.
 */
import type { Agent } from "@backchannel/server";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function lastUserText(input: { messages: { role: string; content?: unknown }[] }): string {
  const last = input.messages.findLast((m) => m.role === "user");
  return typeof last?.content === "string" ? last.content : "";
}

/**
 * Answers "You said: <text>" in word-sized deltas, `delayMs` apart (forwardedProps.delayMs,
 * default 5). "markdown" gets a list, a table and a code block; "context" echoes input.context;
 * "state" echoes input.state.
 */
export const echo: Agent = {
  name: "echo",
  description: "Repeats what you say",
  async *run(input, ctx) {
    const delayMs = (input.forwardedProps as { delayMs?: number } | undefined)?.delayMs ?? 5;
    const text = lastUserText(input);
    let answer = `You said: ${text}`;
    if (text === "markdown") {
      answer = [
        "Here is **bold** text and `inline code`.",
        "",
        "- first item",
        "- second item",
        "",
        "| Fund | NAV |",
        "| --- | --- |",
        "| Alpha | 101.5 |",
        "| Beta | 98.2 |",
        "",
        "```ts",
        "const nav = 101.5;",
        "```",
        "",
        '<script>window.__pwned = true</script> <img src=x onerror="window.__pwned = true">',
        "",
        "[click](javascript:window.__pwned=true) [docs](https://example.com/docs)",
      ].join("\n");
    } else if (text === "context") {
      answer = `Context: ${JSON.stringify(input.context)}`;
    } else if (text === "state") {
      answer = `State: ${JSON.stringify(input.state)}`;
    }
    const id = `a-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
    for (const piece of answer.match(/\S+\s*|\s+/g) ?? []) {
      await sleep(delayMs, ctx.signal);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: piece };
    }
    yield { type: "TEXT_MESSAGE_END", messageId: id };
  },
};

/** Streams `count` numbered tokens (forwardedProps.count, default 40) `delayMs` apart (default 20). */
export const counter: Agent = {
  name: "counter",
  description: "Counts slowly",
  async *run(input, ctx) {
    const props = (input.forwardedProps ?? {}) as { count?: number; delayMs?: number };
    const id = `c-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
    for (let i = 1; i <= (props.count ?? 40); i++) {
      await sleep(props.delayMs ?? 20, ctx.signal);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: `${i} ` };
    }
    yield { type: "TEXT_MESSAGE_END", messageId: id };
  },
};

/** Fails after a partial answer. */
export const failing: Agent = {
  name: "failing",
  description: "Fails mid-answer",
  async *run(input) {
    yield { type: "TEXT_MESSAGE_START", messageId: `f-${input.runId}`, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: `f-${input.runId}`, delta: "Partial" };
    throw new Error("model unavailable");
  },
};

/**
 * Calls the client tool named in the user's message ("call <tool> <json args>"); once the tool
 * message is in the transcript, answers "Tool said: <content>".
 */
export const toolCaller: Agent = {
  name: "tools",
  description: "Calls browser tools",
  async *run(input) {
    const last = input.messages.at(-1);
    const id = `t-${input.runId}`;
    if (last?.role === "tool") {
      yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
      yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: `Tool said: ${String(last.content)}` };
      yield { type: "TEXT_MESSAGE_END", messageId: id };
      return;
    }
    const match = /^call (\S+) (.*)$/.exec(lastUserText(input));
    const name = match?.[1] ?? "missing";
    const offered = input.tools.map((t) => t.name);
    if (!offered.includes(name)) {
      yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
      yield {
        type: "TEXT_MESSAGE_CONTENT",
        messageId: id,
        delta: `No tool ${name}; offered: ${offered.join(",")}`,
      };
      yield { type: "TEXT_MESSAGE_END", messageId: id };
      return;
    }
    const args = match?.[2] ?? "{}";
    const callId = `call-${input.runId}`;
    yield { type: "TOOL_CALL_START", toolCallId: callId, toolCallName: name, parentMessageId: id };
    // Arguments arrive in two pieces, as models stream them.
    const half = Math.floor(args.length / 2);
    yield { type: "TOOL_CALL_ARGS", toolCallId: callId, delta: args.slice(0, half) };
    yield { type: "TOOL_CALL_ARGS", toolCallId: callId, delta: args.slice(half) };
    yield { type: "TOOL_CALL_END", toolCallId: callId };
  },
};

/**
 * Shared state: sends a snapshot with `count` from input.state (+1), then a delta setting
 * `status: "done"`, then says what it saw.
 */
export const stateful: Agent = {
  name: "stateful",
  description: "Keeps a counter in shared state",
  async *run(input) {
    const state = (input.state ?? {}) as { count?: number };
    const count = (state.count ?? 0) + 1;
    yield { type: "STATE_SNAPSHOT", snapshot: { ...state, count, status: "working" } };
    yield { type: "STATE_DELTA", delta: [{ op: "replace", path: "/status", value: "done" }] };
    const id = `s-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: `Saw ${JSON.stringify(input.state)}` };
    yield { type: "TEXT_MESSAGE_END", messageId: id };
  },
};

/**
 * Pauses for the user: the first run ends with an interrupt outcome; the run that resumes it
 * says how it was answered.
 */
export const approver: Agent = {
  name: "approver",
  description: "Asks before signing off",
  async *run(input) {
    const id = `p-${input.runId}`;
    const resume = (input as { resume?: { interruptId: string; status: string; payload?: unknown }[] })
      .resume;
    if (resume?.length) {
      const answer = resume
        .map((r) => `${r.interruptId}:${r.status}:${JSON.stringify(r.payload ?? null)}`)
        .join(",");
      yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
      yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: `Resumed ${answer}` };
      yield { type: "TEXT_MESSAGE_END", messageId: id };
      return;
    }
    yield { type: "RUN_STARTED", threadId: input.threadId, runId: input.runId };
    yield {
      type: "RUN_FINISHED",
      threadId: input.threadId,
      runId: input.runId,
      outcome: {
        type: "interrupt",
        interrupts: [{ id: "sign-off", reason: "approval", message: "Sign off today's NAV?" }],
      },
    };
  },
};

/** Every agent above. `echo` first, so it is the default chat agent. */
export const reactTestAgents: Agent[] = [echo, counter, failing, toolCaller, stateful, approver];
