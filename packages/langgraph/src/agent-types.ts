/**
 * The agent contract this package implements, from `@backchannel/server` (types only:
 * nothing of the server is loaded at runtime).
 * @module
 */
export type { Agent, AgentContext, AgentEvent } from "@backchannel/server";
