/**
 * `<CopilotPopup>`: a floating button that opens the chat in a window.
 * @module
 */
import type { ComponentType, ReactNode } from "react";
import { ChatPanel, type CopilotChatProps } from "./copilot-chat.js";
import { resolveLabels } from "./labels.js";
import { Launcher, type LauncherProps } from "./launcher.js";
import { useWindowState, type WindowStateOptions } from "./use-window-state.js";

/** Props of `CopilotPopup`. */
export interface CopilotPopupProps extends CopilotChatProps, WindowStateOptions {
  /** Replaces the floating button. */
  Button?: ComponentType<LauncherProps>;
}

/**
 * The chat in a floating window, opened by a round button in the corner. Esc closes it.
 * @example
 * <CopilotPopup labels={{ title: "Portfolio Assistant", initial: "Hi! How can I help?" }} />
 */
export function CopilotPopup(props: CopilotPopupProps): ReactNode {
  const { defaultOpen, open: _open, onSetOpen, hitEscapeToClose, Button, className, ...chat } = props;
  const w = useWindowState(props);
  const labels = resolveLabels(props.labels);
  const ButtonView = Button ?? Launcher;
  return (
    <div
      className={className ? `bc-root bc-popup ${className}` : "bc-root bc-popup"}
      data-open={w.open || undefined}
    >
      <div
        id={w.windowId}
        className="bc-window"
        role="dialog"
        aria-modal="false"
        aria-labelledby={w.titleId}
        hidden={!w.open}
        onKeyDown={w.onKeyDown}
      >
        <ChatPanel
          {...chat}
          header
          titleId={w.titleId}
          onClose={() => w.setOpen(false)}
          inputRef={w.inputRef}
        />
      </div>
      <ButtonView
        open={w.open}
        onToggle={() => w.setOpen(!w.open)}
        labels={labels}
        controls={w.windowId}
        buttonRef={w.launcherRef}
      />
    </div>
  );
}
