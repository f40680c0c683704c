/**
 * The proxying itself: which headers cross, how bodies are bounded, how answers stream back.
 * Web-standard Request/Response only, so it runs in the App Router's Node.js runtime (and
 * anywhere else with fetch).
 * @module
 */

/** Request headers the browser may pass to the backend. Cookies and the browser's own Authorization never do. */
const FORWARDED_REQUEST_HEADERS = ["accept", "content-type", "last-event-id"];

/** Response headers the backend may pass to the browser. Never cookies or hop-by-hop headers. */
const FORWARDED_RESPONSE_HEADERS = [
  "content-type",
  "cache-control",
  "retry-after",
  "www-authenticate",
  "x-backchannel-run-id",
];

/** A JSON error in the backend's own shape, `{ error: { code, message } }`. */
export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}

/** The headers to send upstream: the allow-listed browser headers plus the server-side auth ones. */
export function upstreamHeaders(request: Request, auth: HeadersInit): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  // Auth last, so nothing from the browser can override it.
  new Headers(auth).forEach((value, name) => {
    headers.set(name, value);
  });
  return headers;
}

/** Reads the request body, refusing more than `maxBytes` (413) without buffering past it. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array | Response> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(maxBytes: number): Response {
  return jsonError(
    413,
    "payload_too_large",
    `Request body exceeds ${maxBytes} bytes; send less history or state`,
  );
}

/**
 * The backend's answer as the browser's: status and allow-listed headers, and the body as
 * the same stream (never read here, so SSE events pass through as they are produced).
 */
export function relay(upstream: Response): Response {
  const headers = new Headers();
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (headers.get("content-type")?.startsWith("text/event-stream")) {
    // Reverse proxies in front of Next.js (nginx, some CDNs) buffer unless told not to.
    headers.set("x-accel-buffering", "no");
    headers.set("cache-control", "no-cache, no-store, no-transform");
  }
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
}
