import type { IncomingMessage } from "node:http";
import { parseRunAgentInput } from "@backchannel/protocol/validate";
import type { Refusal } from "../core/outcome.js";
import type { TraceCarrier } from "../ops/tracing.js";
import type { HttpBindingContext } from "./binding-context.js";
import { HttpError, type HttpHandler, refusalToHttp, toHttpError } from "./http-error.js";
import { checkAcceptsEventStream, checkOrigin, readJsonBody } from "./request.js";
import { parseAfter, streamFrom } from "./run-events-route.js";

/**
 * `POST <base>/agents/:name/run`: AG-UI's HTTP binding. The body is a RunAgentInput; the answer
 * streams the run's AG-UI events as SSE, each with `id: <seq>`, so AG-UI's own `HttpAgent`
 * works against it. The decisions (retry of a known runId, rate limit, authorizers) are the run
 * core's, as for a `run` frame; a retry replays after `Last-Event-ID`, if sent.
 */
export function agentRunRoute(binding: HttpBindingContext): HttpHandler {
  const host = binding.host;
  return async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    checkAcceptsEventStream(req);
    const principal = await binding.authenticate(req, "sse");
    const parsed = parseRunAgentInput(await readJsonBody(req, host.limits.maxFrameBytes));
    if (!parsed.ok) throw new HttpError("bad_request", parsed.message);
    let stream: ReturnType<HttpBindingContext["openStream"]> | undefined;
    const started = await host.core.start(
      principal,
      {
        agent: params.name ?? "",
        input: parsed.input,
        after: parseAfter(req) ?? 0,
        ...(traceHeaders(req) ? { trace: traceHeaders(req) } : {}),
      },
      {
        // The client may have gone while we awaited; then there is nobody to start the run for.
        gone: () => res.destroyed,
        // Admission comes before the start, so a refused stream starts nothing.
        admit: (): Refusal | undefined => {
          try {
            stream = binding.openStream(res, principal);
            return undefined;
          } catch (err) {
            const e = toHttpError(err);
            return {
              ok: false,
              code: e.code,
              message: e.message,
              ...(e.retryAfterMs ? { retryAfterMs: e.retryAfterMs } : {}),
            };
          }
        },
      },
    );
    if (!started.ok) {
      if (started.code === "gone") return;
      throw refusalToHttp(started);
    }
    if (started.retry) return streamFrom(binding, res, principal, started.run, started.after);
    stream!.start(started.run, 0);
  };
}

/** The W3C trace context headers of the run request (`traceparent`, `tracestate`), if any. */
function traceHeaders(req: IncomingMessage): TraceCarrier | undefined {
  const traceparent = req.headers.traceparent;
  if (typeof traceparent !== "string") return undefined;
  const tracestate = req.headers.tracestate;
  return { traceparent, ...(typeof tracestate === "string" ? { tracestate } : {}) };
}
