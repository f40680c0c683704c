/**
 * Picks and opens the thread store from configuration: Postgres for a `postgres://` URL,
 * otherwise the embedded SQLite file under the data directory.
 * @module
 */
import { join, resolve } from "node:path";
import type { ResponseCacheStore } from "../cache/types.js";
import { ConfigError } from "../errors.js";
import type { ThreadStore } from "./thread-store.js";

/** Where threads are kept. */
export interface StoreConfig {
  /** `postgres://...` (or `postgresql://`) selects Postgres; unset selects SQLite. */
  databaseUrl?: string;
  /** Folder of the SQLite file `threads.db`; ":memory:" keeps threads in memory only. @default "./.data" */
  dataDir?: string;
  /** Postgres schema. @default "agent" */
  schema?: string;
}

/** Opens (and migrates) the store `config` describes. */
export async function createThreadStore(config: StoreConfig = {}): Promise<ThreadStore> {
  const url = config.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new ConfigError(
        "DATABASE_URL must be a postgres:// URL; leave it unset for the embedded SQLite store",
      );
    }
    const { createPostgresStore } = await import("./postgres-store.js");
    return createPostgresStore({
      connectionString: url,
      ...(config.schema ? { schema: config.schema } : {}),
    });
  }
  const { createSqliteStore } = await import("./sqlite-store.js");
  const dir = config.dataDir ?? "./.data";
  return createSqliteStore({ path: dir === ":memory:" ? ":memory:" : join(resolve(dir), "threads.db") });
}

/** Where a store lives, for logs; never includes credentials. */
export function describeStore(config: StoreConfig): string {
  if (config.databaseUrl) {
    try {
      const u = new URL(config.databaseUrl);
      return `postgres ${u.hostname}:${u.port || 5432}${u.pathname}`;
    } catch {
      return "postgres";
    }
  }
  return config.dataDir === ":memory:"
    ? "sqlite (in memory)"
    : `sqlite ${join(resolve(config.dataDir ?? "./.data"), "threads.db")}`;
}

/**
 * A store whose opening happens in the background: calls wait for it, and if opening failed
 * (database down at boot) the next call tries again, at most every `retryMs`.
 */
export function lazyThreadStore(
  open: () => Promise<ThreadStore>,
  retryMs = 2_000,
): ThreadStore & { ready(): Promise<ThreadStore> } {
  let current: Promise<ThreadStore> | undefined;
  let failedAt = 0;
  let closed = false;
  const ready = (): Promise<ThreadStore> => {
    if (closed) return Promise.reject(new Error("Thread store is closed"));
    if (!current || (failedAt && Date.now() - failedAt >= retryMs)) {
      failedAt = 0;
      current = open().catch((err) => {
        failedAt = Date.now();
        throw err;
      });
      current.catch(() => {});
    }
    return current;
  };
  const call =
    <K extends keyof ThreadStore>(name: K) =>
    async (...args: unknown[]) =>
      ((await ready())[name] as (...a: unknown[]) => unknown)(...args);
  return {
    kind: "lazy",
    ready,
    migrate: call("migrate") as ThreadStore["migrate"],
    claimThread: call("claimThread") as ThreadStore["claimThread"],
    getThread: call("getThread") as ThreadStore["getThread"],
    getOwner: call("getOwner") as ThreadStore["getOwner"],
    listThreads: call("listThreads") as ThreadStore["listThreads"],
    listRuns: call("listRuns") as ThreadStore["listRuns"],
    saveRun: call("saveRun") as ThreadStore["saveRun"],
    deleteThread: call("deleteThread") as ThreadStore["deleteThread"],
    deleteIdleThreads: call("deleteIdleThreads") as ThreadStore["deleteIdleThreads"],
    ping: call("ping") as ThreadStore["ping"],
    responseCache: () =>
      lazyCacheStore(async () => {
        const store = await ready();
        if (!store.responseCache) throw new Error(`The ${store.kind} thread store keeps no response cache`);
        return store.responseCache();
      }),
    async close() {
      closed = true;
      const store = await current?.catch(() => undefined);
      await store?.close();
    },
  };
}

/** A cache store whose database opens in the background (the thread store's, see above). */
function lazyCacheStore(open: () => Promise<ResponseCacheStore>): ResponseCacheStore {
  let current: Promise<ResponseCacheStore> | undefined;
  const get = () => {
    if (!current) {
      const opening = open();
      current = opening;
      // A failed open (database down at boot) is tried again on the next call.
      opening.catch(() => {
        if (current === opening) current = undefined;
      });
    }
    return current;
  };
  return {
    kind: "lazy",
    get: async (key, now) => (await get()).get(key, now),
    put: async (entry) => (await get()).put(entry),
    purge: async (filter) => (await get()).purge(filter),
  };
}
