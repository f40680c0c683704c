import type { IncomingMessage } from "node:http";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "@backchannel/protocol";
import type { AuthAttempt, Authenticator } from "../auth/authenticator.js";
import { safePath } from "../auth/credentials.js";
import type { AuthTransport } from "../auth/failure-log.js";
import { isOriginAllowed } from "../auth/origin.js";
import { AuthError } from "../errors.js";
import type { Principal } from "../principal.js";
import { clientAddress, type TrustProxy } from "./client-address.js";
import { HttpError } from "./http-error.js";

/** How long a client may take to send a request body, in ms. */
const BODY_TIMEOUT_MS = 30_000;

/**
 * The principal behind `Authorization: Bearer <token>` (the only credential the HTTP routes
 * read: query strings end up in logs and browser history). 401 with `WWW-Authenticate` when
 * missing or refused.
 */
export async function authenticateRequest(
  req: IncomingMessage,
  auth: Authenticator,
  transport: AuthTransport = "http",
  trustProxy: TrustProxy = false,
): Promise<Principal> {
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const attempt: AuthAttempt = {
    transport,
    credential: header ? "header" : "none",
    remote: clientAddress(req, trustProxy),
    path: safePath(req),
  };
  if (!m?.[1]) {
    if (!header) {
      try {
        return auth.unauthenticated(
          attempt,
          "Invalid or missing API key: send `Authorization: Bearer <API key or JWT>`",
        );
      } catch (err) {
        throw err instanceof AuthError ? unauthorized(err) : err;
      }
    }
    const malformed = new AuthError(
      "Malformed Authorization header; send `Authorization: Bearer <API key or JWT>`",
      { reason: "malformed" },
    );
    if (auth.anonymous) return auth.unauthenticated(attempt);
    throw unauthorized(auth.refuse(attempt, malformed));
  }
  try {
    return await auth.verify(m[1], attempt);
  } catch (err) {
    if (err instanceof AuthError) throw unauthorized(err);
    throw err;
  }
}

/** 401 for a refused credential (already reported by the authenticator), with `WWW-Authenticate`. */
export function unauthorized(err: AuthError): HttpError {
  return new HttpError("auth_failed", err.message, {
    headers: { "www-authenticate": 'Bearer realm="backchannel"' },
    cause: err,
  });
}

/** The value of query parameter `name` in a request URL (`req.url`), or null when it has none. */
export function queryParam(url: string | undefined, name: string): string | null {
  const q = url?.indexOf("?") ?? -1;
  return q >= 0 ? new URLSearchParams(url!.slice(q + 1)).get(name) : null;
}

/** 403 when the request's Origin is not in `allowedOrigins` (same rule as the WebSocket). */
export function checkOrigin(req: IncomingMessage, allowed: readonly string[] | undefined): void {
  if (!isOriginAllowed(req, allowed)) throw new HttpError("forbidden", "Origin not allowed");
}

/** 406 unless the client accepts `text/event-stream` (an absent Accept, or a wildcard, does). */
export function checkAcceptsEventStream(req: IncomingMessage): void {
  const accept = req.headers.accept;
  if (!accept) return;
  if (/text\/event-stream|text\/\*|\*\/\*/i.test(accept)) return;
  throw new HttpError(
    "not_acceptable",
    "This endpoint streams Server-Sent Events; send `Accept: text/event-stream`",
  );
}

/**
 * Reads and parses a JSON body of at most `maxBytes`: 415 for another content type, 413
 * when larger (the connection is closed rather than drained), 400 when not JSON or nested
 * deeper than MAX_JSON_DEPTH, 408 when it does not arrive within 30 s. An empty body parses
 * as `undefined`.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers["content-type"];
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError("unsupported_media_type", "Send the body as `Content-Type: application/json`");
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(req, maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      req.destroy();
      reject(new HttpError("request_timeout", `Request body not received within ${BODY_TIMEOUT_MS} ms`));
    }, BODY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(tooLarge(req, maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new HttpError("bad_request", "Request body could not be read", { cause: err }));
    };
    const onClose = () => {
      if (!req.readableEnded) onError(new Error("client closed the connection mid-body"));
    };
    const cleanup = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
  if (size === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks, size).toString("utf8"));
  } catch (err) {
    throw new HttpError("bad_request", "Request body is not valid JSON", { cause: err });
  }
  // Checked before the value leaves the parser: nothing past here ever holds a too-deep value.
  if (exceedsJsonDepth(value)) {
    throw new HttpError(
      400,
      "bad_request",
      `Request body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels; flatten the state or message`,
    );
  }
  return value;
}

function tooLarge(req: IncomingMessage, maxBytes: number): HttpError {
  // Reading the rest would let a client make us consume any amount; answer and close instead.
  req.pause();
  return new HttpError(
    "payload_too_large",
    `Request body exceeds ${maxBytes} bytes; send less history or state`,
    {
      headers: { connection: "close" },
    },
  );
}
