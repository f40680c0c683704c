import type { IncomingMessage, ServerResponse } from "node:http";

const ALLOWED_HEADERS = "authorization, content-type, accept, last-event-id";
const EXPOSED_HEADERS = "x-backchannel-run-id, retry-after";

function allowedOrigin(req: IncomingMessage, allowed: readonly string[] | undefined): string | undefined {
  const origin = req.headers.origin;
  if (!origin || !allowed || allowed.length === 0) return undefined;
  return allowed.includes(origin) || allowed.includes("*") ? origin : undefined;
}

/**
 * CORS for browsers calling the HTTP routes from another origin. Only for origins listed in
 * `allowedOrigins`: without a list nothing is advertised (same-origin pages and proxies, such
 * as the Next.js route, need none). Credentials travel in `Authorization`, never in cookies,
 * so `Access-Control-Allow-Credentials` is not sent.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: readonly string[] | undefined,
): void {
  const origin = allowedOrigin(req, allowed);
  res.setHeader("vary", "Origin");
  if (!origin) return;
  res.setHeader("access-control-allow-origin", origin);
  res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
}

/** Answers a CORS preflight for a route served with `method`. */
export function preflightRoute(allowed: readonly string[] | undefined, method: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const origin = allowedOrigin(req, allowed);
    const headers: Record<string, string> = { vary: "Origin", "content-length": "0" };
    if (origin) {
      headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-methods"] = `${method}, OPTIONS`;
      headers["access-control-allow-headers"] = ALLOWED_HEADERS;
      headers["access-control-max-age"] = "600";
    }
    res.writeHead(origin ? 204 : 403, headers);
    res.end();
  };
}
