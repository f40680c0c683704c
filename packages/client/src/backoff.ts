/**
 * Reconnect timing. One pure function so that the policy is testable without timers.
 * @module
 */
import type { ReconnectOptions } from "./options.js";

/**
 * The delay before reconnect attempt `attempt` (1-based): exponential growth capped at
 * `maxDelayMs`, of which a `jitter` fraction is randomised ("equal jitter"). Randomising only
 * part of the delay keeps a floor under it, so a flapping server is never hammered.
 * @param random a source of numbers in [0, 1); tests pass a fixed one.
 * @example exponentialBackoff(3, { initialDelayMs: 250, maxDelayMs: 30000, factor: 2, jitter: 0 }) // 1000
 */
export function exponentialBackoff(
  attempt: number,
  options: Pick<ReconnectOptions, "initialDelayMs" | "maxDelayMs" | "factor" | "jitter">,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** (n - 1));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}
