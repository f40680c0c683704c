/**
 * Batches change notifications: a stream of hundreds of deltas per second should cost one
 * render per frame, not one per delta.
 * @module
 */

/** A scheduled flush; `schedule()` is cheap to call on every event. */
export interface Notifier {
  /** Requests a flush; repeated calls before it runs coalesce. */
  schedule(): void;
  /** Runs a pending flush now (used before reading state that must be current). */
  flushNow(): void;
  /** Cancels a pending flush. */
  cancel(): void;
}

type FrameApi = {
  requestAnimationFrame?: (cb: () => void) => number;
  cancelAnimationFrame?: (id: number) => void;
};

/**
 * Creates a notifier that calls `flush` at most once per `throttleMs`:
 * `0` flushes synchronously on every `schedule()`; `undefined` uses requestAnimationFrame where
 * it exists (browsers; one flush per painted frame, none while the tab is hidden) and 16 ms
 * otherwise (Node).
 */
export function createNotifier(throttleMs: number | undefined, flush: () => void): Notifier {
  if (throttleMs === 0) {
    return { schedule: flush, flushNow: () => {}, cancel: () => {} };
  }
  const g = globalThis as FrameApi;
  const useFrame = throttleMs === undefined && typeof g.requestAnimationFrame === "function";
  let pending: number | ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    pending = undefined;
    flush();
  };
  const cancel = () => {
    if (pending === undefined) return;
    if (useFrame) g.cancelAnimationFrame?.(pending as number);
    else clearTimeout(pending as ReturnType<typeof setTimeout>);
    pending = undefined;
  };
  return {
    schedule() {
      if (pending !== undefined) return;
      pending = useFrame ? g.requestAnimationFrame!(run) : setTimeout(run, throttleMs ?? 16);
    },
    flushNow() {
      if (pending === undefined) return;
      cancel();
      flush();
    },
    cancel,
  };
}
