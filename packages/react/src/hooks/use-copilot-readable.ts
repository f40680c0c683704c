/**
 * `useCopilotReadable`: app data the agent sees with every run.
 * @module
 */
import type { ContextHandle } from "@backchannel/client";
import { useEffect, useRef } from "react";
import { useCopilotStore } from "../provider/context.js";

/** What `useCopilotReadable` takes. */
export interface CopilotReadableOptions {
  /** What the value is, for the model ("The holdings table the user is looking at"). */
  description: string;
  /** Any JSON-serialisable value; strings are sent as they are. */
  value: unknown;
  /** Leave it out of runs while false. @default true */
  available?: boolean;
}

/**
 * Sends `value` as AG-UI `context` with every run of every agent in the provider, for as long
 * as the component is mounted. A changed value (by content, not identity) applies from the next
 * run. Values changing faster than the session's `contextDebounceMs` (250 ms by default; e.g. a
 * value bound to a text field) are coalesced, and a run always carries the latest one.
 * @example
 * useCopilotReadable({ description: "Selected portfolio", value: { id, name, holdings } });
 */
export function useCopilotReadable({ description, value, available = true }: CopilotReadableOptions): void {
  const store = useCopilotStore("useCopilotReadable()");
  const serialised = typeof value === "string" ? value : JSON.stringify(value ?? null);
  const latest = useRef(serialised);
  latest.current = serialised;
  const handle = useRef<ContextHandle | null>(null);
  useEffect(() => {
    if (!available) return;
    const added = store.addContext({ description, value: latest.current });
    handle.current = added;
    return () => {
      added();
      if (handle.current === added) handle.current = null;
    };
  }, [store, description, available]);
  // A new value updates the registration in place, so the session can coalesce fast changes.
  useEffect(() => handle.current?.update(serialised), [serialised]);
}
