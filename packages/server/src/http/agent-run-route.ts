import type { RunAgentInput } from "@ag-ui/core";
import { parseRunAgentInput } from "@backchannel/protocol/validate";
import type { Run } from "../runs/run.js";
import type { HttpBinding, HttpHandler } from "./http-binding.js";
import { HttpError } from "./http-error.js";
import { checkAcceptsEventStream, checkOrigin, readJsonBody } from "./request.js";
import { parseAfter, resumeStream } from "./run-events-route.js";

/**
 * `POST <base>/agents/:name/run`: AG-UI's HTTP binding. The body is a RunAgentInput; the answer
 * streams the run's AG-UI events as SSE, each with `id: <seq>`, so AG-UI's own `HttpAgent`
 * works against it. A repeated POST with a runId this principal already ran is a retry: it
 * replays the run (after `Last-Event-ID`, if sent) instead of starting it twice.
 */
export function agentRunRoute(binding: HttpBinding): HttpHandler {
  const host = binding.host;
  return async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    checkAcceptsEventStream(req);
    const principal = await binding.authenticate(req, "sse");
    const name = params.name ?? "";
    const agent = host.findAgent(name);
    if (!agent) {
      const names = host
        .agentInfos()
        .map((a) => a.name)
        .join(", ");
      throw new HttpError("unknown_agent", `No agent named '${name}'. Available: ${names || "(none)"}`);
    }
    const parsed = parseRunAgentInput(await readJsonBody(req, host.limits.maxFrameBytes));
    if (!parsed.ok) throw new HttpError("bad_request", parsed.message);
    const input: RunAgentInput = parsed.input;

    const existing = await binding.findRun(input.runId);
    if (existing) return await retry(existing);
    const decision = await host.rateLimiter.take(principal.id);
    if (!decision.ok) {
      throw new HttpError("rate_limited", `Too many runs; retry in ${decision.retryAfterMs} ms`, {
        retryAfterMs: decision.retryAfterMs,
      });
    }
    await host.authorizeRun(principal, input);
    // The client may have gone while we awaited; then there is nobody to start the run for.
    if (res.destroyed) return;
    // A duplicate may have raced us through the awaits above.
    const raced = await binding.findRun(input.runId);
    if (raced) return await retry(raced);
    // Admission comes first, so a refused stream starts nothing.
    const stream = binding.openStream(res, principal);
    stream.start(host.startRun(input, agent, principal), 0);

    async function retry(run: Run): Promise<void> {
      if (run.principal.id !== principal.id) {
        throw new HttpError(
          "run_conflict",
          "This runId is already in use; generate a fresh runId for a new run",
        );
      }
      await resumeStream(binding, res, principal, run, parseAfter(req) ?? 0);
    }
  };
}
