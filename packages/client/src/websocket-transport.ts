/**
 * The WebSocket transport: one socket, frames as JSON text, credentials in the handshake
 * (`Sec-WebSocket-Protocol: backchannel.v1, bearer.<token>`) or, with `authMode: "frame"`, in
 * an `auth` frame sent the moment the socket opens.
 * @module
 */
import { bearerSubprotocol, decodeServerFrame, SUBPROTOCOL } from "@backchannel/protocol";
import { openSocket, type WebSocketConstructor } from "./socket.js";
import type { OpenTransport } from "./transport.js";

/** What the WebSocket transport needs. */
export interface WebSocketTransportConfig {
  WebSocket: WebSocketConstructor;
  authMode: "subprotocol" | "frame";
}

/** Opens WebSocket transports with `config`. */
export function webSocketTransport(config: WebSocketTransportConfig): OpenTransport {
  return (endpoint, handlers) => {
    const token = endpoint.socketToken;
    const frameAuth = config.authMode === "frame";
    const protocols = token && !frameAuth ? [SUBPROTOCOL, bearerSubprotocol(token)] : [SUBPROTOCOL];
    const socket = openSocket(config.WebSocket, endpoint.wsUrl, protocols, {
      onOpen: () => {
        if (token && frameAuth) socket.send(JSON.stringify({ type: "auth", token }));
        handlers.onOpen();
      },
      onText: (text) => {
        const frame = decodeServerFrame(text);
        if (frame) handlers.onFrame(frame);
        else handlers.onUnreadable();
      },
      onClose: (code, reason) => handlers.onClose(code, reason),
    });
    return {
      kind: "websocket",
      send: (frame, encoded) => socket.send(encoded ?? JSON.stringify(frame)),
      close: (code, reason) => socket.close(code, reason),
      abandon: (code, reason) => socket.abandon(code, reason),
    };
  };
}
