/**
 * The chat's message log, subscribed to the chat thread on its own: a growing answer renders in
 * the background (a transition), so the input stays responsive while it streams (issue 18).
 * @module
 */
import type { AgentThread, BackchannelError } from "@backchannel/client";
import { type ComponentType, memo, type ReactNode } from "react";
import { useStreamedThreadSnapshot } from "../hooks/use-agent-thread.js";
import type { ChatLabels } from "./labels.js";
import type { AssistantMessageProps, UserMessageProps } from "./message-views.js";
import { Messages } from "./messages.js";

/** Props of `ChatLog`. */
export interface ChatLogProps {
  /** The chat thread (null while connecting). */
  thread: AgentThread | null;
  /** The connection's error when it gave up (`disconnected`), else null: a failed answer's cause when the run has none. */
  connectionError: BackchannelError | null;
  /** The connection's current error, which the banner shows (the log does not repeat it). */
  bannerError: BackchannelError | null;
  labels: ChatLabels;
  onRetry: () => void;
  UserMessage?: ComponentType<UserMessageProps> | undefined;
  AssistantMessage?: ComponentType<AssistantMessageProps> | undefined;
  images: boolean;
  /** Shown at the end of the log (the interrupt card). */
  children?: ReactNode;
}

/** The log of `<CopilotChat>`: the thread's messages as `Messages` draws them. */
export const ChatLog = memo(function ChatLog(props: ChatLogProps): ReactNode {
  const snap = useStreamedThreadSnapshot(props.thread);
  const error = snap.error ?? props.connectionError;
  return (
    <Messages
      messages={snap.messages}
      queuedMessages={snap.queuedMessages}
      isRunning={snap.isRunning}
      pendingToolCalls={snap.pendingToolCalls}
      // The banner shows connection problems; the log shows only what went wrong with an answer.
      error={error && error === props.bannerError ? null : error}
      endedEarly={snap.endedEarly}
      fromCache={snap.fromCache}
      endingError={error}
      labels={props.labels}
      onRetry={props.onRetry}
      {...(props.UserMessage ? { UserMessage: props.UserMessage } : {})}
      {...(props.AssistantMessage ? { AssistantMessage: props.AssistantMessage } : {})}
      images={props.images}
    >
      {props.children}
    </Messages>
  );
});
