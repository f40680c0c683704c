/**
 * @backchannel/langgraph: LangGraph.js graphs and remote AG-UI endpoints as Backchannel
 * agents, plus chat models built from the environment.
 * @module
 */
export { type ChatGraphOptions, createChatGraph } from "./chat-graph.js";
export {
  type AnthropicModelOptions,
  type ChatModelEnv,
  type ChatModelTuning,
  createAnthropicModel,
  createChatModelFromEnv,
  createOpenAICompatibleModel,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_OPENAI_MODEL,
  ModelConfigError,
  type OpenAICompatibleModelOptions,
} from "./chat-models.js";
export {
  LangGraphAgentError,
  type LangGraphAgentErrorCode,
  RemoteAgentError,
  type RemoteAgentErrorCode,
} from "./errors.js";
export { type CancelledResume, isCancelledResume, toAguiInterrupt } from "./interrupts.js";
export {
  createLangGraphAgent,
  LangGraphAgent,
  type LangGraphAgentOptions,
  type RunnableGraph,
} from "./langgraph-agent.js";
export { toLangChainMessage, toLangChainMessages } from "./message-convert.js";
export {
  createRemoteAgent,
  REMOTE_AGENT_DEFAULTS,
  RemoteAgent,
  type RemoteAgentOptions,
  type RemoteHeaders,
} from "./remote-agent.js";
export {
  type BackchannelRunInfo,
  browserTools,
  contextMessage,
  type FunctionToolDefinition,
  formatContext,
  getRunInfo,
  isBrowserTool,
  RUN_INFO_KEY,
} from "./run-config.js";
export type { StateProjection } from "./state-sync.js";
