/**
 * @backchannel/protocol: the WebSocket binding for AG-UI shared by server and client.
 * Plain data and tiny helpers only; zod validators live in `@backchannel/protocol/validate`.
 * @module
 */

export type { BaseEvent, Context, Message, RunAgentInput, State, Tool } from "@ag-ui/core";
export * from "./close-codes.js";
export * from "./codec.js";
export * from "./constants.js";
export * from "./error-codes.js";
export * from "./frames.js";
export * from "./http-status.js";
export * from "./ids.js";
export * from "./json-depth.js";
