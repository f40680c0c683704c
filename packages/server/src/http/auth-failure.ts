/**
 * HTTP routes report refused credentials through the runtime's one auth-failure point (which
 * counts `backchannel_auth_failures_total` and logs), with the client address as the trusted
 * proxies allow.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { AuthFailureReason } from "../ops/metrics.js";
import { clientAddress, type TrustProxy } from "./client-address.js";
import type { HttpError } from "./http-error.js";

/** What the reporter needs from the runtime. */
export interface AuthFailureHost {
  readonly logger: Logger;
  readonly trustProxy?: TrustProxy;
  reportAuthFailure?(reason: AuthFailureReason, fields?: Record<string, unknown>): void;
}

/** The `onAuthFailed` hook of `httpRoute` for `host`. */
export function httpAuthFailureReporter(
  host: AuthFailureHost,
): (req: IncomingMessage, err: HttpError) => void {
  return (req, err) => {
    const fields = {
      detail: err.message,
      remote: clientAddress(req, host.trustProxy ?? false),
      transport: "http",
    };
    if (host.reportAuthFailure) host.reportAuthFailure("invalid_credentials", fields);
    else host.logger.info({ reason: "invalid_credentials", ...fields }, "auth failed");
  };
}
