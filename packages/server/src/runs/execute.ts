import { randomUUID } from "node:crypto";
import type { BaseEvent } from "@ag-ui/core";
import { validateEvent } from "@backchannel/protocol/validate";
import type { Logger } from "pino";
import type { Agent, AgentContext } from "../agent.js";
import type { RunProbe } from "../ops/run-observer.js";
import type { Run } from "./run.js";

/**
 * Drives `agent.run()` into `run`: emits RUN_STARTED at once (so the client sees the run
 * accepted before the model answers), validates each event against AG-UI's schemas, fills
 * in threadId/runId on lifecycle events, and guarantees a terminal event. Never throws.
 */
export async function executeRun(
  run: Run,
  agent: Agent,
  logger: Logger,
  probe?: RunProbe,
  opts: { exposeErrors?: boolean } = {},
): Promise<void> {
  run.emit({ type: "RUN_STARTED", threadId: run.threadId, runId: run.id } as BaseEvent);
  const ctx: AgentContext = { signal: run.abort.signal, principal: run.principal, logger };
  if (probe?.traceparent) ctx.traceparent = probe.traceparent;
  if (probe?.tracestate) ctx.tracestate = probe.tracestate;
  let iterator: AsyncIterator<unknown> | undefined;
  const stop = () => {
    // Cancelled from outside: let the agent's generator run its finally blocks.
    iterator?.return?.().catch(() => {});
  };
  run.abort.signal.addEventListener("abort", stop, { once: true });
  try {
    const iterable = await agent.run(run.input, ctx);
    iterator = (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    if (run.ended) stop();
    while (!run.ended) {
      const next = await iterator.next();
      if (next.done || run.ended) break;
      const event = normalize(next.value, run);
      // We already announced the run; an agent's own RUN_STARTED would be a duplicate.
      if ((event as BaseEvent | undefined)?.type === "RUN_STARTED") continue;
      const checked = validateEvent(event);
      if (!checked.ok) {
        logger.error({ reason: checked.message }, "agent emitted an invalid AG-UI event");
        run.fail(`Agent '${agent.name}' emitted an invalid event: ${checked.message}`, "invalid_event");
        break;
      }
      probe?.event(checked.event.type);
      run.emit(checked.event);
    }
    run.finish();
  } catch (err) {
    if (run.ended) return;
    const { message, code, errorId } = publicFailure(err, opts.exposeErrors === true);
    logger.warn({ err, errorId }, "agent run failed");
    run.fail(message, code);
  } finally {
    run.abort.signal.removeEventListener("abort", stop);
  }
}

/**
 * What the client is told about an agent that threw. Exception text is internal (hostnames,
 * SQL, provider responses, stack-ish detail), so by default the client gets a generic message
 * with an error id that is logged next to the full error; `exposeErrors` (development) sends
 * the text itself. A `code` is kept when it looks like a code, not prose.
 */
export function publicFailure(
  err: unknown,
  exposeErrors: boolean,
): { message: string; code: string; errorId: string } {
  const errorId = randomUUID();
  const raw = (err as { code?: unknown } | null)?.code;
  const code = typeof raw === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(raw) ? raw : "agent_error";
  const text = err instanceof Error ? err.message : String(err);
  const message = exposeErrors
    ? text || "Agent failed"
    : `The agent failed (error id ${errorId}); try again, or report the id to the operator`;
  return { message, code, errorId };
}

function normalize(value: unknown, run: Run): unknown {
  if (typeof value !== "object" || value === null) return value;
  const e = value as Record<string, unknown>;
  if (e.type === "RUN_STARTED" || e.type === "RUN_FINISHED") {
    if (e.threadId === undefined || e.runId === undefined)
      return { ...e, threadId: run.threadId, runId: run.id };
  }
  return value;
}
