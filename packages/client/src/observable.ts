/**
 * The one subscribable base: listeners plus a frozen snapshot that is replaced only when a
 * field changed (shallow compare), so `useSyncExternalStore` and any other observer can
 * compare snapshots by identity. The connection, the agent thread and the copilot session
 * build on it.
 * @module
 */

/** Something with a snapshot to read and a change notification to subscribe to. */
export interface Observable<S> {
  /** Calls `listener` after every change of the snapshot. Returns the unsubscribe function. Safe to pass unbound. */
  subscribe(listener: () => void): () => void;
  /** An immutable snapshot; the same object until something changes. Safe to pass unbound. */
  getSnapshot(): S;
}

/** Base class holding a frozen snapshot of `S` and its listeners. */
export class Subscribable<S extends object> implements Observable<S> {
  #snapshot: S;
  #listeners = new Set<() => void>();

  constructor(initial: S) {
    this.#snapshot = Object.freeze({ ...initial });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  getSnapshot = (): S => this.#snapshot;

  /** Drops every listener (the owner was disposed; nothing it does later is news). */
  protected unsubscribeAll(): void {
    this.#listeners.clear();
  }

  /** Merges `patch` into the snapshot; notifies listeners only when a field changed identity. */
  protected update(patch: Partial<S>): void {
    const prev = this.#snapshot;
    let changed = false;
    for (const key of Object.keys(patch) as (keyof S)[]) {
      if (patch[key] !== prev[key]) {
        changed = true;
        break;
      }
    }
    if (!changed) return;
    this.#snapshot = Object.freeze({ ...prev, ...patch });
    for (const listener of [...this.#listeners]) listener();
  }
}
