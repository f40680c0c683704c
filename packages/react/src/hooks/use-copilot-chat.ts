/**
 * `useCopilotChat`: the chat agent's conversation and the controls around it.
 * @module
 */
import type { Interrupt, Message, State } from "@ag-ui/core";
import type {
  AnswerEnding,
  BackchannelError,
  CacheHitValue,
  ConnectionState,
  OutgoingMessage,
  PendingToolCall,
  RunResult,
} from "@backchannel/client";
import { useCallback, useMemo } from "react";
import { useCopilotStore } from "../provider/context.js";
import { type ChatMessage, toChatMessages } from "./chat-message.js";
import { useAgentThread, useStoreSnapshot, useThreadSnapshot } from "./use-agent-thread.js";

/** What `sendMessage` takes. Only user messages can be sent. */
export interface SendMessageInput extends Omit<OutgoingMessage, "role"> {
  /** @default "user" */
  role?: "user";
}

/** What `useCopilotChat` returns. */
export interface UseCopilotChatResult {
  /**
   * The transcript (user, assistant, tool, reasoning and activity messages). Immutable. Each
   * message's `content` is text, so `{msg.content}` renders; a multimodal user message keeps its
   * parts in `parts`, an activity message its payload in `activity` (see {@link ChatMessage}).
   */
  messages: readonly ChatMessage[];
  /**
   * Sends a user message and runs the agent. While a run is in progress the message is queued
   * (see `queuedMessages`) and sent when it ends, unless the provider's `whileRunning` says
   * otherwise. Resolves when the run (and any client tool follow-ups) has ended.
   */
  sendMessage(message: SendMessageInput): Promise<RunResult>;
  /** Same as `sendMessage` (the name older CopilotKit code uses). */
  appendMessage(message: SendMessageInput): Promise<RunResult>;
  /** A run is streaming, client tools are running, or a follow-up run is about to start. */
  isLoading: boolean;
  /** Why the last run failed, or why the connection gave up; null otherwise. */
  error: BackchannelError | null;
  /** `connecting`, `connected`, `reconnecting` or `disconnected`. */
  connectionState: ConnectionState;
  /** Reconnects now (backoff reset); runs in flight resume where they were. */
  reconnect(): void;
  /** Cancels the run in progress, answers waiting tool calls as cancelled, drops queued messages. */
  stop(): void;
  /** Answers the last user message again, dropping what came after it. */
  regenerate(): Promise<RunResult>;
  /** Starts a new conversation (initial messages, new thread id). */
  reset(): void;
  /** The conversation's id ("" until the thread exists). */
  threadId: string;
  /** The chat agent's shared state. */
  state: State;
  /** Messages waiting for the current run to end (text view, as `messages`). */
  queuedMessages: readonly ChatMessage[];
  /** Client tool calls waiting for an answer (human in the loop). */
  pendingToolCalls: readonly PendingToolCall[];
  /** What the last run waits for (an interrupt); answer with `resumeInterrupt`. */
  interrupts: readonly Interrupt[];
  /** Answers the open interrupts with `payload` and continues the run. */
  resumeInterrupt(payload?: unknown): Promise<RunResult>;
  /**
   * Answers cut off, by message id: `"stopped"` (cancelled) or `"failed"` (the run failed after
   * it started answering, e.g. the backend died and the run could not be resumed).
   */
  endedEarly: Readonly<Record<string, AnswerEnding>>;
  /**
   * Answers the server served from its response cache, by message id (`cachedAt`, `ageMs`,
   * `scope`); `<CopilotChat>` tags them "From cache". See the server README, "Response cache".
   */
  fromCache: Readonly<Record<string, CacheHitValue>>;
}

/** What the chat UI reads: {@link UseCopilotChatResult} with AG-UI's messages as they are. */
export interface ChatControls extends Omit<UseCopilotChatResult, "messages" | "queuedMessages"> {
  messages: readonly Message[];
  queuedMessages: readonly Message[];
}

/**
 * The chat with the provider's agent.
 * @example
 * const { messages, sendMessage, isLoading, error } = useCopilotChat();
 * await sendMessage({ role: "user", content: "Which funds failed validation?" });
 */
export function useCopilotChat(): UseCopilotChatResult {
  const chat = useChatControls();
  return useMemo(
    () => ({
      ...chat,
      messages: toChatMessages(chat.messages),
      queuedMessages: toChatMessages(chat.queuedMessages),
    }),
    [chat],
  );
}

/** The chat's state and controls, messages unchanged (multimodal parts, activity payloads). */
export function useChatControls(): ChatControls {
  const { connection } = useStoreSnapshot("useCopilotChat()");
  const thread = useAgentThread(undefined, "useCopilotChat()");
  const snap = useThreadSnapshot(thread);
  const { sendMessage, reconnect, stop, reset, regenerate, resumeInterrupt } = useChatActions();

  const connectionError = connection.connectionState === "disconnected" ? connection.error : null;
  return useMemo(
    () => ({
      messages: snap.messages,
      sendMessage,
      appendMessage: sendMessage,
      isLoading: snap.isRunning,
      error: snap.error ?? connectionError,
      connectionState: connection.connectionState,
      reconnect,
      stop,
      regenerate,
      reset,
      threadId: snap.threadId,
      state: snap.state,
      queuedMessages: snap.queuedMessages,
      pendingToolCalls: snap.pendingToolCalls,
      interrupts: snap.interrupts,
      resumeInterrupt,
      endedEarly: snap.endedEarly,
      fromCache: snap.fromCache,
    }),
    [
      snap,
      connectionError,
      connection.connectionState,
      sendMessage,
      reconnect,
      stop,
      regenerate,
      reset,
      resumeInterrupt,
    ],
  );
}

/** The chat's actions: stable for the provider's lifetime, so they cause no re-render. */
export interface ChatActions {
  sendMessage: UseCopilotChatResult["sendMessage"];
  reconnect(): void;
  stop(): void;
  reset(): void;
  regenerate(): Promise<RunResult>;
  resumeInterrupt(payload?: unknown): Promise<RunResult>;
}

/** The chat's actions alone, for views that subscribe to what they show themselves. */
export function useChatActions(hook = "useCopilotChat()"): ChatActions {
  const store = useCopilotStore(hook);
  const sendMessage = useCallback(
    async (message: SendMessageInput): Promise<RunResult> => {
      if (message?.role !== undefined && message.role !== "user") {
        throw new TypeError(
          `sendMessage: only user messages can be sent (got role ${JSON.stringify(message.role)}).`,
        );
      }
      const target = store.getChatThread() ?? (await store.whenChatThread());
      const { role: _role, ...rest } = message;
      return target.sendMessage(rest);
    },
    [store],
  );
  const reconnect = useCallback(() => store.reconnect(), [store]);
  const stop = useCallback(() => store.getChatThread()?.stop(), [store]);
  const reset = useCallback(() => store.getChatThread()?.reset(), [store]);
  const regenerate = useCallback(async () => (await store.whenChatThread()).regenerate(), [store]);
  const resumeInterrupt = useCallback(
    async (payload?: unknown) => (await store.whenChatThread()).resumeInterrupt(payload),
    [store],
  );
  return useMemo(
    () => ({ sendMessage, reconnect, stop, reset, regenerate, resumeInterrupt }),
    [sendMessage, reconnect, stop, reset, regenerate, resumeInterrupt],
  );
}
