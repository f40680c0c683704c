import type { ServerResponse } from "node:http";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";
import { agentRunRoute } from "./agent-run-route.js";
import type { HttpBindingContext } from "./binding-context.js";
import type { CopilotKitBindingOptions } from "./copilotkit-options.js";
import { HttpError, type HttpHandler, refusalToHttp } from "./http-error.js";
import { checkAcceptsEventStream, checkOrigin, readJsonBody } from "./request.js";
import { sendJson } from "./respond.js";
import { streamFrom } from "./run-events-route.js";

/** The id CopilotKit's frontends use when the app names no agent. */
const DEFAULT_ID = "default";

/**
 * CopilotKit's runtime protocol (the multi-route REST transport of `@copilotkit/runtime` ≥ 1.50,
 * which `@copilotkit/react-core` 1.74 auto-detects with `GET <runtimeUrl>/info`) as a thin
 * binding over the HTTP binding's own routes, so an unchanged CopilotKit frontend can point
 * `runtimeUrl` at Backchannel. Every decision (auth, rate limits, authorizers, retries, who may
 * read or cancel a run) is the HTTP binding's; this only maps CopilotKit's paths and shapes:
 *
 * - `GET /info`: the agents, plus `default` mapped to `defaultAgent`.
 * - `POST /agent/:id/run`: `POST /agents/:name/run` (AG-UI RunAgentInput in, SSE out).
 * - `POST /agent/:id/connect`: re-attaches to the thread's run in flight through resume (a
 *   MESSAGES_SNAPSHOT of the conversation the run started from, then the run's events from its
 *   buffer and live); an empty stream when nothing runs on the thread.
 * - `POST /agent/:id/stop/:threadId`: cancels the caller's running run(s) on the thread (the
 *   `runId` in the body, when sent) through the run core, as `POST /runs/:runId/cancel` does.
 *
 * See docs/migrating-from-copilotkit.md.
 */
export function copilotKitRoutes(
  binding: HttpBindingContext,
  options: CopilotKitBindingOptions = {},
): [string, string, HttpHandler][] {
  const host = binding.host;
  const runRoute = agentRunRoute(binding);

  /** The Backchannel agent a CopilotKit agent id names; 404 for an unknown one. */
  const agentFor = (id: string): string => {
    const infos = host.agentInfos();
    const name = id === DEFAULT_ID ? (options.defaultAgent ?? infos[0]?.name ?? "") : id;
    if (!infos.some((a) => a.name === name)) {
      const names = infos.map((a) => a.name).join(", ");
      throw new HttpError("unknown_agent", `No agent named '${id}'. Available: ${names || "(none)"}`);
    }
    return name;
  };

  /** The thread's runs in flight the caller may follow (the run core's `join` rule), oldest first. */
  const runsInFlight = async (principal: Principal, threadId: string): Promise<Run[]> => {
    const joined = await host.core.join(principal, threadId);
    if (!joined.ok) throw refusalToHttp(joined);
    return joined.runs;
  };

  const info: HttpHandler = async (req, res) => {
    await binding.authenticate(req);
    const agents: Record<string, { name: string; description: string; className: string }> = {};
    const infos = host.agentInfos();
    const fallback = options.defaultAgent ?? infos[0]?.name;
    const dflt = infos.find((a) => a.name === fallback);
    if (dflt && !infos.some((a) => a.name === DEFAULT_ID)) {
      agents[DEFAULT_ID] = { name: DEFAULT_ID, description: dflt.description, className: "BackchannelAgent" };
    }
    for (const a of infos)
      agents[a.name] = { name: a.name, description: a.description, className: "BackchannelAgent" };
    sendJson(res, 200, {
      version: "backchannel",
      agents,
      audioFileTranscriptionEnabled: false,
      mode: "sse",
      a2uiEnabled: false,
      openGenerativeUIEnabled: false,
      telemetryDisabled: true,
    });
  };

  const run: HttpHandler = async (req, res, params) => {
    await runRoute(req, res, { name: agentFor(params.id ?? "") });
  };

  const connect: HttpHandler = async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    checkAcceptsEventStream(req);
    const principal = await binding.authenticate(req);
    agentFor(params.id ?? "");
    const body = (await readJsonBody(req, host.limits.maxFrameBytes)) as { threadId?: unknown } | undefined;
    const threadId = typeof body?.threadId === "string" ? body.threadId : "";
    if (!threadId) throw new HttpError("bad_request", "Body must be a RunAgentInput with a threadId");
    const live = (await runsInFlight(principal, threadId)).at(-1);
    if (!live) return emptyStream(res);
    const attached = host.core.attach(live, 0);
    if (!attached.ok) throw refusalToHttp(attached);
    // The conversation up to this run, then the run itself from its buffer: what a reloaded page lacks.
    const snapshot = { type: "MESSAGES_SNAPSHOT", messages: live.input.messages ?? [] };
    streamFrom(binding, res, principal, live, 0, `data: ${JSON.stringify(snapshot)}\n\n`);
  };

  const stop: HttpHandler = async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    const principal = await binding.authenticate(req);
    agentFor(params.id ?? "");
    const threadId = params.threadId ?? "";
    const body = (await readJsonBody(req, 4096).catch(() => undefined)) as { runId?: unknown } | undefined;
    const only = typeof body?.runId === "string" ? body.runId : undefined;
    const targets: Run[] = [];
    for (const r of await runsInFlight(principal, threadId)) {
      if (only !== undefined && r.id !== only) continue;
      // Cancelling is the owner's alone (the run core's rule); a follower's stop leaves the run.
      const cancelled = await host.core.cancel(principal, r.id, "copilotkit");
      if (cancelled.ok) targets.push(r);
    }
    sendJson(
      res,
      200,
      targets.length > 0
        ? {
            stopped: true,
            runIds: targets.map((r) => r.id),
            interrupt: { type: "RUN_ERROR", message: "Run stopped by user", code: "STOPPED" },
          }
        : { stopped: false, message: `No active run for thread '${threadId.slice(0, 128)}'.` },
    );
  };

  return [
    ["GET", "/info", info],
    ["POST", "/agent/:id/run", run],
    ["POST", "/agent/:id/connect", connect],
    ["POST", "/agent/:id/stop/:threadId", stop],
  ];
}

/** A connect with nothing to re-attach to: an SSE response that ends at once. */
function emptyStream(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-store, no-transform",
  });
  res.end();
}
