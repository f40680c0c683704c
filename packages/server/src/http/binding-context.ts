import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthTransport } from "../auth/failure-log.js";
import type { Principal } from "../principal.js";
import type { HttpBindingConfig, HttpHost } from "./http-host.js";
import type { SseStream } from "./sse-stream.js";

/**
 * What a route of the HTTP binding uses of it: the runtime, the settings, authentication with
 * the request budget, and admitted SSE streams. `HttpBinding` implements it; the routes depend
 * on this rather than on the class, which imports them.
 */
export interface HttpBindingContext {
  readonly host: HttpHost;
  readonly config: HttpBindingConfig;
  /** The request's principal (401 without valid credentials), charged against its request budget. */
  authenticate(req: IncomingMessage, transport?: AuthTransport): Promise<Principal>;
  /** Admits an SSE stream on `res`, counted against the connection limits. */
  openStream(res: ServerResponse, principal: Principal): SseStream;
  /** Throws 503 `service_restart` while the runtime drains (a draining node starts nothing new). */
  refuseWhileDraining(): void;
}
