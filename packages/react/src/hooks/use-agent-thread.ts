/**
 * Subscriptions to the store and its threads, the base of every public hook.
 * @module
 */
import type { AgentThread, AgentThreadSnapshot, ClientSnapshot } from "@backchannel/client";
import { EMPTY_THREAD_SNAPSHOT, type SessionSnapshot as StoreSnapshot } from "@backchannel/client";
import { startTransition, useEffect, useRef, useState, useSyncExternalStore } from "react";
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

/**
 * A part of `thread`'s snapshot: re-renders only when `select`'s result changes by `equal`, not
 * on every streamed token. `select` and `equal` must be stable (module-level functions).
 */
export function useThreadSelector<T>(
  thread: AgentThread | null,
  select: (snapshot: AgentThreadSnapshot) => T,
  equal: (a: T, b: T) => boolean,
): T {
  const cache = useRef<{ from: AgentThreadSnapshot; value: T } | null>(null);
  const get = () => {
    const snap = thread ? thread.getSnapshot() : EMPTY_THREAD_SNAPSHOT;
    const last = cache.current;
    if (last?.from === snap) return last.value;
    const value = select(snap);
    // Keep the previous value when equal: useSyncExternalStore then sees no change.
    cache.current = { from: snap, value: last && equal(last.value, value) ? last.value : value };
    return cache.current.value;
  };
  return useSyncExternalStore(thread ? thread.subscribe : noopSubscribe, get, get);
}

/**
 * The snapshot of `thread` for a view that may trail it: a new message, a run's start or end
 * render at once; a growing answer renders in a transition (in the background, in slices a key
 * press can interrupt). Unlike a deferred value of a synchronously subscribed snapshot, a
 * background render is not restarted by each new token (an urgent update would interrupt it
 * every frame, and a render longer than a frame would never finish); tokens that arrive while it
 * renders are shown by the next one.
 */
export function useStreamedThreadSnapshot(thread: AgentThread | null): AgentThreadSnapshot {
  const [snap, setSnap] = useState<AgentThreadSnapshot>(() =>
    thread ? thread.getSnapshot() : EMPTY_THREAD_SNAPSHOT,
  );
  useEffect(() => {
    let last = thread ? thread.getSnapshot() : EMPTY_THREAD_SNAPSHOT;
    setSnap(last);
    if (!thread) return;
    return thread.subscribe(() => {
      const next = thread.getSnapshot();
      const urgent =
        next.isRunning !== last.isRunning ||
        next.messages.length !== last.messages.length ||
        next.threadId !== last.threadId;
      last = next;
      if (urgent) setSnap(next);
      else startTransition(() => setSnap(next));
    });
  }, [thread]);
  return snap;
}
