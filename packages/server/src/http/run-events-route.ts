import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../principal.js";
import { mayResume } from "../runs/may-resume.js";
import type { Run } from "../runs/run.js";
import type { HttpBinding, HttpHandler } from "./http-binding.js";
import { HttpError } from "./http-error.js";
import { checkAcceptsEventStream, checkOrigin } from "./request.js";
import { sendJson } from "./respond.js";

/**
 * The resume point of a request: the `Last-Event-ID` header (what EventSource sends when it
 * reconnects, so it wins) or `?after=`. Undefined when neither is present; 400 when malformed.
 */
export function parseAfter(req: IncomingMessage): number | undefined {
  const header = req.headers["last-event-id"];
  let raw: string | null | undefined =
    typeof header === "string" && header.trim() !== "" ? header.trim() : undefined;
  if (raw === undefined) {
    const q = (req.url ?? "").indexOf("?");
    raw = q >= 0 ? new URLSearchParams((req.url ?? "").slice(q + 1)).get("after") : null;
  }
  if (raw === null || raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new HttpError("bad_request", "Last-Event-ID / after must be a non-negative integer seq");
  }
  return Number(raw);
}

/**
 * Streams `run` after seq `after` to `res`: 403 unless `principal` may resume it (the same rule
 * as the WebSocket's `resume`: its own run, or one on a thread it may follow), 410 when those
 * events are no longer buffered, 204 when the run ended and nothing is left to send (which
 * also stops an EventSource from reconnecting).
 */
export async function resumeStream(
  binding: HttpBinding,
  res: ServerResponse,
  principal: Principal,
  run: Run,
  after: number,
): Promise<void> {
  if (!(await mayResume(binding.host, principal, run)))
    throw new HttpError("forbidden", "This run belongs to another user");
  if (!run.canReplayFrom(after)) {
    throw new HttpError(
      "resume_unavailable",
      `Events after seq ${after} are no longer buffered; reload the thread history instead`,
    );
  }
  if (run.ended && after >= run.lastSeq) {
    res.writeHead(204, { "cache-control": "no-store", "x-backchannel-run-id": run.id });
    res.end();
    return;
  }
  binding.openStream(res, principal).start(run, after);
}

/**
 * `GET <base>/runs/:runId/events`: the run's events after `Last-Event-ID` (or `?after=`, or
 * from the start) as SSE, then live ones until the run ends. Works for runs started over
 * either transport.
 */
export function runEventsRoute(binding: HttpBinding): HttpHandler {
  return async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    checkAcceptsEventStream(req);
    const principal = await binding.authenticate(req, "sse");
    const after = parseAfter(req) ?? 0;
    const run = await binding.findRun(params.runId ?? "");
    if (!run) {
      throw new HttpError(
        "resume_unavailable",
        "This run is no longer resumable (unknown, or finished too long ago); reload the thread history instead",
      );
    }
    await resumeStream(binding, res, principal, run, after);
  };
}

/**
 * `POST <base>/runs/:runId/cancel`: the agent's AbortSignal fires and the run ends with
 * RUN_FINISHED (outcome cancelled). Answers `{ runId, status }`; cancelling an ended run is a
 * no-op that reports how it ended.
 */
export function cancelRunRoute(binding: HttpBinding): HttpHandler {
  return async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    const principal = await binding.authenticate(req);
    const runId = params.runId ?? "";
    const run = await binding.findRun(runId);
    if (!run) throw new HttpError("unknown_run", `No run '${runId}' on this server`);
    if (run.principal.id !== principal.id)
      throw new HttpError("forbidden", "This run belongs to another user");
    if (!run.ended) {
      binding.host.logger.info({ runId, transport: "http" }, "run cancelled by client");
      run.cancel();
    }
    sendJson(res, 200, { runId, status: run.status });
  };
}
