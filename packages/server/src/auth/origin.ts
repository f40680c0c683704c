import type { IncomingMessage } from "node:http";

/**
 * Whether the request's Origin may connect. With no allow-list every origin is accepted.
 * Requests without an Origin header (server-side clients; browsers always send one on a
 * WebSocket upgrade) are accepted, since Origin protects browsers' ambient credentials only.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allowed.includes(origin) || allowed.includes("*");
}
