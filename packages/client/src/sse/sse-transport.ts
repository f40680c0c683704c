/**
 * The HTTP + Server-Sent Events transport. It carries the same `backchannel.v1` frames as the
 * WebSocket, so reconnect, token refresh, seq dedupe and resume work unchanged above it:
 * `run` → `POST <base>/agents/:name/run`, `resume` → `GET <base>/runs/:id/events` with
 * `Last-Event-ID`, `cancel` → `POST <base>/runs/:id/cancel`; the `ready` frame comes from
 * `POST <base>/connect`, and each run's SSE stream becomes `event` frames. Any broken stream
 * closes the whole transport, so the connection reconnects and every run resumes from its last seq.
 * Loaded on first use (`import()`), so clients that never use SSE never load it.
 * @module
 */
import type { ClientFrame, ErrorFrame, ReadyFrame, ServerFrame } from "@backchannel/protocol";
import { CloseCode, SUBPROTOCOL } from "@backchannel/protocol";
import { randomId } from "../ids.js";
import type { Endpoint, Transport, TransportHandlers } from "../transport.js";
import { readRunStream } from "./run-stream.js";
import { classifyHttpFailure, readErrorBody, type SseFailure } from "./sse-errors.js";

/** What the SSE transport needs besides the endpoint. */
export interface SseTransportConfig {
  fetch: typeof fetch;
  /** Called once the transport reached `ready` (`"auto"` starts probing the WebSocket then). */
  onReady?: () => void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** Opens an SSE transport to `endpoint.httpBase`, authenticating with `endpoint.httpToken`. */
export function openSseTransport(
  config: SseTransportConfig,
  endpoint: Endpoint,
  handlers: TransportHandlers,
): Transport {
  return new SseTransport(config, endpoint, handlers);
}

class SseTransport implements Transport {
  readonly kind = "sse";
  #state = CONNECTING;
  #config: SseTransportConfig;
  #base: string;
  #handlers: TransportHandlers | null;
  #token: string | undefined;
  #idleTimeoutMs = 45_000;
  /** The merge window the connection asked for (an `options` frame); 0 for none. */
  #mergeMs = 0;
  #streams = new Map<string, AbortController>();
  #requests = new Set<AbortController>();

  constructor(config: SseTransportConfig, endpoint: Endpoint, handlers: TransportHandlers) {
    this.#config = config;
    this.#base = endpoint.httpBase;
    this.#handlers = handlers;
    this.#token = endpoint.httpToken;
    // Open on a later turn, as a WebSocket does: the caller finishes wiring up first.
    queueMicrotask(() => {
      if (this.#state !== CONNECTING) return;
      this.#state = OPEN;
      this.#handlers?.onOpen();
      void this.#handshake(this.#token, false);
    });
  }

  send(frame: ClientFrame): boolean {
    if (this.#state !== OPEN) return false;
    switch (frame.type) {
      case "ping":
        // No socket to keep alive; answering keeps the connection's heartbeat logic unchanged.
        queueMicrotask(() =>
          this.#deliver(frame.ts === undefined ? { type: "pong" } : { type: "pong", ts: frame.ts }),
        );
        break;
      case "auth":
        void this.#handshake(frame.token, true);
        break;
      case "options":
        // Applies to the streams opened from now on, as `?mergeMs=` (docs/http.md).
        if (frame.mergeMs !== undefined) this.#mergeMs = frame.mergeMs;
        break;
      case "run":
        void this.#stream(frame.input.runId, frame.id, 0, `/agents/${encodeURIComponent(frame.agent)}/run`, {
          method: "POST",
          body: JSON.stringify(frame.input),
          headers: { "content-type": "application/json" },
        });
        break;
      case "resume":
        void this.#stream(
          frame.runId,
          frame.id,
          frame.after,
          `/runs/${encodeURIComponent(frame.runId)}/events`,
          {
            method: "GET",
            headers: frame.after > 0 ? { "last-event-id": String(frame.after) } : {},
          },
        );
        break;
      case "cancel":
        void this.#cancel(frame.runId, frame.id);
        break;
      case "join":
        // The HTTP binding has no thread following; say so rather than leave the join unanswered.
        queueMicrotask(() =>
          this.#deliver({
            type: "error",
            code: "bad_request",
            message:
              "Following a thread live (join) needs the WebSocket transport; this connection uses HTTP/SSE, where runs can only be attached (attachRun).",
            ...(frame.id === undefined ? {} : { id: frame.id }),
          }),
        );
        break;
      default:
        // `pong` and `leave`: nothing to do over HTTP.
        break;
    }
    return true;
  }

  close(code: number, reason: string): void {
    this.#fail(code, reason);
  }

  abandon(): void {
    this.#handlers = null;
    this.#fail(CloseCode.Normal, "abandoned");
  }

  /** `POST /connect`: the `ready` frame on first use, `auth_ok` when refreshing credentials. */
  async #handshake(token: string | undefined, refresh: boolean): Promise<void> {
    const res = await this.#request("/connect", {
      method: "POST",
      headers: { "content-type": "application/json", ...auth(token) },
      body: '{"ticket":false}',
    });
    if (!res) return;
    if (!res.ok) {
      const error = await readErrorBody(res);
      if (refresh && res.status === 401)
        return this.#deliver({ type: "error", code: "auth_failed", message: error.message });
      return this.#failWith(classifyHttpFailure(res.status, error), undefined, undefined);
    }
    let info: Omit<ReadyFrame, "type" | "sessionId"> & { expiresAt?: number };
    try {
      info = (await res.json()) as typeof info;
    } catch {
      return this.#fail(1006, `${this.#base}/connect did not answer with JSON`);
    }
    this.#token = token;
    if (refresh) {
      return this.#deliver(
        info.expiresAt === undefined ? { type: "auth_ok" } : { type: "auth_ok", expiresAt: info.expiresAt },
      );
    }
    this.#idleTimeoutMs = info.idleTimeoutMs;
    this.#deliver({
      type: "ready",
      protocol: SUBPROTOCOL,
      sessionId: `sse-${randomId()}`,
      agents: info.agents,
      principal: info.principal,
      heartbeatMs: info.heartbeatMs,
      idleTimeoutMs: info.idleTimeoutMs,
      maxFrameBytes: info.maxFrameBytes,
      resumeRetentionMs: info.resumeRetentionMs,
      ...(info.maxMergeMs === undefined ? {} : { maxMergeMs: info.maxMergeMs }),
      ...(info.expiresAt === undefined ? {} : { expiresAt: info.expiresAt }),
    });
    if (this.#state === OPEN) this.#config.onReady?.();
  }

  /** Follows one run's event stream, delivering its events as `event` frames. */
  async #stream(
    runId: string,
    id: string | undefined,
    after: number,
    path: string,
    init: RequestInit,
  ): Promise<void> {
    this.#streams.get(runId)?.abort();
    const controller = new AbortController();
    this.#streams.set(runId, controller);
    const headers = {
      accept: "text/event-stream",
      ...auth(this.#token),
      ...(init.headers as Record<string, string>),
    };
    // A server that takes the request and never answers would otherwise stall this run silently.
    const noAnswer = setTimeout(() => {
      controller.abort();
      this.#fail(CloseCode.HeartbeatTimeout, `No answer within ${this.#idleTimeoutMs} ms; resuming`);
    }, this.#idleTimeoutMs);
    try {
      const query = this.#mergeMs > 0 ? `?mergeMs=${this.#mergeMs}` : "";
      const res = await this.#request(`${path}${query}`, { ...init, headers }, controller);
      clearTimeout(noAnswer);
      if (!res || res.status === 204) return;
      if (!res.ok || !res.body) {
        return this.#failWith(classifyHttpFailure(res.status, await readErrorBody(res)), runId, id);
      }
      const end = await readRunStream(res.body, {
        runId,
        after,
        idleTimeoutMs: this.#idleTimeoutMs,
        signal: controller.signal,
        onFrame: (frame) => this.#deliver(frame),
        onUnreadable: () => {
          if (this.#state === OPEN) this.#handlers?.onUnreadable();
        },
      });
      if (end.kind === "failed") this.#failWith(end.failure, runId, id);
      else if (end.kind === "idle") {
        this.#fail(CloseCode.HeartbeatTimeout, `Nothing received for ${this.#idleTimeoutMs} ms; resuming`);
      } else if (end.kind === "cut") this.#fail(1006, "The event stream ended before the run did; resuming");
    } finally {
      clearTimeout(noAnswer);
      if (this.#streams.get(runId) === controller) this.#streams.delete(runId);
    }
  }

  async #cancel(runId: string, id: string | undefined): Promise<void> {
    const res = await this.#request(`/runs/${encodeURIComponent(runId)}/cancel`, {
      method: "POST",
      headers: auth(this.#token),
    });
    if (res && !res.ok) this.#failWith(classifyHttpFailure(res.status, await readErrorBody(res)), runId, id);
  }

  /** fetch against the base; undefined (after closing the transport) when the network failed. */
  async #request(
    path: string,
    init: RequestInit,
    controller = new AbortController(),
  ): Promise<Response | undefined> {
    this.#requests.add(controller);
    try {
      return await this.#config.fetch(`${this.#base}${path}`, {
        ...init,
        signal: controller.signal,
        cache: "no-store",
      });
    } catch (err) {
      if (!controller.signal.aborted)
        this.#fail(
          1006,
          `Could not reach ${this.#base} (${err instanceof Error ? err.message : String(err)})`,
        );
      return undefined;
    } finally {
      this.#requests.delete(controller);
    }
  }

  #failWith(failure: SseFailure, runId: string | undefined, id: string | undefined): void {
    if (failure.kind === "close") return this.#fail(failure.code, failure.reason);
    this.#deliver({
      type: "error",
      code: failure.code as ErrorFrame["code"],
      message: failure.message,
      ...(id === undefined ? {} : { id }),
      ...(runId === undefined ? {} : { runId }),
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    });
  }

  #fail(code: number, reason: string): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    for (const c of this.#streams.values()) c.abort();
    for (const c of this.#requests) c.abort();
    this.#streams.clear();
    queueMicrotask(() => this.#handlers?.onClose(code, reason));
  }

  #deliver(frame: ServerFrame): void {
    if (this.#state === OPEN) this.#handlers?.onFrame(frame);
  }
}

function auth(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
