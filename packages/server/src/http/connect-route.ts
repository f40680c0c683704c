import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { PROTOCOL_DEFAULTS, SUBPROTOCOL } from "@backchannel/protocol";
import type { HttpBindingContext } from "./binding-context.js";
import { HttpError, type HttpHandler } from "./http-error.js";
import { checkOrigin, readJsonBody } from "./request.js";
import { sendJson } from "./respond.js";

/** The answer of `POST <base>/connect`. Documented in docs/http.md. */
export interface ConnectResponse {
  protocol: typeof SUBPROTOCOL;
  /** Transports this server offers, preferred first. */
  transports: ("websocket" | "sse")[];
  /** Absolute WebSocket URL, e.g. `wss://api.example.com/copilotkit/ws`. */
  wsUrl: string;
  /** The WebSocket path, for callers that build the URL against another host. */
  wsPath: string;
  /** Base URL of the HTTP routes (`<sseBase>/agents/:name/run`, `<sseBase>/runs/:id/events`). */
  sseBase: string;
  /** Single-use WebSocket credential, bound to the caller; absent when `{ "ticket": false }` was sent. */
  ticket?: string;
  /** When the ticket stops being redeemable, ms since epoch. */
  ticketExpiresAt?: number;
  /** What a WebSocket `ready` frame would say: who you are, agents and limits. */
  principal: { id: string; kind: string };
  agents: { name: string; description: string }[];
  heartbeatMs: number;
  idleTimeoutMs: number;
  maxFrameBytes: number;
  resumeRetentionMs: number;
  /** The largest `?mergeMs=` a stream request may ask for (see docs/http.md). */
  maxMergeMs: number;
  /** When the caller's credentials expire, ms since epoch. */
  expiresAt?: number;
}

/**
 * The origin clients should use for this server: `publicUrl` when configured, else the
 * request's `X-Forwarded-Proto`/`X-Forwarded-Host` (a TLS-terminating proxy in front) or its
 * own Host. These headers only shape the URLs echoed back to the same caller.
 */
function publicOrigin(req: IncomingMessage, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, "");
  const first = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h)?.split(",")[0]?.trim();
  const forwardedProto = first(req.headers["x-forwarded-proto"]);
  const proto =
    forwardedProto === "https" || forwardedProto === "http"
      ? forwardedProto
      : (req.socket as TLSSocket).encrypted === true
        ? "https"
        : "http";
  const host = first(req.headers["x-forwarded-host"]) || req.headers.host;
  if (!host || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    throw new HttpError("bad_request", "Missing or invalid Host header (or configure publicUrl)");
  }
  return `${proto}://${host}`;
}

/**
 * `POST <base>/connect`: discovery plus a WebSocket ticket. A trusted caller (the Next.js
 * route, with the user's credentials) gets the socket URL and a short-lived single-use ticket
 * to hand the browser, which opens the socket with it in the `bearer.<base64url>` subprotocol.
 * Body (optional): `{ "ticket": false }` to skip minting (SSE-only clients).
 */
export function connectRoute(binding: HttpBindingContext): HttpHandler {
  const host = binding.host;
  return async (req, res) => {
    checkOrigin(req, binding.config.allowedOrigins);
    binding.refuseWhileDraining();
    const principal = await binding.authenticate(req);
    const body = (await readJsonBody(req, 4096)) as { ticket?: unknown } | undefined;
    if (body !== undefined && (typeof body !== "object" || body === null || Array.isArray(body))) {
      throw new HttpError("bad_request", 'Body must be a JSON object such as {} or { "ticket": false }');
    }
    const origin = publicOrigin(req, binding.config.publicUrl);
    const wsPath = `${host.basePath}/ws`;
    const answer: ConnectResponse = {
      protocol: SUBPROTOCOL,
      transports: ["websocket", "sse"],
      wsUrl: `${origin.replace(/^http/, "ws")}${wsPath}`,
      wsPath,
      sseBase: `${origin}${host.basePath}`,
      principal: { id: principal.id, kind: principal.kind },
      agents: host.agentInfos(),
      heartbeatMs: host.heartbeatMs,
      idleTimeoutMs: host.idleTimeoutMs,
      maxFrameBytes: host.limits.maxFrameBytes,
      resumeRetentionMs: host.resumeRetentionMs,
      maxMergeMs: PROTOCOL_DEFAULTS.maxMergeMs,
      ...(principal.expiresAt ? { expiresAt: principal.expiresAt } : {}),
    };
    if (body?.ticket !== false) {
      const issued = await binding.config.tickets.mint(principal);
      answer.ticket = issued.ticket;
      answer.ticketExpiresAt = issued.expiresAt;
    }
    sendJson(res, 200, answer);
  };
}
