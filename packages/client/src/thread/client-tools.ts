/**
 * Client tools: functions the agent may call that run in the app (read the page, ask the user
 * to approve, navigate). When a run ends with calls to them, their handlers run and each call
 * gets a `tool` message answering it; the thread then starts a follow-up run.
 * @module
 */
import type { ToolCall, ToolMessage } from "@ag-ui/core";
import { randomId } from "../ids.js";

/** What a tool handler receives besides its arguments. */
export interface ToolCallContext {
  toolCallId: string;
  name: string;
  /** The raw argument text as the model wrote it. */
  argsText: string;
  /** Fires when the user stops the thread; abandon the work (the call is answered as cancelled). */
  signal: AbortSignal;
}

/** A tool the agent may call, executed in the app. */
export interface ClientTool<Args = any> {
  /** The name the agent calls it by (unique per thread; a later registration replaces an earlier one). */
  name: string;
  /** What it does, for the model to decide when to call it. */
  description: string;
  /** JSON Schema of the arguments (sent as-is to the agent). */
  parameters?: Record<string, unknown>;
  /**
   * Runs the call; its return value (a string, or anything JSON-serialisable) becomes the tool
   * message's content, a throw becomes an error result the agent sees. May be async and may wait
   * on the user (human in the loop). Omit it for a tool the UI answers itself through
   * `pendingToolCalls[i].respond()` / `.fail()`.
   */
  handler?: (args: Args, context: ToolCallContext) => unknown;
}

/** A call to a client tool waiting for its answer; in `AgentThreadSnapshot.pendingToolCalls`. */
export interface PendingToolCall {
  readonly toolCallId: string;
  readonly name: string;
  /** The parsed arguments. */
  readonly args: unknown;
  readonly argsText: string;
  /** Answers the call with `result` (first answer wins, whether from here or the handler). */
  respond(result: unknown): void;
  /** Answers the call with an error the agent will read (e.g. the user rejected it). */
  fail(message: string): void;
}

interface Outcome {
  content: string;
  error?: string;
}

/** Serialises a handler's return value into tool message content. */
export function toolResultContent(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Callbacks of `runToolCalls`. */
export interface ToolRunHooks {
  /** One call got its answer (so a UI can drop it from the pending list). */
  onSettled(toolCallId: string): void;
  /** A handler threw or the arguments were unusable. */
  onToolError(message: string, toolCallId: string, cause: unknown): void;
}

/**
 * Answers every call in `calls`: registered tools through their handler (or `respond`), unknown
 * tools and unparsable arguments with an error result, everything still open with "cancelled"
 * when `signal` aborts. Resolves with the `tool` messages, in the order of the calls.
 */
export function runToolCalls(
  calls: readonly ToolCall[],
  tools: ReadonlyMap<string, ClientTool>,
  signal: AbortSignal,
  hooks: ToolRunHooks,
): { pending: PendingToolCall[]; done: Promise<ToolMessage[]> } {
  const pending: PendingToolCall[] = [];
  const outcomes = calls.map((call) => {
    const name = call.function.name;
    const argsText = call.function.arguments;
    const tool = tools.get(name);
    if (!tool) {
      const message = `No client tool named "${name}" is registered in this app.`;
      return Promise.resolve<Outcome>({ content: `Error: ${message}`, error: message });
    }
    let args: unknown;
    try {
      args = argsText.trim() === "" ? {} : JSON.parse(argsText);
    } catch (err) {
      const message = `The arguments of ${name} are not valid JSON: ${(err as Error).message}`;
      hooks.onToolError(message, call.id, err);
      return Promise.resolve<Outcome>({ content: `Error: ${message}`, error: message });
    }
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        hooks.onSettled(call.id);
        resolve(outcome);
      };
      const onAbort = () =>
        settle({
          content: "Cancelled: the user stopped the run before this tool answered.",
          error: "cancelled",
        });
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort);
      pending.push(
        Object.freeze({
          toolCallId: call.id,
          name,
          args,
          argsText,
          respond: (result: unknown) => settle({ content: toolResultContent(result) }),
          fail: (message: string) => settle({ content: `Error: ${message}`, error: message }),
        }),
      );
      if (!tool.handler) return;
      const context: ToolCallContext = { toolCallId: call.id, name, argsText, signal };
      Promise.resolve()
        .then(() => tool.handler!(args, context))
        .then(
          (value) => settle({ content: toolResultContent(value) }),
          (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            if (!settled) hooks.onToolError(`Tool ${name} failed: ${message}`, call.id, err);
            settle({ content: `Error: ${message}`, error: message });
          },
        );
    });
  });
  const done = Promise.all(outcomes).then((results) =>
    results.map((outcome, i): ToolMessage => {
      const message: ToolMessage = {
        id: randomId(),
        role: "tool",
        toolCallId: calls[i]!.id,
        content: outcome.content,
      };
      if (outcome.error !== undefined) message.error = outcome.error;
      return message;
    }),
  );
  return { pending, done };
}
