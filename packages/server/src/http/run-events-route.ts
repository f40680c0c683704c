import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";
import type { HttpBindingContext } from "./binding-context.js";
import { HttpError, type HttpHandler, refusalToHttp } from "./http-error.js";
import { checkAcceptsEventStream, checkOrigin, queryParam } from "./request.js";
import { sendJson } from "./respond.js";

/**
 * The resume point of a request: the `Last-Event-ID` header (what EventSource sends when it
 * reconnects, so it wins) or `?after=`. Undefined when neither is present; 400 when malformed.
 */
export function parseAfter(req: IncomingMessage): number | undefined {
  const header = req.headers["last-event-id"];
  let raw: string | null | undefined =
    typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
  if (raw === undefined) raw = queryParam(req.url, "after");
  if (raw === null || raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new HttpError("bad_request", "Last-Event-ID / after must be a non-negative integer seq");
  }
  return Number(raw);
}

/**
 * Streams a run the run core already admitted (resume or retry) after seq `after` to `res`:
 * 204 when the run ended and nothing is left to send (which also stops an EventSource from
 * reconnecting), else an SSE stream.
 */
export function streamFrom(
  binding: HttpBindingContext,
  res: ServerResponse,
  principal: Principal,
  run: Run,
  after: number,
  /** SSE text sent before the run's events (the CopilotKit binding's conversation snapshot). */
  prelude?: string,
): void {
  if (run.ended && after >= run.lastSeq) {
    res.writeHead(204, { "cache-control": "no-store", "x-backchannel-run-id": run.id });
    res.end();
    return;
  }
  binding.openStream(res, principal).start(run, after, prelude);
}

/**
 * `GET <base>/runs/:runId/events`: the run's events after `Last-Event-ID` (or `?after=`, or
 * from the start) as SSE, then live ones until the run ends. Works for runs started over
 * either transport; who may resume is the run core's rule (as for a `resume` frame).
 */
export function runEventsRoute(binding: HttpBindingContext): HttpHandler {
  return async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    checkAcceptsEventStream(req);
    const principal = await binding.authenticate(req, "sse");
    const resumed = await binding.host.core.resume(principal, params.runId ?? "", parseAfter(req) ?? 0);
    if (!resumed.ok) throw refusalToHttp(resumed);
    streamFrom(binding, res, principal, resumed.run, resumed.after);
  };
}

/**
 * `POST <base>/runs/:runId/cancel`: the agent's AbortSignal fires and the run ends with
 * RUN_FINISHED (outcome cancelled). Answers `{ runId, status }`; cancelling an ended run is a
 * no-op that reports how it ended.
 */
export function cancelRunRoute(binding: HttpBindingContext): HttpHandler {
  return async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    const principal = await binding.authenticate(req);
    const runId = params.runId ?? "";
    const cancelled = await binding.host.core.cancel(principal, runId, "http");
    if (!cancelled.ok) throw refusalToHttp(cancelled);
    sendJson(res, 200, { runId, status: cancelled.run.status });
  };
}
