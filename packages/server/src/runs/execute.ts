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
export async function executeRun(run: Run, agent: Agent, logger: Logger, probe?: RunProbe): Promise<void> {
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
    const message = err instanceof Error ? err.message : String(err);
    logger.warn({ err }, "agent run failed");
    run.fail(message || "Agent failed", (err as { code?: unknown })?.code?.toString() ?? "agent_error");
  } finally {
    run.abort.signal.removeEventListener("abort", stop);
  }
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
