"use client";
/**
 * `CopilotSidebar` with its open state shared with the page, so a suggestion chip can open
 * it. Takes the same props as @backchannel/react's.
 */
import { CopilotSidebar as BaseSidebar, type CopilotSidebarProps } from "@backchannel/react";
import { useAssistant } from "./assistant-context";

export function CopilotSidebar(props: CopilotSidebarProps) {
  const { open, setOpen } = useAssistant();
  return <BaseSidebar {...props} open={open} onSetOpen={setOpen} />;
}
