/**
 * The SSE transport is loaded on first use: most clients never use it, and bundlers that split
 * code keep it (and `eventsource-parser`) out of the main chunk.
 * @module
 */
import type { Endpoint, Transport, TransportHandlers } from "../transport.js";
import type { SseTransportConfig } from "./sse-transport.js";

const load = () => import("./sse-transport.js");

/** Opens an SSE transport, loading its code first; until then it is connecting and sends nothing. */
export function openSseLazily(
  config: SseTransportConfig,
  endpoint: Endpoint,
  handlers: TransportHandlers,
): Transport {
  let inner: Transport | null = null;
  let dropped = false;
  load().then(
    ({ openSseTransport }) => {
      if (!dropped) inner = openSseTransport(config, endpoint, handlers);
    },
    (err: unknown) => {
      if (!dropped) handlers.onClose(1006, `Could not load the SSE transport (${String(err)})`);
    },
  );
  return {
    kind: "sse",
    send: (frame) => inner?.send(frame) ?? false,
    close(code, reason) {
      if (inner) return inner.close(code, reason);
      dropped = true;
      queueMicrotask(() => handlers.onClose(code, reason));
    },
    abandon(code, reason) {
      dropped = true;
      inner?.abandon(code, reason);
    },
  };
}
