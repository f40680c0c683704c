/**
 * `createCopilotRouteHandlers`: the seed's `app/api/copilotkit/[...path]/route.ts`, done
 * properly. The browser talks to its own origin with its session cookie; this route swaps the
 * cookie for server-side credentials (`getAuthHeaders`) and forwards to the agent backend.
 * @module
 */

import { jsonError, readBody, relay, upstreamHeaders } from "./forward.js";
import { type AuthHeaders, type CopilotRouteOptions, DEFAULTS } from "./options.js";

/** The second argument Next.js passes to a route handler of `[...path]`. */
export interface RouteContext {
  params?: Promise<{ path?: string[] | string }> | { path?: string[] | string };
}

/** A Next.js App Router route handler. */
export type RouteHandler = (request: Request, context?: RouteContext) => Promise<Response>;

/** What `createCopilotRouteHandlers` returns: export both from `route.ts`. */
export interface CopilotRouteHandlers {
  GET: RouteHandler;
  POST: RouteHandler;
  DELETE: RouteHandler;
}

type Method = "GET" | "POST" | "DELETE";

/** Sub-paths this route forwards, by method. Anything else is a 404 without a backend call. */
const ROUTES: { method: Method; pattern: RegExp; auth: boolean }[] = [
  { method: "GET", pattern: /^health$/, auth: false },
  { method: "POST", pattern: /^connect$/, auth: true },
  { method: "POST", pattern: /^agents\/[^/]+\/run$/, auth: true },
  { method: "GET", pattern: /^runs\/[^/]+\/events$/, auth: true },
  { method: "POST", pattern: /^runs\/[^/]+\/cancel$/, auth: true },
  { method: "GET", pattern: /^threads$/, auth: true },
  { method: "GET", pattern: /^threads\/[^/]+$/, auth: true },
  { method: "DELETE", pattern: /^threads\/[^/]+$/, auth: true },
  // CopilotKit's runtime routes, for CopilotKit frontends pointed at this route unchanged.
  { method: "GET", pattern: /^info$/, auth: true },
  { method: "POST", pattern: /^agent\/[^/]+\/(run|connect)$/, auth: true },
  { method: "POST", pattern: /^agent\/[^/]+\/stop\/[^/]+$/, auth: true },
];

/**
 * Creates the `GET` and `POST` handlers for `app/api/copilotkit/[...path]/route.ts`.
 *
 * - `POST /connect` → the backend's `/connect` with the user's credentials: the browser gets
 *   the WebSocket URL and a short-lived single-use ticket for it (never the credentials), and
 *   `sseBase` pointing back at this route for the HTTP fallback.
 * - `POST /agents/:name/run`, `GET /runs/:id/events`, `POST /runs/:id/cancel` → forwarded with
 *   the credentials; SSE answers stream through unbuffered.
 * - `GET /threads`, `GET|DELETE /threads/:id` → the backend's thread history routes.
 * - `GET /health` → passed through (no credentials needed).
 * - `GET /info`, `POST /agent/:id/run|connect`, `POST /agent/:id/stop/:threadId` → CopilotKit's
 *   runtime routes (see docs/migrating-from-copilotkit.md), with the credentials.
 *
 * State-changing requests (POST, DELETE) from another origin are refused (403): the route
 * authenticates by cookie, so this is its CSRF defence. List other origins in `allowedOrigins`.
 *
 * @example
 * // app/api/copilotkit/[...path]/route.ts
 * import { createCopilotRouteHandlers } from "@backchannel/next";
 * import { getAuthHeaders } from "@/lib/api/backend-auth";
 * export const runtime = "nodejs";
 * export const dynamic = "force-dynamic";
 * export const { GET, POST, DELETE } = createCopilotRouteHandlers({
 *   backendUrl: process.env.AGENT_BACKEND_URL ?? "http://localhost:8000/copilotkit",
 *   getAuthHeaders,
 * });
 */
export function createCopilotRouteHandlers(options: CopilotRouteOptions): CopilotRouteHandlers {
  let backend: URL;
  try {
    backend = new URL(options.backendUrl);
  } catch {
    throw new TypeError(
      `createCopilotRouteHandlers: backendUrl must be an absolute URL such as "http://localhost:8000/copilotkit" (got ${JSON.stringify(options.backendUrl)})`,
    );
  }
  if (typeof options.getAuthHeaders !== "function") {
    throw new TypeError(
      "createCopilotRouteHandlers: pass getAuthHeaders, returning e.g. { Authorization: 'Bearer <the user JWT>' }",
    );
  }
  const base = backend.href.replace(/\/+$/, "");
  const prefix = `/${(options.routePrefix ?? DEFAULTS.routePrefix).replace(/^\/+|\/+$/g, "")}`;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const timeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  const allowedOrigins = new Set(options.allowedOrigins ?? []);

  async function handle(method: Method, request: Request, context?: RouteContext): Promise<Response> {
    const url = new URL(request.url);
    const sub = await subPath(url, prefix, context);
    // Dot segments would let a path climb out of the backend's base path once fetch normalizes it.
    const candidates = sub.split("/").some((seg) => seg === "." || seg === "..")
      ? []
      : ROUTES.filter((r) => r.pattern.test(sub));
    if (candidates.length === 0)
      return jsonError(404, "not_found", `No Backchannel route at ${prefix}/${sub}`);
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      return jsonError(405, "method_not_allowed", `${method} is not supported on ${prefix}/${sub}`);
    }
    if (method !== "GET" && !sameOrigin(request, allowedOrigins)) {
      return jsonError(
        403,
        "forbidden",
        "Cross-origin request refused; add the origin to allowedOrigins if it is yours",
      );
    }

    let auth: AuthHeaders = {};
    if (route.auth) {
      let headers: AuthHeaders | null | undefined;
      try {
        headers = await options.getAuthHeaders(request);
      } catch {
        headers = null;
      }
      if (!headers) return jsonError(401, "auth_failed", "Not signed in; sign in and retry");
      auth = headers;
    }
    let body: Uint8Array | undefined;
    if (method === "POST") {
      const read = await readBody(request, maxBodyBytes);
      if (read instanceof Response) return read;
      body = read;
    }
    const target = `${base}/${sub}${url.search}`;
    // The browser going away closes the upstream stream too (the run itself goes on; it resumes).
    // The timeout covers only the wait for headers: an SSE body may stream for as long as the run.
    const upstreamAbort = new AbortController();
    const onClientGone = () => upstreamAbort.abort(request.signal.reason);
    if (request.signal.aborted) onClientGone();
    else request.signal.addEventListener("abort", onClientGone, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      upstreamAbort.abort(new Error("backend timeout"));
    }, timeoutMs);
    const signal = upstreamAbort.signal;
    let upstream: Response;
    try {
      upstream = await doFetch(target, {
        method,
        headers: upstreamHeaders(request, auth),
        ...(body ? { body: body as BodyInit } : {}),
        signal,
        redirect: "manual",
        cache: "no-store",
      });
    } catch (err) {
      request.signal.removeEventListener("abort", onClientGone);
      if (timedOut)
        return jsonError(504, "backend_timeout", `The agent backend did not answer within ${timeoutMs} ms`);
      if (request.signal.aborted) return jsonError(499, "client_closed", "The client went away");
      const reason = err instanceof Error ? err.message : String(err);
      return jsonError(
        502,
        "backend_unavailable",
        `Could not reach the agent backend (${reason}); check backendUrl and that it is running`,
      );
    } finally {
      clearTimeout(timer);
    }
    if (sub === "connect" && upstream.ok) return rewriteConnect(upstream, url, prefix, options.publicWsUrl);
    return relay(upstream);
  }

  return {
    GET: (request, context) => handle("GET", request, context),
    POST: (request, context) => handle("POST", request, context),
    DELETE: (request, context) => handle("DELETE", request, context),
  };
}

/**
 * Whether a cookie-authenticated request comes from this app: no `Origin` (same-origin GETs,
 * server-side callers), an `Origin` whose scheme, host and port are the ones the request was
 * addressed to (behind a proxy, `X-Forwarded-Proto` / `X-Forwarded-Host`), or a listed origin. Browsers always send `Origin` on
 * cross-origin POSTs, so a foreign page cannot start runs with the user's cookie.
 */
function sameOrigin(request: Request, allowed: Set<string>): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return request.headers.get("sec-fetch-site") !== "cross-site";
  if (allowed.has(origin)) return true;
  let from: string;
  let site: string;
  try {
    from = new URL(origin).origin;
    site = siteOrigin(request);
  } catch {
    return false;
  }
  // Scheme, host and port: `http://app` must not pass for `https://app` (a network attacker
  // who can serve plain-HTTP pages on the same name would otherwise get the user's cookie's power).
  return from !== "null" && from === site;
}

/**
 * The origin the browser addressed: scheme from `X-Forwarded-Proto` (TLS usually ends at a
 * proxy in front of Next.js) or the request URL, host and port from `X-Forwarded-Host`,
 * `Host` or the request URL. Default ports are normalized away by URL.
 */
function siteOrigin(request: Request): string {
  const url = new URL(request.url);
  const first = (name: string) => request.headers.get(name)?.split(",")[0]?.trim() || undefined;
  const proto = first("x-forwarded-proto")?.replace(/:$/, "") ?? url.protocol.replace(/:$/, "");
  const host = first("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  return new URL(`${proto}://${host}`).origin;
}

/** The part of the path after the route prefix, from Next's params or the URL. */
async function subPath(url: URL, prefix: string, context: RouteContext | undefined): Promise<string> {
  const params = await context?.params;
  const path = params?.path;
  if (path !== undefined) return (Array.isArray(path) ? path : [path]).map(encodeURIComponent).join("/");
  const pathname = url.pathname;
  const rest = pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length + 1) : "";
  return rest.replace(/\/+$/, "");
}

/** Points the discovery answer's URLs at what the browser can reach. */
async function rewriteConnect(
  upstream: Response,
  url: URL,
  prefix: string,
  publicWsUrl: string | undefined,
): Promise<Response> {
  const answer = (await upstream.json()) as Record<string, unknown>;
  // SSE goes through this route (same origin, cookie-authenticated): the browser never needs a token for it.
  answer.sseBase = `${url.origin}${prefix}`;
  if (publicWsUrl) answer.wsUrl = publicWsUrl;
  return Response.json(answer, { status: upstream.status, headers: { "cache-control": "no-store" } });
}
