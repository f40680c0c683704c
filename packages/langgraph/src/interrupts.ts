/**
 * Human in the loop: LangGraph `interrupt(value)` becomes an AG-UI interrupt on
 * RUN_FINISHED, and the answers of the next run (`RunAgentInput.resume`) become
 * `Command({ resume })` keyed by interrupt id.
 * @module
 */
import type { Interrupt as AguiInterrupt, ResumeEntry } from "@ag-ui/core";
import { LangGraphAgentError } from "./errors.js";
import { toJsonValue } from "./state-sync.js";

/** A pending LangGraph interrupt as the stream and `getState().tasks` report it. */
export interface GraphInterrupt {
  id?: string;
  value?: unknown;
}

/** The resume value a node's `interrupt()` returns when the user dismissed the interrupt. */
export interface CancelledResume {
  status: "cancelled";
}

/** Whether a value returned by `interrupt()` means the user cancelled rather than answered. */
export function isCancelledResume(value: unknown): value is CancelledResume {
  return (
    typeof value === "object" && value !== null && (value as { status?: unknown }).status === "cancelled"
  );
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Maps one LangGraph interrupt to AG-UI. An object value may carry `reason`, `message`,
 * `toolCallId`, `responseSchema` and `expiresAt` (camelCase or snake_case), which are
 * lifted to the AG-UI fields; a string value is the message. The whole value travels
 * in `metadata.langgraph.value` so the client can render anything the graph asked.
 */
export function toAguiInterrupt(interrupt: GraphInterrupt): AguiInterrupt {
  if (!interrupt.id) {
    throw new LangGraphAgentError(
      "interrupt_without_id",
      "A LangGraph interrupt has no id, so its answer could not be routed back. Use @langchain/langgraph ^1.",
    );
  }
  const value = toJsonValue(interrupt.value);
  const dict =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const message = typeof value === "string" ? value : str(dict?.message);
  const toolCallId = str(dict?.toolCallId) ?? str(dict?.tool_call_id);
  const schema = dict?.responseSchema ?? dict?.response_schema;
  const expiresAt = str(dict?.expiresAt) ?? str(dict?.expires_at);
  return {
    id: interrupt.id,
    reason: str(dict?.reason) ?? "input_required",
    ...(message !== undefined ? { message } : {}),
    ...(toolCallId !== undefined ? { toolCallId } : {}),
    ...(schema && typeof schema === "object" && !Array.isArray(schema)
      ? { responseSchema: schema as Record<string, unknown> }
      : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    metadata: { langgraph: { value: value ?? null } },
  };
}

/**
 * The `resume` of a `Command` answering `entries`: a map from interrupt id to the
 * value `interrupt()` returns (the payload, or {@link CancelledResume}). Every entry
 * must name an interrupt the thread is waiting on; interrupts left unanswered fire
 * again and end the run with another interrupt outcome.
 */
export function resumeMap(
  entries: readonly ResumeEntry[],
  pending: readonly GraphInterrupt[],
): Record<string, unknown> {
  const known = new Set(pending.map((p) => p.id).filter((id): id is string => !!id));
  const map: Record<string, unknown> = {};
  for (const entry of entries) {
    if (!known.has(entry.interruptId)) {
      const waiting = [...known];
      throw new LangGraphAgentError(
        "unknown_interrupt",
        `resume names interrupt "${entry.interruptId}", which this thread is not waiting on` +
          (waiting.length
            ? ` (pending: ${waiting.join(", ")}).`
            : "; nothing is pending. Start a normal run instead."),
      );
    }
    // null rather than undefined: LangGraph treats an undefined resume as "no answer".
    map[entry.interruptId] = entry.status === "cancelled" ? { status: "cancelled" } : (entry.payload ?? null);
  }
  return map;
}
