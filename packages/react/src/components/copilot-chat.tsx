/**
 * `<CopilotChat>`: the whole chat (banner, messages, input) inline in the page; the popup and
 * sidebar put the same panel in a window.
 * @module
 */
import type { BackchannelError } from "@backchannel/client";
import {
  type ComponentType,
  memo,
  type ReactNode,
  type Ref,
  useCallback,
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
} from "react";
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
/**
 * The log re-renders only when what it shows changed (a new deferred view, below), not when the
 * panel does for the input's sake.
 */
const MessageLog = memo(Messages);

export function ChatPanel(props: ChatPanelProps): ReactNode {
  const labels = useMemo(() => resolveLabels(props.labels), [props.labels]);
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
  const { sendMessage, regenerate, resumeInterrupt } = chat;
  const send = useCallback(
    (text: string) => {
      latest.current.onSubmitMessage?.(text);
      void sendMessage({ role: "user", content: text });
    },
    [sendMessage],
  );
  const retry = useCallback(() => void regenerate(), [regenerate]);
  // The log draws a deferred copy of the chat: a streamed update renders in the background, in
  // slices the browser can interrupt, so a keystroke in the input is handled and painted first
  // instead of waiting for the answer's Markdown to render (issue 18). The input, stop button and
  // banner read the current state.
  const view = useDeferredValue(chat);
  const interrupt = !view.isLoading ? view.interrupts[0] : undefined;
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
  // The banner shows connection problems; the log shows only what went wrong with an answer.
  const answerError = view.error && view.error === connection.error ? null : view.error;

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
      <MessageLog
        messages={view.messages}
        queuedMessages={view.queuedMessages}
        isRunning={view.isLoading}
        pendingToolCalls={view.pendingToolCalls}
        error={answerError}
        endedEarly={view.endedEarly}
        fromCache={view.fromCache}
        endingError={view.error}
        labels={labels}
        onRetry={retry}
        {...(props.UserMessage ? { UserMessage: props.UserMessage } : {})}
        {...(props.AssistantMessage ? { AssistantMessage: props.AssistantMessage } : {})}
        images={props.images ?? false}
      >
        {interruptCard}
      </MessageLog>
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
