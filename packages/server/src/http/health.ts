import type { IncomingMessage, ServerResponse } from "node:http";
import type { AgentInfo } from "@backchannel/protocol";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import { safePath } from "../auth/credentials.js";
import { TICKET_PREFIX } from "../auth/tickets.js";
import { AuthError } from "../errors.js";
import type { Principal } from "../principal.js";
import { sendJson } from "./respond.js";

/** Who `/health` says the caller is, when it sent an `Authorization` header that verified. */
export interface HealthPrincipal {
  kind: Principal["kind"];
  id: string;
  /** When the credential expires, ms since epoch (absent for API keys). */
  expiresAt?: number;
  /** The same instant as ISO 8601, for people reading curl output. */
  expires?: string;
}

/**
 * Checks the `Authorization` header of a `/health` request, if it has one: `undefined`
 * without one (health answers as usual), the principal when it verifies, or an AuthError
 * (already reported to the auth failure log) with its `reason`. Tickets are refused unread:
 * they are single-use, and checking one here would spend it.
 */
export async function healthCredential(
  req: IncomingMessage,
  authenticator: Authenticator,
): Promise<HealthPrincipal | AuthError | undefined> {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const attempt = {
    transport: "http",
    credential: "header",
    remote: req.socket.remoteAddress,
    path: safePath(req),
  } as const;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) {
    return authenticator.refuse(
      attempt,
      new AuthError("Malformed Authorization header; send `Authorization: Bearer <API key or JWT>`", {
        reason: "malformed",
      }),
    );
  }
  if (m[1].startsWith(TICKET_PREFIX)) {
    return authenticator.refuse(
      attempt,
      new AuthError(
        "WebSocket tickets are single-use and not checked here; test the API key or JWT the ticket was minted with",
        { reason: "ticket_not_accepted" },
      ),
    );
  }
  let principal: Principal;
  try {
    principal = await authenticator.verify(m[1], attempt);
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  return {
    kind: principal.kind,
    id: principal.id,
    ...(principal.expiresAt !== undefined
      ? { expiresAt: principal.expiresAt, expires: new Date(principal.expiresAt).toISOString() }
      : {}),
  };
}

/** Features reported by `/health`, in the seed's words plus what Backchannel adds. */
export const FEATURES = [
  "WebSocket bidirectional communication",
  "LangGraph agent integration",
  "Real-time state synchronization",
  "Tool execution streaming",
  "Resumable runs (per-run sequence numbers)",
  "Run cancellation",
  "Heartbeats",
  "HTTP + Server-Sent Events fallback (AG-UI HTTP binding)",
];

/**
 * Answers `GET /health`: 200 `{status:"healthy",...}`, or 503 `{status:"degraded",...}` when a
 * dependency check fails. Without credentials that is all it says: which dependency failed,
 * and why, is for callers with a valid `Authorization` header (`failing: [{name}]`, plus the
 * error text only with `exposeErrors`); the full error is always logged. With a header that
 * does not verify the answer is a 401 `{ error: { code: "auth_failed", reason, message } }`.
 */
export async function answerHealth(
  req: IncomingMessage,
  res: ServerResponse,
  info: {
    service: string;
    agents: AgentInfo[];
    features: string[];
    checks: { name: string; check: () => Promise<void> }[];
    authenticator: Authenticator;
    exposeErrors?: boolean;
    logger?: Logger;
  },
): Promise<void> {
  const credential = await healthCredential(req, info.authenticator);
  if (credential instanceof AuthError) {
    sendJson(
      res,
      401,
      { error: { code: credential.code, reason: credential.reason, message: credential.message } },
      { "www-authenticate": 'Bearer realm="backchannel"' },
    );
    return;
  }
  const failing: { name: string; error: string }[] = [];
  await Promise.all(
    info.checks.map(async ({ name, check }) => {
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error("timed out after 3000 ms")), 3000).unref(),
          ),
        ]);
      } catch (err) {
        info.logger?.warn({ err, check: name }, "health check failed");
        failing.push({ name, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  // Raw dependency errors name hosts, users and schemas: never for anonymous callers.
  const detail =
    credential && failing.length ? failing.map((f) => (info.exposeErrors ? f : { name: f.name })) : undefined;
  const body = {
    status: failing.length ? "degraded" : "healthy",
    service: info.service,
    agents: info.agents,
    features: info.features,
    protocol: "backchannel.v1",
    ...(credential ? { principal: credential } : {}),
    ...(detail ? { failing: detail } : {}),
  };
  sendJson(res, failing.length ? 503 : 200, body);
}
