/**
 * The agent contract of `@backchannel/server`, restated structurally so this package
 * does not need the server at runtime. Any object of this shape is an agent the
 * server can host; see packages/server/src/agent.ts for the canonical definition.
 * @module
 */
import type { BaseEvent, RunAgentInput } from "@ag-ui/core";

/** The subset of a pino logger the agents here use. */
export interface AgentLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a run gets besides its input (compatible with the server's `AgentContext`). */
export interface AgentRunContext {
  /** Fires when the run is cancelled. Passed on to the graph and every model call. */
  signal: AbortSignal;
  /** Who started the run (the server's `Principal`). */
  principal: { id: string; kind: string };
  /** The run's logger. */
  logger: AgentLogger;
}

/** An AG-UI event as an agent yields it. */
export type AgentEvent = BaseEvent | ({ type: string } & Record<string, unknown>);

/** An agent the Backchannel runtime can host (compatible with the server's `Agent`). */
export interface BackchannelAgent {
  name: string;
  description: string;
  run(input: RunAgentInput, ctx: AgentRunContext): AsyncIterable<AgentEvent>;
}
