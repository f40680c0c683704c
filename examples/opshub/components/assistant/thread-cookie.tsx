"use client";
/**
 * Remembers the conversation's thread id in a cookie, so a reload (or the other page)
 * opens the same conversation, and a "New chat" starts a new one.
 */
import { useCopilotChat } from "@backchannel/react";
import { useEffect } from "react";

export function ThreadCookie() {
  const { threadId } = useCopilotChat();
  useEffect(() => {
    if (!threadId) return;
    // Not secret (the backend checks ownership); readable by the server for history. A plain
    // cookie write: the Cookie Store API is missing from some browsers we support.
    // biome-ignore lint/suspicious/noDocumentCookie: see above
    document.cookie = `opshub_thread=${encodeURIComponent(threadId)}; path=/; max-age=${30 * 24 * 3600}; samesite=lax`;
  }, [threadId]);
  return null;
}
