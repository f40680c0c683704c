import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { createRunRateLimiter, type RunRateLimiter } from "../limits/run-rate-limit.js";

/**
 * The run rate limiter shared by every node through Redis (same budget wherever a client
 * connects). While Redis is unreachable each node falls back to its own in-memory budget
 * rather than refusing every run.
 */
export function createSharedRunRateLimiter(
  redis: Redis,
  prefix: string,
  perSecond: number,
  burst: number,
): RunRateLimiter {
  return createRunRateLimiter(
    perSecond,
    burst,
    (o) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}${o.keyPrefix}`,
        points: o.points,
        duration: o.duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(o),
      }),
  );
}
