/**
 * The provider's connection props are the copilot session's; the adaptation to `createClient`
 * options lives in `@backchannel/client`.
 * @module
 */
export type { ConnectionProps, HeadersOption, TransportMode } from "@backchannel/client";
export { bearerFrom, toClientOptions, toSocketUrl } from "@backchannel/client";
