/**
 * What `LangGraphAgent` hands a graph besides its state, and helpers for graph nodes
 * to use it. Each run puts a {@link BackchannelRunInfo} under
 * `config.configurable.backchannel`; a node reads it with {@link getRunInfo} and, most
 * often, binds {@link browserTools} to its model and prepends {@link contextMessage}.
 * @module
 */
import type { Context, Tool } from "@ag-ui/core";
import { type BaseMessage, SystemMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";

/** The key under `config.configurable` that carries {@link BackchannelRunInfo}. */
export const RUN_INFO_KEY = "backchannel";

/** Per-run information from the client, as a graph node sees it. */
export interface BackchannelRunInfo {
  /** The AG-UI thread id (also LangGraph's `thread_id`). */
  threadId: string;
  /** The AG-UI run id. */
  runId: string;
  /** Tools the browser offers this run (`RunAgentInput.tools`). Calling one ends the run. */
  tools: Tool[];
  /** Readable context from the page (`RunAgentInput.context`). */
  context: Context[];
  /** Who started the run: the server's principal id and kind. */
  principal: { id: string; kind: string };
  /** `RunAgentInput.forwardedProps`, untouched. Treat as untrusted input. */
  forwardedProps?: unknown;
}

/** An OpenAI-format function tool, which every LangChain chat model's `bindTools` accepts. */
export interface FunctionToolDefinition {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** The run info of the current run, or `undefined` when the graph runs outside `LangGraphAgent`. */
export function getRunInfo(config: RunnableConfig | undefined): BackchannelRunInfo | undefined {
  const info = config?.configurable?.[RUN_INFO_KEY] as BackchannelRunInfo | undefined;
  return info && typeof info === "object" ? info : undefined;
}

/**
 * The browser's tools for this run as definitions to pass to `model.bindTools`, next
 * to the graph's own tools. Names in `exclude` (your server tools) are left out, since
 * a model API refuses two tools of one name and the server's implementation wins.
 * @example
 * const bound = model.bindTools([...serverTools, ...browserTools(config, serverTools.map((t) => t.name))]);
 */
export function browserTools(
  config: RunnableConfig | undefined,
  exclude: Iterable<string> = [],
): FunctionToolDefinition[] {
  const skip = new Set(exclude);
  return (getRunInfo(config)?.tools ?? [])
    .filter((t) => !skip.has(t.name))
    .map((t) => ({
      type: "function",
      function: {
        name: t.name,
        description: t.description,
        parameters:
          t.parameters && typeof t.parameters === "object"
            ? (t.parameters as Record<string, unknown>)
            : { type: "object", properties: {} },
      },
    }));
}

/** Whether `name` is one of the browser's tools in this run. */
export function isBrowserTool(config: RunnableConfig | undefined, name: string): boolean {
  return (getRunInfo(config)?.tools ?? []).some((t) => t.name === name);
}

/**
 * The page's readable context as prompt text, one `description: value` entry per
 * item, or `undefined` when the page shared none.
 */
export function formatContext(context: readonly Context[]): string | undefined {
  if (context.length === 0) return undefined;
  const lines = context.map((c) => `- ${c.description}: ${c.value}`);
  return `Context from the application the user is looking at:\n${lines.join("\n")}`;
}

/**
 * A system message holding `instructions` followed by the page's readable context, or
 * `undefined` when there is neither. Prepend it to the messages you send the model.
 * @example
 * const system = contextMessage(config, "You are OpsHub's assistant.");
 * await model.invoke(system ? [system, ...state.messages] : state.messages, config);
 */
export function contextMessage(
  config: RunnableConfig | undefined,
  instructions?: string,
): BaseMessage | undefined {
  const context = formatContext(getRunInfo(config)?.context ?? []);
  const text = [instructions, context].filter((s): s is string => !!s && s.trim() !== "").join("\n\n");
  return text ? new SystemMessage(text) : undefined;
}
