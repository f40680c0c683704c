/**
 * `useCopilotReadable`: app data the agent sees with every run.
 * @module
 */
import { useEffect } from "react";
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
 * as the component is mounted. A changed value (by content, not identity) applies from the next run.
 * @example
 * useCopilotReadable({ description: "Selected portfolio", value: { id, name, holdings } });
 */
export function useCopilotReadable({ description, value, available = true }: CopilotReadableOptions): void {
  const store = useCopilotStore("useCopilotReadable()");
  const serialised = typeof value === "string" ? value : JSON.stringify(value ?? null);
  useEffect(() => {
    if (!available) return;
    return store.addContext({ description, value: serialised });
  }, [store, description, serialised, available]);
}
