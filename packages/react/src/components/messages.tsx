/**
 * The message log: greeting, transcript, queued messages, typing indicator and the error of a
 * failed answer with its retry button. Keeps itself scrolled to the newest message unless the
 * reader scrolled up.
 * @module
 */
import type { Message, ToolCall } from "@ag-ui/core";
import type { AnswerEnding, BackchannelError, CacheHitValue, PendingToolCall } from "@backchannel/client";
import {
  type ComponentType,
  type ReactNode,
  useCallback,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { useStoreSnapshot } from "../hooks/use-agent-thread.js";
import type { ActionRenderer, ActionStatus } from "../hooks/use-copilot-action.js";
import { useCopilotStore } from "../provider/context.js";
import { AnswerEndingNote } from "./answer-ending.js";
import { describeError } from "./error-text.js";
import { DownIcon, RetryIcon } from "./icons.js";
import type { ChatLabels } from "./labels.js";
import {
  type AssistantMessageProps,
  AssistantMessage as DefaultAssistantMessage,
  UserMessage as DefaultUserMessage,
  messageText,
  ReasoningMessage,
  TypingIndicator,
  type UserMessageProps,
} from "./message-views.js";
import { ToolCallView } from "./tool-call-view.js";

type ToolMessage = Extract<Message, { role: "tool" }>;

/** Props of `Messages`. */
export interface MessagesProps {
  messages: readonly Message[];
  queuedMessages: readonly Message[];
  isRunning: boolean;
  pendingToolCalls: readonly PendingToolCall[];
  error: BackchannelError | null;
  /** Answers cut off, by message id (`AgentThreadSnapshot.endedEarly`): marked in the log. */
  endedEarly?: Readonly<Record<string, AnswerEnding>>;
  /** Answers served from the response cache, by message id (`AgentThreadSnapshot.fromCache`): tagged. */
  fromCache?: Readonly<Record<string, CacheHitValue>>;
  /**
   * Why the latest cut-off answer failed, for its notice (connection errors included, which
   * `error` leaves to the banner). @default error
   */
  endingError?: BackchannelError | null;
  labels: ChatLabels;
  /** Called by the retry button of a failed answer. */
  onRetry?: () => void;
  UserMessage?: ComponentType<UserMessageProps>;
  AssistantMessage?: ComponentType<AssistantMessageProps>;
  images?: boolean;
  /** Extra content at the end of the log (e.g. an interrupt form). */
  children?: ReactNode;
}

function callStatus(
  result: ToolMessage | undefined,
  pending: PendingToolCall | undefined,
  running: boolean,
): ActionStatus {
  if (result) return "complete";
  if (pending) return "executing";
  return running ? "inProgress" : "complete";
}

function needsTypingIndicator(
  messages: readonly Message[],
  isRunning: boolean,
  pending: readonly PendingToolCall[],
): boolean {
  if (!isRunning || pending.length > 0) return false;
  const last = messages.at(-1);
  if (!last || last.role === "user" || last.role === "tool") return true;
  if (last.role !== "assistant") return false;
  return messageText(last) === "" && !(last as { toolCalls?: ToolCall[] }).toolCalls?.length;
}

const STICK_PX = 48;
/** Messages per chunk of the log; see `chunks`. */
const CHUNK = 16;

/**
 * The log's rows in chunks of CHUNK messages, each skipped by the browser while off screen
 * (`content-visibility: auto` on `.bc-msg-chunk`). Per message, a long transcript made the
 * browser check every message's visibility on every frame of a streaming answer (issue 18: ~7 %
 * of the main thread with 200 messages); per chunk it checks a sixteenth of them. A message
 * stays in its chunk for good (chunk k holds messages 16k..16k+15, the last one grows), so
 * nothing remounts as the transcript grows.
 */
function chunks(rows: ReactNode[], rowStart: number[]): ReactNode[] {
  const out: ReactNode[] = [];
  for (let k = 0; k * CHUNK < rowStart.length; k++) {
    const end = rowStart[(k + 1) * CHUNK] ?? rows.length;
    out.push(
      <div key={`chunk-${k}`} className="bc-msg-chunk">
        {rows.slice(rowStart[k * CHUNK], end)}
      </div>,
    );
  }
  return out;
}
const NONE: Readonly<Record<string, AnswerEnding>> = Object.freeze({});

/** Renders the conversation as an ARIA log. */
export function Messages(props: MessagesProps): ReactNode {
  const { messages, isRunning, pendingToolCalls, labels, error } = props;
  const User = props.UserMessage ?? DefaultUserMessage;
  const Assistant = props.AssistantMessage ?? DefaultAssistantMessage;
  const store = useCopilotStore("<CopilotChat>");
  // Re-render when tools (and their renderers) register.
  useStoreSnapshot();

  const results = useMemo(() => {
    const map = new Map<string, ToolMessage>();
    for (const m of messages) if (m.role === "tool") map.set(m.toolCallId, m);
    return map;
  }, [messages]);
  const pendingById = useMemo(
    () => new Map(pendingToolCalls.map((p) => [p.toolCallId, p] as const)),
    [pendingToolCalls],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  // Where following last put the scroll position: a scroll event at (or below) it is that scroll,
  // not the reader's, even if the answer has grown again since (its layout has not run yet, and
  // measuring here would both force it and see a gap that the next follow closes).
  const followedTo = useRef(-1);
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    if (atBottom.current && el.scrollTop >= followedTo.current - 1) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    setShowJump(!atBottom.current);
  }, []);
  const jump = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
  }, []);
  // Follow the answer as it grows, unless the reader scrolled up to read something earlier.
  // A ResizeObserver runs after the browser's own layout, so reading scrollHeight there is free;
  // reading it in a layout effect after every streamed frame forced a synchronous layout of the
  // whole transcript each time (issue 18's profile).
  useLayoutEffect(() => {
    const el = scroller.current;
    const inner = list.current;
    if (!el || !inner || typeof ResizeObserver === "undefined") return;
    const follow = new ResizeObserver(() => {
      if (!atBottom.current) return;
      el.scrollTop = el.scrollHeight;
      followedTo.current = el.scrollTop;
    });
    follow.observe(inner);
    follow.observe(el);
    return () => follow.disconnect();
  }, []);
  // Lay out what this render changed now, in the task that committed it. The log commits in the
  // background (a deferred render), between frames; left dirty, the next key press would pay
  // for the answer's layout before the browser can edit the input (issue 18's trace: 7 ms of an
  // 18 ms key press at 4x). The frame that follows still has it laid out: same work, not in the
  // way of typing.
  useLayoutEffect(() => {
    void list.current?.offsetHeight;
  });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !atBottom.current || typeof ResizeObserver !== "undefined") return;
    el.scrollTop = el.scrollHeight;
    followedTo.current = el.scrollTop;
  });

  const initial = labels.initial === undefined ? [] : [labels.initial].flat();
  const lastIndex = messages.length - 1;
  const endedEarly = props.endedEarly ?? NONE;
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  // The latest answer, cut off by a failure, carries the error and its Retry itself.
  const failedLatest =
    !isRunning && props.queuedMessages.length === 0
      ? messages.findLast((m, i) => i > lastUser && endedEarly[m.id] === "failed")?.id
      : undefined;
  const canRetry = props.onRetry && lastUser >= 0 ? props.onRetry : undefined;
  // One tag per answer served from cache: under its last assistant message.
  const lastOfHit = new Map<object, string>();
  for (const m of messages) {
    const hit = m.role === "assistant" ? props.fromCache?.[m.id] : undefined;
    if (hit) lastOfHit.set(hit, m.id);
  }
  const cacheTagged = new Set(lastOfHit.values());
  const rows: ReactNode[] = [];
  // Where each message's rows begin, to group them (see chunks below).
  const rowStart: number[] = [];
  messages.forEach((message, i) => {
    rowStart.push(rows.length);
    const streaming = isRunning && i === lastIndex;
    switch (message.role) {
      case "user":
        rows.push(<User key={message.id} message={message} />);
        return;
      case "assistant": {
        const calls = (message as { toolCalls?: ToolCall[] }).toolCalls;
        const toolCalls = calls?.length ? (
          <div className="bc-tools">
            {calls.map((call) => {
              const result = results.get(call.id);
              const pending = pendingById.get(call.id);
              return (
                <ToolCallView
                  key={call.id}
                  call={call}
                  result={result}
                  pending={pending}
                  status={callStatus(result, pending, isRunning)}
                  render={store.getTool(call.function.name)?.render as ActionRenderer | undefined}
                />
              );
            })}
          </div>
        ) : undefined;
        rows.push(
          <Assistant
            key={message.id}
            message={message}
            isStreaming={streaming}
            toolCalls={toolCalls}
            images={props.images ?? false}
          />,
        );
        const cached = props.fromCache?.[message.id];
        if (cached && cacheTagged.has(message.id)) {
          rows.push(
            <div
              key={`${message.id}:cache`}
              className="bc-ending-tag bc-cache-tag"
              data-cache-scope={cached.scope}
              title={`Cached ${new Date(cached.cachedAt).toLocaleString()}`}
            >
              {labels.fromCache}
            </div>,
          );
        }
        const ending = endedEarly[message.id];
        if (ending) {
          rows.push(
            <AnswerEndingNote
              key={`${message.id}:ending`}
              ending={ending}
              latest={message.id === failedLatest}
              error={props.endingError === undefined ? error : props.endingError}
              labels={labels}
              onRetry={canRetry}
            />,
          );
        }
        return;
      }
      case "reasoning":
        rows.push(<ReasoningMessage key={message.id} message={message} isStreaming={streaming} />);
        return;
      default:
        // tool results show inside their call; system, developer and activity messages are not chat.
        return;
    }
  });

  return (
    <div className="bc-messages-wrap">
      <div
        ref={scroller}
        className="bc-messages"
        role="log"
        aria-label={labels.log}
        // Screen readers wait for the answer to finish instead of reading every token.
        aria-busy={isRunning}
        onScroll={onScroll}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
        tabIndex={0}
      >
        <div ref={list} className="bc-messages-list">
          {initial.map((text, i) => (
            <Assistant
              // biome-ignore lint/suspicious/noArrayIndexKey: the greeting never reorders
              key={`initial-${i}`}
              message={{ id: `initial-${i}`, role: "assistant", content: text }}
              isStreaming={false}
              images={false}
            />
          ))}
          {chunks(rows, rowStart)}
          {props.queuedMessages.map((message) => (
            <User key={message.id} message={message} queued queuedLabel={labels.queued} />
          ))}
          {needsTypingIndicator(messages, isRunning, pendingToolCalls) && (
            <TypingIndicator label={labels.typing} />
          )}
          {error && !isRunning && failedLatest === undefined && (
            <div className="bc-error" role="alert">
              <span>{describeError(error)}</span>
              {canRetry && (
                <button type="button" className="bc-error-retry" onClick={canRetry}>
                  <RetryIcon />
                  {labels.retry}
                </button>
              )}
            </div>
          )}
          {props.children}
        </div>
      </div>
      {showJump && (
        <button type="button" className="bc-jump" onClick={jump} aria-label={labels.jumpToLatest}>
          <DownIcon />
        </button>
      )}
    </div>
  );
}
