import { randomUUID } from "node:crypto";
import type { RunAgentInput } from "@ag-ui/core";
import {
  type AuthFrame,
  type CancelFrame,
  type ClientFrame,
  CloseCode,
  ErrorCode,
  type ErrorFrame,
  PROTOCOL_DEFAULTS,
  type ReadyFrame,
  type ResumeFrame,
  type RunFrame,
} from "@backchannel/protocol";
import { parseClientFrame } from "@backchannel/protocol/validate";
import type { AuthAttempt } from "../auth/authenticator.js";
import type { CredentialSource } from "../auth/credentials.js";
import { InFlight } from "../core/in-flight.js";
import type { Refusal } from "../core/outcome.js";
import { AuthError, BackchannelServerError } from "../errors.js";
import { FrameRate } from "../limits/frame-rate.js";
import type { Logger } from "../logger.js";
import { type Principal, samePrincipal } from "../principal.js";
import type { Run } from "../runs/run.js";
import { Outbox } from "./outbox.js";
import type { SessionHost } from "./session-host.js";
import { SessionThreadFollower } from "./thread-follower.js";
import type { Transport } from "./transport.js";

const MAX_PENDING_BEFORE_AUTH = 32;
const MAX_TIMEOUT = 2 ** 31 - 1;

/**
 * One WebSocket connection: authentication, frame validation, limits, and the runs it
 * started or resumed. A session never owns a run: when it closes, its runs keep going and
 * another session may resume them.
 */
export class Session {
  readonly id = randomUUID();
  principal: Principal | undefined;
  lastSeen = Date.now();
  private closed = false;
  private cleanedUp = false;
  private authenticating = false;
  private pending: string[] = [];
  private readonly outbox: Outbox;
  private readonly frameRate: FrameRate;
  /** The much smaller frame budget of a socket that has not authenticated yet. */
  private readonly preAuthRate: FrameRate;
  /** Runs this socket started and that are still running (`limits.maxRunsPerConnection`). */
  private readonly inFlight: InFlight;
  /** Threads this socket follows (`join`). */
  private readonly threads: SessionThreadFollower;
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private admitted = false;
  private readonly logger: Logger;

  constructor(
    private readonly transport: Transport,
    private readonly host: SessionHost,
    private readonly remote: {
      address?: string;
      onClosed?: (s: Session) => void;
      /** The session authenticated (before its `ready` frame is sent). */
      onReady?: (s: Session) => void;
    } = {},
  ) {
    this.logger = host.logger.child({ sessionId: this.id });
    this.frameRate = new FrameRate(host.limits.framesPerSecond);
    this.preAuthRate = new FrameRate(host.limits.preAuthFramesPerSecond);
    this.inFlight = new InFlight(host.limits.maxRunsPerConnection);
    this.outbox = new Outbox(
      transport,
      {
        highWaterBytes: host.limits.outboundHighWaterBytes,
        maxQueuedBytes: host.limits.maxOutboundQueueBytes,
      },
      () => {
        this.logger.warn({ maxLagBytes: host.limits.maxOutboundQueueBytes }, "slow consumer: closing");
        host.metrics?.slowConsumerClose();
        this.close(CloseCode.SlowConsumer, "Client too slow; reconnect and resume");
      },
      (runId, after) => this.unavailable(runId, after),
      // Only when the deployment opts in (abandonedRuns.webSocket): a dropped socket never cancels.
      {
        onLeft: (run) => host.core.left(run, "websocket"),
        ...(host.metrics ? { tallies: host.metrics.tallies } : {}),
        // Replays take turns by principal, so one user's resume storm cannot starve the others.
        ...(host.replay ? { replay: { scheduler: host.replay, key: () => this.principal?.id ?? "" } } : {}),
      },
    );
    this.threads = new SessionThreadFollower(host, {
      principal: () => this.principal,
      closed: () => this.closed,
      sendControl: (frame) => this.sendControl(frame),
      sendError: (e) => this.sendError(e),
      follow: (run, after) => this.follow(run, after),
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Starts the session with the credential found on the upgrade request (if any), an
   * already-verified principal, or waits for an `auth` frame.
   */
  start(credential?: { token: string; source: CredentialSource }, principal?: Principal): void {
    if (principal) return this.becomeReady(principal);
    if (!credential && this.host.authenticator.anonymous)
      return this.becomeReady(this.host.authenticator.unauthenticated(this.attempt("none")));
    // Until authenticated: small frames only, and one deadline for the whole of it (an auth
    // frame that never comes, or a verification that never ends).
    this.transport.limitInbound?.(this.host.limits.maxPreAuthFrameBytes);
    const ms = this.host.authenticator.authTimeoutMs;
    this.authTimer = setTimeout(() => {
      const refused = this.host.authenticator.refuse(
        this.attempt(credential?.source ?? "none"),
        new AuthError(
          credential
            ? `Authentication did not complete within ${ms} ms; retry`
            : `Invalid or missing API key: no credentials within ${ms} ms`,
          { reason: "auth_timeout" },
        ),
      );
      this.close(CloseCode.PolicyViolation, refused.message);
    }, ms);
    if (credential) this.authenticate(credential.token, credential.source).catch((err) => this.fail(err));
  }

  /** Handles one inbound message. `isBinary` frames are refused (the protocol is JSON text). */
  onMessage(data: Buffer | string, isBinary: boolean): void {
    if (this.closed) return;
    this.lastSeen = Date.now();
    const size = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    if (size > this.host.limits.maxFrameBytes) {
      return this.close(CloseCode.FrameTooLarge, `Frame exceeds ${this.host.limits.maxFrameBytes} bytes`);
    }
    if (isBinary)
      return this.close(CloseCode.InvalidFrame, "Binary frames are not supported; send JSON text");
    if (!this.principal) {
      // Before authentication a socket costs us as little as possible: a few small frames.
      const max = this.host.limits.maxPreAuthFrameBytes;
      if (size > max) {
        return this.close(
          CloseCode.FrameTooLarge,
          `Frames before authentication are limited to ${max} bytes`,
        );
      }
      if (this.preAuthRate.hit(this.lastSeen) !== "ok") {
        return this.close(
          CloseCode.PolicyViolation,
          "Too many frames before authentication; send one auth frame",
        );
      }
    }
    const rate = this.frameRate.hit(this.lastSeen);
    if (rate !== "ok") {
      if (rate !== "drop") this.refuseOverRate(data, rate === "warn");
      return;
    }
    const text = typeof data === "string" ? data : data.toString("utf8");
    if (this.authenticating) {
      if (this.pending.length >= MAX_PENDING_BEFORE_AUTH) {
        return this.close(CloseCode.PolicyViolation, "Too many frames before authentication completed");
      }
      this.pending.push(text);
      return;
    }
    this.handleText(text);
  }

  /**
   * A frame over the per-connection frame budget is dropped. The client is told, carrying the
   * frame's `id`/`runId` when it has them, so a dropped run/resume/cancel can be retried.
   */
  private refuseOverRate(data: Buffer | string, always: boolean): void {
    let ids: { id?: string; runId?: string } = {};
    try {
      const f = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
      const runId = f?.runId ?? f?.input?.runId;
      if (typeof f?.id === "string" && f.id.length <= 256) ids.id = f.id;
      if (typeof runId === "string" && runId.length <= 256) ids.runId = runId;
    } catch {
      ids = {};
    }
    if (!always && ids.id === undefined && ids.runId === undefined) return;
    this.sendError({
      code: ErrorCode.RateLimited,
      message: `More than ${this.host.limits.framesPerSecond} frames per second; this frame was dropped, send it again later`,
      retryAfterMs: this.frameRate.retryAfter(this.lastSeen),
      ...ids,
    });
  }

  /** The socket closed (either side). Runs keep going; this session stops receiving them. */
  onClose(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.outbox.clear();
    this.threads.close();
    this.pending = [];
    if (this.admitted && this.principal) {
      this.admitted = false;
      this.host.release(this.principal, this.id);
    }
    this.remote.onClosed?.(this);
  }

  /** An unexpected failure while handling this socket: log it and close with 1011. */
  fail(err: unknown): void {
    this.logger.error({ err }, "session failed");
    this.close(CloseCode.InternalError, "Internal server error; reconnect and resume");
  }

  /** Closes the socket with `code`; the close handshake then calls `onClose`. */
  close(code: number, reason: string): void {
    if (!this.closed) {
      this.closed = true;
      this.transport.close(code, reason.slice(0, 120));
    }
    this.onClose();
  }

  private handleText(text: string): void {
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      if (parsed.fatal) return this.close(CloseCode.InvalidFrame, parsed.message);
      return this.sendError({ code: ErrorCode.BadRequest, message: parsed.message, id: parsed.id });
    }
    const frame = parsed.frame;
    if (!this.principal && frame.type !== "auth" && frame.type !== "ping" && frame.type !== "pong") {
      return this.close(CloseCode.PolicyViolation, `Authenticate before sending '${frame.type}'`);
    }
    this.dispatch(frame).catch((err) => {
      // A typed error (e.g. `unavailable` when Redis is down) keeps its code; anything else is internal.
      const typed = err instanceof BackchannelServerError;
      if (!typed) this.logger.error({ err }, "frame handler failed");
      const f = frame as { id?: string; runId?: string; input?: { runId?: string } };
      const runId = f.runId ?? f.input?.runId;
      this.sendError({
        code: typed ? err.code : ErrorCode.Internal,
        message: typed ? err.message : "Internal error handling this frame; retry",
        ...(f.id !== undefined ? { id: f.id } : {}),
        ...(runId !== undefined ? { runId } : {}),
      });
    });
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case "ping":
        return this.sendControl({ type: "pong", ...(frame.ts !== undefined ? { ts: frame.ts } : {}) });
      case "pong":
        return;
      case "auth":
        return this.onAuthFrame(frame);
      case "options":
        if (frame.mergeMs !== undefined) this.outbox.setMergeWindow(frame.mergeMs);
        return;
      case "run":
        return this.onRun(frame);
      case "resume":
        return this.onResume(frame);
      case "cancel":
        return this.onCancel(frame);
      case "join":
        return this.threads.join(frame);
      case "leave":
        return this.threads.leave(frame.threadId);
    }
  }

  private async onAuthFrame(frame: AuthFrame): Promise<void> {
    if (!this.principal) return this.authenticate(frame.token, "frame");
    // Refreshing credentials on a live socket: must stay the same principal.
    try {
      const next = await this.host.authenticator.verify(frame.token, this.attempt("frame"));
      // Neither the kind nor the id may change: a refresh that turned a user socket into the
      // API key's principal (or back) would hand it another principal's runs and expiry.
      if (!samePrincipal(next, this.principal)) {
        const refused = this.host.authenticator.refuse(
          this.attempt("frame"),
          new AuthError("Token belongs to a different principal; reconnect to switch users", {
            reason: "principal_changed",
          }),
        );
        return this.sendError({ code: ErrorCode.AuthFailed, message: refused.message });
      }
      this.principal = next;
      this.armExpiry(next);
      this.sendControl({ type: "auth_ok", ...(next.expiresAt ? { expiresAt: next.expiresAt } : {}) });
    } catch (err) {
      // Reported by the authenticator; a verifier's own crash is not the client's business.
      if (!(err instanceof AuthError)) this.logger.error({ err, source: "frame" }, "verifier threw");
      const message = err instanceof AuthError ? err.message : "Authentication failed";
      this.sendError({ code: ErrorCode.AuthFailed, message });
    }
  }

  private async authenticate(token: string, source: CredentialSource): Promise<void> {
    this.authenticating = true;
    let principal: Principal;
    try {
      principal = await this.host.authenticator.verify(token, this.attempt(source));
    } catch (err) {
      // Reported (at warn, rate-limited) by the authenticator.
      const reason = err instanceof AuthError ? err.message : "Authentication failed";
      if (!(err instanceof AuthError)) this.logger.error({ err, source }, "verifier threw");
      return this.close(CloseCode.PolicyViolation, reason);
    } finally {
      this.authenticating = false;
    }
    if (this.closed) return;
    this.becomeReady(principal, source);
    const queued = this.pending;
    this.pending = [];
    for (const text of queued) if (!this.closed) this.handleText(text);
  }

  private becomeReady(principal: Principal, source?: CredentialSource): void {
    clearTimeout(this.authTimer);
    const refusal = this.host.admit(principal, this.id);
    if (refusal) {
      this.logger.warn({ principal: principal.id, reason: refusal }, "connection refused");
      return this.close(CloseCode.Overloaded, refusal);
    }
    this.admitted = true;
    this.principal = principal;
    this.transport.limitInbound?.(this.host.limits.maxFrameBytes);
    this.remote.onReady?.(this);
    this.armExpiry(principal);
    this.logger.info({ principal: principal.id, kind: principal.kind, source }, "session ready");
    const ready: ReadyFrame = {
      type: "ready",
      protocol: "backchannel.v1",
      sessionId: this.id,
      agents: this.host.agentInfos(),
      principal: { id: principal.id, kind: principal.kind },
      heartbeatMs: this.host.heartbeatMs,
      idleTimeoutMs: this.host.idleTimeoutMs,
      maxFrameBytes: this.host.limits.maxFrameBytes ?? PROTOCOL_DEFAULTS.maxFrameBytes,
      resumeRetentionMs: this.host.resumeRetentionMs,
      maxMergeMs: PROTOCOL_DEFAULTS.maxMergeMs,
      ...(principal.expiresAt ? { expiresAt: principal.expiresAt } : {}),
    };
    this.sendControl(ready);
  }

  private armExpiry(principal: Principal): void {
    clearTimeout(this.expiryTimer);
    if (!principal.expiresAt) return;
    const ms = Math.min(MAX_TIMEOUT, Math.max(0, principal.expiresAt - Date.now()));
    this.expiryTimer = setTimeout(() => {
      const refused = this.host.authenticator.refuse(
        { ...this.attempt("none"), principal: principal.id },
        new AuthError("Token expired; reconnect with a fresh token", { reason: "expired" }),
      );
      this.close(CloseCode.PolicyViolation, refused.message);
    }, ms);
  }

  /** Where a credential of this socket is checked, for the auth failure log. */
  private attempt(credential: CredentialSource | "none"): AuthAttempt {
    return {
      transport: "websocket",
      credential,
      remote: this.remote.address,
      ...(this.principal ? { principal: this.principal.id } : {}),
    };
  }

  private async onRun(frame: RunFrame): Promise<void> {
    const input = frame.input as RunAgentInput;
    const trace =
      frame.traceparent === undefined
        ? undefined
        : { traceparent: frame.traceparent, ...(frame.tracestate ? { tracestate: frame.tracestate } : {}) };
    const started = await this.host.core.start(
      this.principal!,
      { agent: frame.agent, input, ...(trace ? { trace } : {}) },
      { inFlight: this.inFlight, gone: () => this.closed },
    );
    if (!started.ok) {
      if (started.code !== "gone") this.refuse(started, frame.id, input.runId);
      return;
    }
    this.threads.own(started.run);
    // A retry is answered like a resume from the start (with the frame's id); a new run streams from 0.
    this.follow(started.run, started.after, started.retry ? frame.id : undefined);
  }

  private async onResume(frame: ResumeFrame): Promise<void> {
    const resumed = await this.host.core.resume(this.principal!, frame.runId, frame.after);
    if (!resumed.ok) return this.refuse(resumed, frame.id, frame.runId);
    this.threads.own(resumed.run);
    this.follow(resumed.run, resumed.after, frame.id);
  }

  private follow(run: Run, after: number, id?: string): void {
    this.outbox.unfollow(run.id);
    if (!run.canReplayFrom(after)) return this.unavailable(run.id, after, id);
    this.outbox.follow(run, after);
  }

  private unavailable(runId: string, after: number, id?: string): void {
    this.sendError({
      code: ErrorCode.ResumeUnavailable,
      message: `Events after seq ${after} are no longer buffered; reload the thread history instead`,
      id,
      runId,
    });
  }

  private async onCancel(frame: CancelFrame): Promise<void> {
    const cancelled = await this.host.core.cancel(this.principal!, frame.runId, "websocket");
    if (!cancelled.ok) this.refuse(cancelled, frame.id, frame.runId);
  }

  /** A run core refusal as an `error` frame naming the frame it answers. */
  private refuse(r: Refusal, id: string | undefined, runId: string | undefined): void {
    this.sendError({
      code: r.code,
      message: r.message,
      ...(id !== undefined ? { id } : {}),
      ...(runId !== undefined ? { runId } : {}),
      ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
    });
  }

  private sendError(e: Omit<ErrorFrame, "type">): void {
    const frame: ErrorFrame = { type: "error", code: e.code, message: e.message };
    if (e.id !== undefined) frame.id = e.id;
    if (e.runId !== undefined) frame.runId = e.runId;
    if (e.retryAfterMs !== undefined) frame.retryAfterMs = e.retryAfterMs;
    this.sendControl(frame);
  }

  private sendControl(frame: object): void {
    if (!this.closed) this.outbox.sendControl(JSON.stringify(frame));
  }
}
