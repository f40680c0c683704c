/**
 * What the client learns from its surroundings: whether the network came back and whether the
 * page is visible. Browsers report both through `window` and `document`; React Native, tests
 * and servers pass their own `ClientEnvironment` (or rely on the default's graceful absence:
 * never an `online` event, always visible).
 * @module
 */

/** The client's view of its platform. Every member is optional to implement sensibly. */
export interface ClientEnvironment {
  /** Calls `listener` when the network comes back (a pending reconnect backoff then ends at once). Returns the unsubscribe function. */
  onOnline(listener: () => void): () => void;
  /** Whether the app is in front of the user (idle connections close sooner when it is not). */
  isVisible(): boolean;
  /** Calls `listener` whenever `isVisible()` may have changed. Returns the unsubscribe function. */
  onVisibilityChange(listener: () => void): () => void;
}

type EventHost = {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
};

function listen(target: EventHost | undefined, type: string, listener: () => void): () => void {
  if (typeof target?.addEventListener !== "function") return () => {};
  target.addEventListener(type, listener);
  return () => target.removeEventListener?.(type, listener);
}

/**
 * The default: `window`'s `online` event and `document.visibilityState`, where they exist
 * (browsers); elsewhere no `online` events and always visible.
 */
export const browserEnvironment: ClientEnvironment = {
  onOnline: (listener) => listen(globalThis as EventHost, "online", listener),
  isVisible: () =>
    (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState !== "hidden",
  onVisibilityChange: (listener) =>
    listen((globalThis as { document?: EventHost }).document, "visibilitychange", listener),
};
