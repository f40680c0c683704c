import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { AuthError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";
import { Outbox } from "../session/outbox.js";
import type { Transport } from "../session/transport.js";
import type { HttpHost } from "./http-host.js";
import { SSE_PING, SSE_RETRY, sseErrorBlock, sseFrameEncoder } from "./sse-frames.js";

const MAX_TIMEOUT = 2 ** 31 - 1;
/** Characters gathered in one cork before they are flushed anyway, so a long burst keeps moving. */
const MAX_CORKED_CHARS = 64 * 1024;

/**
 * One Server-Sent Events response following one run. It reuses the WebSocket's Outbox over a
 * Transport backed by the response, so a slow reader follows a cursor into the run's buffer
 * exactly like a slow socket. The response ends after the run's terminal event, or with an
 * `event: error` block when the reader falls too far behind, the buffer lost what it needs,
 * the credentials expire, or the server shuts down. Closing it never stops the run.
 */
export class SseStream {
  private readonly outbox: Outbox;
  private heartbeat: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly host: HttpHost,
    readonly principal: Principal,
    private readonly onClosed: (stream: SseStream) => void,
    /** Identifies the stream in connection accounting and logs. */
    readonly id: string = randomUUID(),
  ) {
    // Events sent in one turn of the event loop leave in one writev (as on the WebSocket): the
    // first write corks the response, a nextTick uncorks it once the turn's burst is written.
    let corked = false;
    let corkedChars = 0;
    let before = 0;
    const uncork = () => {
      if (!corked) return;
      corked = false;
      res.uncork();
    };
    const transport: Transport = {
      send: (text) => {
        if (!corked) {
          before = res.writableLength;
          corked = true;
          corkedChars = 0;
          res.cork();
          process.nextTick(uncork);
        }
        res.write(text);
        corkedChars += text.length;
        if (corkedChars > MAX_CORKED_CHARS) uncork();
      },
      close: (_code, reason) => this.fail("closed", reason),
      // Corked bytes are not a slow reader: report what was buffered before the cork.
      get bufferedAmount() {
        return corked ? before : res.writableLength;
      },
      get isOpen() {
        return !res.destroyed && !res.writableEnded;
      },
      // SSE has no read receipts: behind means the response holds more than its high-water
      // mark because the kernel's buffer is full (a write returned false), caught up that it
      // drained. (Not writableLength > 0: node's http corks the socket for every chunk until
      // the next tick, so within a turn that is always true.)
      get behind() {
        return res.writableNeedDrain;
      },
      onCaughtUp: (cb) => onceDrained(res, cb),
      onDrain: (cb) => onceDrained(res, cb),
    };
    this.outbox = new Outbox(
      transport,
      {
        highWaterBytes: host.limits.outboundHighWaterBytes,
        maxQueuedBytes: host.limits.maxOutboundQueueBytes,
      },
      () => {
        host.logger.warn({ stream: this.id, principal: principal.id }, "slow SSE reader: ending stream");
        host.metrics?.slowConsumerClose();
        this.fail("slow_consumer", "Client too slow; reconnect with Last-Event-ID to resume");
      },
      (_runId, after) =>
        this.fail(
          "resume_unavailable",
          `Events after seq ${after} are no longer buffered; reload the thread history instead`,
        ),
      {
        encoder: sseFrameEncoder,
        onFinished: () => this.end(),
        ...(host.metrics ? { tallies: host.metrics.tallies } : {}),
        // A stream that closes mid-run may mean nobody will come back (AG-UI's abortRun()).
        onLeft: (run) => host.core.left(run, "http"),
        ...(host.replay ? { replay: { scheduler: host.replay, key: () => principal.id } } : {}),
      },
    );
    res.on("close", () => this.cleanup());
  }

  /** Merges deltas that arrive within `ms` of each other (see Outbox); 0 sends each as it comes. */
  setMergeWindow(ms: number): void {
    this.outbox.setMergeWindow(ms);
  }

  /** Sends the SSE headers, `prelude` (if any), the run's events after seq `after`, then live ones. */
  start(run: Run, after: number, prelude?: string): void {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-store, no-transform",
      connection: "keep-alive",
      // nginx and some CDNs buffer responses unless told not to.
      "x-accel-buffering": "no",
      "x-backchannel-run-id": run.id,
    });
    this.res.socket?.setNoDelay(true);
    // EventSource waits 3 s by default before reconnecting; resuming is cheap, so ask for 1 s.
    this.res.write(SSE_RETRY);
    if (prelude) this.res.write(prelude);
    this.heartbeat = setInterval(() => {
      if (this.res.writableLength === 0) this.res.write(SSE_PING);
    }, this.host.heartbeatMs);
    this.heartbeat.unref();
    const expiresAt = this.principal.expiresAt;
    if (expiresAt !== undefined) {
      this.expiry = setTimeout(
        () => {
          const refused = this.host.authenticator.refuse(
            {
              transport: "sse",
              credential: "header",
              remote: this.res.socket?.remoteAddress,
              principal: this.principal.id,
            },
            new AuthError("Token expired; resume with a fresh token", { reason: "expired" }),
          );
          this.fail("auth_failed", refused.message);
        },
        Math.min(MAX_TIMEOUT, Math.max(0, expiresAt - Date.now())),
      );
      this.expiry.unref();
    }
    this.outbox.follow(run, after);
  }

  /** Ends the stream with a stream-level `event: error` block. */
  fail(code: string, message: string): void {
    if (this.done) return;
    if (!this.res.destroyed && !this.res.writableEnded) this.res.write(sseErrorBlock(code, message));
    this.end();
  }

  /** Ends the response (the run goes on). */
  end(): void {
    if (this.done) return;
    if (!this.res.writableEnded) this.res.end();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
    this.outbox.clear();
    this.onClosed(this);
  }
}

/** Calls `cb` once `res` has flushed its buffer (drain event, polled as a fallback). */
function onceDrained(res: ServerResponse, cb: () => void): void {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    res.off("drain", fire);
    res.off("close", fire);
    clearInterval(poll);
    cb();
  };
  res.once("drain", fire);
  res.once("close", fire);
  const poll = setInterval(() => {
    if (res.writableLength === 0 || res.destroyed) fire();
  }, 25);
  poll.unref();
}
