/**
 * Group commit for a synchronous embedded database: writes requested in the same turn of
 * the event loop run in one transaction at the end of that turn (`setImmediate`), at most
 * `maxBatch` per turn, so a thousand runs ending together never hold the event loop for the
 * whole of their writes (tokens of other runs go out between the groups).
 *
 * Why: with SQLite in WAL mode most of a small write's cost is its commit (WAL frames and
 * a `write` system call per transaction). When a thousand runs start at once, claiming
 * their threads one commit at a time blocked the event loop for ~70 µs each; in one
 * transaction the same claims cost a few µs each.
 * @module
 */

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Runs its argument inside one transaction (e.g. better-sqlite3's `db.transaction(fn)`). */
export type RunInTransaction = (body: () => void) => void;

/** Queues writes and commits them together; see `createWriteBatch`. */
export interface WriteBatch {
  /**
   * Runs `work` in the next group transaction and resolves with its result. `work` is a
   * nested transaction (a savepoint) of its own, so one failing write rolls back alone and
   * rejects alone; if the group's commit itself fails, every write of the group rejects.
   */
  run<T>(work: () => T): Promise<T>;
  /** Commits queued writes now (before a read, or before closing), so program order holds. */
  flush(): void;
  /** Writes queued and not yet committed. */
  readonly pending: number;
}

/**
 * Creates a write batch over `transaction`, which must run a body in one transaction;
 * `savepoint(work)` runs one write inside it so a failure rolls back only that write.
 * @param maxBatch most writes per transaction and per turn of the event loop. @default 64
 */
export function createWriteBatch(
  transaction: RunInTransaction,
  savepoint: <T>(work: () => T) => T,
  maxBatch = 64,
): WriteBatch {
  let queue: Job[] = [];
  let scheduled = false;

  /** Commits the oldest `maxBatch` queued writes in one transaction. */
  const commitGroup = (): void => {
    const jobs = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
    if (jobs === queue) queue = [];
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      transaction(() => {
        for (const job of jobs) {
          try {
            results.push({ ok: true, value: savepoint(job.work) });
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    jobs.forEach((job, i) => {
      const r = results[i]!;
      if (r.ok) job.resolve(r.value);
      else job.reject(r.value);
    });
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (queue.length) commitGroup();
      if (queue.length) schedule();
    });
  };

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
        schedule();
      });
    },
    flush() {
      while (queue.length) commitGroup();
    },
    get pending() {
      return queue.length;
    },
  };
}
