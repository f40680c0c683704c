/**
 * The chat's message log, subscribed to the chat thread on its own: a growing answer renders in
 * the background (a transition), so the input stays responsive while it streams (issue 18).
 * @module
 */
import type { AgentThread, BackchannelError } from "@backchannel/client";
import { type ComponentType, memo, type ReactNode, useEffect, useState } from "react";
import { useStreamedThreadSnapshot } from "../hooks/use-agent-thread.js";
import { Markdown } from "../markdown/markdown.js";
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
      <Warmup />
    </Messages>
  );
});

/** Every kind of Markdown an answer may hold, once: headings, emphasis, code, links, lists, a quote, a table, a code block. */
const SAMPLE = [
  "# Aa\n\n## Aa\n\n### Aa",
  "Aa **Aa** _Aa_ ***Aa*** `Aa` [Aa](https://example.com) ~~Aa~~",
  "- Aa\n  - Aa\n\n1. Aa",
  "> Aa",
  "| Aa | Aa |\n| --- | ---: |\n| Aa | 1.0 |",
  "```sql\nSELECT 1 -- Aa\n```",
].join("\n\n");

/**
 * Renders SAMPLE once, hidden, while the page is idle after the chat mounts, then removes it.
 * The first answer otherwise pays, mid-stream, for what a page does once: finding the fonts of
 * bold, italic and code text (font fallback can take tens of ms on a slow CPU) and compiling the
 * Markdown renderer's code paths; issue 18's trace showed a 97 ms first layout of 126 objects.
 */
function Warmup(): ReactNode {
  const [phase, setPhase] = useState<"waiting" | "rendering" | "done">("waiting");
  useEffect(() => {
    if (phase === "done") return;
    if (phase === "rendering") {
      // Laid out and painted by now (effects run after the commit's layout): take it away.
      const t = setTimeout(() => setPhase("done"), 0);
      return () => clearTimeout(t);
    }
    const g = globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number };
    if (typeof g.requestIdleCallback !== "function") {
      const t = setTimeout(() => setPhase("rendering"), 200);
      return () => clearTimeout(t);
    }
    const id = g.requestIdleCallback(() => setPhase("rendering"), { timeout: 1000 });
    return () => (globalThis as { cancelIdleCallback?: (id: number) => void }).cancelIdleCallback?.(id);
  }, [phase]);
  if (phase !== "rendering") return null;
  return (
    <div className="bc-warmup" aria-hidden="true">
      <Markdown>{SAMPLE}</Markdown>
    </div>
  );
}
