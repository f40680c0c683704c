import { WebSocket } from "ws";

/** A raw protocol peer for tests: a real `ws` socket that records every frame it receives. */
export interface Peer {
  ws: WebSocket;
  /** Every parsed frame received so far. */
  frames: any[];
  /** The negotiated subprotocol. */
  protocol: string;
  send(frame: unknown): void;
  /** Resolves with the first frame (past or future) matching `pred`. */
  next(pred: (f: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves when the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** All `event` frames of `runId`, resolved once its terminal event arrives. */
  runEvents(runId: string, timeoutMs?: number): Promise<any[]>;
  close(): void;
}

export interface PeerOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  origin?: string;
  /** Wait for `ready` before resolving. @default true */
  awaitReady?: boolean;
}

/** Opens a socket; resolves once open (and `ready` arrived unless awaitReady is false). */
export async function connectPeer(url: string, opts: PeerOptions = {}): Promise<Peer> {
  const ws = new WebSocket(url, opts.protocols ?? ["backchannel.v1"], {
    headers: opts.headers,
    ...(opts.origin ? { origin: opts.origin } : {}),
  });
  const frames: any[] = [];
  const waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  ws.on("message", (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: String(reason) }));
  });
  ws.on("error", () => {});
  const peer: Peer = {
    ws,
    frames,
    get protocol() {
      return ws.protocol;
    },
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next(pred, timeoutMs = 5000) {
      const found = frames.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(entry), 1);
          reject(new Error(`timed out waiting for a frame; got ${JSON.stringify(frames.slice(-5))}`));
        }, timeoutMs);
        const entry = {
          pred,
          resolve: (f: any) => {
            clearTimeout(timer);
            resolve(f);
          },
        };
        waiters.push(entry);
      });
    },
    closed,
    async runEvents(runId, timeoutMs = 10_000) {
      await peer.next(
        (f) =>
          f.type === "event" &&
          f.runId === runId &&
          (f.event.type === "RUN_FINISHED" || f.event.type === "RUN_ERROR"),
        timeoutMs,
      );
      return frames.filter((f) => f.type === "event" && f.runId === runId);
    },
    close: () => ws.close(),
  };
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
    );
    closed.then((c) => reject(new Error(`closed before open: ${c.code} ${c.reason}`)));
  });
  if (opts.awaitReady !== false) {
    await Promise.race([
      peer.next((f) => f.type === "ready"),
      closed.then((c) => {
        throw new Error(`closed before ready: ${c.code} ${c.reason}`);
      }),
    ]);
  }
  return peer;
}

let counter = 0;
/** A minimal valid RunAgentInput. */
export function runInput(overrides: Record<string, unknown> = {}): any {
  counter++;
  return {
    threadId: `thread-${counter}`,
    runId: `run-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    messages: [{ id: `m-${counter}`, role: "user", content: "hello" }],
    tools: [],
    context: [],
    state: {},
    forwardedProps: {},
    ...overrides,
  };
}

/** Sends a `run` frame and returns its runId. */
export function startRun(peer: Peer, agent: string, overrides: Record<string, unknown> = {}): string {
  const input = runInput(overrides);
  peer.send({ type: "run", id: `req-${input.runId}`, agent, input });
  return input.runId;
}
