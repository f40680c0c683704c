/**
 * The round button that opens and closes the popup or sidebar.
 * @module
 */
import type { ReactNode, Ref } from "react";
import { ChatIcon, CloseIcon } from "./icons.js";
import type { ChatLabels } from "./labels.js";

/** Props of the launcher; a replacement `Button` receives the same. */
export interface LauncherProps {
  open: boolean;
  onToggle(): void;
  labels: ChatLabels;
  /** Id of the window the button controls. */
  controls: string;
  buttonRef?: Ref<HTMLButtonElement>;
}

/** The default launcher. */
export function Launcher({ open, onToggle, labels, controls, buttonRef }: LauncherProps): ReactNode {
  return (
    <button
      ref={buttonRef}
      type="button"
      className="bc-launcher"
      data-open={open || undefined}
      aria-expanded={open}
      aria-controls={controls}
      aria-label={open ? labels.close : labels.open}
      title={open ? labels.close : labels.open}
      onClick={onToggle}
    >
      {open ? <CloseIcon /> : <ChatIcon />}
    </button>
  );
}
