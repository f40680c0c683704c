import type { WebSocket } from "ws";
import type { Session } from "../session/session.js";
import type { Transport } from "../session/transport.js";
import { ReadReceipts } from "./read-receipts.js";
import { encodeTextFrames } from "./ws-frames.js";

/** Characters of frames gathered in one turn before they are written anyway, so a long burst keeps moving. */
const MAX_PENDING_CHARS = 64 * 1024;

/** The `ws` internals the transport relies on (ws 8): its net.Socket, and its sender's queue. */
interface WsInternals {
  _socket?: NodeJS.EventEmitter & { write(data: Buffer): boolean; destroyed: boolean };
  _sender?: { _bufferedBytes?: number };
  _receiver?: { _maxPayload?: number };
}

/**
 * Adapts a `ws` WebSocket to the session's Transport.
 *
 * Frames sent in one turn of the event loop leave in one write: the first `send` of a turn
 * schedules a `process.nextTick`, which runs only once the microtasks of that turn (an
 * agent's whole burst of yields) have drained, and then writes every frame of the turn,
 * framed here (ws-frames.ts), as one Buffer. Each frame through `ws.send` would cost a header
 * buffer, two stream writes and, uncorked, a system call of its own; that was most of what a
 * token cost the server. Frames of a turn are not yet a slow reader, so `bufferedAmount`
 * reports only what the socket holds. Should `ws` itself hold queued frames (it does not with
 * compression off), frames go through `ws.send` to keep their order.
 *
 * Each write may carry a read-receipt probe (a ping, read-receipts.ts), which tells the outbox
 * when the reader is behind, so it can hold and merge deltas meanwhile (`behind`, `onCaughtUp`).
 */
export function wsTransport(ws: WebSocket): Transport {
  const internals = ws as unknown as WsInternals;
  const raw = internals._socket;
  const receipts = new ReadReceipts();
  ws.on("pong", (data: Buffer) => receipts.onPong(data));
  ws.once("close", () => receipts.close());
  /** Frames of the current turn (one array, reused). */
  const pending: string[] = [];
  let pendingChars = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    try {
      // Like ws.send on a closed socket: frames for a socket that is gone are dropped.
      if (ws.readyState !== ws.OPEN) return;
      const probe = receipts.probe(pending.length);
      if (!raw || raw.destroyed || internals._sender?._bufferedBytes !== 0) {
        for (const frame of pending) ws.send(frame);
        if (probe) ws.ping(probe);
      } else raw.write(encodeTextFrames(pending, probe));
    } finally {
      pending.length = 0;
      pendingChars = 0;
    }
  };
  return {
    send: (text) => {
      pending.push(text);
      pendingChars += text.length;
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
      if (pendingChars > MAX_PENDING_CHARS) flush();
    },
    close: (code, reason) => {
      flush();
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      // A peer that never answers the close handshake must not hold the socket open.
      const timer = setTimeout(() => ws.terminate(), 5_000);
      timer.unref();
      ws.once("close", () => clearTimeout(timer));
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get behind() {
      return ws.bufferedAmount > 0 || receipts.behind;
    },
    onCaughtUp(cb) {
      if (ws.bufferedAmount > 0) this.onDrain(() => this.onCaughtUp?.(cb));
      else receipts.onCaughtUp(cb);
    },
    get isOpen() {
      return ws.readyState === ws.OPEN;
    },
    limitInbound(maxBytes) {
      // ws checks `_maxPayload` against each frame's declared length (closing with 1009), so a
      // socket still authenticating cannot make us buffer a 1 MiB frame first.
      if (internals._receiver && typeof internals._receiver._maxPayload === "number") {
        internals._receiver._maxPayload = maxBytes;
      }
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
