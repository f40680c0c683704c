/**
 * Where the provider opens its socket and how it authenticates, decided before any client
 * exists. An explicit `wsUrl` wins; otherwise the runtime at `runtimeUrl` (often a same-origin
 * proxy route such as `/api/copilotkit`) is asked at `${runtimeUrl}/connect`, so nothing about
 * the backend is hard-coded in the browser.
 * @module
 */
import { BackchannelError } from "@backchannel/client";

/** Which transport to use. `"auto"` prefers the WebSocket and falls back to SSE where the runtime offers it. */
export type TransportMode = "auto" | "websocket" | "sse";

/** Extra HTTP headers for the discovery request: an object, or a function called per request. */
export type HeadersOption =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

/** What `resolveConnection` takes: the connection-related props of `<CopilotKit>`. */
export interface ResolveConnectionOptions {
  /** HTTP base of the runtime, e.g. `/api/copilotkit`. Discovery asks `${runtimeUrl}/connect`. */
  runtimeUrl?: string;
  /** Explicit socket URL (`ws://`, `wss://`, or a path resolved against the page). Skips discovery. */
  wsUrl?: string;
  /** Headers for the discovery request. With `wsUrl`, a `Authorization: Bearer <t>` header supplies the token. */
  headers?: HeadersOption;
  /** Called before every (re)connect for a fresh token. Takes precedence over tokens from headers or discovery. */
  getToken?: () => string | Promise<string>;
  /** @default "auto" */
  transport?: TransportMode;
  /** Cancels a discovery request in flight (the provider unmounted or its props changed). */
  signal?: AbortSignal;
  /** The page's URL, to resolve relative URLs against. @default globalThis.location.href */
  baseUrl?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Where and how to connect. */
export interface ConnectionTarget {
  /** Absolute `ws://`/`wss://` URL of the socket. */
  url: string;
  /** Token source for the client; undefined for anonymous runtimes. */
  getToken: (() => string | Promise<string>) | undefined;
  /** The transport chosen. */
  transport: "websocket" | "sse";
  /** Base URL of the runtime's SSE routes, when discovery offered them. */
  sseUrl: string | undefined;
}

/**
 * What `POST ${runtimeUrl}/connect` answers (the server's `ConnectResponse`; see the server's
 * HTTP docs). Fields beyond these are ignored here.
 */
export interface DiscoveryResponse {
  /** Socket URL, absolute or relative to the runtime URL. */
  wsUrl: string;
  /** Short-lived, single-use credential for the socket; fetched anew for every (re)connect. */
  ticket?: string;
  /** Base URL of the runtime's HTTP/SSE routes (the SSE fallback). */
  sseBase?: string;
  /** Transports the runtime offers, preferred first. */
  transports?: ("websocket" | "sse")[];
}

function pageUrl(baseUrl: string | undefined): string {
  const loc = (globalThis as { location?: { href?: string } }).location?.href;
  return baseUrl ?? loc ?? "http://localhost/";
}

/** Turns `wsUrl` (absolute, `http(s)://`, or a path) into an absolute `ws(s)://` URL. */
export function toSocketUrl(wsUrl: string, base: string): string {
  const url = new URL(wsUrl, base);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new BackchannelError(
      "connection_failed",
      `The socket URL ${JSON.stringify(wsUrl)} is not a ws:// or wss:// URL. Check the wsUrl prop or what ${"`/connect`"} returns.`,
    );
  }
  return url.href;
}

async function readHeaders(headers: HeadersOption | undefined): Promise<Record<string, string>> {
  if (!headers) return {};
  return typeof headers === "function" ? await headers() : headers;
}

function bearerFrom(headers: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== "authorization") continue;
    const match = /^Bearer\s+(.+)$/i.exec(value.trim());
    if (match) return match[1];
  }
  return undefined;
}

function joinPath(runtimeUrl: string, segment: string): string {
  const [path = "", query] = runtimeUrl.split("?", 2);
  const joined = `${path.replace(/\/+$/, "")}/${segment}`;
  return query === undefined ? joined : `${joined}?${query}`;
}

/** Asks the runtime where its socket is. Throws a `BackchannelError` that says what to fix. */
export async function discover(
  runtimeUrl: string,
  options: Pick<ResolveConnectionOptions, "headers" | "signal" | "baseUrl" | "fetch">,
): Promise<DiscoveryResponse & { endpoint: string }> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const endpoint = new URL(joinPath(runtimeUrl, "connect"), pageUrl(options.baseUrl)).href;
  let response: Response;
  try {
    response = await doFetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await readHeaders(options.headers)) },
      body: "{}",
      credentials: "same-origin",
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new BackchannelError(
      "connection_failed",
      `Could not reach the runtime at ${endpoint}: ${(err as Error).message}. Check that runtimeUrl points at your copilot route and the server is up.`,
      { cause: err },
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new BackchannelError(
      "auth_failed",
      `The runtime refused the connection request (${response.status} at ${endpoint}). Sign in again, or check the headers/getToken props.`,
    );
  }
  if (!response.ok) {
    throw new BackchannelError(
      "connection_failed",
      `The runtime answered ${response.status} at ${endpoint}. Check runtimeUrl (it should be the route your proxy serves, e.g. "/api/copilotkit"), or pass the socket URL as wsUrl.`,
    );
  }
  const body = (await response.json().catch(() => null)) as Partial<DiscoveryResponse> | null;
  if (!body || typeof body.wsUrl !== "string") {
    throw new BackchannelError(
      "protocol_error",
      `${endpoint} did not answer with { wsUrl }. Is runtimeUrl a Backchannel runtime (or a proxy to one)?`,
    );
  }
  return { ...body, wsUrl: body.wsUrl, endpoint };
}

/**
 * Decides the socket URL and token source. With `wsUrl` nothing is fetched; otherwise the
 * runtime's discovery endpoint is asked once now, and again for each reconnect when it hands
 * out single-use tickets.
 */
export async function resolveConnection(options: ResolveConnectionOptions): Promise<ConnectionTarget> {
  const mode = options.transport ?? "auto";
  const base = pageUrl(options.baseUrl);
  if (mode === "sse") {
    throw new BackchannelError(
      "connection_failed",
      'transport="sse" is not available in this version of @backchannel/react; use "auto" or "websocket".',
    );
  }
  if (options.wsUrl) {
    const headers = options.headers;
    const getToken =
      options.getToken ??
      (headers
        ? async () => {
            const token = bearerFrom(await readHeaders(headers));
            if (token === undefined) return "";
            return token;
          }
        : undefined);
    return { url: toSocketUrl(options.wsUrl, base), getToken, transport: "websocket", sseUrl: undefined };
  }
  if (!options.runtimeUrl) {
    throw new BackchannelError(
      "connection_failed",
      "<CopilotKit> needs runtimeUrl (your runtime's HTTP route, e.g. /api/copilotkit) or wsUrl.",
    );
  }
  const runtimeUrl = options.runtimeUrl;
  const first = await discover(runtimeUrl, options);
  const url = toSocketUrl(first.wsUrl, first.endpoint);
  let spare: string | undefined = first.ticket;
  const getToken =
    options.getToken ??
    (first.ticket === undefined
      ? undefined
      : async () => {
          // Tickets are single-use: hand out the one we have, then fetch a fresh one per reconnect.
          if (spare !== undefined) {
            const ticket = spare;
            spare = undefined;
            return ticket;
          }
          const next = await discover(runtimeUrl, { ...options, signal: undefined });
          return next.ticket ?? "";
        });
  const sseUrl = first.sseBase === undefined ? undefined : new URL(first.sseBase, first.endpoint).href;
  return { url, getToken, transport: "websocket", sseUrl };
}
