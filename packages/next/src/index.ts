/**
 * @backchannel/next: the Next.js App Router route between the browser and the agent backend.
 * @module
 */
export type { AuthHeaders, CopilotRouteOptions } from "./options.js";
export { DEFAULTS } from "./options.js";
export type { CopilotRouteHandlers, RouteContext, RouteHandler } from "./route-handlers.js";
export { createCopilotRouteHandlers } from "./route-handlers.js";
