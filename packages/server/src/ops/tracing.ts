/**
 * Tracing through `@opentelemetry/api` only: every call is a no-op until the app installs an
 * OpenTelemetry SDK (a TracerProvider), so an app without one pays next to nothing. The W3C
 * `traceparent` of a run request is parsed here (the API alone ships no propagator), so the
 * caller's trace reaches the agent and remote agents even when this process records nothing.
 * See docs/deploy.md#tracing.
 * @module
 */
import {
  type Attributes,
  type Context,
  context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";

/** Name of the tracer every Backchannel span comes from. */
export const TRACER_NAME = "@backchannel/server";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The W3C trace context of a request: the `traceparent` header value and optional `tracestate`. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The tracer (looked up on each call, so an SDK registered after the runtime started is used). */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Parses a W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header) into a
 * remote span context; undefined when absent or malformed (a bad header starts a new trace).
 */
export function parseTraceparent(header: string | undefined, tracestate?: string): SpanContext | undefined {
  if (typeof header !== "string" || header.length > 512) return undefined;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m || m[1] === "ff" || (m[1] === "00" && header.trim().length !== 55)) return undefined;
  const spanContext: SpanContext = {
    traceId: m[2]!,
    spanId: m[3]!,
    traceFlags: Number.parseInt(m[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (tracestate) spanContext.traceState = createTraceState(tracestate);
  if (!isSpanContextValid(spanContext)) return undefined;
  return spanContext;
}

/** Formats a span context as a W3C `traceparent` header value. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, "0")}`;
}

/** An OpenTelemetry context whose parent is the caller's trace (or the root when it sent none). */
export function contextFrom(carrier: TraceCarrier | undefined): Context {
  const sc = parseTraceparent(carrier?.traceparent, carrier?.tracestate);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/**
 * The `traceparent` to hand on from `span`: its own context when an SDK records it, else the
 * caller's (so an untraced runtime still forwards the browser's trace to the agent).
 */
export function traceparentOf(span: Span, parent: Context): string | undefined {
  const own = span.spanContext();
  if (isSpanContextValid(own)) return formatTraceparent(own);
  const up = trace.getSpanContext(parent);
  return up && isSpanContextValid(up) ? formatTraceparent(up) : undefined;
}

/**
 * Runs `fn` inside a span named `name` (store writes, Redis hops), ending it with `fn`'s
 * outcome. Cheap without an SDK: the no-op tracer's span records nothing.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
  kind: SpanKind = SpanKind.CLIENT,
): Promise<T> {
  const span = tracer().startSpan(name, { kind, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind, SpanStatusCode };
