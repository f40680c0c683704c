"use client";
/**
 * Opens the assistant and asks it something from anywhere on the page (suggestion chips,
 * the validation panel's "Run validations" button).
 */
import { useCopilotChat } from "@backchannel/react";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

interface AssistantControls {
  open: boolean;
  setOpen(open: boolean): void;
  /** Opens the assistant and sends `text` as the user. */
  ask(text: string): void;
}

const AssistantContext = createContext<AssistantControls | null>(null);

/** Holds the assistant window's open state for the page. */
export function AssistantProvider({
  children,
  defaultOpen = false,
}: {
  children: ReactNode;
  defaultOpen?: boolean;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const { sendMessage } = useCopilotChat();
  const ask = useCallback(
    (text: string) => {
      setOpen(true);
      void sendMessage({ content: text });
    },
    [sendMessage],
  );
  const value = useMemo(() => ({ open, setOpen, ask }), [open, ask]);
  return <AssistantContext.Provider value={value}>{children}</AssistantContext.Provider>;
}

/** The page's assistant controls. */
export function useAssistant(): AssistantControls {
  const ctx = useContext(AssistantContext);
  if (!ctx) throw new Error("useAssistant() needs an <AssistantProvider> above it");
  return ctx;
}
