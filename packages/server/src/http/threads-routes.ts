import type { Logger } from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import type { RunCore } from "../core/run-core.js";
import { noThread, storeCall } from "../core/run-core.js";
import type { ThreadPersistence } from "../store/persistence.js";
import { decodeCursor, encodeCursor } from "../store/thread-store.js";
import { preflightRoute } from "./cors.js";
import { HttpError, type HttpHandler, httpRoute, refusalToHttp } from "./http-error.js";
import { authenticateRequest, checkOrigin } from "./request.js";
import { sendJson } from "./respond.js";
import type { RouteHandler } from "./router.js";

/** Threads per page when `?limit=` is absent. */
export const DEFAULT_THREAD_PAGE = 20;
/** Largest `?limit=`. */
export const MAX_THREAD_PAGE = 100;
/** Runs listed in `GET /threads/:threadId`. */
const RUNS_SHOWN = 20;
/** Longest `GET /threads/:threadId?settled=<runId>` waits for that run to be stored. */
export const SETTLED_WAIT_MS = 10_000;

/** What the thread routes need from the runtime. */
export interface ThreadRoutesHost {
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  route(method: string, pattern: string, handler: RouteHandler): void;
}

/**
 * Registers `GET /threads`, `GET /threads/:threadId` and `DELETE /threads/:threadId` (and
 * their CORS preflights) under the runtime's base path. `GET /threads/:threadId?settled=<runId>`
 * answers once that run has ended and its conversation is stored (up to `SETTLED_WAIT_MS`).
 */
export function installThreadRoutes(
  host: ThreadRoutesHost,
  core: Pick<RunCore, "deleteThread">,
  persistence: ThreadPersistence,
  allowedOrigins: readonly string[] | undefined,
): void {
  const wrap = (handler: HttpHandler): RouteHandler =>
    httpRoute({ logger: host.logger, allowedOrigins }, async (req, res, params) => {
      checkOrigin(req, allowedOrigins);
      await handler(req, res, params);
    });

  host.route(
    "GET",
    "/threads",
    wrap(async (req, res) => {
      const principal = await authenticateRequest(req, host.authenticator);
      const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
      const limit = parseLimit(query.get("limit"));
      const rawCursor = query.get("cursor");
      const cursor = rawCursor ? decodeCursor(rawCursor) : undefined;
      if (rawCursor && !cursor)
        throw new HttpError("bad_request", "Invalid cursor; pass back the nextCursor of the previous page");
      const threads = await guard(() =>
        persistence.store.listThreads(principal.id, { limit, ...(cursor ? { cursor } : {}) }),
      );
      const last = threads.at(-1);
      sendJson(res, 200, {
        threads,
        ...(threads.length === limit && last
          ? { nextCursor: encodeCursor({ updatedAt: last.updatedAt, threadId: last.threadId }) }
          : {}),
      });
    }),
  );

  host.route(
    "GET",
    "/threads/:threadId",
    wrap(async (req, res, params) => {
      const principal = await authenticateRequest(req, host.authenticator);
      const threadId = params.threadId ?? "";
      await allow(persistence, principal, threadId, "read");
      const settled = new URLSearchParams((req.url ?? "").split("?")[1] ?? "").get("settled");
      if (settled) await persistence.whenSaved(threadId, settled, SETTLED_WAIT_MS);
      const [thread, runs, activeRuns] = await guard(() =>
        Promise.all([
          persistence.store.getThread(threadId),
          persistence.store.listRuns(threadId, RUNS_SHOWN),
          persistence.liveRuns(threadId),
        ]),
      );
      if (!thread) throw notFound(threadId);
      const { ownerId: _owner, ...rest } = thread;
      sendJson(res, 200, {
        ...rest,
        runs: runs.map(({ principalId: _p, threadId: _t, ...r }) => r),
        activeRuns,
      });
    }),
  );

  host.route(
    "DELETE",
    "/threads/:threadId",
    wrap(async (req, res, params) => {
      const principal = await authenticateRequest(req, host.authenticator);
      const threadId = params.threadId ?? "";
      const deleted = await core.deleteThread(principal, threadId);
      if (!deleted.ok) throw refusalToHttp(deleted);
      res.writeHead(204, { "cache-control": "no-store" });
      res.end();
    }),
  );

  host.route("OPTIONS", "/threads", preflightRoute(allowedOrigins, "GET"));
  host.route("OPTIONS", "/threads/:threadId", preflightRoute(allowedOrigins, "GET, DELETE"));
}

async function allow(
  persistence: ThreadPersistence,
  principal: Parameters<ThreadPersistence["check"]>[0],
  threadId: string,
  action: "read" | "delete",
): Promise<void> {
  const verdict = await persistence.check(principal, threadId, action);
  if (verdict === "not_found") throw notFound(threadId);
  if (verdict === "forbidden") throw new HttpError("forbidden", "This thread belongs to another user");
}

function notFound(threadId: string): HttpError {
  return new HttpError("not_found", noThread(threadId));
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_THREAD_PAGE;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_THREAD_PAGE) {
    throw new HttpError("bad_request", `limit must be an integer from 1 to ${MAX_THREAD_PAGE}`);
  }
  return Number(raw);
}

/** Store failures become `unavailable` (503 with Retry-After: retry), not a 500. */
const guard = storeCall;
