import type { ServerResponse } from "node:http";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";
import { agentRunRoute } from "./agent-run-route.js";
import type { HttpBinding, HttpHandler } from "./http-binding.js";
import { HttpError } from "./http-error.js";
import { checkAcceptsEventStream, checkOrigin, readJsonBody } from "./request.js";
import { sendJson } from "./respond.js";
import { resumeStream } from "./run-events-route.js";

/** Options of the CopilotKit runtime binding (`copilotKit` in the runtime options). */
export interface CopilotKitBindingOptions {
  /**
   * The agent CopilotKit's `default` agent id maps to (CopilotKit's components use `default`
   * unless given `agent="..."`). @default the first agent
   */
  defaultAgent?: string;
}

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
 *   buffer and live); with none in flight, the same for the thread's last run while it is
 *   retained; an empty stream otherwise.
 * - `POST /agent/:id/stop/:threadId`: cancels the caller's running run(s) on the thread (the
 *   `runId` in the body, when sent), as `POST /runs/:runId/cancel` does.
 *
 * See docs/migrating-from-copilotkit.md.
 */
export function copilotKitRoutes(
  binding: HttpBinding,
  options: CopilotKitBindingOptions = {},
): [string, string, HttpHandler][] {
  const host = binding.host;
  const runRoute = agentRunRoute(binding);

  /** The Backchannel agent a CopilotKit agent id names; 404 for an unknown one. */
  const agentFor = (id: string): string => {
    const name = id === DEFAULT_ID ? (options.defaultAgent ?? host.agentInfos()[0]?.name ?? "") : id;
    if (!host.findAgent(name)) {
      const names = host
        .agentInfos()
        .map((a) => a.name)
        .join(", ");
      throw new HttpError("unknown_agent", `No agent named '${id}'. Available: ${names || "(none)"}`);
    }
    return name;
  };

  /** The caller's own runs on `threadId` this node still holds, oldest first (resume and cancel are the owner's). */
  const runsOf = (principal: Principal, threadId: string): Run[] =>
    host.registry.byThread(threadId).filter((r) => r.principal.id === principal.id);
  const runsInFlight = (principal: Principal, threadId: string): Run[] =>
    runsOf(principal, threadId).filter((r) => !r.ended);

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
    // The run in flight, else the thread's last run while it is still retained (a page reloaded
    // just after the answer ended): its conversation, then the run itself from its buffer.
    const runs = runsOf(principal, threadId);
    const latest = runs.filter((r) => !r.ended).at(-1) ?? runs.filter((r) => r.canReplayFrom(0)).at(-1);
    if (!latest) return emptyStream(res);
    const snapshot = { type: "MESSAGES_SNAPSHOT", messages: latest.input.messages ?? [] };
    resumeStream(binding, res, principal, latest, 0, `data: ${JSON.stringify(snapshot)}\n\n`);
  };

  const stop: HttpHandler = async (req, res, params) => {
    checkOrigin(req, binding.config.allowedOrigins);
    const principal = await binding.authenticate(req);
    agentFor(params.id ?? "");
    const threadId = params.threadId ?? "";
    const body = (await readJsonBody(req, 4096).catch(() => undefined)) as { runId?: unknown } | undefined;
    const only = typeof body?.runId === "string" ? body.runId : undefined;
    const targets = runsInFlight(principal, threadId).filter((r) => only === undefined || r.id === only);
    for (const r of targets) {
      host.logger.info({ runId: r.id, transport: "http", via: "copilotkit" }, "run cancelled by client");
      r.cancel();
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
