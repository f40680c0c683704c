import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRes,
} from "rate-limiter-flexible";

/** The verdict for one attempt to start a run. */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** Rate limit on starting runs, keyed by principal id. Swappable (e.g. a Redis-backed one shared by nodes). */
export interface RunRateLimiter {
  take(key: string): Promise<RateDecision>;
}

/**
 * A token-bucket-like limiter from rate-limiter-flexible: `perSecond` sustained, with bursts
 * up to `burst`. Pass other `rate-limiter-flexible` limiters (e.g. RateLimiterRedis) to share
 * the budget across nodes.
 */
export function createRunRateLimiter(
  perSecond: number,
  burst: number,
  make: (opts: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract = (o) =>
    new RateLimiterMemory(o),
): RunRateLimiter {
  const steady = make({ keyPrefix: "bc_run", points: Math.max(1, Math.round(perSecond)), duration: 1 });
  const burstWindow = Math.max(1, Math.ceil(burst / Math.max(perSecond, 0.001)));
  const bursty = make({ keyPrefix: "bc_run_burst", points: Math.max(1, burst), duration: burstWindow });
  const limiter = new BurstyRateLimiter(steady, bursty);
  return {
    async take(key) {
      try {
        await limiter.consume(key);
        return { ok: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(1, err.msBeforeNext) };
        throw err;
      }
    },
  };
}
