import { randomUUID } from "node:crypto";
import type { AgentEvent } from "../agent.js";

type Event = Record<string, unknown>;

const ID_FIELDS = ["messageId", "toolCallId", "parentMessageId"] as const;

/**
 * A cached answer's events with fresh message and tool-call ids (the same mapping for every
 * event of one replay), so asking the same question twice in one thread gives two messages,
 * not one folded over itself. Also returns the new message ids, in order of appearance.
 */
export function renewIds(events: Event[]): { events: AgentEvent[]; messageIds: string[] } {
  const ids = new Map<string, string>();
  const messageIds: string[] = [];
  const fresh = (old: unknown, isMessage: boolean): unknown => {
    if (typeof old !== "string") return old;
    let id = ids.get(old);
    if (!id) {
      id = randomUUID();
      ids.set(old, id);
      if (isMessage) messageIds.push(id);
    }
    return id;
  };
  const out = events.map((e) => {
    const copy: Event = { ...e };
    for (const field of ID_FIELDS) {
      if (field in copy) copy[field] = fresh(copy[field], field !== "toolCallId");
    }
    return copy as AgentEvent;
  });
  return { events: out, messageIds };
}

/**
 * An event as it is stored: RUN_FINISHED without the original run's ids (the runtime fills in
 * the replaying run's). Returns undefined for events never stored (RUN_STARTED).
 */
export function storable(event: AgentEvent): Event | undefined {
  const e = event as Event;
  if (e.type === "RUN_STARTED") return undefined;
  if (e.type === "RUN_FINISHED") {
    const { threadId: _t, runId: _r, ...rest } = e;
    return rest;
  }
  return e;
}

/**
 * Why a run's answer may not be cached, judged from one event; undefined when this event
 * does not forbid it. `clientTools` are the names of the tools the client offered.
 */
export function uncacheableBecause(event: AgentEvent, clientTools: ReadonlySet<string>): string | undefined {
  const e = event as Event;
  switch (e.type) {
    case "RUN_ERROR":
      return "errored";
    case "TOOL_CALL_START":
      return clientTools.has(String(e.toolCallName)) ? "called a client tool" : undefined;
    case "RUN_FINISHED": {
      const outcome = e.outcome as { type?: string; pendingToolCallIds?: unknown[] } | undefined;
      if (outcome?.type === "interrupt") return "paused for a human";
      if (outcome?.type === "cancelled") return "cancelled";
      if (outcome?.pendingToolCallIds?.length) return "waits for a tool result";
      return undefined;
    }
    default:
      return undefined;
  }
}
