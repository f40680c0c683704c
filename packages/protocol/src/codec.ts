import { BEARER_SUBPROTOCOL_PREFIX } from "./constants.js";
import type { ServerFrame } from "./frames.js";

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The subprotocol that carries `token` on the upgrade request: `bearer.<base64url(token)>`.
 * @example new WebSocket(url, [SUBPROTOCOL, bearerSubprotocol(jwt)])
 */
export function bearerSubprotocol(token: string): string {
  return BEARER_SUBPROTOCOL_PREFIX + toBase64Url(new TextEncoder().encode(token));
}

/** The token inside a `bearer.<base64url>` subprotocol, or `undefined` if `value` is not one. */
export function tokenFromSubprotocol(value: string): string | undefined {
  if (!value.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return undefined;
  const encoded = value.slice(BEARER_SUBPROTOCOL_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(encoded));
  } catch {
    return undefined;
  }
}

/**
 * Parses a server frame without schema validation (the client trusts its server and
 * must stay small). Returns `undefined` for anything that is not an object with a `type`.
 */
export function decodeServerFrame(text: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string") {
    return undefined;
  }
  return value as ServerFrame;
}
