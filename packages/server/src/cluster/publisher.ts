/**
 * Writes a locally executing run's events to its Redis stream in batches, then hands them to
 * the run's local mirror: every client, here or on another node, only ever sees events that
 * are in Redis, so moving to another node mid-run loses and repeats nothing.
 * @module
 */

import type { Logger } from "pino";
import { inSpan } from "../ops/tracing.js";
import type { SequencedEvent } from "../runs/resume-buffer.js";
import type { Run, RunSubscriber } from "../runs/run.js";
import type { ClusterKeys } from "./cluster-options.js";
import type { MirrorRun } from "./mirror-run.js";
import type { ScriptedRedis } from "./scripts.js";

/** What a publisher needs from its cluster. */
export interface PublisherContext {
  readonly redis: ScriptedRedis;
  readonly keys: ClusterKeys;
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly retentionMs: number;
  readonly maxBatchEvents: number;
  readonly logger: Logger;
}

/** The message every client sees when a run's node stops answering. */
export const NODE_LOST_MESSAGE = "The server running this run stopped responding; start the run again";

const RETRY_MS = [50, 100, 250, 500, 1000];

/** Serializes the events of a batch as one JSON array, reusing each frame's event text. */
function batchData(items: SequencedEvent[]): string {
  const parts = items.map((item) => {
    // The frame is `{"type":"event","runId":…,"seq":…,"event":<event>}`; quotes inside the
    // runId string are escaped, so the first `,"event":` is the key.
    const at = item.frame.indexOf(',"event":');
    return item.frame.slice(at + 9, -1);
  });
  return `[${parts.join(",")}]`;
}

/**
 * Subscribes to the executing (`source`) run. One append is in flight at a time; events
 * arriving meanwhile form the next batch, so batches grow with load and latency stays at one
 * Redis round trip when idle.
 */
export class RunPublisher implements RunSubscriber {
  /** Resolves once the terminal event is written (or the run was ended locally). */
  readonly done: Promise<void>;
  private pending: SequencedEvent[] = [];
  private flushing = false;
  private scheduled = false;
  private detached = false;
  private failingSince = 0;
  private attempt = 0;
  private resolveDone!: () => void;

  constructor(
    private readonly ctx: PublisherContext,
    readonly source: Run,
    readonly mirror: MirrorRun,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    source.subscribe(this);
  }

  deliver(item: SequencedEvent): void {
    if (this.detached) return;
    this.pending.push(item);
    this.schedule();
  }

  /**
   * Stops writing to Redis and ends the mirror here with RUN_ERROR right after the events
   * already written (the same seq the reaper gives it in the stream), then stops the agent.
   */
  detach(message: string, code: string): void {
    if (this.detached) return;
    this.detached = true;
    this.pending = [];
    this.source.unsubscribe(this);
    this.mirror.endLocally(message, code);
    // The agent stops; its own terminal event goes nowhere.
    this.source.fail(message, code);
    this.resolveDone();
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.detached || this.pending.length === 0) return;
    this.flushing = true;
    const batch = this.pending.splice(0, this.ctx.maxBatchEvents);
    const last = batch.at(-1)!;
    const terminal = last.event.type === "RUN_FINISHED" || last.event.type === "RUN_ERROR";
    const runId = this.source.id;
    const k = this.ctx.keys;
    let ok: unknown;
    try {
      ok = await inSpan(
        "backchannel.redis append_events",
        { "db.system": "redis", "backchannel.run_id": runId, "backchannel.events": batch.length },
        () =>
          this.ctx.redis.bcAppendEvents(
            k.lease(runId),
            k.events(runId),
            k.meta(runId),
            k.active,
            k.threadRuns(this.source.threadId),
            this.ctx.nodeId,
            batch[0]!.seq,
            last.seq,
            batchData(batch),
            terminal ? this.source.status : "",
            runId,
            this.ctx.retentionMs,
            Math.max(this.ctx.retentionMs, this.ctx.leaseMs * 3),
          ),
      );
    } catch (err) {
      this.flushing = false;
      if (this.detached) return;
      this.pending = batch.concat(this.pending);
      this.failingSince ||= Date.now();
      if (Date.now() - this.failingSince > this.ctx.leaseMs) {
        this.ctx.logger.error({ err, runId }, "cannot write run events to Redis; ending the run");
        return this.detach("Lost contact with Redis; start the run again", "redis_unavailable");
      }
      const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]!;
      setTimeout(() => void this.flush(), delay).unref();
      return;
    }
    this.flushing = false;
    this.failingSince = 0;
    this.attempt = 0;
    if (this.detached) return;
    if (ok !== 1) {
      // Another node declared us dead and ended the run in the stream; follow its verdict.
      this.ctx.logger.warn({ runId }, "run lease lost; ending the run");
      return this.detach(NODE_LOST_MESSAGE, "node_lost");
    }
    for (const item of batch) this.mirror.emit(item.event);
    if (terminal) {
      this.detached = true;
      this.resolveDone();
      return;
    }
    if (this.pending.length) this.schedule();
  }
}
