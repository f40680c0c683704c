/**
 * Every string the chat UI shows, overridable through the `labels` prop.
 * @module
 */

/** Texts of the chat UI. Pass any subset as `labels`; the rest keep their defaults. */
export interface ChatLabels {
  /** Header title. @default "Assistant" */
  title: string;
  /** Greeting shown as the assistant's first message (not sent to the agent). One string or several bubbles. */
  initial?: string | string[];
  /** Input placeholder. @default "Type a message…" */
  placeholder: string;
  /** @default "Send" */
  send: string;
  /** @default "Stop" */
  stop: string;
  /** @default "Retry" */
  retry: string;
  /** @default "Close" */
  close: string;
  /** Launcher button of the popup and sidebar. @default "Open assistant" */
  open: string;
  /** @default "New chat" */
  newChat: string;
  /** Screen-reader text of the typing indicator. @default "Assistant is typing" */
  typing: string;
  /** @default "Connecting…" */
  connecting: string;
  /** @default "Connection lost. Reconnecting…" */
  reconnecting: string;
  /** @default "You're offline. Your message will be sent when you're back." */
  offline: string;
  /** When the connection gave up without a more specific reason. @default "Can't reach the assistant." */
  disconnected: string;
  /** While the first connection keeps failing. @default "Can't reach the assistant. Retrying…" */
  retrying: string;
  /** @default "Reconnect" */
  reconnect: string;
  /** Tag on messages waiting for the current answer. @default "Queued" */
  queued: string;
  /** Opens the notice on the latest answer cut off by a failure. @default "This answer was interrupted." */
  interrupted: string;
  /** Tag on an earlier answer cut off by a failure. @default "Interrupted" */
  interruptedTag: string;
  /** Tag on an answer the server served from its response cache. @default "From cache" */
  fromCache: string;
  /** Tag on an answer the user stopped. @default "Stopped" */
  stopped: string;
  /** @default "Jump to latest" */
  jumpToLatest: string;
  /** Label of the message log for screen readers. @default "Conversation" */
  log: string;
}

/** The defaults of `ChatLabels`. */
export const DEFAULT_LABELS: ChatLabels = {
  title: "Assistant",
  placeholder: "Type a message…",
  send: "Send",
  stop: "Stop",
  retry: "Retry",
  close: "Close",
  open: "Open assistant",
  newChat: "New chat",
  typing: "Assistant is typing",
  connecting: "Connecting…",
  reconnecting: "Connection lost. Reconnecting…",
  offline: "You're offline. Your message will be sent when you're back.",
  disconnected: "Can't reach the assistant.",
  retrying: "Can't reach the assistant. Retrying…",
  reconnect: "Reconnect",
  queued: "Queued",
  interrupted: "This answer was interrupted.",
  interruptedTag: "Interrupted",
  fromCache: "From cache",
  stopped: "Stopped",
  jumpToLatest: "Jump to latest",
  log: "Conversation",
};

/** Merges `labels` over the defaults. */
export function resolveLabels(labels: Partial<ChatLabels> | undefined): ChatLabels {
  return labels ? { ...DEFAULT_LABELS, ...labels } : DEFAULT_LABELS;
}
