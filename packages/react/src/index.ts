"use client";

/**
 * @backchannel/react: `<CopilotKit>`, the hooks (`useCopilotChat`, `useCopilotReadable`,
 * `useCopilotAction`, `useCoAgent`) and the chat UI (`CopilotChat`, `CopilotPopup`,
 * `CopilotSidebar`) over one Backchannel connection. Styles: `import "@backchannel/react/styles.css"`.
 * The "use client" directive lets Next.js server components (such as a page.tsx) render these
 * directly: everything here runs in the browser.
 * @module
 */

export type {
  AgentThreadSnapshot,
  BackchannelError,
  ConnectionState,
  ContextHandle,
  CopilotSessionOptions,
  PendingToolCall,
  RunResult,
  SessionSnapshot,
  SessionThreadOptions,
  ToolCallContext,
  WhileRunningPolicy,
} from "@backchannel/client";
export { CopilotSession, createCopilotSession, isBackchannelError } from "@backchannel/client";
export type { HeaderProps } from "./components/chat-header.js";
export { ChatHeader } from "./components/chat-header.js";
export type { InputProps } from "./components/chat-input.js";
export { ChatInput } from "./components/chat-input.js";
export { ConnectionBanner, useOnline } from "./components/connection-banner.js";
export type { CopilotChatProps } from "./components/copilot-chat.js";
export { CopilotChat } from "./components/copilot-chat.js";
export type { CopilotPopupProps } from "./components/copilot-popup.js";
export { CopilotPopup } from "./components/copilot-popup.js";
export type { CopilotSidebarProps } from "./components/copilot-sidebar.js";
export { CopilotSidebar } from "./components/copilot-sidebar.js";
export { describeError } from "./components/error-text.js";
export type { InterruptProps } from "./components/interrupt-card.js";
export { InterruptCard } from "./components/interrupt-card.js";
export type { ChatLabels } from "./components/labels.js";
export { DEFAULT_LABELS } from "./components/labels.js";
export type { LauncherProps } from "./components/launcher.js";
export type { AssistantMessageProps, UserMessageProps } from "./components/message-views.js";
export { AssistantMessage, messageText, UserMessage } from "./components/message-views.js";
export type { MessagesProps } from "./components/messages.js";
export { Messages } from "./components/messages.js";
export type { ToolCallViewProps } from "./components/tool-call-view.js";
export { ToolCallView } from "./components/tool-call-view.js";
export type { ActionParameter, ActionParameterType } from "./hooks/action-parameters.js";
export { parametersToJsonSchema } from "./hooks/action-parameters.js";
export type {
  ChatActivityMessage,
  ChatMessage,
  ChatToolMessage,
  ChatUserMessage,
} from "./hooks/chat-message.js";
export { toChatMessage } from "./hooks/chat-message.js";
export { useAgentThread, useConnection, useThreadSnapshot } from "./hooks/use-agent-thread.js";
export type { UseCoAgentOptions, UseCoAgentResult } from "./hooks/use-co-agent.js";
export { useCoAgent } from "./hooks/use-co-agent.js";
export type {
  ActionRenderer,
  ActionRenderProps,
  ActionStatus,
  CopilotActionOptions,
} from "./hooks/use-copilot-action.js";
export { useCopilotAction } from "./hooks/use-copilot-action.js";
export type { SendMessageInput, UseCopilotChatResult } from "./hooks/use-copilot-chat.js";
export { useCopilotChat } from "./hooks/use-copilot-chat.js";
export type { CopilotReadableOptions } from "./hooks/use-copilot-readable.js";
export { useCopilotReadable } from "./hooks/use-copilot-readable.js";
export type {
  ThreadsHookOptions,
  UseThreadHistoryResult,
  UseThreadsResult,
} from "./hooks/use-threads.js";
export { useThreadHistory, useThreads } from "./hooks/use-threads.js";
export type { MarkdownProps } from "./markdown/markdown.js";
export { CodeBlock, Markdown } from "./markdown/markdown.js";
export { safeUrl } from "./markdown/safe-url.js";
export { splitBlocks } from "./markdown/split-blocks.js";
export type { CopilotKitProps } from "./provider/copilot-kit.js";
export { CopilotKit } from "./provider/copilot-kit.js";
export type { StoreSnapshot } from "./provider/copilot-store.js";
export { CopilotStore, createCopilotStore } from "./provider/copilot-store.js";
export type { ConnectionProps, HeadersOption, TransportMode } from "./provider/resolve-connection.js";
export { toClientOptions } from "./provider/resolve-connection.js";
