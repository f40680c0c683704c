/**
 * A ready-made tool-calling chat graph: the model answers, server tools run in a
 * `ToolNode`, browser tools end the run for the client to execute. Use it as is, or
 * as the pattern for your own graph (the helpers it uses are all exported).
 * @module
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { browserTools, contextMessage, isBrowserTool } from "./run-config.js";

/** Options of {@link createChatGraph}. */
export interface ChatGraphOptions {
  /** The chat model. It must support `bindTools` when there are tools (server or browser). */
  model: BaseChatModel;
  /** Tools that run on the server, inside the graph. @default [] */
  tools?: StructuredToolInterface[];
  /** Instructions sent as the system message, before the page's readable context. */
  systemPrompt?: string;
  /**
   * Keeps each thread's conversation between runs and enables interrupts. Without one
   * the graph is stateless and the client's message history is the conversation.
   */
  checkpointer?: BaseCheckpointSaver;
}

function lastAIMessage(messages: BaseMessage[]): AIMessage | undefined {
  const last = messages.at(-1);
  return last && AIMessage.isInstance(last) ? last : undefined;
}

/**
 * Builds and compiles the chat graph: `agent` (model call) → `tools` (server tool
 * calls) → `agent` ..., ending when the model answers without server tool calls. When
 * the model calls a browser tool (`RunAgentInput.tools`), the run ends with that call
 * pending; the client runs it and starts the next run with the result, and the graph
 * picks up from there.
 *
 * @example
 * const graph = createChatGraph({ model: createChatModelFromEnv()!, tools: [getNav], checkpointer: new MemorySaver() });
 * export default [new LangGraphAgent({ name: "ops", description: "Ops assistant", graph })];
 */
export function createChatGraph(options: ChatGraphOptions) {
  const tools = options.tools ?? [];
  const serverNames = tools.map((t) => t.name);
  const toolNode = new ToolNode(tools);

  const agent = async (state: typeof MessagesAnnotation.State, config: RunnableConfig) => {
    const defs = [...tools, ...browserTools(config, serverNames)];
    let runnable: Pick<BaseChatModel, "invoke"> = options.model;
    if (defs.length > 0) {
      if (typeof options.model.bindTools !== "function") {
        throw new TypeError("createChatGraph: this chat model does not support tools (no bindTools).");
      }
      runnable = options.model.bindTools(defs) as unknown as Pick<BaseChatModel, "invoke">;
    }
    const system = contextMessage(config, options.systemPrompt);
    const reply = await runnable.invoke(system ? [system, ...state.messages] : state.messages, config);
    return { messages: [reply] };
  };

  // Every call that is not the browser's runs here; an unknown name becomes an error
  // ToolMessage from ToolNode, so the conversation never keeps an unanswered call.
  const runTools = async (state: typeof MessagesAnnotation.State, config: RunnableConfig) => {
    const calls = (lastAIMessage(state.messages)?.tool_calls ?? []).filter(
      (c) => !isBrowserTool(config, c.name),
    );
    return toolNode.invoke({ messages: [new AIMessage({ content: "", tool_calls: calls })] }, config);
  };

  const afterAgent = (state: typeof MessagesAnnotation.State, config: RunnableConfig) => {
    const calls = lastAIMessage(state.messages)?.tool_calls ?? [];
    return calls.some((c) => !isBrowserTool(config, c.name)) ? "tools" : END;
  };

  const afterTools = (state: typeof MessagesAnnotation.State, config: RunnableConfig) => {
    const ai = [...state.messages].reverse().find((m) => AIMessage.isInstance(m)) as AIMessage | undefined;
    return (ai?.tool_calls ?? []).some((c) => isBrowserTool(config, c.name)) ? END : "agent";
  };

  return new StateGraph(MessagesAnnotation)
    .addNode("agent", agent)
    .addNode("tools", runTools)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", afterAgent, ["tools", END])
    .addConditionalEdges("tools", afterTools, ["agent", END])
    .compile(options.checkpointer ? { checkpointer: options.checkpointer } : {});
}
