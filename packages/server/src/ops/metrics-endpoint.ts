/**
 * Serving the metrics: `GET <basePath>/metrics` behind a bearer token (`metrics.token`,
 * env METRICS_TOKEN), or plain `GET /metrics` on a separate listen address (`metrics.port`,
 * env METRICS_PORT) that only the monitoring network reaches. Never both open and public.
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { sendError } from "../http/respond.js";
import type { RuntimeMetrics } from "./metrics.js";

/** Answers a scrape with the exposition text. */
async function answer(metrics: RuntimeMetrics, res: ServerResponse): Promise<void> {
  const { contentType, body } = await metrics.exposition();
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The `GET <basePath>/metrics` handler on the main server. Without a token it answers 404
 * (metrics are then served only on the separate listener, if any): the main port is usually
 * public, and metrics name agents and traffic.
 */
export function metricsRoute(
  metrics: RuntimeMetrics,
  token: string | undefined,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (!token) {
      return sendError(
        res,
        404,
        "not_found",
        "Metrics are not served on this port: set METRICS_TOKEN (metrics.token) or METRICS_PORT (metrics.port)",
      );
    }
    if (!bearerMatches(req, token)) {
      res.setHeader("www-authenticate", 'Bearer realm="metrics"');
      return sendError(
        res,
        401,
        "auth_failed",
        "Send the metrics token as 'Authorization: Bearer <METRICS_TOKEN>'",
      );
    }
    await answer(metrics, res);
  };
}

/**
 * Starts a separate HTTP server answering `GET /metrics` (no token: protect it by where it
 * listens). Resolves once it listens; `close()` stops it.
 */
export async function listenMetrics(
  metrics: RuntimeMetrics,
  opts: { port: number; host?: string },
): Promise<{ server: Server; port: number; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return sendError(res, 404, "not_found", "Scrape GET /metrics");
    if (req.method !== "GET") return sendError(res, 405, "method_not_allowed", "Use GET /metrics");
    answer(metrics, res).catch(() => res.destroy());
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    server,
    port,
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
