/**
 * The React context that carries a provider's store to its hooks.
 * @module
 */

import type { CopilotSession as CopilotStore } from "@backchannel/client";
import { createContext, useContext } from "react";

/** Carries the nearest `<CopilotKit>`'s store. */
export const CopilotContext = createContext<CopilotStore | null>(null);

/**
 * The nearest `<CopilotKit>`'s store. Throws, naming the hook, when there is none, because a
 * hook outside the provider can only ever show an empty chat.
 */
export function useCopilotStore(hook = "This hook"): CopilotStore {
  const store = useContext(CopilotContext);
  if (!store) {
    throw new Error(
      `${hook} must be used inside <CopilotKit runtimeUrl="...">. Wrap your app (or page) in it.`,
    );
  }
  return store;
}
