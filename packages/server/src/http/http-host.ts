import type { TicketIssuer } from "../auth/tickets.js";
import type { SessionHost } from "../session/session-host.js";
import type { TrustProxy } from "./client-address.js";
import type { CopilotKitBindingOptions } from "./copilotkit-options.js";
import type { RouteHandler } from "./router.js";

/** What the HTTP binding needs from the runtime. Implemented by CopilotKitSDK. */
export interface HttpHost extends SessionHost {
  /** e.g. `/copilotkit`; "" when mounted at the root. */
  readonly basePath: string;
  /** Registers a route relative to `basePath`. */
  route(method: string, pattern: string, handler: RouteHandler): void;
  /** Authenticated connections, WebSockets and SSE streams (for the server-wide connection limit). */
  stats(): { authenticated: number };
  /** Proxies whose X-Forwarded-For is believed for the client address; optional. */
  readonly trustProxy?: TrustProxy;
}

/** Settings of the HTTP binding, taken from the SDK options. */
export interface HttpBindingConfig {
  /** Same allow-list as the WebSocket; also enables CORS for exactly these origins. */
  allowedOrigins: readonly string[] | undefined;
  /** Mints the WebSocket tickets `/connect` hands out. */
  tickets: TicketIssuer;
  /** Public origin of this server (e.g. `https://api.example.com`) for URLs in `/connect`. */
  publicUrl: string | undefined;
  /** CopilotKit's runtime routes (`/info`, `/agent/:id/...`); `false` turns them off. */
  copilotKit?: CopilotKitBindingOptions | false;
}
