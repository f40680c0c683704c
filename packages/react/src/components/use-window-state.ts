/**
 * Open/closed state of the popup and sidebar, with the focus handling both need: the input gets
 * focus when the window opens, the launcher gets it back when it closes, and Esc closes.
 * @module
 */
import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from "react";

/** Options of `useWindowState`. */
export interface WindowStateOptions {
  /** @default false */
  defaultOpen?: boolean;
  /** Controlled open state (with `onSetOpen`). */
  open?: boolean;
  /** Called when the user opens or closes the window. */
  onSetOpen?: (open: boolean) => void;
  /** Close on Esc while focus is inside the window. @default true */
  hitEscapeToClose?: boolean;
}

/** Shared window behaviour of the popup and sidebar. */
export function useWindowState(options: WindowStateOptions) {
  const [uncontrolled, setUncontrolled] = useState(options.defaultOpen ?? false);
  const open = options.open ?? uncontrolled;
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const launcherRef = useRef<HTMLButtonElement>(null);
  const windowId = useId();
  const titleId = useId();
  const wasOpen = useRef(open);
  const { onSetOpen, hitEscapeToClose = true } = options;

  const setOpen = useCallback(
    (next: boolean) => {
      setUncontrolled(next);
      onSetOpen?.(next);
    },
    [onSetOpen],
  );

  useEffect(() => {
    if (open && !wasOpen.current) inputRef.current?.focus();
    if (!open && wasOpen.current) launcherRef.current?.focus();
    wasOpen.current = open;
  }, [open]);

  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      if (e.key === "Escape" && hitEscapeToClose && open) {
        e.stopPropagation();
        setOpen(false);
      }
    },
    [hitEscapeToClose, open, setOpen],
  );

  return { open, setOpen, inputRef, launcherRef, windowId, titleId, onKeyDown };
}
