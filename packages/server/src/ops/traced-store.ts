/**
 * Store writes as spans: wraps a ThreadStore so each write (thread claim, run save, deletes)
 * runs inside a `backchannel.store <method>` span. With no OpenTelemetry SDK installed the
 * spans are no-ops. Reads are left alone: they are many, cheap, and show up under the
 * request that made them.
 * @module
 */
import type { ThreadStore } from "../store/thread-store.js";
import { inSpan } from "./tracing.js";

const WRITES = new Set<string>(["claimThread", "saveRun", "deleteThread", "deleteIdleThreads"]);

/** `store` with a span around every write. */
export function traceStoreWrites(store: ThreadStore): ThreadStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string" || !WRITES.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) =>
        inSpan(`backchannel.store ${prop}`, { "db.system": target.kind, "db.operation": prop }, () =>
          Promise.resolve(value.apply(target, args)),
        );
    },
  });
}
