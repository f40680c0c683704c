/**
 * The title bar of the popup and sidebar: title, new-chat and close buttons.
 * @module
 */
import type { ReactNode } from "react";
import { CloseIcon, NewChatIcon } from "./icons.js";
import type { ChatLabels } from "./labels.js";

/** Props of the header; a replacement `Header` receives the same. */
export interface HeaderProps {
  labels: ChatLabels;
  /** Closes the window (absent for the inline chat). */
  onClose?: () => void;
  /** Starts a new conversation. */
  onNewChat?: () => void;
  /** Id of the title element, for the dialog's `aria-labelledby`. */
  titleId?: string;
}

/** The default header. */
export function ChatHeader({ labels, onClose, onNewChat, titleId }: HeaderProps): ReactNode {
  return (
    <div className="bc-header">
      <h2 className="bc-title" id={titleId}>
        {labels.title}
      </h2>
      <div className="bc-header-actions">
        {onNewChat && (
          <button
            type="button"
            className="bc-icon-button"
            onClick={onNewChat}
            aria-label={labels.newChat}
            title={labels.newChat}
          >
            <NewChatIcon />
          </button>
        )}
        {onClose && (
          <button
            type="button"
            className="bc-icon-button"
            onClick={onClose}
            aria-label={labels.close}
            title={labels.close}
          >
            <CloseIcon />
          </button>
        )}
      </div>
    </div>
  );
}
