/**
 * The HTTP/SSE transport, dressed as a WebSocket. It speaks the `backchannel.v1` frames to the
 * connection logic (so reconnect, token refresh, seq dedupe and resume work unchanged) and
 * HTTP to the server: `run` → `POST <base>/agents/:name/run`, `resume` → `GET
 * <base>/runs/:id/events` with `Last-Event-ID`, `cancel` → `POST <base>/runs/:id/cancel`, and
 * the `ready` frame comes from `POST <base>/connect`. Any broken stream closes the whole
 * virtual socket, so the connection reconnects and every run resumes from its last seq.
 * @module
 */
import type { ClientFrame, ReadyFrame } from "@backchannel/protocol";
import { CloseCode, SUBPROTOCOL, tokenFromSubprotocol } from "@backchannel/protocol";
import { randomId } from "../ids.js";
import type { WebSocketLike } from "../socket.js";
import { readRunStream } from "./run-stream.js";
import { classifyHttpFailure, readErrorBody, type SseFailure } from "./sse-errors.js";

/** What one SSE socket needs. */
export interface SseSocketConfig {
  /** Base URL of the runtime's HTTP routes, e.g. `https://api.example.com/copilotkit` or `/api/copilotkit`. */
  base: string;
  /**
   * With `runtimeUrl`, the caller's own token for each request (undefined: none, a same-origin
   * proxy adds credentials); tokens in the subprotocol or `auth` frames are single-use tickets
   * then and are ignored. Without it, the socket's own token (subprotocol or `auth` frame) is used.
   */
  httpToken: (() => string | undefined) | undefined;
  fetch: typeof fetch;
  /** Called once the socket reached `ready`. */
  onReady?: () => void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** Server-Sent Events with the face of a WebSocket. */
export class SseSocket implements WebSocketLike {
  readyState = CONNECTING;
  readonly protocol = SUBPROTOCOL;
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  #config: SseSocketConfig;
  #token: string | undefined;
  #ready = false;
  #handshaking = false;
  #idleTimeoutMs = 45_000;
  #streams = new Map<string, AbortController>();
  #requests = new Set<AbortController>();

  constructor(config: SseSocketConfig, protocols: string[] = []) {
    this.#config = config;
    const bearer = protocols.find((p) => tokenFromSubprotocol(p) !== undefined);
    this.#token = bearer ? tokenFromSubprotocol(bearer) : undefined;
    queueMicrotask(() => {
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.onopen?.({});
      // With frame auth the connection sends `auth` from onopen; give it that turn before
      // handshaking without credentials.
      setTimeout(() => {
        if (!this.#handshaking && this.readyState === OPEN) void this.#handshake(this.#token, false);
      }, 0);
    });
  }

  send(text: string): void {
    if (this.readyState !== OPEN) return;
    const frame = JSON.parse(text) as ClientFrame;
    switch (frame.type) {
      case "ping":
        queueMicrotask(() =>
          this.#deliver(frame.ts === undefined ? { type: "pong" } : { type: "pong", ts: frame.ts }),
        );
        return;
      case "pong":
        return;
      case "auth":
        void this.#handshake(frame.token, this.#ready);
        return;
      case "run":
        void this.#stream(frame.input.runId, frame.id, 0, `/agents/${encodeURIComponent(frame.agent)}/run`, {
          method: "POST",
          body: JSON.stringify(frame.input),
          headers: { "content-type": "application/json" },
        });
        return;
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
        return;
      case "cancel":
        void this.#cancel(frame.runId, frame.id);
        return;
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
        return;
    }
  }

  close(code: number = CloseCode.Normal, reason = ""): void {
    this.#fail(code, reason);
  }

  terminate(): void {
    this.#fail(CloseCode.Normal, "terminated");
  }

  /** `POST /connect`: the `ready` frame on first use, `auth_ok` when refreshing credentials. */
  async #handshake(frameToken: string | undefined, refresh: boolean): Promise<void> {
    this.#handshaking = true;
    const token = this.#config.httpToken ? this.#config.httpToken() : frameToken;
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
    const info = (await res.json()) as Omit<ReadyFrame, "type" | "sessionId"> & { expiresAt?: number };
    this.#token = token;
    if (refresh) {
      return this.#deliver(
        info.expiresAt === undefined ? { type: "auth_ok" } : { type: "auth_ok", expiresAt: info.expiresAt },
      );
    }
    this.#idleTimeoutMs = info.idleTimeoutMs;
    this.#ready = true;
    const ready: ReadyFrame = {
      type: "ready",
      protocol: SUBPROTOCOL,
      sessionId: `sse-${randomId()}`,
      agents: info.agents,
      principal: info.principal,
      heartbeatMs: info.heartbeatMs,
      idleTimeoutMs: info.idleTimeoutMs,
      maxFrameBytes: info.maxFrameBytes,
      resumeRetentionMs: info.resumeRetentionMs,
      ...(info.expiresAt === undefined ? {} : { expiresAt: info.expiresAt }),
    };
    this.#deliver(ready);
    this.#config.onReady?.();
  }

  /** Follows one run's event stream, turning SSE blocks into `event` frames. */
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
      ...auth(this.#currentToken()),
      ...(init.headers as Record<string, string>),
    };
    // A server that takes the request and never answers would otherwise stall this run silently.
    const noAnswer = setTimeout(() => {
      controller.abort();
      this.#fail(CloseCode.HeartbeatTimeout, `No answer within ${this.#idleTimeoutMs} ms; resuming`);
    }, this.#idleTimeoutMs);
    try {
      const res = await this.#request(path, { ...init, headers }, controller);
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
        onFrame: (text) => this.#deliverText(text),
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
      headers: auth(this.#currentToken()),
    });
    if (res && !res.ok) this.#failWith(classifyHttpFailure(res.status, await readErrorBody(res)), runId, id);
  }

  /** fetch against the base; undefined (after closing the socket) when the network failed. */
  async #request(
    path: string,
    init: RequestInit,
    controller = new AbortController(),
  ): Promise<Response | undefined> {
    this.#requests.add(controller);
    try {
      return await this.#config.fetch(`${this.#config.base}${path}`, {
        ...init,
        signal: controller.signal,
        cache: "no-store",
      });
    } catch (err) {
      if (!controller.signal.aborted)
        this.#fail(
          1006,
          `Could not reach ${this.#config.base} (${err instanceof Error ? err.message : String(err)})`,
        );
      return undefined;
    } finally {
      this.#requests.delete(controller);
    }
  }

  #currentToken(): string | undefined {
    return this.#config.httpToken ? this.#config.httpToken() : this.#token;
  }

  #failWith(failure: SseFailure, runId: string | undefined, id: string | undefined): void {
    if (failure.kind === "close") return this.#fail(failure.code, failure.reason);
    this.#deliver({
      type: "error",
      code: failure.code,
      message: failure.message,
      ...(id === undefined ? {} : { id }),
      ...(runId === undefined ? {} : { runId }),
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    });
  }

  #fail(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    for (const c of this.#streams.values()) c.abort();
    for (const c of this.#requests) c.abort();
    this.#streams.clear();
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  #deliver(frame: object): void {
    this.#deliverText(JSON.stringify(frame));
  }

  #deliverText(text: string): void {
    if (this.readyState === OPEN) this.onmessage?.({ data: text });
  }
}

function auth(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
