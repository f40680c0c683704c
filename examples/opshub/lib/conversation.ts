/**
 * The conversation a page opens with: the thread id from the `opshub_thread` cookie (so a
 * reload, or the other page, continues it) and its saved messages and state.
 * @module
 */
import "server-only";
import type { Message } from "@ag-ui/core";
import { cookies } from "next/headers";
import { fetchThread } from "./backend";
import type { AgentState } from "./types";

export const THREAD_COOKIE = "opshub_thread";

/** What `<CopilotKit>` and the validation panel start from. */
export interface Conversation {
  threadId: string;
  initialMessages: Message[];
  savedState: AgentState;
}

/** Loads the current conversation, or a fresh thread id when there is none. */
export async function loadConversation(): Promise<Conversation> {
  const id = (await cookies()).get(THREAD_COOKIE)?.value;
  if (id && /^[A-Za-z0-9-]{8,64}$/.test(id)) {
    const saved = await fetchThread(id);
    return { threadId: id, initialMessages: saved?.messages ?? [], savedState: saved?.state ?? {} };
  }
  return { threadId: crypto.randomUUID(), initialMessages: [], savedState: {} };
}
