/**
 * `<CopilotChat>`: the whole chat (banner, messages, input) inline in the page; the popup and
 * sidebar put the same panel in a window.
 * @module
 */
import type { AgentThreadSnapshot, BackchannelError } from "@backchannel/client";
import { type ComponentType, type ReactNode, type Ref, useCallback, useEffect, useMemo, useRef } from "react";
import { useAgentThread, useConnection, useThreadSelector } from "../hooks/use-agent-thread.js";
import { useChatActions } from "../hooks/use-copilot-chat.js";
import { useCopilotStore } from "../provider/context.js";
import { ChatHeader, type HeaderProps } from "./chat-header.js";
import { ChatInput, type InputProps } from "./chat-input.js";
import { ChatLog } from "./chat-log.js";
import { ConnectionBanner } from "./connection-banner.js";
import { InterruptCard, type InterruptProps } from "./interrupt-card.js";
import { type ChatLabels, resolveLabels } from "./labels.js";
import type { AssistantMessageProps, UserMessageProps } from "./message-views.js";

/** Props shared by `CopilotChat`, `CopilotPopup` and `CopilotSidebar`. */
export interface CopilotChatProps {
  /** Texts: `title`, `initial` (greeting), `placeholder`, and the rest of `ChatLabels`. */
  labels?: Partial<ChatLabels>;
  /** Instructions for the agent, sent as context with every run while the chat is mounted. */
  instructions?: string;
  /** Added to the root element's class. */
  className?: string;
  /** Called with every error the provider sees while this chat is mounted. */
  onError?: (error: BackchannelError) => void;
  /** Called with the text before it is sent (e.g. for analytics). */
  onSubmitMessage?: (text: string) => void;
  /** Load images in answers (off by default: see `MarkdownProps.images`). */
  images?: boolean;
  /** Replaces the assistant message view. */
  AssistantMessage?: ComponentType<AssistantMessageProps>;
  /** Replaces the user message view. */
  UserMessage?: ComponentType<UserMessageProps>;
  /** Replaces the input. */
  Input?: ComponentType<InputProps>;
  /** Replaces the header (shown by the popup and sidebar, or inline with `header`). */
  Header?: ComponentType<HeaderProps>;
  /** Replaces the card shown when the agent pauses for the user. */
  renderInterrupt?: ComponentType<InterruptProps>;
}

/** Internal: the panel plus what the windows add. */
export interface ChatPanelProps extends CopilotChatProps {
  /** Show the header. @default false inline, true in the popup and sidebar */
  header?: boolean;
  onClose?: () => void;
  autoFocus?: boolean;
  titleId?: string;
  inputRef?: Ref<HTMLTextAreaElement>;
}

/** The chat panel used by all three components. */
export function ChatPanel(props: ChatPanelProps): ReactNode {
  const labels = useMemo(() => resolveLabels(props.labels), [props.labels]);
  const store = useCopilotStore("<CopilotChat>");
  const actions = useChatActions("<CopilotChat>");
  const connection = useConnection();
  const thread = useAgentThread(undefined, "<CopilotChat>");
  // Only what the panel itself shows: it re-renders when the run starts or ends, not per token.
  // The log subscribes to the thread on its own (ChatLog).
  const status = useThreadSelector(thread, selectStatus, sameStatus);
  const latest = useRef(props);
  latest.current = props;

  const { instructions } = props;
  useEffect(() => {
    if (!instructions) return;
    return store.addContext({
      description: "Instructions for the assistant from the application",
      value: instructions,
    });
  }, [store, instructions]);
  useEffect(() => store.onError((error) => latest.current.onError?.(error)), [store]);

  const Header = props.Header ?? ChatHeader;
  const Input = props.Input ?? ChatInput;
  const Interrupt = props.renderInterrupt ?? InterruptCard;
  const { sendMessage, regenerate, resumeInterrupt, stop, reset } = actions;
  const send = useCallback(
    (text: string) => {
      latest.current.onSubmitMessage?.(text);
      void sendMessage({ role: "user", content: text });
    },
    [sendMessage],
  );
  const retry = useCallback(() => void regenerate(), [regenerate]);
  const interrupt = status.interrupt;
  const interruptCard = useMemo(
    () =>
      interrupt && (
        <Interrupt
          key={interrupt.id}
          interrupt={interrupt}
          resolve={(payload) => void resumeInterrupt(payload)}
          cancel={() => void store.getChatThread()?.resumeInterrupt(undefined, { status: "cancelled" })}
        />
      ),
    [interrupt, Interrupt, resumeInterrupt, store],
  );

  return (
    <div className={props.className ? `bc-chat ${props.className}` : "bc-chat"}>
      {props.header && (
        <Header
          labels={labels}
          {...(props.onClose ? { onClose: props.onClose } : {})}
          onNewChat={reset}
          {...(props.titleId ? { titleId: props.titleId } : {})}
        />
      )}
      <ConnectionBanner labels={labels} />
      <ChatLog
        thread={thread}
        connectionError={connection.connectionState === "disconnected" ? connection.error : null}
        bannerError={connection.error}
        labels={labels}
        onRetry={retry}
        UserMessage={props.UserMessage}
        AssistantMessage={props.AssistantMessage}
        images={props.images ?? false}
      >
        {interruptCard}
      </ChatLog>
      <Input
        isRunning={status.isRunning}
        onSend={send}
        onStop={stop}
        labels={labels}
        {...(props.autoFocus ? { autoFocus: true } : {})}
        {...(props.inputRef ? { inputRef: props.inputRef } : {})}
      />
    </div>
  );
}

interface ChatStatus {
  isRunning: boolean;
  /** The interrupt the card asks about (only once the run has stopped). */
  interrupt: AgentThreadSnapshot["interrupts"][number] | undefined;
}

function selectStatus(snap: AgentThreadSnapshot): ChatStatus {
  return { isRunning: snap.isRunning, interrupt: snap.isRunning ? undefined : snap.interrupts[0] };
}

function sameStatus(a: ChatStatus, b: ChatStatus): boolean {
  return a.isRunning === b.isRunning && a.interrupt === b.interrupt;
}

export function CopilotChat(props: CopilotChatProps & { header?: boolean }): ReactNode {
  return <ChatPanel {...props} />;
}
