/**
 * Subscriptions to the store and its threads, the base of every public hook.
 * @module
 */
import type { AgentThread, AgentThreadSnapshot, ClientSnapshot } from "@backchannel/client";
import { EMPTY_THREAD_SNAPSHOT, type SessionSnapshot as StoreSnapshot } from "@backchannel/client";
import { useSyncExternalStore } from "react";
import { useCopilotStore } from "../provider/context.js";

const noopSubscribe = () => () => {};
const emptySnapshot = () => EMPTY_THREAD_SNAPSHOT;

/** The store's snapshot (client, connection, chat agent); re-renders when it changes. */
export function useStoreSnapshot(hook?: string): StoreSnapshot {
  const store = useCopilotStore(hook);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The connection's state, error and `ready` frame. */
export function useConnection(): ClientSnapshot {
  return useStoreSnapshot("useConnection()").connection;
}

/**
 * The thread of `agent` (the chat agent when omitted), or null before it exists (while
 * connecting or discovering the runtime's agents).
 */
export function useAgentThread(agent?: string, hook?: string): AgentThread | null {
  const store = useCopilotStore(hook);
  const get = () => (agent === undefined ? store.getChatThread() : store.getThread(agent));
  return useSyncExternalStore(store.subscribe, get, get);
}

/** The snapshot of `thread` (empty while it is null). Re-renders at most once per frame while streaming. */
export function useThreadSnapshot(thread: AgentThread | null): AgentThreadSnapshot {
  return useSyncExternalStore(
    thread ? thread.subscribe : noopSubscribe,
    thread ? thread.getSnapshot : emptySnapshot,
    thread ? thread.getSnapshot : emptySnapshot,
  );
}
