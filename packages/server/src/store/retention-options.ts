/** How long idle threads are kept (the `retention` option). @module */

/** When idle threads are deleted. */
export interface RetentionOptions {
  /** Threads not updated (no run started or ended) for this long are deleted, in ms; 0 keeps them forever. @default 2592000000 (30 days) */
  threadMaxIdleMs?: number;
  /** How often the sweeper looks for idle threads, in ms. @default 3600000 (1 hour) */
  sweepIntervalMs?: number;
}

/** Retention defaults. */
export const RETENTION_DEFAULTS = { threadMaxIdleMs: 30 * 24 * 3600_000, sweepIntervalMs: 3600_000 } as const;
