import type { BaseEvent, RunAgentInput } from "@ag-ui/core";
import type { ResponseCacheOptions } from "./cache/types.js";
import type { AgentLogger } from "./logger.js";
import type { Principal } from "./principal.js";

/**
 * What a run gets besides its input.
 */
export interface AgentContext {
  /** Fires when the run is cancelled (client `cancel`, shutdown deadline). Pass it to model calls. */
  signal: AbortSignal;
  /** Who started the run. */
  principal: Principal;
  /** The run's logger (child of the server's, with runId/agent bound): a small interface, not pino's type. */
  logger: AgentLogger;
  /**
   * W3C `traceparent` of the run (its span when an OpenTelemetry SDK records it, else the
   * client's): send it with calls to other services so they join the same trace. `RemoteAgent`
   * forwards it. Undefined when the client sent none and nothing records traces.
   */
  traceparent?: string;
  /** W3C `tracestate` the client sent with `traceparent`, to forward unchanged. */
  tracestate?: string;
}

/** An AG-UI event as an agent may yield it: `type` as the enum or its plain string. */
export type AgentEvent = BaseEvent | ({ type: string } & Record<string, unknown>);

/**
 * An agent is any object of this shape. `run` returns (or resolves to) an async iterable
 * of AG-UI events. The runtime numbers them, adds RUN_STARTED/RUN_FINISHED if the agent
 * leaves them out, turns a throw into RUN_ERROR, and stops iterating on cancel.
 *
 * @example
 * const echo: Agent = {
 *   name: "echo",
 *   description: "Repeats the last user message",
 *   async *run(input) {
 *     const text = String(input.messages.at(-1)?.content ?? "");
 *     yield { type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" };
 *     yield { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: text };
 *     yield { type: "TEXT_MESSAGE_END", messageId: "m1" };
 *   },
 * };
 */
export interface Agent {
  name: string;
  description: string;
  /**
   * Serve repeated questions from the response cache (opt-in): `{ ttlMs, scope?, key? }`, or
   * `false` to keep this agent out of a runtime-wide `responseCache`. See the server README.
   */
  cache?: ResponseCacheOptions | false;
  run(
    input: RunAgentInput,
    ctx: AgentContext,
  ): AsyncIterable<AgentEvent> | Promise<AsyncIterable<AgentEvent>>;
}
