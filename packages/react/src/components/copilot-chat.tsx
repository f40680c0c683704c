/**
 * `<CopilotChat>`: the whole chat (banner, messages, input) inline in the page; the popup and
 * sidebar put the same panel in a window.
 * @module
 */
import type { BackchannelError } from "@backchannel/client";
import { type ComponentType, type ReactNode, type Ref, useEffect, useRef } from "react";
import { useConnection } from "../hooks/use-agent-thread.js";
import { useChatControls } from "../hooks/use-copilot-chat.js";
import { useCopilotStore } from "../provider/context.js";
import { ChatHeader, type HeaderProps } from "./chat-header.js";
import { ChatInput, type InputProps } from "./chat-input.js";
import { ConnectionBanner } from "./connection-banner.js";
import { InterruptCard, type InterruptProps } from "./interrupt-card.js";
import { type ChatLabels, resolveLabels } from "./labels.js";
import type { AssistantMessageProps, UserMessageProps } from "./message-views.js";
import { Messages } from "./messages.js";

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
  const labels = resolveLabels(props.labels);
  const store = useCopilotStore("<CopilotChat>");
  const chat = useChatControls();
  const connection = useConnection();
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
  const send = (text: string) => {
    latest.current.onSubmitMessage?.(text);
    void chat.sendMessage({ role: "user", content: text });
  };
  const interrupt = !chat.isLoading ? chat.interrupts[0] : undefined;
  // The banner shows connection problems; the log shows only what went wrong with an answer.
  const answerError = chat.error && chat.error === connection.error ? null : chat.error;

  return (
    <div className={props.className ? `bc-chat ${props.className}` : "bc-chat"}>
      {props.header && (
        <Header
          labels={labels}
          {...(props.onClose ? { onClose: props.onClose } : {})}
          onNewChat={chat.reset}
          {...(props.titleId ? { titleId: props.titleId } : {})}
        />
      )}
      <ConnectionBanner labels={labels} />
      <Messages
        messages={chat.messages}
        queuedMessages={chat.queuedMessages}
        isRunning={chat.isLoading}
        pendingToolCalls={chat.pendingToolCalls}
        error={answerError}
        endedEarly={chat.endedEarly}
        endingError={chat.error}
        labels={labels}
        onRetry={() => void chat.regenerate()}
        {...(props.UserMessage ? { UserMessage: props.UserMessage } : {})}
        {...(props.AssistantMessage ? { AssistantMessage: props.AssistantMessage } : {})}
        images={props.images ?? false}
      >
        {interrupt && (
          <Interrupt
            key={interrupt.id}
            interrupt={interrupt}
            resolve={(payload) => void chat.resumeInterrupt(payload)}
            cancel={() => void store.getChatThread()?.resumeInterrupt(undefined, { status: "cancelled" })}
          />
        )}
      </Messages>
      <Input
        isRunning={chat.isLoading}
        onSend={send}
        onStop={chat.stop}
        labels={labels}
        {...(props.autoFocus ? { autoFocus: true } : {})}
        {...(props.inputRef ? { inputRef: props.inputRef } : {})}
      />
    </div>
  );
}

/**
 * The chat, inline: fills its container (give the container a height).
 * @example
 * <div style={{ height: 600 }}>
 *   <CopilotChat labels={{ title: "Portfolio Assistant", initial: "How can I help?" }} />
 * </div>
 */
export function CopilotChat(props: CopilotChatProps & { header?: boolean }): ReactNode {
  return <ChatPanel {...props} />;
}
