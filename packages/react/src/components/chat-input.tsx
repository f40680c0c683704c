/**
 * The message box: grows with its text, Enter sends, Shift+Enter breaks the line, and the send
 * button turns into a stop button while the assistant answers.
 * @module
 */
import {
  type ChangeEvent,
  type KeyboardEvent,
  type ReactNode,
  type Ref,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { SendIcon, StopIcon } from "./icons.js";
import type { ChatLabels } from "./labels.js";

/** Props of the input; a replacement `Input` receives the same. */
export interface InputProps {
  /** The assistant is answering (the button stops it when the box is empty). */
  isRunning: boolean;
  /** Sends the text (already trimmed, never empty). */
  onSend(text: string): void;
  /** Stops the answer in progress. */
  onStop(): void;
  labels: ChatLabels;
  /** Focus the box when mounted (the popup and sidebar do when they open). */
  autoFocus?: boolean;
  /** The textarea, for focus management. */
  inputRef?: Ref<HTMLTextAreaElement>;
}

let fieldSizing: boolean | undefined;
function sizesItself(): boolean {
  fieldSizing ??= typeof CSS !== "undefined" && CSS.supports?.("field-sizing", "content") === true;
  return fieldSizing;
}

/** The default input. */
export function ChatInput({ isRunning, onSend, onStop, labels, autoFocus, inputRef }: InputProps): ReactNode {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement | null>(null);

  // Grow with the text up to the CSS max-height, then scroll. Where CSS can do it
  // (field-sizing), measuring here would force a layout of the whole page on every keystroke,
  // which is slow while an answer streams in.
  // biome-ignore lint/correctness/useExhaustiveDependencies: measure again whenever the text changes
  useLayoutEffect(() => {
    const el = box.current;
    if (!el || sizesItself()) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const send = () => {
    const trimmed = text.trim();
    if (trimmed === "") return;
    onSend(trimmed);
    setText("");
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an IME is composing confirms the composition; it must not send.
    if (e.key !== "Enter" || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  };
  const showStop = isRunning && text.trim() === "";
  const setRefs = (el: HTMLTextAreaElement | null) => {
    box.current = el;
    if (typeof inputRef === "function") inputRef(el);
    else if (inputRef) (inputRef as { current: HTMLTextAreaElement | null }).current = el;
  };

  return (
    <form
      className="bc-input"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={setRefs}
        rows={1}
        value={text}
        placeholder={labels.placeholder}
        aria-label={labels.placeholder}
        onChange={(e: ChangeEvent<HTMLTextAreaElement>) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        // biome-ignore lint/a11y/noAutofocus: only when the user just opened the chat window
        autoFocus={autoFocus}
      />
      {showStop ? (
        <button
          type="button"
          className="bc-send bc-stop"
          onClick={onStop}
          aria-label={labels.stop}
          title={labels.stop}
        >
          <StopIcon />
        </button>
      ) : (
        <button
          type="submit"
          className="bc-send"
          disabled={text.trim() === ""}
          aria-label={labels.send}
          title={labels.send}
        >
          <SendIcon />
        </button>
      )}
    </form>
  );
}
