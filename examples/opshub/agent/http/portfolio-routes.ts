/**
 * The app's data API next to the agent runtime: `GET /api/portfolio` (the book for the
 * holdings table), `GET /api/portfolio/info` (fund, NAV and model, for the header) and
 * `GET /api/portfolio/nav` (history and exposures). All require the same credentials as the WebSocket.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AuthError, type Authenticator, sendError, sendJson } from "@backchannel/server";
import type { Database } from "better-sqlite3";
import { exposureBreakdown } from "../portfolio/exposures.js";
import { navHistory, navSummary } from "../portfolio/nav.js";
import { loadBook } from "../portfolio/valuation.js";

/** What `/api/portfolio/info` reports besides the fund. */
export interface RuntimeInfo {
  model: { label: string; offline: boolean };
  auth: "supabase" | "local";
}

const PATHS = new Set(["/api/portfolio", "/api/portfolio/info", "/api/portfolio/nav"]);

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7).trim() : undefined;
}

/**
 * A handler for the data routes; resolves false for other paths.
 * @example createServer((req, res) => sdk.handleHttp(req, res).then((done) => done || routes(req, res)))
 */
export function createPortfolioRoutes(db: Database, authenticator: Authenticator, info: RuntimeInfo) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0];
    if (!PATHS.has(path ?? "")) return false;
    if (req.method !== "GET") {
      sendError(res, 405, "method_not_allowed", `${req.method} is not supported on ${path}; use GET`);
      return true;
    }
    const token = bearer(req);
    const attempt = {
      transport: "http",
      credential: token ? "header" : "none",
      remote: req.socket.remoteAddress,
      path,
    } as const;
    if (!token) {
      const message = "Sign in first: send Authorization: Bearer <session token>";
      authenticator.refuse(attempt, new AuthError(message, { reason: "missing" }));
      sendError(res, 401, "unauthorized", message);
      return true;
    }
    try {
      await authenticator.verify(token, attempt);
    } catch (err) {
      sendError(res, 401, "unauthorized", (err as Error).message);
      return true;
    }
    const book = loadBook(db);
    if (path === "/api/portfolio/info") {
      sendJson(res, 200, { fund: book.fund, nav: navSummary(db, book), ...info });
      return true;
    }
    if (path === "/api/portfolio/nav") {
      sendJson(res, 200, {
        summary: navSummary(db, book),
        history: navHistory(db),
        exposures: {
          assetClass: exposureBreakdown(book, "assetClass").rows,
          region: exposureBreakdown(book, "region").rows,
          currency: exposureBreakdown(book, "currency").rows,
        },
      });
      return true;
    }
    sendJson(res, 200, { fund: book.fund, navUsd: book.navUsd, holdings: book.holdings });
    return true;
  };
}
