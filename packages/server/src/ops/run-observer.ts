/**
 * Run-level instrumentation in one place: the run's metrics (started, finished by outcome,
 * duration, time to first text/tool event) and its span. The run lifecycle calls `start` when
 * a run starts and `probe.event` for each event the agent yields; the rest follows `run.done`.
 * @module
 */
import { type Context, context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Run } from "../runs/run.js";
import type { RuntimeMetrics } from "./metrics.js";
import { contextFrom, type TraceCarrier, traceparentOf, tracer } from "./tracing.js";

/** What the run lifecycle holds for one executing run. */
export interface RunProbe {
  /** W3C `traceparent` for the agent (`ctx.traceparent`): the run span, or the caller's trace. */
  readonly traceparent: string | undefined;
  /** The caller's `tracestate`, handed on unchanged. */
  readonly tracestate: string | undefined;
  /** Runs `fn` with the run span as the active OpenTelemetry context (so agent spans nest under it). */
  within<T>(fn: () => T): T;
  /** Called with the type of each event the agent yields. */
  event(type: string): void;
}

const NOOP_PROBE: RunProbe = {
  traceparent: undefined,
  tracestate: undefined,
  within: (fn) => fn(),
  event: () => {},
};

/** One runtime's run instrumentation. */
export class RunObserver {
  /** Probes of runs still executing on this node, by runId (resumes mark their span). */
  private readonly live = new Map<string, ProbeState>();

  constructor(private readonly metrics: RuntimeMetrics | undefined) {}

  /**
   * Starts observing `run` (executing on this node). `carrier` is the trace context of the
   * client's run request (WebSocket `run` frame `traceparent`, HTTP `traceparent` header).
   */
  start(run: Run, carrier?: TraceCarrier): RunProbe {
    if (this.live.has(run.id)) return NOOP_PROBE;
    const agent = run.agentName;
    this.metrics?.runsStarted.inc({ agent });
    const parent = contextFrom(carrier);
    const span = tracer().startSpan(
      "backchannel.run",
      {
        kind: SpanKind.SERVER,
        attributes: {
          "backchannel.agent": agent,
          "backchannel.run_id": run.id,
          "backchannel.thread_id": run.threadId,
        },
      },
      parent,
    );
    const state = new ProbeState(
      run,
      span,
      trace.setSpan(parent, span),
      carrier,
      traceparentOf(span, parent),
    );
    this.live.set(run.id, state);
    void run.done.then(() => {
      this.live.delete(run.id);
      state.end(this.metrics);
    });
    return state;
  }

  /** A client resumed `runId`: recorded on its span if it executes on this node. */
  resumed(runId: string): void {
    const state = this.live.get(runId);
    if (state) state.resumed = true;
  }
}

class ProbeState implements RunProbe {
  resumed = false;
  readonly tracestate: string | undefined;
  private firstEventAt: number | undefined;

  constructor(
    private readonly run: Run,
    private readonly span: Span,
    private readonly ctx: Context,
    carrier: TraceCarrier | undefined,
    readonly traceparent: string | undefined,
  ) {
    this.tracestate = carrier?.tracestate;
  }

  within<T>(fn: () => T): T {
    return context.with(this.ctx, fn);
  }

  event(type: string): void {
    if (this.firstEventAt !== undefined) return;
    if (type.startsWith("TEXT_MESSAGE") || type.startsWith("TOOL_CALL")) this.firstEventAt = Date.now();
  }

  end(metrics: RuntimeMetrics | undefined): void {
    const run = this.run;
    const outcome = run.status === "running" ? "error" : run.status;
    const agent = run.agentName;
    const ended = run.endedAt ?? Date.now();
    metrics?.runsFinished.inc({ agent, outcome });
    metrics?.runDuration.observe({ agent }, (ended - run.createdAt) / 1000);
    if (this.firstEventAt !== undefined)
      metrics?.firstEvent.observe({ agent }, (this.firstEventAt - run.createdAt) / 1000);
    const span = this.span;
    span.setAttributes({
      "backchannel.run.outcome": outcome,
      "backchannel.run.events": run.lastSeq,
      "backchannel.run.resumed": this.resumed,
    });
    if (this.firstEventAt !== undefined)
      span.setAttribute("backchannel.run.first_event_ms", this.firstEventAt - run.createdAt);
    if (outcome === "error")
      span.setStatus({ code: SpanStatusCode.ERROR, message: "run ended with RUN_ERROR" });
    span.end(ended);
  }
}
