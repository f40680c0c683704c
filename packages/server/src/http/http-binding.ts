import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { AuthTransport } from "../auth/failure-log.js";
import type { Principal } from "../principal.js";
import { agentRunRoute } from "./agent-run-route.js";
import type { HttpBindingContext } from "./binding-context.js";
import { connectRoute } from "./connect-route.js";
import { copilotKitRoutes } from "./copilotkit-routes.js";
import { preflightRoute } from "./cors.js";
import { HttpError, type HttpHandler, httpRoute } from "./http-error.js";
import type { HttpBindingConfig, HttpHost } from "./http-host.js";
import { authenticateRequest, queryParam } from "./request.js";
import { cancelRunRoute, runEventsRoute } from "./run-events-route.js";
import { SseStream } from "./sse-stream.js";

export type { HttpHandler } from "./http-error.js";

/**
 * The HTTP/SSE binding: AG-UI's HTTP run endpoint, resume and cancel, and `/connect` (discovery
 * and WebSocket tickets). Same authenticator, run registry, limits and hooks as the WebSocket,
 * so a run started over one transport can be resumed over the other. See docs/http.md.
 */
export class HttpBinding implements HttpBindingContext {
  private readonly streams = new Set<SseStream>();
  private closing = false;
  /** Requests per principal per second: the HTTP counterpart of a socket's frame budget. */
  private readonly requestRate: RateLimiterMemory;

  constructor(
    readonly host: HttpHost,
    readonly config: HttpBindingConfig,
  ) {
    this.requestRate = new RateLimiterMemory({
      keyPrefix: "bc_http",
      points: Math.max(1, host.limits.framesPerSecond),
      duration: 1,
    });
  }

  /**
   * The request's principal (401 without valid credentials), charged one request against its
   * `limits.framesPerSecond` budget (429 `rate_limited` past it), so one client hammering the
   * HTTP routes cannot starve the others.
   */
  async authenticate(req: IncomingMessage, transport: AuthTransport = "http"): Promise<Principal> {
    const principal = await authenticateRequest(
      req,
      this.host.authenticator,
      transport,
      this.host.trustProxy,
    );
    try {
      await this.requestRate.consume(principal.id);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterMs = Math.max(1, err.msBeforeNext);
      throw new HttpError(
        "rate_limited",
        `More than ${this.host.limits.framesPerSecond} requests per second; retry in ${retryAfterMs} ms`,
        { retryAfterMs },
      );
    }
    return principal;
  }

  /** Open SSE streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Registers the routes (the authenticator redeems `config.tickets`: see composition.ts). */
  install(): void {
    const routes: [string, string, HttpHandler][] = [
      ["POST", "/agents/:name/run", agentRunRoute(this)],
      ["GET", "/runs/:runId/events", runEventsRoute(this)],
      ["POST", "/runs/:runId/cancel", cancelRunRoute(this)],
      ["POST", "/connect", connectRoute(this)],
      // CopilotKit's runtime routes (/info, /agent/:id/...), unless turned off.
      ...(this.config.copilotKit === false ? [] : copilotKitRoutes(this, this.config.copilotKit)),
    ];
    for (const [method, pattern, handler] of routes) {
      this.host.route(
        method,
        pattern,
        httpRoute(
          {
            logger: this.host.logger,
            allowedOrigins: this.config.allowedOrigins,
          },
          handler,
        ),
      );
      this.host.route("OPTIONS", pattern, preflightRoute(this.config.allowedOrigins, method));
    }
  }

  /**
   * Admits an SSE stream on `res` (not started yet: call `start`), counted against the same
   * connection limits as WebSockets, server-wide and per principal. Throws HttpError 503/429.
   */
  openStream(res: ServerResponse, principal: Principal): SseStream {
    this.refuseWhileDraining();
    // Authenticated connections only: sockets still authenticating have their own budget and
    // can never take an SSE stream's place.
    if (this.host.stats().authenticated >= this.host.limits.maxConnections) {
      throw new HttpError("overloaded", "Server at its connection limit; retry later", {
        retryAfterMs: 1000,
      });
    }
    const id = randomUUID();
    const refusal = this.host.admit(principal, id);
    if (refusal) throw new HttpError("too_many_connections", refusal, { retryAfterMs: 1000 });
    const stream = new SseStream(
      res,
      this.host,
      principal,
      (s) => {
        this.streams.delete(s);
        this.host.release(principal, s.id);
      },
      id,
    );
    // `?mergeMs=` is the HTTP form of the WebSocket `options` frame (docs/http.md).
    stream.setMergeWindow(mergeWindowOf(res.req?.url));
    this.streams.add(stream);
    return stream;
  }

  /** True once the runtime drains (from the start of `close()`). */
  get draining(): boolean {
    return this.closing;
  }

  /**
   * Throws 503 `service_restart` while draining: a draining node starts nothing new, and the
   * client, told it restarts, goes to another node at once (docs/http.md#stream-level-errors).
   */
  refuseWhileDraining(): void {
    if (this.closing)
      throw new HttpError(
        "service_restart",
        "Server restarting; reconnect now (another node answers) and resume",
      );
  }

  /**
   * Drains: ends every stream with `service_restart` (the SSE counterpart of close 1012: the
   * client reconnects at once through the load balancer and resumes each run after its last
   * event id; the runs go on) and refuses new streams and `/connect`.
   */
  close(): void {
    this.closing = true;
    for (const stream of [...this.streams])
      stream.fail("service_restart", "Server restarting; reconnect now (another node answers) and resume");
  }
}

/**
 * Installs the HTTP/SSE binding on a runtime.
 * @example installHttpBinding(sdk, { allowedOrigins: undefined, tickets: createTicketIssuer(), publicUrl: undefined })
 */
export function installHttpBinding(host: HttpHost, config: HttpBindingConfig): HttpBinding {
  const binding = new HttpBinding(host, config);
  binding.install();
  return binding;
}

/** The merge window a stream request asked for (`?mergeMs=`); 0 when absent or malformed. */
function mergeWindowOf(url: string | undefined): number {
  const raw = queryParam(url, "mergeMs");
  return raw !== null && /^\d{1,6}$/.test(raw) ? Number(raw) : 0;
}
