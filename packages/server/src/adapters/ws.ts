import type { WebSocket } from "ws";
import type { Session } from "../session/session.js";
import type { Transport } from "../session/transport.js";

/** Adapts a `ws` WebSocket to the session's Transport. */
export function wsTransport(ws: WebSocket): Transport {
  return {
    send: (text) => ws.send(text),
    close: (code, reason) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      // A peer that never answers the close handshake must not hold the socket open.
      const timer = setTimeout(() => ws.terminate(), 5_000);
      timer.unref();
      ws.once("close", () => clearTimeout(timer));
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get isOpen() {
      return ws.readyState === ws.OPEN;
    },
    onDrain(cb) {
      // `ws` has no drain event of its own; the underlying net.Socket does. Poll as a fallback
      // in case the kernel buffer drained before we started listening.
      const raw = (ws as unknown as { _socket?: NodeJS.EventEmitter })._socket;
      let done = false;
      const fire = () => {
        if (done) return;
        done = true;
        raw?.off("drain", fire);
        clearInterval(poll);
        cb();
      };
      raw?.once("drain", fire);
      const poll = setInterval(() => {
        if (ws.bufferedAmount === 0 || ws.readyState !== ws.OPEN) fire();
      }, 25);
      poll.unref();
    },
  };
}

/** Wires a `ws` socket's events into a session. */
export function bindSession(ws: WebSocket, session: Session): void {
  ws.on("message", (data, isBinary) => {
    try {
      session.onMessage(
        Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data),
        isBinary,
      );
    } catch (err) {
      // A bug in frame handling must cost this socket, never the process or other sessions.
      session.fail(err);
    }
  });
  ws.on("close", () => session.onClose());
  ws.on("error", () => {
    // 'close' follows every 'error' in ws; the session is cleaned up there.
  });
}
