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
  requestAnimationFrame?: (cb: (now: number) => void) => number;
  cancelAnimationFrame?: (id: number) => void;
  addEventListener?: (type: string, cb: () => void, options: { capture: boolean; passive: boolean }) => void;
  performance?: { now(): number };
};

/** After a key press, the stream waits this long (at most MAX_YIELDED_FRAMES frames) for the key's frame. */
const QUIET_AFTER_INPUT_MS = 50;
const MAX_YIELDED_FRAMES = 3;

/** When the user last pressed a key or a pointer (performance clock), for every notifier of the page. */
let lastInputAt = Number.NEGATIVE_INFINITY;
let watchingInput = false;

/** Starts noting the page's input events, once per page (passive, capture: never in the way). */
function watchInput(g: FrameApi): void {
  if (watchingInput || typeof g.addEventListener !== "function" || !g.performance) return;
  watchingInput = true;
  const perf = g.performance;
  const note = () => {
    lastInputAt = perf.now();
  };
  for (const type of ["keydown", "beforeinput", "pointerdown"])
    g.addEventListener(type, note, { capture: true, passive: true });
}

/**
 * Creates a notifier that calls `flush` at most once per `throttleMs`:
 * `0` flushes synchronously on every `schedule()`; `undefined` uses requestAnimationFrame where
 * it exists (browsers; one flush per painted frame, fewer while frames run long, none while the
 * tab is hidden) and 16 ms otherwise (Node).
 */
export function createNotifier(throttleMs: number | undefined, flush: () => void): Notifier {
  if (throttleMs === 0) {
    return { schedule: flush, flushNow: () => {}, cancel: () => {} };
  }
  const g = globalThis as FrameApi;
  const useFrame = throttleMs === undefined && typeof g.requestAnimationFrame === "function";
  let pending: number | ReturnType<typeof setTimeout> | undefined;
  if (useFrame) watchInput(g);
  // Input first: the frames right after a key press paint the key, not the stream. A flush
  // costs a render, style, layout and paint; there it would sit between the key and its paint
  // (issue 18: keystroke-to-paint while an answer streams). The stream catches up once 50 ms
  // passed without input, or after 3 frames however fast the typing: it is delayed, never starved.
  let frameAt = Number.NEGATIVE_INFINITY;
  let yielded = 0;
  // Back-off when frames run long (a slow CPU, a big transcript): each flush costs a render,
  // style, layout and paint, so skip up to 3 frames between flushes while the frame that carried
  // the last one overran 2 frame budgets (33 ms), and come back one frame at a time when it is
  // fast again. Fewer, larger updates keep typing and scrolling responsive; nothing is dropped,
  // and the end of a run is published at once (`flushNow`), never held back.
  let skip = 0;
  let left = 0;
  let last = 0;
  const run = (now?: number) => {
    if (now !== undefined) {
      const inputSince = lastInputAt > frameAt || now - lastInputAt < QUIET_AFTER_INPUT_MS;
      frameAt = now;
      if (inputSince && yielded < MAX_YIELDED_FRAMES) {
        yielded++;
        // A frame given to input is not a slow one: the back-off below measures from here.
        last = now;
        pending = g.requestAnimationFrame!(run);
        return;
      }
      yielded = 0;
    }
    if (left-- > 0) {
      pending = g.requestAnimationFrame!(run);
      return;
    }
    if (now) {
      // Time since the previous flush less the skipped (cheap) frames: what one frame cost.
      const frame = now - last - skip * 16.7;
      last = now;
      skip = frame > 250 ? 0 : frame > 33 ? Math.min(skip + 1, 3) : Math.max(skip - 1, 0);
      left = skip;
    }
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
