/** Runs an agent the way the server does and checks every event it yields. */
import type { RunAgentInput } from "@ag-ui/core";
import { validateEvent } from "@backchannel/protocol/validate";
import { pino } from "pino";
import type { Agent, AgentContext, AgentEvent } from "../src/agent-types.js";

export interface LoggedLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** A run context with a real pino logger whose lines the test can read. */
export function testContext(signal: AbortSignal = new AbortController().signal) {
  const lines: LoggedLine[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const ctx: AgentContext = { signal, principal: { id: "user-1", kind: "user" }, logger };
  return { ctx, lines };
}

let counter = 0;

/** A RunAgentInput with defaults for everything but what the test cares about. */
export function runInput(partial: Partial<RunAgentInput> = {}): RunAgentInput {
  counter += 1;
  return {
    threadId: "thread-1",
    runId: `run-${counter}`,
    messages: [],
    tools: [],
    context: [],
    state: {},
    forwardedProps: {},
    ...partial,
  } as RunAgentInput;
}

/**
 * Collects a run's events, validating each against AG-UI's schemas and the stream's
 * shape: RUN_STARTED first, nothing after RUN_FINISHED/RUN_ERROR, every text message
 * and tool call started before its content and ended at most once.
 */
export async function collect(
  agent: Agent,
  input: RunAgentInput,
  ctx: AgentContext = testContext().ctx,
  onEvent?: (event: AgentEvent) => void,
): Promise<AgentEvent[]> {
  const events: AgentEvent[] = [];
  const openText = new Set<string>();
  const openCalls = new Set<string>();
  for await (const event of await agent.run(input, ctx)) {
    const checked = validateEvent(event);
    if (!checked.ok) throw new Error(`invalid event: ${checked.message} in ${JSON.stringify(event)}`);
    const e = event as Record<string, unknown> & { type: string };
    const last = events.at(-1)?.type;
    if (last === "RUN_FINISHED" || last === "RUN_ERROR") throw new Error(`${e.type} after ${last}`);
    if (events.length === 0 && e.type !== "RUN_STARTED") throw new Error(`first event is ${e.type}`);
    if (e.type === "RUN_STARTED" && (e.runId !== input.runId || e.threadId !== input.threadId)) {
      throw new Error("RUN_STARTED carries the wrong ids");
    }
    const id = (e.messageId ?? e.toolCallId) as string;
    if (e.type === "TEXT_MESSAGE_START") {
      if (openText.has(id)) throw new Error(`text ${id} started twice`);
      openText.add(id);
    } else if (e.type === "TEXT_MESSAGE_CONTENT" && !openText.has(id))
      throw new Error(`content for closed ${id}`);
    else if (e.type === "TEXT_MESSAGE_END" && !openText.delete(id)) throw new Error(`end for closed ${id}`);
    else if (e.type === "TOOL_CALL_START") {
      if (openCalls.has(id)) throw new Error(`tool call ${id} started twice`);
      openCalls.add(id);
    } else if (e.type === "TOOL_CALL_ARGS" && !openCalls.has(id)) throw new Error(`args for closed ${id}`);
    else if (e.type === "TOOL_CALL_END" && !openCalls.delete(id)) throw new Error(`end for closed ${id}`);
    events.push(event);
    onEvent?.(event);
  }
  const end = events.at(-1)?.type;
  if (end === "RUN_FINISHED" && (openText.size || openCalls.size)) {
    throw new Error(`run finished with open messages ${[...openText, ...openCalls].join(", ")}`);
  }
  return events;
}

export function types(events: AgentEvent[]): string[] {
  return events.map((e) => e.type as string);
}

/** The text of each assistant message, concatenated from its deltas. */
export function texts(events: AgentEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events as Array<Record<string, any>>) {
    if (e.type === "TEXT_MESSAGE_START") out[e.messageId] = "";
    if (e.type === "TEXT_MESSAGE_CONTENT") out[e.messageId] += e.delta;
  }
  return out;
}

export function ofType<T = Record<string, any>>(events: AgentEvent[], type: string): T[] {
  return events.filter((e) => e.type === type) as T[];
}
