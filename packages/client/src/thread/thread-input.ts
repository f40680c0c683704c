/**
 * How a thread turns its transcript, state, context and tools into the next run's
 * `RunAgentInput`, and how it keeps that transcript acceptable to model APIs.
 * @module
 */
import type { Message, ResumeEntry, RunAgentInput, State } from "@ag-ui/core";
import { appendMessage, type FoldState, foldSnapshot } from "@backchannel/protocol/fold";
import { randomId } from "../ids.js";
import type { ClientTool } from "./client-tools.js";

/** A context entry as `addContext` stores it. */
export interface ContextEntry {
  description: string;
  value: unknown;
}

/** What goes into one run besides the fold. */
export interface RunInputParts {
  threadId: string;
  tools: Iterable<ClientTool>;
  contexts: Iterable<ContextEntry>;
  forwardedProps: unknown;
  /** Answers to interrupts; when absent, open interrupts are sent as abandoned. */
  resume: ResumeEntry[] | undefined;
}

/**
 * The input of the thread's next run. Clears the fold's open interrupts: they are answered
 * (`resume`) or, on a new turn, reported as cancelled so the agent can clean up.
 */
export function buildRunInput(fold: FoldState, parts: RunInputParts): RunAgentInput {
  const resume =
    parts.resume ?? fold.interrupts.map((i): ResumeEntry => ({ interruptId: i.id, status: "cancelled" }));
  fold.interrupts = [];
  const forwarded = parts.forwardedProps;
  return {
    threadId: parts.threadId,
    runId: randomId(),
    messages: foldSnapshot(fold).messages as Message[],
    tools: [...parts.tools].map((t) => ({
      name: t.name,
      description: t.description,
      ...(t.parameters === undefined ? {} : { parameters: t.parameters }),
    })),
    context: [...parts.contexts].map((c) => ({
      description: c.description,
      value: typeof c.value === "string" ? c.value : JSON.stringify(c.value),
    })),
    state: fold.state as State,
    ...(forwarded === undefined
      ? {}
      : { forwardedProps: typeof forwarded === "function" ? forwarded() : forwarded }),
    ...(resume.length ? { resume } : {}),
  };
}

/**
 * Model APIs refuse a transcript with a tool call nobody answered (a cancelled run, a tool this
 * app does not implement), so before a new turn each such call gets a `tool` message saying it
 * was cancelled. (Not before resuming an interrupt: that may approve exactly such a call.)
 */
export function answerDanglingToolCalls(fold: FoldState): void {
  for (const tc of [...fold.toolCalls.values()]) {
    if (tc.hasResult) continue;
    const answer: Message = {
      id: randomId(),
      role: "tool",
      toolCallId: tc.call.id,
      content: "Cancelled: the run ended before this tool call was answered.",
      error: "cancelled",
    };
    appendMessage(fold, answer, undefined);
  }
}
