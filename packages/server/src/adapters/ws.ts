import type { WebSocket } from "ws";
import type { Session } from "../session/session.js";
import type { Transport } from "../session/transport.js";

/** Bytes of frames gathered in one cork before they are flushed anyway, so a long burst keeps moving. */
const MAX_CORKED_CHARS = 64 * 1024;

/**
 * Adapts a `ws` WebSocket to the session's Transport.
 *
 * Frames sent in one turn of the event loop leave in one `writev`: the first `send` corks the
 * socket and a `process.nextTick` uncorks it, which runs only once the microtasks of that
 * turn (an agent's whole burst of yields) have drained. Otherwise each frame costs a system
 * call, and that call is most of what a token costs the server. Corked bytes are not a slow
 * reader, so `bufferedAmount` reports what was buffered before the cork.
 */
export function wsTransport(ws: WebSocket): Transport {
  const raw = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  let corked = false;
  let corkedChars = 0;
  let before = 0;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    raw?.uncork();
  };
  return {
    send: (text) => {
      if (!corked && raw) {
        before = ws.bufferedAmount;
        corked = true;
        corkedChars = 0;
        raw.cork();
        process.nextTick(uncork);
      }
      ws.send(text);
      corkedChars += text.length;
      if (corkedChars > MAX_CORKED_CHARS) uncork();
    },
    close: (code, reason) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      // A peer that never answers the close handshake must not hold the socket open.
      const timer = setTimeout(() => ws.terminate(), 5_000);
      timer.unref();
      ws.once("close", () => clearTimeout(timer));
    },
    get bufferedAmount() {
      return corked ? before : ws.bufferedAmount;
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
