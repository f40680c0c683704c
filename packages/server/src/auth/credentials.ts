import type { IncomingMessage } from "node:http";
import { BEARER_SUBPROTOCOL_PREFIX, tokenFromSubprotocol } from "@backchannel/protocol";

/** Where a credential came from; logged (never the credential itself). */
export type CredentialSource = "header" | "subprotocol" | "query" | "ticket" | "frame";

/**
 * Finds a credential on an upgrade (or HTTP) request, in order: `Authorization: Bearer`,
 * the `bearer.<base64url>` subprotocol, then `?api_key=` (accepted for the seed's sake —
 * the URL is never logged) and `?ticket=` (single-use WebSocket tickets).
 */
export function credentialFromRequest(
  req: IncomingMessage,
): { token: string; source: CredentialSource } | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m?.[1]) return { token: m[1], source: "header" };
  }
  const protocols = req.headers["sec-websocket-protocol"];
  if (protocols) {
    for (const p of protocols.split(",")) {
      const value = p.trim();
      if (value.startsWith(BEARER_SUBPROTOCOL_PREFIX)) {
        const token = tokenFromSubprotocol(value);
        if (token) return { token, source: "subprotocol" };
      }
    }
  }
  const url = req.url ?? "";
  const q = url.indexOf("?");
  if (q >= 0) {
    const params = new URLSearchParams(url.slice(q + 1));
    const apiKey = params.get("api_key");
    if (apiKey) return { token: apiKey, source: "query" };
    const ticket = params.get("ticket");
    if (ticket) return { token: ticket, source: "ticket" };
  }
  return undefined;
}

/** The request path without the query string (safe to log: query strings may hold credentials). */
export function safePath(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q >= 0 ? url.slice(0, q) : url;
}
