/**
 * How single messages look: the user's bubble, the assistant's Markdown with its tool calls,
 * and the model's reasoning. Each is replaceable through `CopilotChat`'s props.
 * @module
 */
import type { Message } from "@ag-ui/core";
import { memo, type ReactNode } from "react";
import type { ChatMessage } from "../hooks/chat-message.js";
import { Markdown } from "../markdown/markdown.js";

/** The text of a message's content (string, or the text parts of a multi-part message). */
export function messageText(message: Message | ChatMessage | undefined): string {
  const content = (message as { content?: unknown } | undefined)?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && typeof part.text === "string" ? part.text : ""))
      .join("");
  }
  return "";
}

/** Props of a user message view. */
export interface UserMessageProps {
  message: Message;
  /** Sent while a run was in progress; waiting its turn. */
  queued?: boolean;
  /** Text of the "queued" tag. */
  queuedLabel?: string;
}

/** The user's message: plain text (never Markdown, never HTML), right-aligned. */
export const UserMessage = memo(function UserMessage({ message, queued, queuedLabel }: UserMessageProps) {
  return (
    <div className="bc-msg bc-msg-user" data-queued={queued || undefined}>
      <div className="bc-bubble">{messageText(message)}</div>
      {queued && <span className="bc-msg-tag">{queuedLabel ?? "Queued"}</span>}
    </div>
  );
});

/** Props of an assistant message view. */
export interface AssistantMessageProps {
  message: Message;
  /** Its text is still streaming in. */
  isStreaming: boolean;
  /** The message's tool calls, already drawn. */
  toolCalls?: ReactNode;
  /** Load images in Markdown (see `MarkdownProps.images`). */
  images?: boolean;
}

/** The assistant's message: Markdown, then its tool calls. */
export const AssistantMessage = memo(function AssistantMessage({
  message,
  isStreaming,
  toolCalls,
  images,
}: AssistantMessageProps) {
  const text = messageText(message);
  return (
    <div className="bc-msg bc-msg-assistant" data-streaming={isStreaming || undefined}>
      {text !== "" && (
        <div className="bc-bubble">
          <Markdown images={images ?? false}>{text}</Markdown>
        </div>
      )}
      {toolCalls}
    </div>
  );
});

/** The model's reasoning, folded away unless it is streaming. */
export const ReasoningMessage = memo(function ReasoningMessage({
  message,
  isStreaming,
}: {
  message: Message;
  isStreaming: boolean;
}) {
  const text = messageText(message);
  if (text === "") return null;
  return (
    <details className="bc-reasoning" open={isStreaming || undefined}>
      <summary>{isStreaming ? "Thinking…" : "Thought process"}</summary>
      <div className="bc-reasoning-text">{text}</div>
    </details>
  );
});

/** Three dots while the assistant has not said anything yet. */
export function TypingIndicator({ label }: { label: string }): ReactNode {
  return (
    <div className="bc-msg bc-msg-assistant bc-typing-row">
      <div className="bc-bubble bc-typing" role="status" aria-label={label}>
        <span />
        <span />
        <span />
      </div>
    </div>
  );
}
