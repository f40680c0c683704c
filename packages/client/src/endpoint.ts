/**
 * Endpoint resolution, the step before every connection attempt: which URLs to use and which
 * credentials to present. With `url`, that is the URL and the token (`getToken()` is called
 * afresh). With `runtimeUrl`, it is discovery: `POST <runtimeUrl>/connect` answers with the
 * WebSocket URL, a single-use ticket for it and the HTTP base (see `discovery.ts`).
 * @module
 */
import { discover } from "./discovery.js";
import type { Endpoint } from "./transport.js";

/** The HTTP base for a socket URL: `wss://h/copilotkit/ws` → `https://h/copilotkit`. */
export function httpBaseFromWsUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.search = "";
  url.hash = "";
  return url.href.replace(/\/ws\/?$/, "").replace(/\/+$/, "");
}

/** What endpoint resolution needs from the options. */
export interface EndpointSource {
  url: string | undefined;
  runtimeUrl: string | undefined;
  token: string | undefined;
  getToken: (() => string | Promise<string>) | undefined;
  /** Ask discovery for a WebSocket ticket (not when the transport is SSE only). */
  wantsTicket: boolean;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Resolves endpoints for one client. */
export interface EndpointResolver {
  /** Where the next attempt goes and with what; throws what `getToken` or discovery threw. */
  resolve(): Promise<Endpoint>;
  /** Whether `resolve()` can yield fresh credentials (`getToken` or `runtimeUrl`), for refreshes before expiry. */
  readonly refreshes: boolean;
}

/** The resolver for `source`; nothing happens until `resolve()` is called. */
export function createEndpointResolver(source: EndpointSource): EndpointResolver {
  const token = async () => (source.getToken ? await source.getToken() : source.token);
  const runtimeUrl = source.runtimeUrl;
  if (runtimeUrl === undefined) {
    const wsUrl = source.url!;
    const httpBase = httpBaseFromWsUrl(wsUrl);
    return {
      refreshes: source.getToken !== undefined,
      async resolve() {
        const t = await token();
        return { wsUrl, httpBase, socketToken: t, httpToken: t };
      },
    };
  }
  return {
    refreshes: true,
    async resolve() {
      const userToken = (await token()) || undefined;
      const info = await discover(runtimeUrl, {
        fetch: source.fetch,
        token: userToken,
        ticket: source.wantsTicket,
        timeoutMs: source.timeoutMs,
      });
      // The ticket opens the socket; HTTP requests carry the caller's own token (or none behind a proxy).
      return {
        wsUrl: info.wsUrl,
        httpBase: info.sseBase,
        socketToken: info.ticket ?? userToken,
        httpToken: userToken,
      };
    },
  };
}
