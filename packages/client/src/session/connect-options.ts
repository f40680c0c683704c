/**
 * A copilot session's connection options (the same as React's `<CopilotKit>` props) as
 * `createClient` options. Discovery (`runtimeUrl` → `POST ${runtimeUrl}/connect` → socket URL
 * and single-use ticket) and the SSE fallback live in the client; this only adapts what apps
 * pass: relative socket URLs, headers, and a bearer token given as a header.
 * @module
 */
import type { ClientOptions } from "../options.js";

/** Which transport to use. `"auto"` prefers the WebSocket and falls back to SSE where it cannot connect. */
export type TransportMode = "auto" | "websocket" | "sse";

/** Extra HTTP headers for requests to the runtime: an object, or a function called per request. */
export type HeadersOption =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

/** How a copilot session connects: the connection-related props of `<CopilotKit>`. */
export interface ConnectionProps {
  /** HTTP base of the runtime, e.g. `/api/copilotkit` (discovery asks `${runtimeUrl}/connect`). */
  runtimeUrl?: string;
  /** Explicit socket URL (`ws://`, `wss://`, or a path resolved against the page). Skips discovery. */
  wsUrl?: string;
  /** Headers for HTTP requests to the runtime (discovery, SSE). With `wsUrl`, `Authorization: Bearer <t>` supplies the socket's token. */
  headers?: HeadersOption;
  /** Called before every (re)connect for a fresh token. */
  getToken?: () => string | Promise<string>;
  /** @default "auto" with runtimeUrl, "websocket" with wsUrl */
  transport?: TransportMode;
  /** Passed through: a WebSocket implementation (Node), reconnect backoff, timeouts, fetch. */
  clientOptions?: Omit<ClientOptions, "url" | "token" | "getToken" | "onError" | "runtimeUrl" | "transport">;
}

function pageUrl(): string {
  return (globalThis as { location?: { href?: string } }).location?.href ?? "http://localhost/";
}

/** Turns `wsUrl` (absolute, `http(s)://`, or a path) into an absolute `ws(s)://` URL. */
export function toSocketUrl(wsUrl: string, base = pageUrl()): string {
  const url = new URL(wsUrl, base);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  return url.href;
}

async function readHeaders(headers: HeadersOption): Promise<Record<string, string>> {
  return typeof headers === "function" ? await headers() : headers;
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerFrom(headers: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== "authorization") continue;
    const match = /^Bearer\s+(.+)$/i.exec(value.trim());
    if (match) return match[1];
  }
  return undefined;
}

/** A fetch that adds `headers` to every request it did not set itself. */
function fetchWithHeaders(headers: HeadersOption, base: typeof fetch | undefined): typeof fetch {
  return async (input, init = {}) => {
    const merged = new Headers(init.headers);
    for (const [name, value] of Object.entries(await readHeaders(headers))) {
      if (!merged.has(name)) merged.set(name, value);
    }
    return (base ?? globalThis.fetch)(input, { ...init, headers: merged });
  };
}

/**
 * `createClient` options for the provider's props. Throws a `TypeError` naming the prop when
 * neither `runtimeUrl` nor `wsUrl` is given.
 */
export function toClientOptions(props: ConnectionProps): ClientOptions {
  const { wsUrl, runtimeUrl, headers, getToken, transport, clientOptions } = props;
  if (!wsUrl && !runtimeUrl) {
    throw new TypeError(
      'A copilot session (<CopilotKit>) needs runtimeUrl (your runtime\'s HTTP route, e.g. "/api/copilotkit") or wsUrl.',
    );
  }
  const options: ClientOptions = {
    ...clientOptions,
    ...(transport === undefined ? {} : { transport }),
    ...(headers ? { fetch: fetchWithHeaders(headers, clientOptions?.fetch) } : {}),
  };
  if (wsUrl) {
    options.url = toSocketUrl(wsUrl);
    if (getToken) options.getToken = getToken;
    else if (headers) options.getToken = async () => bearerFrom(await readHeaders(headers)) ?? "";
  } else {
    options.runtimeUrl = runtimeUrl;
    if (getToken) options.getToken = getToken;
  }
  return options;
}
