import type { Logger } from "../logger.js";
import type { Run } from "./run.js";

/** The transports a client can follow a run over. */
export type FollowTransport = "http" | "websocket";

/** Options of the abandoned-run rule (`abandonedRuns` in the runtime options). */
export interface AbandonedRunOptions {
  /**
   * How long a running run may go unfollowed, after the last client stream following it closed,
   * before it is cancelled; 0 turns the rule off. A resume (`GET /runs/:id/events`, a retried
   * POST, a WebSocket `resume`) within this time keeps it going. @default 10000
   */
  graceMs?: number;
  /**
   * Apply the rule to WebSocket drops too. Off by default: a dropped socket never cancels (the
   * client reconnects and resumes, however long that takes within resume retention). @default false
   */
  webSocket?: boolean;
}

/** Defaults of {@link AbandonedRunOptions}. */
export const ABANDONED_RUN_DEFAULTS = { graceMs: 10_000, webSocket: false } as const;

/**
 * Cancels runs nobody follows any more. When the last client stream of a running run closes
 * (an AG-UI `HttpAgent.abortRun()`, a closed tab, a proxy timeout), a timer starts; if the run
 * still has no follower when it fires, the run is cancelled like `POST /runs/:id/cancel`, so an
 * abandoned run stops spending model tokens. Applies to HTTP/SSE streams, and to WebSockets when
 * `webSocket` is set. A run with any subscriber (another stream, a socket, a cluster mirror) is
 * left alone: in a cluster the rule therefore never fires (the run's publisher follows it).
 */
export class AbandonedRuns {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly graceMs: number;
  private readonly webSocket: boolean;

  constructor(
    options: AbandonedRunOptions | undefined,
    private readonly logger: Logger,
  ) {
    this.graceMs = Math.max(0, options?.graceMs ?? ABANDONED_RUN_DEFAULTS.graceMs);
    this.webSocket = options?.webSocket ?? ABANDONED_RUN_DEFAULTS.webSocket;
  }

  /** A client stream following `run` over `transport` went away. */
  left(run: Run, transport: FollowTransport): void {
    if (run.ended || this.graceMs === 0) return;
    if (transport === "websocket" && !this.webSocket) return;
    // The grace counts from the last stream that left.
    clearTimeout(this.timers.get(run.id));
    const timer = setTimeout(() => {
      this.timers.delete(run.id);
      if (run.ended) return;
      if (run.subscriberCount > 0) {
        this.logger.debug({ runId: run.id, transport }, "run followed again within its grace period");
        return;
      }
      this.logger.info(
        { runId: run.id, transport, graceMs: this.graceMs },
        "run cancelled: its stream closed and nobody resumed it within the grace period",
      );
      run.cancel();
    }, this.graceMs);
    timer.unref();
    this.timers.set(run.id, timer);
    void run.done.then(() => {
      if (this.timers.get(run.id) !== timer) return;
      clearTimeout(timer);
      this.timers.delete(run.id);
    });
  }

  /** Drops the pending checks (shutdown cancels runs itself). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
