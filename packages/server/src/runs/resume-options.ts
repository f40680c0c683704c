/** The `resume` option (how much of each run is kept) and its defaults. @module */

/** How much of each run is kept for `resume`. */
export interface ResumeOptions {
  /** Events kept per run (oldest dropped first). @default 10000 */
  maxEvents?: number;
  /** Serialized event bytes kept per run. @default 8388608 */
  maxBytes?: number;
  /** Age past which buffered events of a running run are dropped, in ms. @default 600000 */
  maxAgeMs?: number;
  /** How long a finished run stays resumable, in ms. @default 300000 */
  retentionMs?: number;
  /** Finished runs kept in memory at most (oldest evicted first). @default 10000 */
  maxRetainedRuns?: number;
  /**
   * Serialized event bytes all finished runs may hold together, as their resume buffers count
   * them; past it the oldest finished runs are evicted first (their events are then gone for
   * resume; their conversations are stored). @default 268435456 (256 MiB)
   */
  maxRetainedBytes?: number;
}

/** Resume defaults (also `DEFAULTS.resume`). */
export const RESUME_DEFAULTS = {
  maxEvents: 10_000,
  maxBytes: 8 * 1024 * 1024,
  maxAgeMs: 600_000,
  retentionMs: 300_000,
  maxRetainedRuns: 10_000,
  maxRetainedBytes: 256 * 1024 * 1024,
} as const;

export type ResolvedResume = Required<ResumeOptions>;
