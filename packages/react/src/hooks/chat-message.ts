/**
 * `ChatMessage`: a transcript message whose `content` is text, as `useCopilotChat` returns it.
 * @module
 */
import type { ContentPart, Message } from "@ag-ui/core";
import { contentToText } from "@ag-ui/core";

type UserMessage = Extract<Message, { role: "user" }>;
type ToolMessage = Extract<Message, { role: "tool" }>;
type ActivityMessage = Extract<Message, { role: "activity" }>;

/** `M` with its string-or-parts `content` as text, and the parts (if it had any) in `parts`. */
type WithTextContent<M> = Omit<M, "content"> & {
  content: string;
  /** The content parts as sent, when the message was multimodal; absent for plain text. */
  parts?: readonly ContentPart[];
};

/** A user message; `content` is its text, `parts` its original parts when it had any (images, files). */
export type ChatUserMessage = WithTextContent<UserMessage>;

/** A tool result; `content` is its text, `parts` its original parts when the tool returned media. */
export type ChatToolMessage = WithTextContent<ToolMessage>;

/** An activity message (a plan, a progress card); `content` is `""`, the payload is in `activity`. */
export type ChatActivityMessage = Omit<ActivityMessage, "content"> & {
  content: string;
  /** The activity's structured content (AG-UI's `ActivityMessage.content`). */
  activity: ActivityMessage["content"];
};

/**
 * A transcript message as `useCopilotChat().messages` holds it: AG-UI's `Message`, except that
 * `content` is always text (`string`, or absent on an assistant message that only calls tools),
 * so `{msg.content}` renders in JSX under strict TypeScript as in CopilotKit. Rich content stays
 * available: a multimodal user message or tool result keeps its parts in `parts`, an activity message its
 * payload in `activity`. `useThreadSnapshot(...).messages` has the messages unchanged.
 */
export type ChatMessage =
  | Exclude<Message, { role: "user" | "tool" | "activity" }>
  | ChatUserMessage
  | ChatToolMessage
  | ChatActivityMessage;

// Messages are immutable (a change makes a new object), so a view made once stays right; keeping
// it keeps each unchanged message's identity across renders (memoized rows do not re-render).
const views = new WeakMap<Message, ChatMessage>();

/**
 * The text view of one message (the same object for a message already in text form).
 * @example
 * toChatMessage({ id: "u1", role: "user", content: [{ type: "text", text: "hi" }] })
 * // { id: "u1", role: "user", content: "hi", parts: [{ type: "text", text: "hi" }] }
 */
export function toChatMessage(message: Message): ChatMessage {
  if (message.role === "user" || message.role === "tool") {
    if (typeof message.content === "string") return message as ChatUserMessage | ChatToolMessage;
  } else if (message.role !== "activity") {
    return message;
  }
  let view = views.get(message);
  if (!view) {
    view =
      message.role === "activity"
        ? { ...message, content: "", activity: message.content }
        : ({ ...message, content: contentToText(message.content), parts: message.content } as
            | ChatUserMessage
            | ChatToolMessage);
    views.set(message, view);
  }
  return view;
}

/** {@link toChatMessage} over a list, keeping the list when no message needed a view. */
export function toChatMessages(messages: readonly Message[]): readonly ChatMessage[] {
  let out: ChatMessage[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const view = toChatMessage(message);
    if (view !== message && !out) out = messages.slice(0, i) as ChatMessage[];
    out?.push(view);
  }
  return out ?? (messages as readonly ChatMessage[]);
}
