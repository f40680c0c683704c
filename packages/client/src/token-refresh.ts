/**
 * When to refresh a token that expires. Refreshing over the live socket (an `auth` frame)
 * keeps runs streaming; waiting for the server's 1008 at expiry would cost a reconnect.
 * @module
 */

/** Options of `scheduleTokenRefresh`. */
export interface TokenRefreshOptions {
  /** When the current credentials expire, in ms since epoch (server clock). */
  expiresAt: number;
  /** Refresh this long before expiry; with less time left, refresh halfway to expiry. */
  leadMs: number;
  /** Longest delay a timer can hold (setTimeout overflows past 2^31-1 ms). */
  maxDelayMs: number;
  refresh(): void | Promise<void>;
}

/** The delay before refreshing, given the time left until expiry. */
export function refreshDelay(remainingMs: number, leadMs: number): number {
  if (remainingMs <= 0) return 0;
  return remainingMs > leadMs * 2 ? remainingMs - leadMs : Math.floor(remainingMs / 2);
}

/** Schedules one refresh; returns a function that cancels it. */
export function scheduleTokenRefresh(options: TokenRefreshOptions): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const delay = refreshDelay(options.expiresAt - Date.now(), options.leadMs);
    if (delay > options.maxDelayMs) {
      // Far-future expiry: check again later rather than overflow the timer.
      timer = setTimeout(arm, options.maxDelayMs);
      return;
    }
    timer = setTimeout(() => void options.refresh(), delay);
  };
  arm();
  return () => clearTimeout(timer);
}
